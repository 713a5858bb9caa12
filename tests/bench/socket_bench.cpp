// socket_bench: round-trip latency and throughput of `status` and `events` against a real
// `taratd run` child process, with 1, 8, 16, 32 and 128 concurrent clients, each keeping one
// persistent connection and sending requests back to back. Baseline: a bare Boost.Asio echo
// server on a Unix stream socket (one io_context thread), measured with the same client code.
//
// The daemon admits at most 16 connections per uid, so clients run in forked groups of at most
// 16 threads; when the benchmark runs as root each group switches to its own uid (60000 + group)
// with setresgid/setresuid. Without root, configurations over 16 clients are reported as refused.
// Not run by ctest.
//
//   socket_bench [--seconds S] [--clients N,N,...] [--flood N] [--flood-only] [--json FILE]
//                [--config FILE] [--pretend-now T] [--events-arguments JSON] [--start-timeout S]
// --config, --pretend-now: another plan (the national one, F14) at another moment;
// --events-arguments: what `events` asks ({"centre":"c00001"}); --start-timeout: for READY.
// --clients: the client counts to measure (default 1,8,16,32,128); --flood N: then one client's
// `status` while N others loop `notices` (default 16, 0: skip; goal p99 <= 5 ms); --flood-only:
// only that; --json FILE: also writes the last line of the report (one JSON object) to FILE.
#include <utility>  // before Asio headers

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#ifndef TARAT_BENCH_TARATD
#error "TARAT_BENCH_TARATD must name the taratd binary"
#endif

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kPerGroup = 16;  // the daemon's max_per_uid
constexpr uid_t kFirstUid = 60000;

fs::path make_temp_dir(const std::string& prefix) {
    std::string pattern = (fs::temp_directory_path() / (prefix + ".XXXXXX")).string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp " + pattern + " failed");
    return pattern;
}

int connect_unix(const fs::path& path) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

bool write_all(int fd, const char* p, std::size_t n) {
    while (n > 0) {
        ssize_t w = ::write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        p += w;
        n -= static_cast<std::size_t>(w);
    }
    return true;
}

// A blocking line reader over one connection.
struct LineConn {
    int fd = -1;
    std::vector<char> buf = std::vector<char>(1 << 16);
    std::size_t begin = 0, end = 0;

    // Reads one line (without "\n") into `line` when `keep`; returns false on EOF/error.
    bool read_line(std::string* line) {
        if (line) line->clear();
        for (;;) {
            char* nl = static_cast<char*>(std::memchr(buf.data() + begin, '\n', end - begin));
            if (nl) {
                std::size_t len = static_cast<std::size_t>(nl - (buf.data() + begin));
                if (line) line->append(buf.data() + begin, len);
                begin += len + 1;
                return true;
            }
            if (line) line->append(buf.data() + begin, end - begin);
            begin = end = 0;
            ssize_t r = ::read(fd, buf.data(), buf.size());
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) return false;
            end = static_cast<std::size_t>(r);
        }
    }
};

// What one client group (forked child) sends back to the parent over a pipe.
struct GroupHeader {
    std::uint64_t requests = 0;    // measured round trips
    std::uint64_t refused = 0;     // connections whose first reply was not result 0 (or failed)
    std::uint64_t broken = 0;      // connections that failed mid-run
    std::uint64_t reply_bytes = 0; // bytes of the first good reply (for the table)
};

// Runs `threads` clients in this process until `stop`; latencies in microseconds.
GroupHeader run_group(const fs::path& socket, const std::string& request, int threads, Clock::time_point start,
                      Clock::time_point stop, std::vector<float>& latencies) {
    GroupHeader h;
    std::vector<std::vector<float>> per(threads);
    std::atomic<std::uint64_t> refused{0}, broken{0}, bytes{0};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            LineConn c;
            c.fd = connect_unix(socket);
            if (c.fd < 0) {
                ++refused;
                return;
            }
            std::string line;
            // First round trip: check the reply is a success.
            if (!write_all(c.fd, request.data(), request.size()) || !c.read_line(&line)) {
                ++refused;
                ::close(c.fd);
                return;
            }
            // The echo server answers with the request itself; taratd with {"result":0,...}.
            auto reply = nlohmann::json::parse(line, nullptr, false);
            const bool echoed = line + "\n" == request;
            if (!echoed && (reply.is_discarded() || !reply.is_object() || reply.value("result", -1) != 0)) {
                ++refused;
                ::close(c.fd);
                return;
            }
            bytes = line.size() + 1;
            auto& lat = per[t];
            lat.reserve(1 << 16);
            bool measuring = false;
            for (;;) {
                auto t0 = Clock::now();
                if (t0 >= stop) break;
                if (!measuring && t0 >= start) measuring = true;  // before start: warm-up
                if (!write_all(c.fd, request.data(), request.size()) || !c.read_line(nullptr)) {
                    ++broken;
                    break;
                }
                auto t1 = Clock::now();
                if (measuring) lat.push_back(std::chrono::duration<float, std::micro>(t1 - t0).count());
            }
            ::close(c.fd);
        });
    }
    for (auto& w : workers) w.join();
    for (auto& v : per) latencies.insert(latencies.end(), v.begin(), v.end());
    h.requests = latencies.size();
    h.refused = refused;
    h.broken = broken;
    h.reply_bytes = bytes;
    return h;
}

