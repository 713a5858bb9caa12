// F11: STATUS= for systemd is recounted (every event, every notice) at most about once a second,
// however many changes ask for it: a backlog of 10,000 Telegram updates asked after each one and
// doubled the loop's work per update. The latest state still goes out.
#include "app/systemd.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

using namespace tarat;

namespace {

// A datagram socket in systemd's role, named by NOTIFY_SOCKET while it lives.
struct NotifySocket {
    tarat::testing::TempDir dir;
    int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    NotifySocket() {
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        const std::string path = (dir.path() / "notify").string();
        std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
        REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
    }
    ~NotifySocket() {
        ::unsetenv("NOTIFY_SOCKET");
        ::close(fd);
    }
    // The messages received so far.
    std::vector<std::string> received() {
        std::vector<std::string> out;
        char buffer[4096];
        for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT)) > 0;) out.emplace_back(buffer, std::size_t(n));
        return out;
    }
};

}  // namespace

TEST_CASE("a hundred changes in a row recount STATUS= at most twice and send the last") {
    NotifySocket systemd;
    boost::asio::io_context io;
    int counted = 0;
    ServiceNotifier notifier(io, [&] { return "count " + std::to_string(++counted); });
    // Each change in its own turn of the loop, as the receivers apply updates (well within a second).
    std::vector<std::string> sent;
    auto take = [&] {
        for (auto& m : systemd.received()) sent.push_back(m);  // a full queue would block the sender
    };
    for (int i = 0; i < 100; ++i) {
        notifier.refresh_status();
        io.restart();  // poll() ran out of work last time: the loop would have carried on
        io.poll();
        take();
    }
    CHECK(counted <= 2);
    io.restart();
    io.run();  // the refresh still pending, if any
    take();
    REQUIRE_FALSE(sent.empty());
    CHECK(sent.back() == "STATUS=count " + std::to_string(counted));
    CHECK(counted <= 2);
}
