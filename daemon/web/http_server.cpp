#include "web/http_server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <optional>

namespace tarat::web {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using unix_socket = asio::local::stream_protocol;

// What every answer carries: nothing from elsewhere, no framing, no token in a Referer.
constexpr const char* kCsp = "default-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

std::string loggable_path(const std::string& path) {
    for (const char* prefix : {"/e/", "/login/"}) {
        std::string p = prefix;
        if (path.rfind(p, 0) != 0) continue;
        auto end = path.find('/', p.size());
        return p + "…" + (end == std::string::npos ? "" : path.substr(end));
    }
    return path;
}

struct HttpServer::State : std::enable_shared_from_this<HttpServer::State> {
    asio::io_context& io;
    Handler handler;
    Limits limits;
    std::unique_ptr<tcp::acceptor> tcp_acceptor;
    std::unique_ptr<unix_socket::acceptor> unix_acceptor;
    std::map<std::string, std::size_t> per_address;
    std::size_t connections = 0;
    bool stopped = false;

    State(asio::io_context& io, Handler handler, Limits limits) : io(io), handler(std::move(handler)), limits(limits) {}

    template <class Acceptor>
    void accept(Acceptor& acceptor);
};

namespace {

template <class Socket>
std::string peer_of(Socket& socket);
template <>
std::string peer_of(tcp::socket& socket) {
    boost::system::error_code ec;
    auto endpoint = socket.remote_endpoint(ec);
    return ec ? std::string("?") : endpoint.address().to_string();
}
template <>
std::string peer_of(unix_socket::socket&) {
    return "unix";
}

// One client connection: read a request under a deadline, answer it, repeat while kept alive.
template <class Socket>
class Connection : public std::enable_shared_from_this<Connection<Socket>> {
public:
    Connection(std::shared_ptr<HttpServer::State> server, Socket socket, std::string address)
        : server_(std::move(server)), socket_(std::move(socket)), timer_(server_->io), address_(std::move(address)) {}

    ~Connection() {
        --server_->connections;
        if (auto it = server_->per_address.find(address_); it != server_->per_address.end() && --it->second == 0)
            server_->per_address.erase(it);
    }

    void start() { read_header(server_->limits.header_timeout); }

private:
    void arm(std::chrono::seconds timeout) {
        timer_.expires_after(timeout);
        timer_.async_wait([weak = this->weak_from_this()](const boost::system::error_code& ec) {
            if (ec) return;
            if (auto self = weak.lock()) {
                boost::system::error_code ignored;
                self->socket_.close(ignored);  // a slow client does not hold its connection
            }
        });
    }

    void read_header(std::chrono::seconds timeout) {
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(server_->limits.max_header));
        parser_->body_limit(server_->limits.max_body);
        arm(timeout);
        http::async_read_header(socket_, buffer_, *parser_,
                                [self = this->shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                                    self->on_header(ec);
                                });
    }

    void on_header(const boost::system::error_code& ec) {
        if (ec == http::error::header_limit) return fail(431, "request header too large");
        if (ec == http::error::body_limit) return fail(413, "request body too large");  // its Content-Length
        if (ec) return close();
        if (auto length = parser_->content_length(); length && *length > server_->limits.max_body)
            return fail(413, "request body too large");
        if (parser_->is_done()) return handle();
        arm(server_->limits.body_timeout);
        http::async_read(socket_, buffer_, *parser_,
                         [self = this->shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                             if (ec == http::error::body_limit) return self->fail(413, "request body too large");
                             if (ec) return self->close();
                             self->handle();
                         });
    }

    void handle() {
        timer_.cancel();
        auto message = parser_->release();
        Request request;
        request.method = std::string(message.method_string());
        std::string target(message.target());
        auto q = target.find('?');
        request.path = target.substr(0, q);
        request.query = q == std::string::npos ? "" : target.substr(q + 1);
        request.content_type = std::string(message[http::field::content_type]);
        request.cookie = std::string(message[http::field::cookie]);
        request.body = std::move(message.body());
        request.address = address_;
        if (std::is_same_v<Socket, unix_socket::socket>) {
            if (auto real = message["X-Real-IP"]; !real.empty()) request.address = std::string(real);
        }
        request.https = message["X-Forwarded-Proto"] == "https";
        Response response;
        try {
            response = server_->handler(request);
        } catch (const std::exception& e) {
            spdlog::error("web: {} {}: {}", request.method, loggable_path(request.path), e.what());
            response = Response{500, "text/plain; charset=utf-8", "internal error\n", {}};
        }
        spdlog::debug("web: {} {} {} {}", request.address, request.method, loggable_path(request.path), response.status);
        send(std::move(response), message.keep_alive(), request.method == "HEAD");
    }

    // Refused before its body was read: answer, then read and drop what the client still sends for
    // a moment before closing, so that its send does not meet a reset that loses our answer.
    void fail(int status, const char* text) {
        linger_ = true;
        send(Response{status, "text/plain; charset=utf-8", std::string(text) + "\n", {}}, false, false);
    }

    void drain() {
        socket_.async_read_some(asio::buffer(discard_), [self = this->shared_from_this()](const boost::system::error_code& ec,
                                                                                          std::size_t) {
            if (ec) return self->close();
            self->drain();
        });
    }

