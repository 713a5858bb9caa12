#pragma once
// Who is at the other end of a control connection, and whether they may change things.
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace tarat::control {

struct Peer {
    uid_t uid = static_cast<uid_t>(-1);
    gid_t gid = static_cast<gid_t>(-1);  // the peer process's effective gid at connect time
    pid_t pid = 0;
    std::vector<gid_t> groups;           // sorted, unique; includes gid and the passwd primary group
    std::string user;                    // the passwd name, or the uid as digits when there is none

    bool in_group(gid_t group) const;
};

// SO_PEERCRED of a connected AF_UNIX socket: uid, gid and pid only. Throws std::system_error.
Peer peer_credentials(int connected_fd);

// Fills user and groups from the user database (getpwuid_r + getgrouplist). This may consult
// NSS (LDAP, sssd…); the server calls it once per accepted connection.
void add_user_and_groups(Peer& peer);

// peer_credentials + add_user_and_groups.
Peer read_peer_credentials(int connected_fd);

std::optional<uid_t> find_user_id(const std::string& user_name);
std::optional<gid_t> find_group_id(const std::string& group_name);

// Who may run admin commands: root, the service user, and members of the admin group.
struct AdminRule {
    std::optional<uid_t> service_uid;
    std::optional<gid_t> admin_gid;

    bool allows(const Peer& peer) const;
    bool operator()(const Peer& peer) const { return allows(peer); }
};

}  // namespace tarat::control
