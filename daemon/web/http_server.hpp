#pragma once
// The web's HTTP/1.1 server (Boost.Beast) on taratd's event loop, on TCP or a Unix socket (for
// nginx). It protects the loop and the other clients: a request's header must arrive within
// 10 s and its body within 60 s, a header is at most 8 KiB and a body at most Limits::max_body,
// connections are capped (per address too), and each answer carries the security headers.
// Requests are logged with their tokens cut out.
#include <utility>  // before Asio (Boost 1.74 + GCC 12)
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace tarat::web {

struct Request {
    std::string method;  // GET, POST, HEAD…
    std::string path;    // without the query
    std::string query;   // after '?', undecoded
    std::string content_type;
    std::string cookie;  // the Cookie header
    std::string body;
    std::string address;  // the client: its IP, or nginx's X-Real-IP on a Unix socket
    bool https = false;   // X-Forwarded-Proto: https from nginx
};

struct Response {
    int status = 200;
    std::string content_type = "text/html; charset=utf-8";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // Set-Cookie, Location, Content-Disposition
};

struct Limits {
    std::chrono::seconds header_timeout{10};
    std::chrono::seconds body_timeout{60};
    std::chrono::seconds write_timeout{30};
    std::chrono::seconds idle_timeout{10};  // between requests on a kept-alive connection
    std::size_t max_header = 8 * 1024;
    std::size_t max_body = 20 * 1024 * 1024 + 64 * 1024;  // a 20 MiB report and its form
    std::size_t max_connections = 256;
    std::size_t max_per_address = 32;
};

using Handler = std::function<Response(const Request&)>;

// The path as the log may show it: the segment after /e/ or /login/ (a token) becomes "…".
std::string loggable_path(const std::string& path);

class HttpServer {
public:
    HttpServer(boost::asio::io_context& io, Handler handler, Limits limits = {});
    ~HttpServer();

    // "HOST:PORT" or "unix:/PATH"; throws std::runtime_error when it cannot listen. Returns the
    // address it listens on (the port chosen when PORT was 0).
    std::string listen(const std::string& where);
    void stop();
    std::size_t connection_count() const;

    struct State;

private:
    std::shared_ptr<State> state_;
};

}  // namespace tarat::web
