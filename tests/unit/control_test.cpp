#include "control/client.hpp"
#include "control/command_table.hpp"
#include "control/peer.hpp"
#include "control/protocol.hpp"
#include "control/server.hpp"
#include "core/text.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>
#include <spdlog/spdlog.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <mutex>
#include <thread>
#include <vector>

using namespace tarat::control;
using tarat::first_invalid_utf8;
using namespace std::chrono_literals;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// An upper bound for things that take milliseconds; only a broken server ever waits this long.
constexpr auto kPatience = 10s;

class TempDir {
public:
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "tarat-control-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

sockaddr_un address_of(const fs::path& path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    path.native().copy(address.sun_path, sizeof address.sun_path - 1);
    return address;
}

// A blocking test client that speaks raw bytes, so tests can misbehave on purpose.
class RawClient {
public:
    explicit RawClient(const fs::path& path) : fd_(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
        const sockaddr_un address = address_of(path);
        if (fd_ < 0 || ::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
            throw std::runtime_error("test client cannot connect to " + path.string());
    }
    ~RawClient() {
        if (fd_ >= 0) ::close(fd_);
    }
    RawClient(const RawClient&) = delete;
    RawClient& operator=(const RawClient&) = delete;
    int fd() const { return fd_; }

    bool send_all(std::string_view data) {
        while (!data.empty()) {
            const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EINTR) continue;
                return false;
            }
            data.remove_prefix(static_cast<std::size_t>(n));
        }
        return true;
    }

    // The next line without its "\n"; nullopt on EOF, an error, or nothing within `patience`.
    std::optional<std::string> read_line(std::chrono::milliseconds patience = kPatience) {
        const auto deadline = std::chrono::steady_clock::now() + patience;
        for (;;) {
            if (auto end = buffered_.find('\n'); end != std::string::npos) {
                std::string line = buffered_.substr(0, end);
                buffered_.erase(0, end + 1);
                return line;
            }
            if (!wait_readable(deadline)) return std::nullopt;
            char chunk[4096];
            const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
            if (n <= 0) return std::nullopt;
            buffered_.append(chunk, static_cast<std::size_t>(n));
        }
    }

    // True once the server closes the connection (EOF or reset); unread replies are discarded.
    bool wait_for_eof(std::chrono::milliseconds patience = kPatience) {
        const auto deadline = std::chrono::steady_clock::now() + patience;
        for (;;) {
            if (!wait_readable(deadline)) return false;
            char chunk[4096];
            const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
            if (n == 0 || (n < 0 && errno == ECONNRESET)) return true;
        }
    }

    json ask(const json& request) {
        if (!send_all(request.dump() + "\n")) return json{{"test_error", "send failed"}};
        return reply();
    }

    json reply() {
        auto line = read_line();
        if (!line) return json{{"test_error", "no reply"}};
        return json::parse(*line);
    }

private:
    bool wait_readable(std::chrono::steady_clock::time_point deadline) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        pollfd watched{fd_, POLLIN, 0};
        return ::poll(&watched, 1, static_cast<int>(left.count())) > 0;
    }

    int fd_;
    std::string buffered_;
};

Peer self_peer() {
    Peer peer;
    peer.uid = ::getuid();
    peer.gid = ::getgid();
    peer.pid = ::getpid();
    peer.groups = {::getgid()};
    peer.user = "tester";
    return peer;
}

CommandTable sample_table() {
    CommandTable table;
    table.add({"events", Permission::read, "List events.",
               {{"centre", "string"}, {"from", "date"}, {"limit", "integer"}, {"all", "boolean"}},
               [](const json& args, const Peer&) { return Reply{ok, "events", {{"echo", args}}}; }});
    table.add({"postpone", Permission::admin, "Move an event to another day.", {{"event", "integer!"}, {"to", "date!"}},
               [](const json&, const Peer&) { return Reply{ok, "postponed"}; }});
    table.add({"explode", Permission::read, "Always throws.", {},
               [](const json&, const Peer&) -> Reply { throw std::runtime_error("the store is on fire"); }});
    table.add({"whoami", Permission::read, "Who is asking.", {}, [](const json&, const Peer& peer) {
                   return Reply{ok, peer.user, {{"uid", peer.uid}, {"pid", peer.pid}}};
               }});
    return table;
}

Reply dispatch(const CommandTable& table, std::string_view line, bool admin = false) {
    return table.dispatch(line, self_peer(), admin);
}

Reply parse_failure(std::string_view line) {
    auto parsed = parse_request(line);
    REQUIRE(std::holds_alternative<Reply>(parsed));
    return std::get<Reply>(parsed);
}

std::string nested_request(std::size_t depth) {
    // The request object and "arguments" are two levels; the rest are arrays.
    const std::size_t arrays = depth - 2;
    return R"({"command":"events","arguments":{"a":)" + std::string(arrays, '[') + std::string(arrays, ']') + "}}";
}

const json kEvents = {{"command", "events"}};

// True once the server counts no connection (it learns of closes asynchronously), within kPatience.
bool eventually_zero_connections(const Server& server) {
    const auto deadline = std::chrono::steady_clock::now() + kPatience;
    while (std::chrono::steady_clock::now() < deadline) {
        if (server.connection_count() == 0) return true;
        std::this_thread::sleep_for(5ms);
    }
    return server.connection_count() == 0;
}

// A server on its own io_context thread, listening in a fresh temporary directory.
class Harness {
public:
    explicit Harness(Limits limits = {}, std::function<bool(const Peer&)> is_admin = nullptr, bool listen = true)
        : table(sample_table()), server(io, table, limits, std::move(is_admin)) {
        spdlog::set_level(spdlog::level::warn);
        if (listen) {
            server.listen(socket);
            start();
        }
    }
    ~Harness() { finish(); }
    Harness(const Harness&) = delete;
    Harness& operator=(const Harness&) = delete;

    void start() {
        finished_ = done_.get_future();
        loop_ = std::thread([this] {
            io.run();
            done_.set_value();
        });
    }

