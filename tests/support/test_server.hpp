#pragma once
// tests/servers/*.py as child processes on 127.0.0.1: the SMTP, HTTP and bot API fakes that the
// network plugins' tests and the end-to-end tests talk to.
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace tarat::testing {

inline const std::string kServers = std::string(TARAT_SOURCE_DIR) + "/tests/servers/";
// Debian's python3, which sees python3-aiosmtpd (a pyenv python3 on PATH may not).
inline const std::string kPython = "/usr/bin/python3";

// The plugins would honour proxy variables; these tests talk to 127.0.0.1 only.
[[maybe_unused]] inline const bool kNoProxies = [] {
    for (const char* name : {"http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "HTTP_PROXY"})
        ::unsetenv(name);
    return true;
}();

inline bool accepts(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    ::close(fd);
    return ok;
}

// One of tests/servers/*.py as a child process; ready once it has announced its port and accepts
// connections there (waited for with an upper bound). Killed when destroyed.
class TestServer {
public:
    TestServer(const TempDir& dir, const std::string& script, std::vector<std::string> args, int port = 0) {
        static int counter = 0;
        std::string name = script.substr(0, script.find('.')) + "-" + std::to_string(counter++);
        std::filesystem::path port_file = dir / (name + ".port");
        std::vector<std::string> argv = {kPython, kServers + script, "--port", std::to_string(port), "--port-file",
                                         port_file.string()};
        argv.insert(argv.end(), args.begin(), args.end());
        child_ = std::make_unique<Child>(argv, dir.path(), name);
        bool announced = eventually([&] { return std::filesystem::exists(port_file) || !child_->running(); });
        if (!announced || !std::filesystem::exists(port_file)) FAIL(script << " did not start: " << child_->err());
        port_ = std::stoi(read_file(port_file));
        REQUIRE(eventually([&] { return accepts(port_); }));
    }
    int port() const { return port_; }
    std::string err() const { return child_->err(); }

private:
    std::unique_ptr<Child> child_;
    int port_ = 0;
};

// smtp_server.py storing what it accepts in a maildir, and Python's reading of each message.
struct MailServer {
    TempDir& dir;
    std::unique_ptr<TestServer> server;
    std::filesystem::path maildir;

    MailServer(TempDir& d, std::vector<std::string> args, int port = 0) : dir(d), maildir(d / "maildir") {
        args.insert(args.begin(), {"--maildir", maildir.string()});
        server = std::make_unique<TestServer>(dir, "smtp_server.py", args, port);
    }
    std::string url() const { return "smtp://127.0.0.1:" + std::to_string(server->port()); }
    std::vector<std::filesystem::path> messages() const {
        std::vector<std::filesystem::path> found;
        if (std::filesystem::exists(maildir))
            for (const auto& entry : std::filesystem::directory_iterator(maildir))
                if (entry.path().extension() == ".eml") found.push_back(entry.path());
        std::sort(found.begin(), found.end());
        return found;
    }
    // What Python's email package makes of a stored message (tests/servers/parse_eml.py).
    nlohmann::json parsed(const std::filesystem::path& eml) const {
        auto result = run({kPython, kServers + "parse_eml.py", eml.string()}, dir.path());
        INFO(result.err);
        REQUIRE(result.exit_code == 0);
        return nlohmann::json::parse(result.out);
    }
};

// telegram_server.py: the Bot API's fake. `state` is what it recorded (see the script's doc);
// enqueue() queues updates for getUpdates (update_id given when absent) and returns their ids.
struct FakeBotApi {
    std::filesystem::path state;
    std::filesystem::path dir;
    std::unique_ptr<TestServer> server;

    FakeBotApi(const TempDir& d, const std::string& token, const std::string& script = "",
               std::vector<std::string> extra = {})
        : dir(d.path()) {
        static int counter = 0;
        state = d / ("telegram-" + std::to_string(counter++) + ".json");
        std::vector<std::string> args{"--token", token, "--state", state.string(), "--script", script};
        args.insert(args.end(), extra.begin(), extra.end());
        server = std::make_unique<TestServer>(d, "telegram_server.py", args);
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(server->port()); }
    nlohmann::json seen() const { return nlohmann::json::parse(read_file(state)); }
    // The recorded calls of `method`, in order (their JSON).
    std::vector<nlohmann::json> calls(const std::string& method) const {
        std::vector<nlohmann::json> found;
        const nlohmann::json all = seen();
        for (const auto& c : all["calls"])
            if (c["method"] == method) found.push_back(c["json"]);
        return found;
    }
    nlohmann::json enqueue(const nlohmann::json& updates) const {
        std::string code =
            "import sys, urllib.request\n"
            "r = urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), method='POST'))\n"
            "print(r.read().decode())\n";
        auto result = run({kPython, "-c", code, url() + "/test/updates", updates.dump()}, dir);
        INFO(result.err);
        REQUIRE(result.exit_code == 0);
        return nlohmann::json::parse(result.out)["result"];
    }
};

// A Telegram text message update from user (and chat) `user`.
inline nlohmann::json tg_text(std::int64_t user, const std::string& text, const std::string& language = "ru") {
    return {{"message",
             {{"message_id", 1},
              {"from", {{"id", user}, {"is_bot", false}, {"first_name", "T"}, {"language_code", language}}},
              {"chat", {{"id", user}, {"type", "private"}}},
              {"date", 0},
              {"text", text}}}};
}

// A button press on message `message_id` in user `user`'s chat.
inline nlohmann::json tg_button(std::int64_t user, const std::string& data, std::int64_t message_id,
                                const std::string& language = "ru") {
    return {{"callback_query",
             {{"id", "q" + std::to_string(message_id) + data.substr(0, 8)},
              {"from", {{"id", user}, {"is_bot", false}, {"first_name", "T"}, {"language_code", language}}},
              {"message", {{"message_id", message_id}, {"chat", {{"id", user}, {"type", "private"}}}, {"date", 0}}},
              {"chat_instance", "1"},
              {"data", data}}}};
}

}  // namespace tarat::testing