    void send(Response response, bool keep_alive, bool head) {
        auto reply = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(response.status), 11);
        reply->set(http::field::server, "tarat");
        reply->set(http::field::content_type, response.content_type);
        bool own_csp = std::any_of(response.headers.begin(), response.headers.end(),
                                   [](const auto& h) { return h.first == "Content-Security-Policy"; });
        if (!own_csp) reply->set("Content-Security-Policy", kCsp);
        reply->set("X-Content-Type-Options", "nosniff");
        reply->set("X-Frame-Options", "DENY");
        reply->set("Referrer-Policy", "no-referrer");
        reply->set(http::field::cache_control, "no-store");
        for (const auto& [name, value] : response.headers) reply->insert(name, value);
        reply->keep_alive(keep_alive);
        reply->body() = std::move(response.body);
        reply->prepare_payload();
        if (head) reply->body().clear();
        arm(server_->limits.write_timeout);
        http::async_write(socket_, *reply,
                          [self = this->shared_from_this(), reply, keep_alive](const boost::system::error_code& ec, std::size_t) {
                              if (!ec && self->linger_) {
                                  boost::system::error_code ignored;
                                  self->socket_.shutdown(Socket::shutdown_send, ignored);
                                  self->arm(std::chrono::seconds(5));
                                  return self->drain();
                              }
                              if (ec || !keep_alive || self->server_->stopped) return self->close();
                              self->read_header(self->server_->limits.idle_timeout);
                          });
    }

    void close() {
        timer_.cancel();
        boost::system::error_code ignored;
        socket_.shutdown(Socket::shutdown_both, ignored);
        socket_.close(ignored);
    }

    std::shared_ptr<HttpServer::State> server_;
    Socket socket_;
    asio::steady_timer timer_;
    std::string address_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    bool linger_ = false;
    std::array<char, 16384> discard_{};
};

}  // namespace

template <class Acceptor>
void HttpServer::State::accept(Acceptor& acceptor) {
    acceptor.async_accept([self = shared_from_this(), &acceptor](const boost::system::error_code& ec,
                                                                 typename Acceptor::protocol_type::socket socket) {
        if (self->stopped) return;
        if (!ec) {
            std::string address = peer_of(socket);
            auto& count = self->per_address[address];
            if (self->connections >= self->limits.max_connections || count >= self->limits.max_per_address) {
                if (count == 0) self->per_address.erase(address);
                boost::system::error_code ignored;
                socket.close(ignored);  // over the limit: refused at once, nothing read
            } else {
                ++count;
                ++self->connections;
                std::make_shared<Connection<typename Acceptor::protocol_type::socket>>(self, std::move(socket), address)
                    ->start();
            }
        } else if (ec == asio::error::operation_aborted) {
            return;
        } else {
            spdlog::warn("web: accept: {}", ec.message());
        }
        self->accept(acceptor);
    });
}

HttpServer::HttpServer(asio::io_context& io, Handler handler, Limits limits)
    : state_(std::make_shared<State>(io, std::move(handler), limits)) {}

HttpServer::~HttpServer() { stop(); }

std::string HttpServer::listen(const std::string& where) {
    if (where.rfind("unix:", 0) == 0) {
        std::filesystem::path path = where.substr(5);
        std::error_code ec;
        std::filesystem::remove(path, ec);  // a stale socket from an earlier run
        state_->unix_acceptor = std::make_unique<unix_socket::acceptor>(state_->io, unix_socket::endpoint(path.string()));
        ::chmod(path.c_str(), 0660);  // nginx reaches it through the group
        state_->accept(*state_->unix_acceptor);
        return where;
    }
    auto colon = where.rfind(':');
    std::string host = where.substr(0, colon), port = where.substr(colon + 1);
    if (host.size() > 1 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    boost::system::error_code ec;
    auto address = asio::ip::make_address(host, ec);
    if (ec) throw std::runtime_error("[web] listen: '" + host + "' is not an IP address");
    tcp::endpoint endpoint(address, static_cast<unsigned short>(std::stoi(port)));
    auto acceptor = std::make_unique<tcp::acceptor>(state_->io);
    acceptor->open(endpoint.protocol());
    acceptor->set_option(tcp::acceptor::reuse_address(true));
    acceptor->bind(endpoint, ec);
    if (ec) throw std::runtime_error("[web] cannot listen on " + where + ": " + ec.message());
    acceptor->listen();
    auto bound = acceptor->local_endpoint();
    state_->tcp_acceptor = std::move(acceptor);
    state_->accept(*state_->tcp_acceptor);
    std::string shown = bound.address().is_v6() ? "[" + bound.address().to_string() + "]" : bound.address().to_string();
    return shown + ":" + std::to_string(bound.port());
}

void HttpServer::stop() {
    if (!state_ || state_->stopped) return;
    state_->stopped = true;
    boost::system::error_code ignored;
    if (state_->tcp_acceptor) state_->tcp_acceptor->close(ignored);
    if (state_->unix_acceptor) state_->unix_acceptor->close(ignored);
}

std::size_t HttpServer::connection_count() const { return state_->connections; }

}  // namespace tarat::web
