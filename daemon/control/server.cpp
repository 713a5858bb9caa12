#include "control/server.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <deque>
#include <cerrno>
#include <map>
#include <set>
#include <system_error>

namespace tarat::control {

namespace asio = boost::asio;
using local = asio::local::stream_protocol;
using boost::system::error_code;

namespace {

class Session;

void set_cloexec(int fd) {
    const int flags = ::fcntl(fd, F_GETFD);
    if (flags >= 0) ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

std::string quoted(const std::filesystem::path& path) { return "'" + path.string() + "'"; }

}  // namespace

struct detail::ServerState : std::enable_shared_from_this<ServerState> {
    ServerState(asio::io_context& io_, const CommandTable& commands_, Limits limits_,
          std::function<bool(const Peer&)> is_admin_)
        : io(io_), commands(commands_), limits(limits_), is_admin(std::move(is_admin_)), acceptor(io_),
          accept_retry(io_) {}

    void accept();
    void on_accept(const error_code& ec, local::socket socket);
    void forget(Session* session, bool counted, uid_t uid);
    void stop();
    void enqueue(std::shared_ptr<Session> session, Request request);
    void run(Session& session, const Request& request);
    void run_next();

    asio::io_context& io;
    const CommandTable& commands;
    const Limits limits;
    const std::function<bool(const Peer&)> is_admin;
    local::acceptor acceptor;
    asio::steady_timer accept_retry;  // after EMFILE: wait instead of spinning on accept
    std::map<Session*, std::shared_ptr<Session>> sessions;
    std::map<uid_t, std::size_t> per_uid;
    std::atomic<std::size_t> counted{0};
    std::filesystem::path created_path;  // set by listen(), unlinked by stop()
    dev_t created_device = 0;
    ino_t created_inode = 0;
    // A request whose command ran cheaply last time is answered as soon as it is read; a costly
    // one waits here and runs one per loop turn, so reads, writes and cheap requests go on in
    // between: a client looping a long `notices` delays a `status` by the one run in progress at
    // most. A session has one request here at most (it reads no further until it is answered).
    struct Job {
        std::shared_ptr<Session> session;
        Request request;
    };
    std::deque<Job> costly_jobs;
    bool run_posted = false;
    std::map<std::string, std::chrono::steady_clock::duration, std::less<>> last_cost;  // registered commands only
    std::function<void(std::chrono::steady_clock::duration)> after_run;  // Server::after_each_run
    std::size_t queued_output = 0;  // bytes of replies being written, all sessions
    std::chrono::steady_clock::time_point last_refusal_log{};
    std::size_t refused_since_log = 0;
    bool started = false;
    bool stopped = false;
};

namespace {

// One connection: read a line, queue it for the loop, write the reply, read the next. Only one
// reply is ever in flight and no further request is read meanwhile (back-pressure), so a client
// that does not read its replies holds one reply at most, and only until the idle timeout.
class Session : public std::enable_shared_from_this<Session> {
public:
    Session(std::shared_ptr<detail::ServerState> state, local::socket socket, Peer peer, bool peer_is_admin,
            bool refused)
        : state_(std::move(state)), socket_(std::move(socket)), idle_(state_->io),
          input_(state_->limits.max_line + 1), peer_(std::move(peer)), peer_is_admin_(peer_is_admin),
          counted_(!refused) {}

    void start() {
        spdlog::debug("control: connection from {} (uid {}, pid {}){}", peer_.user, peer_.uid, peer_.pid,
                      counted_ ? "" : " refused: too many connections");
        extend_idle_deadline();
        watch_idle();
        if (!counted_)
            send(Reply{error, "too many connections"}, true);
        else
            read_next();
    }

    void close() {
        if (closed_) return;
        closed_ = true;
        auto keep_alive = shared_from_this();
        error_code ignored;
        socket_.shutdown(local::socket::shutdown_both, ignored);
        socket_.close(ignored);
        idle_.cancel();
        release_output();
        spdlog::debug("control: connection from uid {} pid {} closed", peer_.uid, peer_.pid);
        state_->forget(this, counted_, peer_.uid);
    }

