#include "control/peer.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

namespace tarat::control {

bool Peer::in_group(gid_t group) const {
    return gid == group || std::binary_search(groups.begin(), groups.end(), group);
}

Peer peer_credentials(int connected_fd) {
    ucred credentials{};
    socklen_t length = sizeof credentials;
    if (::getsockopt(connected_fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0)
        throw std::system_error(errno, std::generic_category(), "getsockopt(SO_PEERCRED)");
    Peer peer;
    peer.uid = credentials.uid;
    peer.gid = credentials.gid;
    peer.pid = credentials.pid;
    peer.groups = {credentials.gid};
    peer.user = std::to_string(credentials.uid);
    return peer;
}

namespace {

std::size_t initial_buffer_size(int name) {
    const long suggested = ::sysconf(name);
    return suggested > 0 ? static_cast<std::size_t>(suggested) : 16384;
}

// getpwuid_r/getpwnam_r/getgrnam_r all return ERANGE when the buffer is small: grow and retry.
template <typename Entry, typename Lookup>
bool lookup_entry(Entry& entry, int size_hint, Lookup lookup) {
    std::vector<char> buffer(initial_buffer_size(size_hint));
    for (int attempt = 0; attempt < 8; ++attempt) {
        Entry* found = nullptr;
        const int rc = lookup(&entry, buffer.data(), buffer.size(), &found);
        if (rc == ERANGE) {
            buffer.resize(buffer.size() * 4);
            continue;
        }
        if (rc != 0 || found == nullptr) return false;
        return true;
    }
    return false;
}

}  // namespace

void add_user_and_groups(Peer& peer) {
    passwd entry{};
    std::vector<char> buffer(initial_buffer_size(_SC_GETPW_R_SIZE_MAX));
    passwd* found = nullptr;
    for (int attempt = 0; attempt < 8; ++attempt) {
        const int rc = ::getpwuid_r(peer.uid, &entry, buffer.data(), buffer.size(), &found);
        if (rc != ERANGE) break;
        buffer.resize(buffer.size() * 4);
        found = nullptr;
    }
    std::vector<gid_t> groups{peer.gid};
    if (found != nullptr) {
        peer.user = entry.pw_name;
        std::vector<gid_t> listed(64);
        for (int attempt = 0; attempt < 8; ++attempt) {
            int count = static_cast<int>(listed.size());
            if (::getgrouplist(entry.pw_name, entry.pw_gid, listed.data(), &count) != -1) {
                groups.insert(groups.end(), listed.begin(), listed.begin() + count);
                break;
            }
            // glibc reports the number it needs in count; grow at least twofold regardless.
            listed.resize(std::max(static_cast<std::size_t>(std::max(count, 0)), listed.size() * 2));
        }
        groups.push_back(entry.pw_gid);
    } else {
        peer.user = std::to_string(peer.uid);
    }
    std::sort(groups.begin(), groups.end());
    groups.erase(std::unique(groups.begin(), groups.end()), groups.end());
    peer.groups = std::move(groups);
}

Peer read_peer_credentials(int connected_fd) {
    Peer peer = peer_credentials(connected_fd);
    add_user_and_groups(peer);
    return peer;
}

std::optional<uid_t> find_user_id(const std::string& user_name) {
    passwd entry{};
    const bool found = lookup_entry(entry, _SC_GETPW_R_SIZE_MAX,
                                    [&](passwd* out, char* buffer, std::size_t size, passwd** result) {
                                        return ::getpwnam_r(user_name.c_str(), out, buffer, size, result);
                                    });
    if (!found) return std::nullopt;
    return entry.pw_uid;
}

std::optional<gid_t> find_group_id(const std::string& group_name) {
    group entry{};
    const bool found = lookup_entry(entry, _SC_GETGR_R_SIZE_MAX,
                                    [&](group* out, char* buffer, std::size_t size, group** result) {
                                        return ::getgrnam_r(group_name.c_str(), out, buffer, size, result);
                                    });
    if (!found) return std::nullopt;
    return entry.gr_gid;
}

bool AdminRule::allows(const Peer& peer) const {
    if (peer.uid == 0) return true;
    if (service_uid && peer.uid == *service_uid) return true;
    return admin_gid && peer.in_group(*admin_gid);
}

}  // namespace tarat::control
