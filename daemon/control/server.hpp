#pragma once
// The control socket: accepts local connections and answers one JSON line with one JSON line.
#include "control/command_table.hpp"
#include "control/peer.hpp"

#include <boost/asio/io_context.hpp>
#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>

namespace tarat::control {

struct Limits {
    std::size_t max_line = 64 * 1024;  // bytes in one request line, without its "\n"
    // Closes a connection that has not sent a whole request line, or not taken its reply, for this
    // long, whatever it sent before: a byte a second does not keep a connection.
    std::chrono::milliseconds idle_timeout = std::chrono::seconds(30);
    std::size_t max_connections = 256;
    std::size_t max_per_uid = 16;
    // Slots beyond max_connections that only administrators (root, the service user, admin_group)
    // may take, each within max_per_uid: readers holding every connection cannot lock them out.
    std::size_t admin_reserve = 32;
    // Bytes of replies written but not yet taken by their clients, all sessions together. Past it a
    // reply is replaced by a "busy" error (a reply is always sent when nothing else is waiting).
    std::size_t max_queued_output = std::size_t{64} << 20;
};

// True when something accepts connections at `path`; false when nothing is there or the file is
// a dead socket. Throws std::system_error when it cannot tell (EACCES, say).
bool socket_answers(const std::filesystem::path& path);

namespace detail {
struct ServerState;
}

// listen() found a live server answering at the socket path.
class AlreadyRunning : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Everything runs on the one thread that runs the io_context (no strands: do not run it on
// several); the server never blocks it. Call listen(), adopt(), stop() and the destructor from
// that thread, or while the io_context is not running. The CommandTable must outlive the
// Server; handlers run on the loop thread, so they must be quick.
class Server {
public:
    Server(boost::asio::io_context& io, const CommandTable& commands, Limits limits,
           std::function<bool(const Peer&)> is_admin);
    ~Server();  // stop()
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Removes a stale socket file (nobody answers on it), binds, chmods to `mode`, listens.
    // Throws AlreadyRunning when a live server answers there, std::runtime_error when the path
    // is not a socket or too long, std::system_error on other failures.
    void listen(const std::filesystem::path& socket_path, mode_t mode = 0660);

    // Takes over a listening AF_UNIX stream socket (systemd socket activation); closes it on
    // stop() but never unlinks its path. Throws std::invalid_argument for any other fd.
    void adopt(int listening_fd);

    // Closes the acceptor and every session, unlinks the socket file listen() created (if it is
    // still the same file). Idempotent.
    void stop();

    // Called on the loop after each request is answered, with how long its command ran (the reply
    // may still be being written).
    void after_each_run(std::function<void(std::chrono::steady_clock::duration)> hook);

    // Connections counted against the limits right now (refused ones are not).
    std::size_t connection_count() const;

private:
    std::shared_ptr<detail::ServerState> state_;
};

}  // namespace tarat::control