    // Runs server.stop() on the loop thread; true when the loop then ran out of work by itself.
    bool stop() {
        if (finished_.wait_for(0s) == std::future_status::ready) return true;
        std::promise<void> stopped;
        auto stopped_future = stopped.get_future();
        boost::asio::post(io, [&] {
            server.stop();
            stopped.set_value();
        });
        return stopped_future.wait_for(kPatience) == std::future_status::ready &&
               finished_.wait_for(kPatience) == std::future_status::ready;
    }

    TempDir dir;
    fs::path socket = dir.path() / "control.sock";
    boost::asio::io_context io;
    CommandTable table;
    Server server;

private:
    void finish() {
        if (!loop_.joinable()) return;
        if (!stop()) io.stop();
        loop_.join();
    }

    std::promise<void> done_;
    std::future<void> finished_;
    std::thread loop_;
};

void raise_open_file_limit(rlim_t wanted) {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= wanted) return;
    limit.rlim_cur = std::min(wanted, limit.rlim_max);
    ::setrlimit(RLIMIT_NOFILE, &limit);
}

}  // namespace

// A well-formed request yields its command and arguments; arguments default to an empty object.
TEST_CASE("request lines parse into command and arguments") {
    auto parsed = parse_request(R"({"command":"events","arguments":{"centre":"erkemai"}})");
    REQUIRE(std::holds_alternative<Request>(parsed));
    CHECK(std::get<Request>(parsed).command == "events");
    CHECK(std::get<Request>(parsed).arguments == json{{"centre", "erkemai"}});

    auto bare = parse_request("{\"command\":\"list-commands\"}\r\n");
    REQUIRE(std::holds_alternative<Request>(bare));
    CHECK(std::get<Request>(bare).arguments == json::object());
}

// Ill-formed UTF-8 is refused, and the reply says at which byte.
TEST_CASE("invalid UTF-8 is refused with its byte offset") {
    const Reply stray = parse_failure("{\"command\":\"ev\xff\"}");
    CHECK(stray.result == bad_request);
    CHECK(stray.text == "request is not valid UTF-8 (byte offset 14)");
    CHECK(first_invalid_utf8("\xC0\xAF") == 0u);                 // overlong "/"
    CHECK(first_invalid_utf8("ok \xED\xA0\x80") == 3u);          // a UTF-16 surrogate
    CHECK(first_invalid_utf8("\xF4\x90\x80\x80") == 0u);         // past U+10FFFF
    CHECK(first_invalid_utf8("abc\xE2\x82") == 3u);              // cut short
    CHECK_FALSE(first_invalid_utf8("Еркемай — ерекше 🎈"));
    CHECK(std::holds_alternative<Request>(parse_request(R"({"command":"events","arguments":{"centre":"Еркемай"}})")));
}

