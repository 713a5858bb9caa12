#pragma once
// One of tests/servers/*.py as a child process on a loopback port. Needs TARAT_SOURCE_DIR.
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

namespace tarat::testing {

// Debian's python3, which sees python3-aiosmtpd (a pyenv python3 on PATH may not).
inline const std::string kPython = "/usr/bin/python3";
inline const std::string kServers = std::string(TARAT_SOURCE_DIR) + "/tests/servers/";

// Whether something accepts TCP connections on 127.0.0.1:port.
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

// Ready once it has announced its port and accepts connections there (waited for with an upper
// bound). Killed when destroyed.
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

}  // namespace tarat::testing
