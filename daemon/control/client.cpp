#include "control/client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace tarat::control {

using nlohmann::json;

namespace {

class FileDescriptor {
public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    ~FileDescriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

std::string describe_errno(const std::filesystem::path& path, int error_number) {
    return "cannot connect to '" + path.string() + "': " + std::strerror(error_number);
}

// Waits for `events` on fd until the deadline; the revents, or 0 on timeout.
short wait_for(int fd, short events, std::chrono::steady_clock::time_point deadline) {
    for (;;) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return 0;
        pollfd watched{fd, events, 0};
        const int rc = ::poll(&watched, 1, static_cast<int>(std::min<long long>(left.count(), 1 << 30)));
        if (rc > 0) return watched.revents;
        if (rc == 0) return 0;
        if (errno != EINTR) throw std::system_error(errno, std::generic_category(), "poll");
    }
}

void connect_to(int fd, const std::filesystem::path& path, std::chrono::steady_clock::time_point deadline) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.native().size() >= sizeof address.sun_path)
        throw Unreachable(describe_errno(path, ENAMETOOLONG), ENAMETOOLONG);
    path.native().copy(address.sun_path, sizeof address.sun_path - 1);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0) return;
    if (errno == EAGAIN)  // the listen backlog is full
        throw Unreachable(describe_errno(path, EAGAIN) + " (the server is not accepting connections)", EAGAIN);
    if (errno != EINPROGRESS && errno != EINTR) throw Unreachable(describe_errno(path, errno), errno);
    if (wait_for(fd, POLLOUT, deadline) == 0) throw Unreachable(describe_errno(path, ETIMEDOUT), ETIMEDOUT);
    int pending = 0;
    socklen_t length = sizeof pending;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &pending, &length) != 0) pending = errno;
    if (pending != 0) throw Unreachable(describe_errno(path, pending), pending);
}

json parse_reply(const std::string& line, const std::filesystem::path& path) {
    json reply;
    try {
        reply = json::parse(line);
    } catch (const json::parse_error& e) {
        throw ProtocolError("malformed reply from '" + path.string() + "': " + e.what());
    }
    if (!reply.is_object() || !reply.contains("result") || !reply["result"].is_number_integer() ||
        !reply.contains("text") || !reply["text"].is_string())
        throw ProtocolError("malformed reply from '" + path.string() +
                            "': expected an object with an integer \"result\" and a string \"text\"");
    if (!reply.contains("arguments")) reply["arguments"] = json::object();
    if (!reply["arguments"].is_object())
        throw ProtocolError("malformed reply from '" + path.string() + "': \"arguments\" is not an object");
    return reply;
}

}  // namespace

json request(const std::filesystem::path& socket_path, const json& req, std::chrono::milliseconds timeout) {
    std::string payload;
    try {
        payload = req.dump() + "\n";
    } catch (const json::type_error& e) {
        throw std::invalid_argument(std::string("control request cannot be encoded: ") + e.what());
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    FileDescriptor socket{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)};
    if (socket.get() < 0) throw std::system_error(errno, std::generic_category(), "socket(AF_UNIX)");
    connect_to(socket.get(), socket_path, deadline);

    std::size_t sent = 0;
    bool writing = true;
    std::string received;
    char chunk[65536];
    for (;;) {
        const short revents = wait_for(socket.get(), static_cast<short>(POLLIN | (writing ? POLLOUT : 0)), deadline);
        if (revents == 0)
            throw ProtocolError("no reply from '" + socket_path.string() + "' within " +
                                std::to_string(timeout.count()) + " ms");
        if (revents & (POLLIN | POLLHUP | POLLERR)) {
            const ssize_t n = ::recv(socket.get(), chunk, sizeof chunk, 0);
            if (n > 0) {
                const std::size_t scanned = received.size();
                received.append(chunk, static_cast<std::size_t>(n));
                if (auto end = received.find('\n', scanned); end != std::string::npos)
                    return parse_reply(received.substr(0, end), socket_path);
                if (received.size() > kMaxReplyBytes)
                    throw ProtocolError("reply from '" + socket_path.string() + "' exceeds " +
                                        std::to_string(kMaxReplyBytes) + " bytes");
                continue;
            }
            if (n == 0) throw ProtocolError("'" + socket_path.string() + "' closed the connection before replying");
            if (errno != EAGAIN && errno != EINTR)
                throw ProtocolError("reading the reply from '" + socket_path.string() + "' failed: " +
                                    std::strerror(errno));
        }
        if (writing && (revents & (POLLOUT | POLLERR))) {
            const ssize_t n = ::send(socket.get(), payload.data() + sent, payload.size() - sent, MSG_NOSIGNAL);
            if (n >= 0) {
                sent += static_cast<std::size_t>(n);
                writing = sent < payload.size();
            } else if (errno == EPIPE || errno == ECONNRESET) {
                writing = false;  // the server gave up on the request; its reply may still be readable
            } else if (errno != EAGAIN && errno != EINTR) {
                throw ProtocolError("sending the request to '" + socket_path.string() + "' failed: " +
                                    std::strerror(errno));
            }
        }
    }
}

}  // namespace tarat::control