// Depth 32 passes, 33 does not, and a million brackets are refused without deep recursion.
TEST_CASE("JSON nesting is limited to 32 levels") {
    CHECK(std::holds_alternative<Request>(parse_request(nested_request(32))));
    const Reply too_deep = parse_failure(nested_request(33));
    CHECK(too_deep.result == bad_request);
    CHECK(too_deep.text == "request nests deeper than 32 levels");
    CHECK(parse_failure(std::string(1'000'000, '[')).text == "request nests deeper than 32 levels");
    CHECK(json_nesting_depth(R"({"a":"[[[[{{{{"})", 32) == 1);  // brackets inside strings do not count
}

// Only a JSON object with a string "command" and an object "arguments" is a request.
TEST_CASE("requests must be objects with a string command") {
    CHECK(parse_failure("[1,2]").text == "request must be a JSON object");
    CHECK(parse_failure("\"events\"").text == "request must be a JSON object");
    CHECK(parse_failure("{}").text == "request has no \"command\"");
    CHECK(parse_failure(R"({"arguments":{}})").text == "request has no \"command\"");
    CHECK(parse_failure(R"({"command":5})").text == "\"command\" must be a string");
    CHECK(parse_failure(R"({"command":"events","arguments":[]})").text == "\"arguments\" must be an object");
    CHECK(parse_failure(R"({"command":"events","argumnets":{}})").text.find("unknown key 'argumnets'") !=
          std::string::npos);
    CHECK(parse_failure("{\"command\":").text.starts_with("request is not valid JSON: "));
    CHECK(parse_failure("").text == "empty request line");
}

// A reply is exactly one line of JSON, even when its text is not valid UTF-8.
TEST_CASE("replies encode as one JSON line") {
    const std::string line = Reply{not_found, "no event 7\nhere", {{"id", 7}}}.to_json_line();
    REQUIRE(line.ends_with("\n"));
    CHECK(line.find('\n') == line.size() - 1);
    CHECK(json::parse(line) == json{{"result", 3}, {"text", "no event 7\nhere"}, {"arguments", {{"id", 7}}}});
    const std::string mangled = Reply{error, "bad \xff byte"}.to_json_line();
    CHECK(json::parse(mangled)["text"] == "bad \xEF\xBF\xBD byte");
}

// An unknown command is result 2 and names the closest command, if one is close.
TEST_CASE("unknown commands get a suggestion") {
    const CommandTable table = sample_table();
    const Reply typo = dispatch(table, R"({"command":"evnets"})");
    CHECK(typo.result == unknown_command);
    CHECK(typo.text.find("did you mean 'events'?") != std::string::npos);
    const Reply prefix = dispatch(table, R"({"command":"list"})");
    CHECK(prefix.text.find("did you mean 'list-commands'?") != std::string::npos);
    const Reply nonsense = dispatch(table, R"({"command":"qqqqqqqq"})");
    CHECK(nonsense.result == unknown_command);
    CHECK(nonsense.text.find("did you mean") == std::string::npos);
}

// An argument the command does not declare is refused by name, with a suggestion.
TEST_CASE("unknown arguments are refused by name") {
    const CommandTable table = sample_table();
    const Reply reply = dispatch(table, R"({"command":"events","arguments":{"centr":"erkemai"}})");
    CHECK(reply.result == bad_request);
    CHECK(reply.text == "unknown argument 'centr' for 'events'; did you mean 'centre'?");
    CHECK(dispatch(table, R"({"command":"whoami","arguments":{"x":1}})").text.ends_with("it takes no arguments"));
}

// Arguments must have their declared types; required ones must be present.
TEST_CASE("argument types are checked") {
    const CommandTable table = sample_table();
    auto events = [&](const json& args) {
        return dispatch(table, json{{"command", "events"}, {"arguments", args}}.dump());
    };
    CHECK(events({{"centre", "erkemai"}, {"from", "2026-12-01"}, {"limit", 3}, {"all", true}}).result == ok);
    CHECK(events({{"limit", "3"}}).text == "argument 'limit' of 'events' must be an integer, not \"3\"");
    CHECK(events({{"limit", 2.5}}).result == bad_request);
    CHECK(events({{"centre", 7}}).result == bad_request);
    CHECK(events({{"all", 1}}).result == bad_request);
    CHECK(events({{"from", "2026-02-30"}}).text.find("must be a date (YYYY-MM-DD)") != std::string::npos);
    CHECK(events({{"from", "01.12.2026"}}).result == bad_request);
    const Reply missing = dispatch(table, R"({"command":"postpone","arguments":{"event":4}})", true);
    CHECK(missing.result == bad_request);
    CHECK(missing.text == "'postpone' needs the argument 'to'");
}

// Admin commands are refused to others, and every attempt reaches the audit hook.
TEST_CASE("admin commands are refused to non-admins and audited") {
    CommandTable table = sample_table();
    std::vector<std::pair<std::string, int>> audited;
    table.on_admin_attempt([&](const Peer& peer, const std::string& command, const json& args, const Reply& reply) {
        CHECK(peer.uid == ::getuid());
        CHECK(args.contains("event"));
        audited.emplace_back(command, reply.result);
    });
    const std::string postpone = R"({"command":"postpone","arguments":{"event":4,"to":"2026-12-08"}})";
    const Reply refused = dispatch(table, postpone, false);
    CHECK(refused.result == forbidden);
    CHECK(refused.text.find("needs admin rights") != std::string::npos);
    CHECK(dispatch(table, postpone, true).result == ok);
    CHECK(dispatch(table, R"({"command":"postpone","arguments":{"event":4,"to":"soon"}})", true).result == bad_request);
    CHECK(dispatch(table, R"({"command":"events"})", false).result == ok);  // read commands are not audited
    CHECK(audited == std::vector<std::pair<std::string, int>>{{"postpone", forbidden}, {"postpone", ok},
                                                              {"postpone", bad_request}});
}

// An exception from a handler becomes result 1 with its message and goes no further.
TEST_CASE("a throwing handler becomes an error reply") {
    const CommandTable table = sample_table();
    Reply reply;
    REQUIRE_NOTHROW(reply = dispatch(table, R"({"command":"explode"})"));
    CHECK(reply.result == error);
    CHECK(reply.text == "the store is on fire");
}

// Registering a name twice (built-ins included) or an unknown type is caught at start-up.
TEST_CASE("registering a command twice is a programming error") {
    CommandTable table = sample_table();
    auto handler = [](const json&, const Peer&) { return Reply{}; };
    CHECK_THROWS_AS(table.add({"events", Permission::read, "again", {}, handler}), std::logic_error);
    CHECK_THROWS_AS(table.add({"help", Permission::read, "mine", {}, handler}), std::logic_error);
    CHECK_THROWS_AS(table.add({"stats", Permission::read, "x", {{"since", "datetime"}}, handler}), std::logic_error);
    CHECK_THROWS_AS(table.add({"nothing", Permission::read, "x", {}, nullptr}), std::logic_error);
    CHECK_NOTHROW(table.add({"stats", Permission::read, "x", {{"since", "date"}}, handler}));
}

// list-commands lists every command with its permission; help explains one or all.
TEST_CASE("list-commands and help describe the table") {
    const CommandTable table = sample_table();
    const Reply listed = dispatch(table, R"({"command":"list-commands"})");
    REQUIRE(listed.result == ok);
    std::vector<std::string> names;
    for (const auto& command : listed.arguments["commands"]) names.push_back(command["name"]);
    CHECK(names == std::vector<std::string>{"events", "explode", "help", "list-commands", "postpone", "whoami"});
    CHECK(listed.arguments["commands"][4] ==
          json{{"name", "postpone"}, {"permission", "admin"}, {"help", "Move an event to another day."}});

    const Reply one = dispatch(table, R"({"command":"help","arguments":{"command":"postpone"}})");
    REQUIRE(one.result == ok);
    CHECK(one.arguments["arguments"] == json{{"event", "integer!"}, {"to", "date!"}});
    CHECK(one.text.find("to: date, required") != std::string::npos);
    const Reply all = dispatch(table, R"({"command":"help"})");
    CHECK(all.result == ok);
    CHECK(all.arguments["commands"].size() == 6);
    const Reply unknown = dispatch(table, R"({"command":"help","arguments":{"command":"postpon"}})");
    CHECK(unknown.result == unknown_command);
    CHECK(unknown.text.find("did you mean 'postpone'?") != std::string::npos);
}

// SO_PEERCRED names this very process, with its user name and groups.
TEST_CASE("peer credentials name the process at the other end") {
    int pair[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0);
    const Peer peer = read_peer_credentials(pair[0]);
    ::close(pair[0]);
    ::close(pair[1]);
    CHECK(peer.uid == ::getuid());
    CHECK(peer.gid == ::getgid());
    CHECK(peer.pid == ::getpid());
    CHECK(peer.in_group(::getgid()));
    if (const passwd* entry = ::getpwuid(::getuid())) {
        CHECK(peer.user == entry->pw_name);
        CHECK(peer.in_group(entry->pw_gid));
    }
    CHECK(std::is_sorted(peer.groups.begin(), peer.groups.end()));
    CHECK_THROWS_AS(peer_credentials(-1), std::system_error);
}

// Root, the service user and members of the admin group may run admin commands; nobody else.
TEST_CASE("AdminRule admits root, the service user and the admin group") {
    const AdminRule rule{1001, 2001};
    Peer someone;
    someone.uid = 1500;
    someone.gid = 1500;
    someone.groups = {100, 1500};
    CHECK_FALSE(rule(someone));
    someone.groups = {100, 1500, 2001};
    CHECK(rule(someone));
    Peer service;
    service.uid = 1001;
    CHECK(rule(service));
    Peer root;
    root.uid = 0;
    CHECK(AdminRule{}(root));
    CHECK_FALSE(AdminRule{}(someone));
}

// The client and the server agree, the handler sees the caller's credentials, the mode is 0660.
TEST_CASE("a request round-trips through the socket") {
    Harness harness;
    struct stat status {};
    REQUIRE(::stat(harness.socket.c_str(), &status) == 0);
    CHECK((status.st_mode & 07777) == 0660);

    const json reply = request(harness.socket, {{"command", "whoami"}}, kPatience);
    CHECK(reply["result"] == ok);
    CHECK(reply["arguments"]["uid"] == ::getuid());
    CHECK(reply["arguments"]["pid"] == ::getpid());

    const json refused = request(harness.socket, {{"command", "postpone"}, {"arguments", {{"event", 1}, {"to", "2026-12-08"}}}},
                                 kPatience);
    CHECK(refused["result"] == forbidden);  // no is_admin predicate: nobody is an admin
}

// after_each_run hears of every request answered, with how long its command ran (taratd gives
// freed memory back after a long one).
TEST_CASE("the server tells how long each request's command ran") {
    Harness harness({}, nullptr, /*listen=*/false);
    // The command times itself: the server's figure covers at least that.
    std::atomic<std::int64_t> inside_ns{0};
    harness.table.add({"count", Permission::read, "Counts a while.", {}, [&](const json&, const Peer&) {
                           const auto start = std::chrono::steady_clock::now();
                           std::uint64_t sum = 0;
                           for (std::uint64_t i = 0; i < 1'000'000; ++i) sum += i * i;
                           inside_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                           std::chrono::steady_clock::now() - start).count();
                           return Reply{ok, std::to_string(sum)};
                       }});
    std::mutex mutex;
    std::vector<std::chrono::steady_clock::duration> runs;
    harness.server.after_each_run([&](std::chrono::steady_clock::duration took) {
        std::lock_guard lock(mutex);
        runs.push_back(took);
    });
    harness.server.listen(harness.socket);
    harness.start();
    CHECK(request(harness.socket, {{"command", "whoami"}}, kPatience)["result"] == ok);
    CHECK(request(harness.socket, {{"command", "count"}}, kPatience)["result"] == ok);
    const auto deadline = std::chrono::steady_clock::now() + kPatience;
    auto count = [&] {
        std::lock_guard lock(mutex);
        return runs.size();
    };
    while (count() < 2 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
    std::lock_guard lock(mutex);
    REQUIRE(runs.size() == 2);
    REQUIRE(inside_ns > 0);
    CHECK(runs[1] >= std::chrono::nanoseconds(inside_ns.load()));
}

// Replies come back in order for several requests sent in one write.
TEST_CASE("pipelined requests are answered in order") {
    Harness harness;
    RawClient client(harness.socket);
    REQUIRE(client.send_all("{\"command\":\"events\",\"arguments\":{\"limit\":1}}\n{\"command\":\"nope\"}\n"
                            "{\"command\":\"events\",\"arguments\":{\"limit\":3}}\n"));
    CHECK(client.reply()["arguments"]["echo"]["limit"] == 1);
    CHECK(client.reply()["result"] == unknown_command);
    CHECK(client.reply()["arguments"]["echo"]["limit"] == 3);
}

// A line of exactly 64 KiB is served; one byte more is refused and the connection closed.
TEST_CASE("the line limit is 65536 bytes") {
    Harness harness;
    const std::string frame = R"({"command":"events","arguments":{"centre":""}})";
    const std::string at_limit = R"({"command":"events","arguments":{"centre":")" +
                                 std::string(65536 - frame.size(), 'x') + "\"}}";
    REQUIRE(at_limit.size() == 65536);
    RawClient fits(harness.socket);
    REQUIRE(fits.send_all(at_limit + "\n"));
    CHECK(fits.reply()["result"] == ok);

    RawClient over(harness.socket);
    REQUIRE(over.send_all(at_limit.substr(0, 20) + "x" + at_limit.substr(20) + "\n"));
    const json refused = over.reply();
    CHECK(refused["result"] == bad_request);
    CHECK(refused["text"] == "request line exceeds 65536 bytes");
    CHECK(over.wait_for_eof());
}

// A 10 MB line is refused after 64 KiB while another connected client keeps getting answers.
TEST_CASE("an oversized line is refused while other clients are served") {
    Harness harness;
    RawClient other(harness.socket);
    const json huge = {{"command", "events"}, {"arguments", {{"centre", std::string(10 << 20, 'x')}}}};
    auto refused = std::async(std::launch::async, [&] { return request(harness.socket, huge, kPatience); });
    for (int round = 0; round < 5; ++round) CHECK(other.ask(kEvents)["result"] == ok);
    const json reply = refused.get();
    CHECK(reply["result"] == bad_request);
    CHECK(reply["text"] == "request line exceeds 65536 bytes");
    CHECK(other.ask(kEvents)["result"] == ok);
}

// Bad UTF-8 gets a bad_request reply and the same connection keeps working.
TEST_CASE("an invalid UTF-8 line is answered and the connection stays usable") {
    Harness harness;
    RawClient client(harness.socket);
    REQUIRE(client.send_all("{\"command\":\"events\",\"arguments\":{\"centre\":\"\xC3\x28\"}}\n"));
    const json refused = client.reply();
    CHECK(refused["result"] == bad_request);
    CHECK(refused["text"] == "request is not valid UTF-8 (byte offset 43)");
    CHECK(client.ask(kEvents)["result"] == ok);
}

// With 300 more connections open, 256 are served in all, the rest told "too many connections".
TEST_CASE("the connection limit refuses the surplus and still serves the rest") {
    raise_open_file_limit(4096);
    Limits limits;
    limits.max_per_uid = 10000;  // every connection here has the same uid
    Harness harness(limits);
    RawClient first(harness.socket);
    REQUIRE(first.ask(kEvents)["result"] == ok);

    std::vector<std::unique_ptr<RawClient>> crowd;
    for (int i = 0; i < 300; ++i) crowd.push_back(std::make_unique<RawClient>(harness.socket));
    int served = 0, refused = 0, silent = 0;
    for (auto& client : crowd) {
        client->send_all(kEvents.dump() + "\n");  // fails for refused ones already closed: fine
        const json reply = client->reply();
        if (reply.value("result", -1) == ok)
            ++served;
        else if (reply.value("result", -1) == error && reply.value("text", "") == "too many connections")
            ++refused;
        else
            ++silent;
    }
    CHECK(served == 255);
    CHECK(refused == 45);
    CHECK(silent == 0);
    CHECK(harness.server.connection_count() == 256);
    CHECK(first.ask(kEvents)["result"] == ok);
}

// The per-uid limit refuses one connection too many, and a closed one frees its place.
TEST_CASE("the per-uid limit refuses the extra connection and frees on close") {
    Limits limits;
    limits.max_per_uid = 3;
    Harness harness(limits);
    auto a = std::make_unique<RawClient>(harness.socket);
    RawClient b(harness.socket), c(harness.socket);
    for (RawClient* client : {a.get(), &b, &c}) REQUIRE(client->ask(kEvents)["result"] == ok);

    RawClient fourth(harness.socket);
    const json refused = fourth.reply();
    CHECK(refused["result"] == error);
    CHECK(refused["text"] == "too many connections");
    CHECK(fourth.wait_for_eof());

    a.reset();
    // The server learns of the close asynchronously; each attempt is a full round trip, bounded.
    bool admitted = false;
    for (int attempt = 0; attempt < 500 && !admitted; ++attempt) {
        RawClient again(harness.socket);
        admitted = again.ask(kEvents).value("result", -1) == ok;
    }
    CHECK(admitted);
}

// A client that never reads its replies stalls only itself.
TEST_CASE("a client that does not read its replies does not block others") {
    Harness harness;
    RawClient slow(harness.socket);
    REQUIRE(::fcntl(slow.fd(), F_SETFL, ::fcntl(slow.fd(), F_GETFL) | O_NONBLOCK) == 0);
    std::string burst;
    for (int i = 0; i < 1000; ++i) burst += R"({"command":"list-commands"})" "\n";
    std::size_t sent = 0;
    for (bool full = false; !full && sent < (std::size_t{256} << 20);) {
        const ssize_t n = ::send(slow.fd(), burst.data(), burst.size(), MSG_NOSIGNAL);
        if (n > 0) sent += static_cast<std::size_t>(n);
        full = n < 0 && errno == EAGAIN;
    }
    CHECK(sent < (std::size_t{256} << 20));  // the server stopped reading: it keeps nothing unbounded
    const json reply = request(harness.socket, kEvents, kPatience);
    CHECK(reply["result"] == ok);
}

// A connection that sends nothing is closed once the idle timeout passes.
TEST_CASE("an idle connection is closed after the timeout") {
    Limits limits;
    limits.idle_timeout = 200ms;
    Harness harness(limits);
    const auto connected = std::chrono::steady_clock::now();
    RawClient idle(harness.socket);
    CHECK(idle.wait_for_eof());
    CHECK(std::chrono::steady_clock::now() - connected >= 200ms);

    RawClient busy(harness.socket);
    CHECK(busy.ask(kEvents)["result"] == ok);  // activity re-arms the deadline
    CHECK(busy.wait_for_eof());
}

// A socket file nobody answers on is removed and replaced; a non-socket file is left alone.
TEST_CASE("a stale socket file is replaced") {
    TempDir dir;
    const fs::path path = dir.path() / "control.sock";
    {
        const int dead = ::socket(AF_UNIX, SOCK_STREAM, 0);
        const sockaddr_un address = address_of(path);
        REQUIRE(::bind(dead, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
        ::close(dead);  // the file stays behind, as after a crash
    }
    REQUIRE(fs::is_socket(path));
    boost::asio::io_context io;
    const CommandTable table = sample_table();
    Server server(io, table, {}, nullptr);
    REQUIRE_NOTHROW(server.listen(path));
    auto answered = std::async(std::launch::async, [&] { return request(path, kEvents, kPatience); });
    while (answered.wait_for(0s) != std::future_status::ready) io.run_one_for(100ms);
    CHECK(answered.get()["result"] == ok);
    server.stop();

    const fs::path plain = dir.path() / "not-a-socket";
    std::ofstream(plain) << "precious";
    Server other(io, table, {}, nullptr);
    CHECK_THROWS_WITH(other.listen(plain), Catch::Contains("is not a socket"));
    CHECK(fs::is_regular_file(plain));
}

// A second server refuses to take over a path where a live server answers.
TEST_CASE("a live server at the path refuses a second listen") {
    Harness harness;
    boost::asio::io_context io;
    Server second(io, harness.table, {}, nullptr);
    CHECK_THROWS_AS(second.listen(harness.socket), AlreadyRunning);
    CHECK(fs::is_socket(harness.socket));
    CHECK(request(harness.socket, kEvents, kPatience)["result"] == ok);
}

// stop() closes open sessions and removes the socket file it created.
TEST_CASE("stop closes sessions and removes the socket file") {
    Harness harness;
    RawClient client(harness.socket);
    REQUIRE(client.ask(kEvents)["result"] == ok);
    REQUIRE(harness.stop());  // the loop also runs out of work: nothing is left pending
    CHECK_FALSE(fs::exists(harness.socket));
    CHECK(client.wait_for_eof());
    CHECK_THROWS_AS(request(harness.socket, kEvents, kPatience), Unreachable);
}

// An adopted (socket-activated) listener is served, and stop() leaves its path alone.
TEST_CASE("an adopted socket is served and not unlinked") {
    Harness harness({}, nullptr, false);
    const int listener = ::socket(AF_UNIX, SOCK_STREAM, 0);
    const sockaddr_un address = address_of(harness.socket);
    REQUIRE(::bind(listener, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(listener, 16) == 0);
    harness.server.adopt(listener);
    harness.start();
    CHECK(request(harness.socket, kEvents, kPatience)["result"] == ok);
    REQUIRE(harness.stop());
    CHECK(fs::is_socket(harness.socket));

    int pair[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0);
    boost::asio::io_context io;
    Server other(io, harness.table, {}, nullptr);
    CHECK_THROWS_AS(other.adopt(pair[0]), std::invalid_argument);  // connected, not listening
    ::close(pair[0]);
    ::close(pair[1]);
}

// The client names the path and errno when nothing listens, and times out on a silent server.
TEST_CASE("the client reports unreachable sockets and bad replies") {
    TempDir dir;
    const fs::path missing = dir.path() / "missing.sock";
    try {
        request(missing, kEvents, kPatience);
        FAIL("request to a missing socket succeeded");
    } catch (const Unreachable& e) {
        CHECK(e.error_number() == ENOENT);
        CHECK_THAT(e.what(), Catch::Contains(missing.string()) && Catch::Contains("No such file or directory"));
    }

    const fs::path silent = dir.path() / "silent.sock";
    const int listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const sockaddr_un address = address_of(silent);
    REQUIRE(::bind(listener, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(listener, 4) == 0);
    CHECK_THROWS_AS(request(silent, kEvents, 200ms), ProtocolError);  // connected, never answered
    ::close(::accept(listener, nullptr, nullptr));  // drop that abandoned connection from the backlog

    auto garbage = std::async(std::launch::async, [&] {
        const int connection = ::accept(listener, nullptr, nullptr);
        const std::string junk = "this is not json\n";
        (void)!::send(connection, junk.data(), junk.size(), MSG_NOSIGNAL);
        return connection;
    });
    std::string message;
    try {
        request(silent, kEvents, kPatience);
    } catch (const ProtocolError& e) {
        message = e.what();
    }
    ::close(garbage.get());
    ::close(listener);
    CHECK_THAT(message, Catch::Contains("malformed reply"));
}

// ---- deferred commands (test-notice) ----

// A deferred command's answer goes through `respond`, once, audited with the answer it gave; the
// synchronous dispatch cannot wait for it and says so.
TEST_CASE("a deferred admin command answers through respond and is audited then") {
    CommandTable table = sample_table();
    Respond held;
    table.add({"probe", Permission::admin, "Answers later.", {{"who", "string!"}}, nullptr,
               [&](const json&, const Peer&, Respond respond) { held = std::move(respond); }});
    std::vector<int> audited;
    table.on_admin_attempt([&](const Peer&, const std::string&, const json&, const Reply& r) { audited.push_back(r.result); });

    std::vector<Reply> answers;
    auto collect = [&](Reply r) { answers.push_back(std::move(r)); };
    table.dispatch(R"({"command":"probe","arguments":{"who":"bertleuova"}})", self_peer(), true, collect);
    CHECK(answers.empty());
    CHECK(audited.empty());
    REQUIRE(held);
    held(Reply{ok, "sent"});
    held(Reply{error, "twice"});  // a second answer is dropped
    REQUIRE(answers.size() == 1);
    CHECK(answers[0].text == "sent");
    CHECK(audited == std::vector<int>{ok});

    // Refusals answer at once and are audited too; other commands answer before dispatch returns.
    table.dispatch(R"({"command":"probe"})", self_peer(), true, collect);
    table.dispatch(R"({"command":"probe","arguments":{"who":"x"}})", self_peer(), false, collect);
    table.dispatch(R"({"command":"whoami"})", self_peer(), false, collect);
    table.dispatch("not json", self_peer(), false, collect);
    REQUIRE(answers.size() == 5);
    CHECK(answers[1].result == bad_request);
    CHECK(answers[2].result == forbidden);
    CHECK(answers[3].result == ok);
    CHECK(answers[4].result == bad_request);
    CHECK(audited == std::vector<int>{ok, bad_request, forbidden});

    const Reply sync = dispatch(table, R"({"command":"probe","arguments":{"who":"x"}})", true);
    CHECK(sync.result == error);
    CHECK(sync.text.find("answers only over the socket") != std::string::npos);
    CHECK_THROWS_AS(table.add({"both", Permission::read, "x", {}, [](const json&, const Peer&) { return Reply{}; },
                               [](const json&, const Peer&, Respond) {}}),
                    std::logic_error);
}

// While one client waits for a deferred answer, others are answered; then the answer arrives on
// the waiting connection, which goes on serving requests.
TEST_CASE("a client waiting for a deferred answer delays nobody") {
    Harness harness({}, nullptr, false);
    Respond held;
    std::promise<void> dispatched;
    harness.table.add({"slow", Permission::read, "Answers when the test says so.", {}, nullptr,
                       [&](const json&, const Peer&, Respond respond) {
                           held = std::move(respond);
                           dispatched.set_value();
                       }});
    harness.server.listen(harness.socket);
    harness.start();

    RawClient waiting(harness.socket);
    REQUIRE(waiting.send_all("{\"command\":\"slow\"}\n"));
    REQUIRE(dispatched.get_future().wait_for(kPatience) == std::future_status::ready);
    const json other = request(harness.socket, {{"command", "whoami"}}, kPatience);
    CHECK(other["result"] == ok);
    std::promise<void> answered;
    boost::asio::post(harness.io, [&] {
        held(Reply{ok, "at last"});
        answered.set_value();
    });
    REQUIRE(answered.get_future().wait_for(kPatience) == std::future_status::ready);
    CHECK(waiting.reply()["text"] == "at last");
    REQUIRE(waiting.send_all("{\"command\":\"whoami\"}\n"));
    CHECK(waiting.reply()["result"] == ok);
}

// A reply encoded once is sent byte for byte as the full reply would have been.
TEST_CASE("an encoded-once reply is the same line") {
    const Reply full{ok, "статус", {{"centres", json::array({{{"id", "erkemai"}, {"events", 12}}})}}};
    const Reply cached = encoded_once(full);
    CHECK(cached.to_json_line() == full.to_json_line());
    CHECK(cached.arguments.empty());
    const Reply copy = cached;
    CHECK(copy.encoded == cached.encoded);  // copies share the encoded line
}

// Two equal keys in one object, at any depth, are refused naming the key: nlohmann would keep the
// last, so {"command":"status","command":"reload"} ran `reload`.
TEST_CASE("a duplicate key at any level of a request is refused naming it") {
    CHECK(parse_failure(R"({"command":"status","command":"reload"})").text == "duplicate key 'command' in request");
    CHECK(parse_failure(R"({"command":"events","arguments":{"centre":"a","centre":"b"}})").text ==
          "duplicate key 'centre' in request");
    CHECK(parse_failure(R"({"command":"events","arguments":{"x":[{"k":1},{"k":2,"k":3}]}})").text ==
          "duplicate key 'k' in request");
    CHECK(parse_failure(R"({"command":"status","command":"reload"})").result == bad_request);
    // Equal keys in different objects are fine.
    CHECK(std::holds_alternative<Request>(parse_request(R"({"command":"events","arguments":{"x":[{"k":1},{"k":2}]}})")));
}

// Over the socket no reply line exceeds 4 MiB unless its command was allowed more: a larger one
// becomes an error naming the limit, and the connection goes on.
TEST_CASE("a reply over the limit is replaced by an error naming it") {
    Harness harness({}, nullptr, false);
    const std::string five_mib(std::size_t{5} << 20, 'x');
    harness.table.add({"huge", Permission::read, "Five MiB of x.", {},
                       [&](const json&, const Peer&) { return Reply{ok, "huge", {{"data", five_mib}}}; }});
    harness.table.add({"backup-like", Permission::read, "Five MiB, allowed.", {},
                       [&](const json&, const Peer&) { return Reply{ok, "allowed", {{"data", five_mib}}}; }});
    harness.table.allow_reply_up_to("backup-like", std::size_t{8} << 20);
    CHECK_THROWS_AS(harness.table.allow_reply_up_to("absent", 1), std::logic_error);
    harness.server.listen(harness.socket);
    harness.start();

    RawClient client(harness.socket);
    const json refused = client.ask({{"command", "huge"}});
    CHECK(refused["result"] == error);
    CHECK(refused["text"].get<std::string>().find("the reply to 'huge' would be 524") == 0);
    CHECK(refused["text"].get<std::string>().find("over the limit of 4194304 bytes for one reply") != std::string::npos);
    CHECK(client.ask(kEvents)["result"] == ok);
    const json allowed = client.ask({{"command", "backup-like"}});
    CHECK(allowed["result"] == ok);
    CHECK(allowed["arguments"]["data"].get<std::string>().size() == five_mib.size());
}

// Past the overall limit (here 2) administrators still get in, into the reserved slots (here 2):
// readers holding every connection used to lock the administrator out. The per-uid limit (here
// 5) holds for administrators too.
TEST_CASE("administrators have reserved connections past the limits") {
    Limits limits;
    limits.max_connections = 2;
    limits.max_per_uid = 5;
    limits.admin_reserve = 2;
    std::atomic<bool> next_is_admin{false};
    Harness harness(limits, [&](const Peer&) { return next_is_admin.load(); });
    std::vector<std::unique_ptr<RawClient>> held;
    for (int i = 0; i < 2; ++i) {
        held.push_back(std::make_unique<RawClient>(harness.socket));
        REQUIRE(held.back()->ask(kEvents)["result"] == ok);
    }
    RawClient reader(harness.socket);
    CHECK(reader.reply()["text"] == "too many connections");

    next_is_admin = true;
    for (int i = 0; i < 2; ++i) {  // up to max_connections + admin_reserve in all
        held.push_back(std::make_unique<RawClient>(harness.socket));
        REQUIRE(held.back()->ask(kEvents)["result"] == ok);
    }
    CHECK(harness.server.connection_count() == 4);
    RawClient one_too_many(harness.socket);
    CHECK(one_too_many.reply()["text"] == "too many connections");
}

// The per-uid limit holds for an administrator too: root's 300 connections leave room for others.
TEST_CASE("the per-uid limit holds for administrators") {
    Limits limits;
    limits.max_connections = 4;
    limits.max_per_uid = 2;
    limits.admin_reserve = 2;
    Harness harness(limits, [](const Peer&) { return true; });
    std::vector<std::unique_ptr<RawClient>> held;
    for (int i = 0; i < 2; ++i) {
        held.push_back(std::make_unique<RawClient>(harness.socket));
        REQUIRE(held.back()->ask(kEvents)["result"] == ok);
    }
    RawClient third(harness.socket);
    CHECK(third.reply()["text"] == "too many connections");
    CHECK(harness.server.connection_count() == 2);
}

// The idle timeout counts from the last whole request or reply: bytes trickling in without a
// newline do not keep a connection open, whatever it sent before.
TEST_CASE("a connection trickling bytes is closed at the idle timeout") {
    Limits limits;
    limits.idle_timeout = 300ms;
    Harness harness(limits);
    RawClient trickler(harness.socket);
    REQUIRE(trickler.ask(kEvents)["result"] == ok);
    bool closed = false;
    // 200 bytes, one per 20 ms: 4 s of activity, far past the 300 ms timeout.
    for (int i = 0; i < 200 && !closed; ++i) {
        closed = !trickler.send_all("{") || trickler.wait_for_eof(20ms);
    }
    CHECK(closed);
    CHECK(eventually_zero_connections(harness.server));
}

// A client that asks for a big reply and never reads it is disconnected at the idle timeout and
// its slot and its reply's memory freed; meanwhile it holds one reply at most (it is not read
// from again until that reply is written).
TEST_CASE("a client that does not take its reply is disconnected and freed") {
    Limits limits;
    limits.idle_timeout = 300ms;
    Harness harness(limits, nullptr, false);
    const std::string three_mib(std::size_t{3} << 20, 'x');
    std::atomic<int> runs{0};
    harness.table.add({"big", Permission::read, "Three MiB of x.", {}, [&](const json&, const Peer&) {
                           ++runs;
                           return Reply{ok, "big", {{"data", three_mib}}};
                       }});
    harness.server.listen(harness.socket);
    harness.start();
    RawClient stuck(harness.socket);
    std::string requests;
    for (int i = 0; i < 10; ++i) requests += "{\"command\":\"big\"}\n";
    REQUIRE(stuck.send_all(requests));  // ten requests pipelined; replies never read
    const auto deadline = std::chrono::steady_clock::now() + kPatience;
    while (runs.load() == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
    REQUIRE(runs.load() == 1);
    CHECK(eventually_zero_connections(harness.server));
    CHECK(runs.load() == 1);  // the next request is not run while the reply waits
    CHECK(request(harness.socket, kEvents, kPatience)["result"] == ok);
}

// Requests wait in one queue per cost: a cheap one is answered before costly ones that were
// queued first, so one client looping a long listing cannot hold up everyone's `status`.
TEST_CASE("a cheap request goes before queued costly ones") {
    Harness harness({}, nullptr, false);
    std::vector<std::string> ran;  // on the loop thread only
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    std::promise<void> gate_entered;
    harness.table.add({"gate", Permission::read, "Holds the loop until the test releases it.", {},
                       [&](const json&, const Peer&) {
                           gate_entered.set_value();
                           released.wait();
                           return Reply{ok, "gate"};
                       }});
    harness.table.add({"costly", Permission::read, "Takes 2 ms of loop time.", {}, [&](const json&, const Peer&) {
                           ran.push_back("costly");
                           std::this_thread::sleep_for(2ms);  // the cost itself, not a wait for a timer
                           return Reply{ok, "costly"};
                       }});
    harness.table.add({"cheap", Permission::read, "Costs nothing.", {}, [&](const json&, const Peer&) {
                           ran.push_back("cheap");
                           return Reply{ok, "cheap"};
                       }});
    harness.server.listen(harness.socket);
    harness.start();

    std::vector<std::unique_ptr<RawClient>> costly_clients;
    for (int i = 0; i < 6; ++i) {
        costly_clients.push_back(std::make_unique<RawClient>(harness.socket));
        REQUIRE(costly_clients.back()->ask({{"command", "costly"}})["result"] == ok);  // its cost is learnt
    }
    RawClient cheap_client(harness.socket);
    REQUIRE(cheap_client.ask({{"command", "cheap"}})["result"] == ok);
    RawClient gate_client(harness.socket);
    REQUIRE(gate_client.send_all("{\"command\":\"gate\"}\n"));
    REQUIRE(gate_entered.get_future().wait_for(kPatience) == std::future_status::ready);
    // While the loop is held, the costly requests and then the cheap one arrive.
    for (auto& client : costly_clients) REQUIRE(client->send_all("{\"command\":\"costly\"}\n"));
    REQUIRE(cheap_client.send_all("{\"command\":\"cheap\"}\n"));
    release.set_value();
    CHECK(gate_client.reply()["result"] == ok);
    CHECK(cheap_client.reply()["result"] == ok);
    for (auto& client : costly_clients) CHECK(client->reply()["result"] == ok);
    REQUIRE(harness.stop());
    REQUIRE(ran.size() == 14);
    const std::vector<std::string> after_gate(ran.begin() + 7, ran.end());
    CHECK(after_gate.front() == "cheap");
}

// Cached read commands are answered from a copy while the epoch stays the same, per arguments,
// and built again once it changes; failures are never kept.
TEST_CASE("cached replies last until the epoch changes") {
    CommandTable table = sample_table();
    int runs = 0;
    table.add({"listing", Permission::read, "Counts its runs.", {{"n", "integer"}}, [&](const json& args, const Peer&) {
                   ++runs;
                   if (args.value("n", 0) < 0) return Reply{bad_request, "negative"};
                   return Reply{ok, "run " + std::to_string(runs)};
               }});
    std::string epoch = "a";
    table.cache_replies({"listing"}, [&] { return epoch; });
    CHECK_THROWS_AS(table.cache_replies({"postpone"}, [] { return std::string(); }), std::logic_error);
    auto ask = [&](std::string_view line) {
        Reply answer;
        table.dispatch(line, self_peer(), false, [&](Reply reply) { answer = std::move(reply); });
        return json::parse(answer.to_json_line());
    };
    CHECK(ask(R"({"command":"listing"})")["text"] == "run 1");
    CHECK(ask(R"({"command":"listing"})")["text"] == "run 1");
    CHECK(ask(R"({"command":"listing","arguments":{"n":2}})")["text"] == "run 2");
    CHECK(ask(R"({"command":"listing","arguments":{"n":-1}})")["result"] == bad_request);
    CHECK(ask(R"({"command":"listing","arguments":{"n":-1}})")["result"] == bad_request);
    CHECK(runs == 4);  // the refusal ran twice: not kept
    epoch = "b";
    CHECK(ask(R"({"command":"listing"})")["text"] == "run 5");
}