    // Runs the queued request (ServerState::run_next); the reply comes through `respond`.
    void answer(const Request& request) {
        if (gone()) return;
        state_->commands.dispatch(request, peer_, peer_is_admin_, [self = shared_from_this()](Reply reply) {
            self->answering_ = false;
            if (self->gone()) return;
            spdlog::debug("control: uid {} pid {}: result {} {}", self->peer_.uid, self->peer_.pid, reply.result,
                          reply.text);
            self->send(reply, false);
        });
    }

private:
    bool gone() const { return closed_ || state_->stopped; }

    // The idle deadline covers waiting for a whole request line and for the peer to take a reply,
    // not the daemon's own work on a deferred answer. Each step only moves the deadline; the one
    // timer is re-armed when it fires early, so the hot path makes no timer system calls.
    void extend_idle_deadline() { idle_deadline_ = asio::steady_timer::clock_type::now() + state_->limits.idle_timeout; }

    void watch_idle() {
        idle_.expires_at(idle_deadline_);
        idle_.async_wait([self = shared_from_this()](const error_code& ec) {
            if (ec || self->gone()) return;
            if (self->answering_) self->extend_idle_deadline();
            if (self->answering_ || self->idle_deadline_ > asio::steady_timer::clock_type::now()) {
                self->watch_idle();
                return;
            }
            spdlog::debug("control: closing idle connection from uid {} pid {}", self->peer_.uid, self->peer_.pid);
            self->close();
        });
    }

    void read_next() {
        extend_idle_deadline();
        asio::async_read_until(socket_, input_, '\n',
                               [self = shared_from_this()](const error_code& ec, std::size_t length) {
                                   self->on_line(ec, length);
                               });
    }

    void on_line(const error_code& ec, std::size_t length) {
        if (gone()) return;
        if (ec == asio::error::not_found) {
            spdlog::info("control: uid {} pid {} sent a request line over {} bytes; closing", peer_.uid,
                         peer_.pid, state_->limits.max_line);
            send(Reply{bad_request, "request line exceeds " + std::to_string(state_->limits.max_line) + " bytes"},
                 true);
            return;
        }
        if (ec) {
            if (ec != asio::error::eof && ec != asio::error::operation_aborted)
                spdlog::debug("control: read from uid {} failed: {}", peer_.uid, ec.message());
            close();
            return;
        }
        const auto data = input_.data();
        std::string line(asio::buffers_begin(data), asio::buffers_begin(data) + static_cast<std::ptrdiff_t>(length));
        input_.consume(length);
        auto parsed = parse_request(line);
        if (auto* refused = std::get_if<Reply>(&parsed)) {  // malformed: answered at once, nothing to run
            send(*refused, false);
            return;
        }
        answering_ = true;
        state_->enqueue(shared_from_this(), std::move(std::get<Request>(parsed)));
    }

    void send(const Reply& reply, bool close_after) {
        auto line = reply.encoded ? reply.encoded : std::make_shared<const std::string>(reply.to_json_line());
        // Replies nobody takes must not pile up: past the budget for all of them, say so instead.
        if (state_->queued_output > 0 && state_->queued_output + line->size() > state_->limits.max_queued_output) {
            spdlog::warn("control: {} bytes of replies wait for their clients; uid {} pid {} is told to retry",
                         state_->queued_output, peer_.uid, peer_.pid);
            line = std::make_shared<const std::string>(
                Reply{error, "server busy: too many replies wait for their clients; try again"}.to_json_line());
        }
        output_bytes_ = line->size();
        state_->queued_output += output_bytes_;
        extend_idle_deadline();
        // The lambda owns the line: it is freed when the write ends, also when a close cut it short.
        asio::async_write(socket_, asio::buffer(*line),
                          [self = shared_from_this(), line, close_after](const error_code& ec, std::size_t) {
                              self->release_output();
                              if (self->gone()) return;
                              if (ec || close_after)
                                  self->close();
                              else
                                  self->read_next();
                          });
    }