bool read_all(int fd, void* p, std::size_t n) {
    auto* c = static_cast<char*>(p);
    while (n > 0) {
        ssize_t r = ::read(fd, c, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return false;
        c += r;
        n -= static_cast<std::size_t>(r);
    }
    return true;
}

struct Result {
    std::string server, command;
    int clients = 0;
    std::uint64_t requests = 0, refused = 0, broken = 0, reply_bytes = 0;
    double seconds = 0, rps = 0, p50 = 0, p99 = 0, max = 0;
};

double percentile(std::vector<float>& v, double p) {
    if (v.empty()) return NAN;
    std::size_t k = static_cast<std::size_t>(std::ceil(p / 100.0 * v.size())) - 1;
    k = std::min(k, v.size() - 1);
    std::nth_element(v.begin(), v.begin() + k, v.end());
    return v[k];
}

// `clients` clients spread over forked groups of <= 16; each group under its own uid when root.
// `flood` more clients meanwhile send `flood_command` back to back, unmeasured, under uids of
// their own (60100+g): what a looping `notices` costs everybody else.
std::string events_arguments = "{}";  // --events-arguments

Result measure(const std::string& server, const fs::path& socket, const std::string& command, int clients,
               double seconds, int flood = 0, const std::string& flood_command = "") {
    const std::string request = "{\"command\":\"" + command + "\",\"arguments\":" +
                                (command == "events" ? events_arguments : std::string("{}")) + "}\n";
    const bool root = ::geteuid() == 0;
    const int groups = (clients + kPerGroup - 1) / kPerGroup;
    std::vector<pid_t> flooders;
    for (int g = 0; g * kPerGroup < flood; ++g) {
        const std::string flood_request = "{\"command\":\"" + flood_command + "\",\"arguments\":{}}\n";
        const int threads = std::min(kPerGroup, flood - g * kPerGroup);
        pid_t pid = ::fork();
        if (pid < 0) throw std::runtime_error("fork failed");
        if (pid == 0) {
            if (root) {
                uid_t id = kFirstUid + 100 + static_cast<uid_t>(g);
                if (::setgroups(0, nullptr) != 0 || ::setresgid(id, id, id) != 0 || ::setresuid(id, id, id) != 0)
                    std::_Exit(3);
            }
            std::vector<float> ignored;
            const auto now = Clock::now();
            const auto until = now + std::chrono::milliseconds(600 + 20 * groups) +
                               std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
            run_group(socket, flood_request, threads, now, until, ignored);
            std::_Exit(0);
        }
        flooders.push_back(pid);
    }
    const auto start = Clock::now() + std::chrono::milliseconds(300) + std::chrono::milliseconds(20 * groups);
    const auto stop = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    std::vector<std::pair<pid_t, int>> children;
    for (int g = 0; g < groups; ++g) {
        int threads = std::min(kPerGroup, clients - g * kPerGroup);
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
        pid_t pid = ::fork();
        if (pid < 0) throw std::runtime_error("fork failed");
        if (pid == 0) {
            ::close(fds[0]);
            if (root) {
                uid_t id = kFirstUid + static_cast<uid_t>(g);
                if (::setgroups(0, nullptr) != 0 || ::setresgid(id, id, id) != 0 || ::setresuid(id, id, id) != 0)
                    std::_Exit(3);
            }
            std::vector<float> lat;
            GroupHeader h = run_group(socket, request, threads, start, stop, lat);
            bool ok = write_all(fds[1], reinterpret_cast<const char*>(&h), sizeof h) &&
                      write_all(fds[1], reinterpret_cast<const char*>(lat.data()), lat.size() * sizeof(float));
            std::_Exit(ok ? 0 : 4);
        }
        ::close(fds[1]);
        children.emplace_back(pid, fds[0]);
    }
    Result r;
    r.server = server;
    r.command = command;
    r.clients = clients;
    r.seconds = seconds;
    std::vector<float> all;
    for (auto [pid, fd] : children) {
        GroupHeader h;
        if (read_all(fd, &h, sizeof h)) {
            std::size_t old = all.size();
            all.resize(old + h.requests);
            if (!read_all(fd, all.data() + old, h.requests * sizeof(float))) all.resize(old);
            r.refused += h.refused;
            r.broken += h.broken;
            r.reply_bytes = std::max(r.reply_bytes, h.reply_bytes);
        } else {
            r.refused += static_cast<std::uint64_t>(kPerGroup);  // the group failed outright
        }
        ::close(fd);
        int status = 0;
        ::waitpid(pid, &status, 0);
    }
    for (pid_t pid : flooders) ::waitpid(pid, nullptr, 0);
    r.requests = all.size();
    r.rps = r.requests / seconds;
    r.p50 = percentile(all, 50);
    r.p99 = percentile(all, 99);
    r.max = all.empty() ? NAN : *std::max_element(all.begin(), all.end());
    return r;
}

// The echo baseline, in its own process so the benchmark parent stays single-threaded for fork.
struct EchoSession : std::enable_shared_from_this<EchoSession> {
    boost::asio::local::stream_protocol::socket socket;
    boost::asio::streambuf buf;
    std::string out;
    explicit EchoSession(boost::asio::local::stream_protocol::socket s) : socket(std::move(s)) {}
    void read() {
        boost::asio::async_read_until(socket, buf, '\n', [self = shared_from_this()](auto ec, std::size_t n) {
            if (ec) return;
            self->out.assign(boost::asio::buffers_begin(self->buf.data()),
                             boost::asio::buffers_begin(self->buf.data()) + static_cast<std::ptrdiff_t>(n));
            self->buf.consume(n);
            boost::asio::async_write(self->socket, boost::asio::buffer(self->out), [self](auto ec2, std::size_t) {
                if (!ec2) self->read();
            });
        });
    }
};

void echo_accept(boost::asio::local::stream_protocol::acceptor& acc) {
    acc.async_accept([&acc](auto ec, boost::asio::local::stream_protocol::socket s) {
        if (!ec) std::make_shared<EchoSession>(std::move(s))->read();
        echo_accept(acc);
    });
}

pid_t start_echo(const fs::path& socket) {
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        try {
            boost::asio::io_context io;
            boost::asio::local::stream_protocol::acceptor acc(io, boost::asio::local::stream_protocol::endpoint(socket.string()));
            ::chmod(socket.c_str(), 0666);
            echo_accept(acc);
            io.run();
        } catch (const std::exception& e) {
            std::fprintf(stderr, "echo server: %s\n", e.what());
            std::_Exit(1);
        }
        std::_Exit(0);
    }
    return pid;
}

// True once a `status` request on `socket` gets any reply line.
bool answers(const fs::path& socket, const std::string& request) {
    LineConn c;
    c.fd = connect_unix(socket);
    if (c.fd < 0) return false;
    std::string line;
    bool ok = write_all(c.fd, request.data(), request.size()) && c.read_line(&line);
    ::close(c.fd);
    return ok && !line.empty();
}

double start_timeout = 60;  // --start-timeout

void wait_for(const fs::path& socket, pid_t child, const std::string& what) {
    const std::string probe = "{\"command\":\"status\",\"arguments\":{}}\n";
    auto deadline = Clock::now() + std::chrono::milliseconds(static_cast<long>(start_timeout * 1000));
    while (Clock::now() < deadline) {
        if (fs::exists(socket) && answers(socket, probe)) return;
        int status = 0;
        if (::waitpid(child, &status, WNOHANG) == child) throw std::runtime_error(what + " exited before answering");
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw std::runtime_error(what + " did not answer within " + std::to_string(start_timeout) + " s");
}

std::string fmt(double v, int prec = 1) {
    if (std::isnan(v)) return "-";
    char b[32];
    std::snprintf(b, sizeof b, "%.*f", prec, v);
    return b;
}

std::string jnum(double v, int prec = 1) { return !std::isfinite(v) ? "null" : fmt(v, prec); }

}  // namespace