    void release_output() {
        state_->queued_output -= output_bytes_;
        output_bytes_ = 0;
    }

    std::shared_ptr<detail::ServerState> state_;
    local::socket socket_;
    asio::steady_timer idle_;
    asio::steady_timer::time_point idle_deadline_{};
    bool answering_ = false;  // a request is queued or with the daemon: the idle clock does not run
    asio::streambuf input_;  // max_size bounds one line: a 10 MB "line" is never buffered
    std::size_t output_bytes_ = 0;  // of the reply being written, counted in queued_output
    Peer peer_;
    bool peer_is_admin_;
    bool counted_;
    bool closed_ = false;
};

// A command that took longer than this at its last run waits its turn behind the cheap ones.
constexpr auto kCostlyRun = std::chrono::microseconds(500);

}  // namespace

void detail::ServerState::enqueue(std::shared_ptr<Session> session, Request request) {
    const auto cost = last_cost.find(request.command);
    if (cost == last_cost.end() || cost->second <= kCostlyRun) {
        // Cheap (or not yet measured): answered at once, ahead of the replies being written.
        run(*session, request);
        return;
    }
    costly_jobs.push_back(Job{std::move(session), std::move(request)});
    if (!run_posted) {
        run_posted = true;
        asio::post(io, [self = shared_from_this()] { self->run_next(); });
    }
}

void detail::ServerState::run(Session& session, const Request& request) {
    const auto started = std::chrono::steady_clock::now();
    session.answer(request);
    const auto took = std::chrono::steady_clock::now() - started;
    if (commands.find(request.command) != nullptr)  // unknown names are cheap and must not grow the map
        last_cost[request.command] = took;
    if (after_run) after_run(took);
}

void detail::ServerState::run_next() {
    run_posted = false;
    if (stopped || costly_jobs.empty()) return;
    Job job = std::move(costly_jobs.front());
    costly_jobs.pop_front();
    run(*job.session, job.request);
    if (!run_posted && !costly_jobs.empty()) {
        run_posted = true;  // behind whatever the loop has ready: reads, writes and cheap requests go first
        asio::post(io, [self = shared_from_this()] { self->run_next(); });
    }
}

void detail::ServerState::accept() {
    acceptor.async_accept([self = shared_from_this()](const error_code& ec, local::socket socket) {
        self->on_accept(ec, std::move(socket));
    });
}

void detail::ServerState::on_accept(const error_code& ec, local::socket socket) {
    if (stopped || ec == asio::error::operation_aborted) return;
    if (ec) {
        spdlog::warn("control: accept failed: {}", ec.message());
        if (ec == asio::error::no_descriptors || ec.value() == ENFILE || ec == asio::error::no_buffer_space ||
            ec == asio::error::no_memory) {
            accept_retry.expires_after(std::chrono::milliseconds(100));
            accept_retry.async_wait([self = shared_from_this()](const error_code& wait_ec) {
                if (!wait_ec && !self->stopped) self->accept();
            });
        } else {
            accept();
        }
        return;
    }
    set_cloexec(socket.native_handle());

    Peer peer;
    try {
        peer = peer_credentials(socket.native_handle());
    } catch (const std::exception& e) {
        spdlog::warn("control: dropping a connection: {}", e.what());
        accept();
        return;
    }
    const auto of_uid = per_uid.find(peer.uid);
    const std::size_t uid_connections = of_uid == per_uid.end() ? 0 : of_uid->second;
    // The per-uid limit holds for everyone (an administrator's runaway script must not take every
    // slot); past the overall limit only an administrator is admitted, into the reserved slots.
    const bool uid_within = uid_connections < limits.max_per_uid;
    const bool within_limits = uid_within && counted.load() < limits.max_connections;
    const bool reserve_left = uid_within && counted.load() < limits.max_connections + limits.admin_reserve;
    bool peer_is_admin = false;
    if (within_limits || reserve_left) {
        try {
            add_user_and_groups(peer);
            peer_is_admin = is_admin && is_admin(peer);
        } catch (const std::exception& e) {
            spdlog::warn("control: cannot tell whether uid {} is an administrator: {}", peer.uid, e.what());
        }
    }
    const bool refused = !within_limits && !(peer_is_admin && reserve_left);
    if (refused) {
        // A flood of refusals must not become a flood of log lines: one line per 10 s at most.
        ++refused_since_log;
        const auto now = std::chrono::steady_clock::now();
        if (now - last_refusal_log >= std::chrono::seconds(10)) {
            spdlog::warn("control: refused {} connection(s) over the limits; the last from uid {} pid {} "
                         "({} connections in all, {} of that uid)",
                         refused_since_log, peer.uid, peer.pid, counted.load(), uid_connections);
            refused_since_log = 0;
            last_refusal_log = now;
        }
    } else {
        ++per_uid[peer.uid];
        ++counted;
    }
    auto session = std::make_shared<Session>(shared_from_this(), std::move(socket), std::move(peer),
                                             peer_is_admin, refused);
    sessions.emplace(session.get(), session);
    session->start();
    accept();
}

void detail::ServerState::forget(Session* session, bool was_counted, uid_t uid) {
    if (was_counted) {
        --counted;
        if (auto found = per_uid.find(uid); found != per_uid.end() && --found->second == 0) per_uid.erase(found);
    }
    sessions.erase(session);
}

void detail::ServerState::stop() {
    if (stopped) return;
    stopped = true;
    error_code ignored;
    acceptor.close(ignored);
    accept_retry.cancel();
    costly_jobs.clear();
    auto open_sessions = std::move(sessions);
    sessions.clear();
    for (auto& [raw, session] : open_sessions) session->close();
    if (!created_path.empty()) {
        struct stat now {};
        if (::lstat(created_path.c_str(), &now) == 0 && now.st_dev == created_device &&
            now.st_ino == created_inode)
            ::unlink(created_path.c_str());
        spdlog::info("control: stopped listening on {}", quoted(created_path));
        created_path.clear();
    }
}

Server::Server(asio::io_context& io, const CommandTable& commands, Limits limits,
               std::function<bool(const Peer&)> is_admin)
    : state_(std::make_shared<detail::ServerState>(io, commands, limits, std::move(is_admin))) {}

Server::~Server() { stop(); }

void Server::stop() { state_->stop(); }

void Server::after_each_run(std::function<void(std::chrono::steady_clock::duration)> hook) {
    state_->after_run = std::move(hook);
}

std::size_t Server::connection_count() const { return state_->counted.load(); }

bool socket_answers(const std::filesystem::path& path) {
    if (path.native().size() >= sizeof(sockaddr_un::sun_path)) return false;  // listen() says why
    const int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (probe < 0) throw std::system_error(errno, std::generic_category(), "socket(AF_UNIX)");
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    path.native().copy(address.sun_path, sizeof address.sun_path - 1);
    const int rc = ::connect(probe, reinterpret_cast<const sockaddr*>(&address), sizeof address);
    const int connect_errno = errno;
    ::close(probe);
    if (rc == 0 || connect_errno == EAGAIN || connect_errno == EINPROGRESS) return true;  // EAGAIN: backlog full
    if (connect_errno == ECONNREFUSED || connect_errno == ENOENT) return false;
    throw std::system_error(connect_errno, std::generic_category(), "cannot probe the socket " + quoted(path));
}

void Server::listen(const std::filesystem::path& socket_path, mode_t mode) {
    detail::ServerState& state = *state_;
    if (state.started || state.stopped) throw std::logic_error("control::Server::listen called twice or after stop");
    if (socket_path.native().size() >= sizeof(sockaddr_un::sun_path))
        throw std::runtime_error("control socket path is too long (" + std::to_string(socket_path.native().size()) +
                                 " bytes, at most " + std::to_string(sizeof(sockaddr_un::sun_path) - 1) +
                                 "): " + quoted(socket_path));

    struct stat existing {};
    if (::lstat(socket_path.c_str(), &existing) == 0) {
        if (!S_ISSOCK(existing.st_mode))
            throw std::runtime_error(quoted(socket_path) + " exists and is not a socket; refusing to replace it");
        if (socket_answers(socket_path))
            throw AlreadyRunning("another server is already listening on " + quoted(socket_path));
        if (::unlink(socket_path.c_str()) != 0 && errno != ENOENT)
            throw std::system_error(errno, std::generic_category(), "cannot remove the stale socket " + quoted(socket_path));
        spdlog::info("control: removed stale socket {}", quoted(socket_path));
    } else if (errno != ENOENT) {
        throw std::system_error(errno, std::generic_category(), "cannot inspect " + quoted(socket_path));
    }

    error_code ec, ignored;
    local::acceptor& acceptor = state.acceptor;
    acceptor.open(local(), ec);
    if (!ec) acceptor.bind(local::endpoint(socket_path.native()), ec);
    if (ec) {
        acceptor.close(ignored);
        throw std::system_error(ec.value(), std::generic_category(), "cannot bind " + quoted(socket_path));
    }
    set_cloexec(acceptor.native_handle());
    // chmod before listen(): until then nobody can connect, so the mode is right from the start.
    struct stat created {};
    if (::chmod(socket_path.c_str(), mode) != 0 || ::lstat(socket_path.c_str(), &created) != 0) {
        const int chmod_errno = errno;
        acceptor.close(ignored);
        ::unlink(socket_path.c_str());
        throw std::system_error(chmod_errno, std::generic_category(), "cannot set the mode of " + quoted(socket_path));
    }
    acceptor.listen(local::acceptor::max_listen_connections, ec);
    if (ec) {
        acceptor.close(ignored);
        ::unlink(socket_path.c_str());
        throw std::system_error(ec.value(), std::generic_category(), "cannot listen on " + quoted(socket_path));
    }
    state.created_path = socket_path;
    state.created_device = created.st_dev;
    state.created_inode = created.st_ino;
    state.started = true;
    spdlog::info("control: listening on {} (mode {:04o})", quoted(socket_path), mode);
    state.accept();
}

void Server::adopt(int listening_fd) {
    detail::ServerState& state = *state_;
    if (state.started || state.stopped) throw std::logic_error("control::Server::adopt called twice or after stop");
    int domain = 0, type = 0, listening = 0;
    socklen_t length = sizeof domain;
    const bool ok_domain = ::getsockopt(listening_fd, SOL_SOCKET, SO_DOMAIN, &domain, &length) == 0;
    length = sizeof type;
    const bool ok_type = ::getsockopt(listening_fd, SOL_SOCKET, SO_TYPE, &type, &length) == 0;
    length = sizeof listening;
    const bool ok_listening = ::getsockopt(listening_fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) == 0;
    if (!ok_domain || !ok_type || !ok_listening || domain != AF_UNIX || type != SOCK_STREAM || !listening)
        throw std::invalid_argument("fd " + std::to_string(listening_fd) +
                                    " is not a listening AF_UNIX stream socket");
    set_cloexec(listening_fd);
    error_code ec;
    state.acceptor.assign(local(), listening_fd, ec);
    if (ec) throw std::system_error(ec.value(), std::generic_category(), "cannot adopt the control socket");
    state.started = true;
    spdlog::info("control: adopted listening socket fd {}", listening_fd);
    state.accept();
}

}  // namespace tarat::control