int main(int argc, char** argv) {
    double seconds = 2.0;
    std::vector<int> counts{1, 8, 16, 32, 128};
    std::string json_file;
    int flood = 16;
    bool flood_only = false;
    std::string config = TARAT_BENCH_CONFIG, pretend_now = "2026-12-01T09:00:00+05:00";
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--seconds" && i + 1 < argc) seconds = std::atof(argv[++i]);
        else if (a == "--flood" && i + 1 < argc) flood = std::max(0, std::atoi(argv[++i]));
        else if (a == "--flood-only") flood_only = true;
        else if (a == "--json" && i + 1 < argc) json_file = argv[++i];
        else if (a == "--config" && i + 1 < argc) config = argv[++i];
        else if (a == "--pretend-now" && i + 1 < argc) pretend_now = argv[++i];
        else if (a == "--events-arguments" && i + 1 < argc) events_arguments = argv[++i];
        else if (a == "--start-timeout" && i + 1 < argc) start_timeout = std::atof(argv[++i]);
        else if (a == "--clients" && i + 1 < argc) {
            counts.clear();
            std::istringstream list(argv[++i]);
            for (std::string n; std::getline(list, n, ',');) counts.push_back(std::max(1, std::atoi(n.c_str())));
        } else {
            std::fprintf(stderr, "usage: %s [--seconds S] [--clients N,N,...] [--flood N] [--flood-only] [--json FILE]\n",
                         argv[0]);
            return 2;
        }
    }
    ::signal(SIGPIPE, SIG_IGN);
    const bool root = ::geteuid() == 0;
    const fs::path dir = make_temp_dir("tarat-sockbench");
    fs::permissions(dir, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                             fs::perms::others_read | fs::perms::others_exec);
    const fs::path state = dir / "state", tarat_sock = dir / "run" / "tarat.sock", echo_sock = dir / "echo.sock";
    const fs::path log = dir / "taratd.log";
    fs::create_directories(state);
    fs::create_directories(dir / "run");
    fs::permissions(dir / "run", fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                     fs::perms::others_read | fs::perms::others_exec);

    // taratd run, stdout/stderr to a log file.
    pid_t daemon = ::fork();
    if (daemon < 0) throw std::runtime_error("fork failed");
    if (daemon == 0) {
        int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            ::dup2(fd, 1);
            ::dup2(fd, 2);
        }
        std::string bin = TARAT_BENCH_TARATD, plugins = TARAT_BENCH_PLUGIN_DIR;
        std::vector<std::string> args{bin, "run", "--config", config, "--state-dir", state.string(),
                                      "--socket", tarat_sock.string(), "--plugin-dir", plugins,
                                      "--pretend-now", pretend_now};
        std::vector<char*> av;
        for (auto& s : args) av.push_back(s.data());
        av.push_back(nullptr);
        ::execv(bin.c_str(), av.data());
        std::_Exit(127);
    }
    pid_t echo = -1;
    int rc = 0;
    std::vector<Result> results;
    Result flooded, flooded_echo;
    try {
        auto t0 = Clock::now();
        wait_for(tarat_sock, daemon, "taratd");
        double startup = std::chrono::duration<double>(Clock::now() - t0).count();
        ::chmod(tarat_sock.c_str(), 0666);  // the socket is 0660 root-owned; the other uids need it
        echo = start_echo(echo_sock);
        wait_for(echo_sock, echo, "echo server");

        std::printf("socket_bench: taratd %s (up in %.2f s), %u cores, %.1f s per configuration, clients in forked "
                    "groups of <= %d threads%s\n",
                    TARAT_BENCH_TARATD, startup, std::thread::hardware_concurrency(), seconds, kPerGroup,
                    root ? ", one uid per group (60000+g)" : " (not root: one uid, >16 clients will be refused)");
        std::fflush(stdout);
        for (const char* command : {"status", "events"}) {
            for (int n : counts) {
                if (flood_only) break;
                results.push_back(measure("taratd", tarat_sock, command, n, seconds));
                results.push_back(measure("echo", echo_sock, command, n, seconds));
            }
        }
        if (flood > 0) {  // one client's `status` while `flood` others loop `notices`
            flooded = measure("taratd", tarat_sock, "status", 1, seconds, flood, "notices");
            flooded_echo = measure("echo", echo_sock, "status", 1, seconds);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "socket_bench: %s (daemon log: %s)\n", e.what(), log.c_str());
        rc = 1;
    }
    if (echo > 0) {
        ::kill(echo, SIGTERM);
        ::waitpid(echo, nullptr, 0);
    }
    ::kill(daemon, SIGTERM);
    int status = 0;
    ::waitpid(daemon, &status, 0);
    if (rc != 0) return rc;

    // Table.
    std::printf("\n%-7s %4s | %9s %9s %9s %9s %8s %6s | %9s %9s %9s | %7s %7s\n", "command", "cli", "tarat r/s",
                "p50 us", "p99 us", "max us", "reply B", "refus", "echo r/s", "p50 us", "p99 us", "p99 x", "r/s x");
    // refus: connections refused or broken (taratd / echo)
    std::printf("%s\n", std::string(128, '-').c_str());
    std::string json = "{\"bench\":\"socket_bench\",\"seconds\":" + fmt(seconds, 1) + ",\"root\":" +
                       (root ? "true" : "false") + ",\"results\":[";
    bool first = true;
    double status32_p99 = NAN;
    for (std::size_t i = 0; i + 1 < results.size(); i += 2) {
        const Result& t = results[i];
        const Result& e = results[i + 1];
        double p99x = t.p99 / e.p99, rpsx = t.rps / e.rps;
        std::printf("%-7s %4d | %9.0f %9s %9s %9s %8llu %6llu | %9.0f %9s %9s | %7s %7s\n", t.command.c_str(),
                    t.clients, t.rps, fmt(t.p50).c_str(), fmt(t.p99).c_str(), fmt(t.max).c_str(),
                    static_cast<unsigned long long>(t.reply_bytes),
                    static_cast<unsigned long long>(t.refused + t.broken + e.refused + e.broken), e.rps, fmt(e.p50).c_str(),
                    fmt(e.p99).c_str(), fmt(p99x, 2).c_str(), fmt(rpsx, 3).c_str());
        if (t.command == "status" && t.clients == 32) status32_p99 = t.p99;
        json += std::string(first ? "" : ",") + "{\"command\":\"" + t.command + "\",\"clients\":" +
                std::to_string(t.clients) + ",\"tarat_rps\":" + fmt(t.rps, 0) + ",\"tarat_p50_us\":" + jnum(t.p50) +
                ",\"tarat_p99_us\":" + jnum(t.p99) + ",\"tarat_refused\":" + std::to_string(t.refused + t.broken) +
                ",\"echo_refused\":" + std::to_string(e.refused + e.broken) + ",\"echo_rps\":" + fmt(e.rps, 0) + ",\"echo_p50_us\":" + jnum(e.p50) + ",\"echo_p99_us\":" +
                jnum(e.p99) + ",\"p99_ratio\":" + jnum(p99x, 2) + ",\"rps_ratio\":" + jnum(rpsx, 3) + "}";
        first = false;
    }
    bool goal = !std::isnan(status32_p99) && status32_p99 <= 1000.0;
    const bool flood_goal = flood > 0 && !std::isnan(flooded.p99) && flooded.p99 <= 5000.0;
    json += "],\"goal\":{\"status_p99_us_at_32\":" + jnum(status32_p99) + ",\"limit_us\":1000,\"met\":" +
            (goal ? "true" : "false") + "}";
    if (flood > 0) {
        std::printf("\nstatus with %d clients looping notices: %.0f r/s, p50 %s us, p99 %s us, max %s us, refused %llu "
                    "(echo alone: p99 %s us)\n",
                    flood, flooded.rps, fmt(flooded.p50).c_str(), fmt(flooded.p99).c_str(), fmt(flooded.max).c_str(),
                    static_cast<unsigned long long>(flooded.refused + flooded.broken), fmt(flooded_echo.p99).c_str());
        json += ",\"flood\":{\"notices_clients\":" + std::to_string(flood) + ",\"status_p50_us\":" +
                jnum(flooded.p50) + ",\"status_p99_us\":" + jnum(flooded.p99) + ",\"status_max_us\":" +
                jnum(flooded.max) + ",\"limit_us\":5000,\"met\":" + (flood_goal ? "true" : "false") + "}";
    }
    json += "}";
    if (!flood_only)
        std::printf("\ngoal: status p99 <= 1 ms at 32 clients: %s (%s us)\n", goal ? "MET" : "NOT MET",
                    fmt(status32_p99).c_str());
    if (flood > 0)
        std::printf("goal: status p99 <= 5 ms with %d clients looping notices: %s (%s us)\n", flood,
                    flood_goal ? "MET" : "NOT MET", fmt(flooded.p99).c_str());
    std::printf("%s\n", json.c_str());
    if (!json_file.empty()) std::ofstream(json_file, std::ios::binary) << json << "\n";
    std::error_code ec;
    fs::remove_all(dir, ec);
    return 0;
}
