// taratd as a systemd service, without systemd as PID 1: the notify protocol against a datagram
// socket of our own, socket activation through systemd-socket-activate, the installed tree
// (`cmake --install` into a temporary root) checked by systemd-analyze, man and the installed
// taratd, and the .deb from cpack.
#include "support/paths.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <regex>
#include <sstream>
#include <thread>

using namespace tarat::testing;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

const std::filesystem::path kSource = TARAT_SOURCE_DIR;
const std::filesystem::path kBuild = TARAT_BINARY_DIR;
const std::string kPretendNow = "2026-12-01T09:00:00+05:00";

std::uint64_t monotonic_usec() {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<std::uint64_t>(now.tv_sec) * 1000000u + static_cast<std::uint64_t>(now.tv_nsec) / 1000u;
}

// What systemd's end of NOTIFY_SOCKET sees: every datagram, stamped by the kernel when it was sent
// (SO_TIMESTAMP), so counts over a window do not depend on when this thread got to read them.
class NotifySocket {
public:
    struct Message {
        std::string text;
        std::chrono::microseconds sent_at;  // CLOCK_REALTIME, from the kernel
        std::size_t index;
    };

    explicit NotifySocket(std::filesystem::path path) : path_(std::move(path)) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd_ >= 0);
        int on = 1;
        REQUIRE(::setsockopt(fd_, SOL_SOCKET, SO_TIMESTAMP, &on, sizeof on) == 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        REQUIRE(path_.string().size() < sizeof address.sun_path);
        std::strcpy(address.sun_path, path_.c_str());
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        timeval timeout{0, 100000};  // the reader looks at `stop_` this often
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        reader_ = std::thread([this] { read_all(); });
    }
    ~NotifySocket() {
        stop_ = true;
        reader_.join();
        ::close(fd_);
    }

    std::string env() const { return "NOTIFY_SOCKET=" + path_.string(); }

    std::vector<Message> messages() const {
        std::lock_guard lock(mutex_);
        return messages_;
    }
    // The first message from index `from` on that has `field` (e.g. "READY=1") as a line.
    std::optional<Message> find(const std::string& field, std::size_t from = 0) const {
        for (const auto& m : messages())
            if (m.index >= from && has_line(m.text, field)) return m;
        return std::nullopt;
    }
    std::optional<Message> wait_for(const std::string& field, std::size_t from = 0,
                                    std::chrono::milliseconds limit = 20s) const {
        std::optional<Message> found;
        eventually([&] { return (found = find(field, from)).has_value(); }, limit);
        return found;
    }
    std::size_t count() const {
        std::lock_guard lock(mutex_);
        return messages_.size();
    }

    static bool has_line(const std::string& text, const std::string& line) {
        std::size_t at = 0;
        while (at <= text.size()) {
            auto end = text.find('\n', at);
            if (end == std::string::npos) end = text.size();
            if (text.compare(at, end - at, line) == 0) return true;
            at = end + 1;
        }
        return false;
    }
    static std::string value_of(const std::string& text, const std::string& key) {
        auto at = text.find(key + "=");
        if (at == std::string::npos || (at > 0 && text[at - 1] != '\n')) return "";
        at += key.size() + 1;
        return text.substr(at, text.find('\n', at) - at);
    }

private:
    void read_all() {
        char buffer[4096];
        char control[CMSG_SPACE(sizeof(timeval))];
        while (!stop_) {
            iovec iov{buffer, sizeof buffer};
            msghdr header{};
            header.msg_iov = &iov;
            header.msg_iovlen = 1;
            header.msg_control = control;
            header.msg_controllen = sizeof control;
            ssize_t n = ::recvmsg(fd_, &header, 0);
            if (n < 0) continue;  // the timeout, to look at stop_
            std::chrono::microseconds sent_at{0};
            for (cmsghdr* c = CMSG_FIRSTHDR(&header); c; c = CMSG_NXTHDR(&header, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMP) {
                    timeval tv{};
                    std::memcpy(&tv, CMSG_DATA(c), sizeof tv);
                    sent_at = std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec);
                }
            std::lock_guard lock(mutex_);
            messages_.push_back({std::string(buffer, static_cast<std::size_t>(n)), sent_at, messages_.size()});
        }
    }

    std::filesystem::path path_;
    int fd_ = -1;
    std::atomic<bool> stop_{false};
    mutable std::mutex mutex_;
    std::vector<Message> messages_;
    std::thread reader_;
};

// A copy of the shipped etc/ with state and socket beside it.
struct Checkout {
    TempDir dir;
    std::filesystem::path etc = dir / "etc";
    std::filesystem::path state = dir / "state";
    std::filesystem::path socket = dir / "run/tarat.sock";

    Checkout() { std::filesystem::copy(kSource / "etc", etc, std::filesystem::copy_options::recursive); }
    std::vector<std::string> daemon_args(const std::string& taratd = kTaratd) const {
        return {taratd, "run", "--config", etc / "tarat.toml", "--state-dir", state, "--socket", socket,
                "--plugin-dir", TARAT_PLUGIN_BUILD_DIR, "--pretend-now", kPretendNow};
    }
    RunResult ctl(std::vector<std::string> args, const std::filesystem::path& at = {}) const {
        args.insert(args.begin(), {kTaratctl, "--socket", (at.empty() ? socket : at).string()});
        return run(args, dir.path());
    }
};

const std::regex kStatusLine(R"(\d+ upcoming, \d+ overdue, \d+ pending, \d+ dead notices)");

}  // namespace

// READY comes once the socket answers, with a STATUS summary; the watchdog is pinged every half
// WATCHDOG_USEC from the start; SIGHUP and `taratctl reload` each send RELOADING (with
// MONOTONIC_USEC) then READY; a state change refreshes STATUS; SIGTERM sends STOPPING and exits 0.
TEST_CASE("notify protocol: ready, status, watchdog, reload, stopping") {
    Checkout co;
    NotifySocket notify(co.dir / "notify.sock");
    Child daemon(co.daemon_args(), co.dir.path(), "taratd", {notify.env(), "WATCHDOG_USEC=200000"});

    auto ready = notify.wait_for("READY=1");
    INFO(daemon.err());
    REQUIRE(ready);
    CHECK(ready->index == 0);  // READY is the first thing taratd says; the watchdog starts with it
    // READY promises a listening socket: taratctl is answered right away.
    CHECK(co.ctl({"status"}).exit_code == 0);
    auto status = NotifySocket::value_of(ready->text, "STATUS");
    INFO(status);
    CHECK(std::regex_match(status, kStatusLine));
    CHECK(status.rfind("0 upcoming", 0) != 0);
    // `taratctl status` counts the events by the same rule (F10).
    {
        std::smatch numbers;
        REQUIRE(std::regex_search(status, numbers, std::regex(R"(^(\d+) upcoming, (\d+) overdue)")));
        auto counts = json::parse(co.ctl({"status", "--json"}).out)["counts"];
        CHECK(counts["upcoming"] == std::stoi(numbers[1]));
        CHECK(counts["not_confirmed"].get<int>() + counts["reports_missing"].get<int>() == std::stoi(numbers[2]));
    }

    SECTION("watchdog pings every 100 ms for WATCHDOG_USEC=200000") {
        // Bounds that need no luck: the pings come from a timer re-armed after each send, so two
        // are never closer than 100 ms (by the kernel's send stamps, not by when we read them); and
        // at least 3 in 2 s even on a busy machine.
        std::this_thread::sleep_for(2500ms);
        std::vector<std::chrono::microseconds> pings;
        for (const auto& m : notify.messages())
            if (NotifySocket::has_line(m.text, "WATCHDOG=1")) pings.push_back(m.sent_at);
        REQUIRE(pings.size() >= 2);
        auto window_start = pings.front();
        auto in_window = std::count_if(pings.begin(), pings.end(), [&](auto t) { return t - window_start < 2s; });
        CHECK(in_window >= 3);
        CHECK(in_window <= 21);  // 2 s / 100 ms + 1
        std::vector<std::chrono::microseconds> gaps;
        for (std::size_t i = 1; i < pings.size(); ++i) gaps.push_back(pings[i] - pings[i - 1]);
        CHECK(*std::min_element(gaps.begin(), gaps.end()) >= 95ms);
        std::nth_element(gaps.begin(), gaps.begin() + gaps.size() / 2, gaps.end());
        CHECK(gaps[gaps.size() / 2] < 200ms);  // the median gap: well inside WATCHDOG_USEC
    }

    SECTION("SIGHUP: RELOADING with MONOTONIC_USEC, then READY with STATUS") {
        auto mark = notify.count();
        auto before = monotonic_usec();
        daemon.signal(SIGHUP);
        auto reloading = notify.wait_for("RELOADING=1", mark);
        REQUIRE(reloading);
        auto after = monotonic_usec();
        auto stamp = std::stoull(NotifySocket::value_of(reloading->text, "MONOTONIC_USEC"));
        CHECK(stamp >= before);
        CHECK(stamp <= after);
        auto ready_again = notify.wait_for("READY=1", reloading->index + 1);
        REQUIRE(ready_again);
        CHECK(std::regex_match(NotifySocket::value_of(ready_again->text, "STATUS"), kStatusLine));
        auto last = json::parse(co.ctl({"status", "--json"}).out)["last_reload"];
        CHECK(last["by"] == "signal:SIGHUP");
        CHECK(last["taken"] == true);
    }

    SECTION("taratctl reload --wait: RELOADING, then READY before the answer") {
        auto mark = notify.count();
        auto r = co.ctl({"reload", "--wait"});
        auto answered = std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::system_clock::now().time_since_epoch());
        CHECK(r.exit_code == 0);
        auto reloading = notify.wait_for("RELOADING=1", mark);
        REQUIRE(reloading);
        auto ready_again = notify.wait_for("READY=1", reloading->index + 1);
        REQUIRE(ready_again);
        CHECK(ready_again->sent_at <= answered);  // sent before taratctl had its answer
        auto last = json::parse(co.ctl({"status", "--json"}).out)["last_reload"];
        CHECK(last["by"].get<std::string>().find(" (uid ") != std::string::npos);
        CHECK(last["text"] == r.out.substr(0, r.out.find('\n')));
    }

    SECTION("a cancelled event leaves STATUS with one upcoming event less") {
        auto next = json::parse(co.ctl({"status", "--json"}).out)["next_events"];
        REQUIRE_FALSE(next.empty());
        std::smatch numbers;
        REQUIRE(std::regex_search(status, numbers, std::regex(R"(^(\d+) upcoming)")));
        auto upcoming = std::stoi(numbers[1]);
        auto mark = notify.count();
        auto r = co.ctl({"cancel", next[0]["id"].get<std::string>(), "--reason", "test"});
        REQUIRE(r.exit_code == 0);
        std::string expected = std::to_string(upcoming - 1) + " upcoming,";
        CHECK(eventually([&] {
            for (const auto& m : notify.messages())
                if (m.index >= mark && NotifySocket::value_of(m.text, "STATUS").rfind(expected, 0) == 0) return true;
            return false;
        }));
    }

    auto mark = notify.count();
    daemon.signal(SIGTERM);
    CHECK(daemon.wait() == 0);
    CHECK(notify.wait_for("STOPPING=1", mark, 5s));
    // No pings after STOPPING.
    auto stopping = notify.find("STOPPING=1", mark);
    REQUIRE(stopping);
    for (const auto& m : notify.messages())
        if (m.index > stopping->index) CHECK_FALSE(NotifySocket::has_line(m.text, "WATCHDOG=1"));
}

// WATCHDOG_PID names another process: systemd watches that one, so taratd sends no pings; and
// without NOTIFY_SOCKET nothing is sent at all and the daemon runs as from a terminal.
TEST_CASE("notify protocol: no pings when WATCHDOG_PID is not ours") {
    Checkout co;
    NotifySocket notify(co.dir / "notify.sock");
    Child daemon(co.daemon_args(), co.dir.path(), "taratd",
                 {notify.env(), "WATCHDOG_USEC=200000", "WATCHDOG_PID=1"});
    REQUIRE(notify.wait_for("READY=1"));
    std::this_thread::sleep_for(500ms);
    for (const auto& m : notify.messages()) CHECK_FALSE(NotifySocket::has_line(m.text, "WATCHDOG=1"));
    daemon.signal(SIGTERM);
    CHECK(daemon.wait() == 0);
}

// systemd-socket-activate listens, and at the first connection starts taratd with LISTEN_FDS=1:
// that connection is answered through the passed socket, taratd binds none of its own, and the
// socket's path survives taratd's exit (it belongs to the socket unit).
TEST_CASE("socket activation: taratctl is answered through the passed socket") {
    Checkout co;
    auto passed = co.dir / "activated.sock";
    auto args = co.daemon_args();
    args.insert(args.begin(), {"/usr/bin/systemd-socket-activate", "--listen=" + passed.string()});
    Child activator(args, co.dir.path(), "activate");
    REQUIRE(eventually([&] { return std::filesystem::exists(passed) || !activator.running(); }));
    REQUIRE(activator.running());

    auto r = co.ctl({"status", "--json"}, passed);
    INFO(activator.err());
    REQUIRE(r.exit_code == 0);
    CHECK(json::parse(r.out)["plan"]["id"] == "order-553-2026-27");
    CHECK(activator.err().find("adopted listening socket fd 3") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(co.socket));  // the configured socket was not bound

    activator.signal(SIGTERM);  // it exec'd taratd: same pid
    CHECK(activator.wait() == 0);
    CHECK(std::filesystem::exists(passed));
}

// With JOURNAL_STREAM naming its stderr, taratd logs to the journal's socket, and a line about a
// notice carries NOTICE_KEY= and EVENT_ID=. The journal socket is ours: a private mount namespace
// puts this test's folder on /run (skipped where unshare is not allowed).
TEST_CASE("journal: structured fields when JOURNAL_STREAM names stderr") {
    Checkout co;
    if (run({"/usr/bin/unshare", "-m", "true"}, co.dir.path()).exit_code != 0) {
        WARN("unshare -m is not allowed here: journal test skipped");
        return;
    }
    auto fake_run = co.dir / "fake-run";
    std::filesystem::create_directories(fake_run / "systemd/journal");
    NotifySocket journal(fake_run / "systemd/journal/socket");
    auto err_file = co.dir / "taratd.err";
    std::ofstream(err_file).close();
    struct stat st {};
    REQUIRE(::stat(err_file.c_str(), &st) == 0);  // the Child truncates, never replaces, this file
    auto args = co.daemon_args();
    args.insert(args.begin(), {"/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh", "-c",
                               "mount --bind \"$0\" /run && exec \"$@\"", fake_run.string()});
    Child daemon(args, co.dir.path(), "taratd",
                 {"JOURNAL_STREAM=" + std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino)});
    auto with_event = journal.wait_for("SYSLOG_IDENTIFIER=taratd", 0);
    INFO(daemon.err());
    REQUIRE(with_event);
    CHECK(eventually([&] {
        for (const auto& m : journal.messages())
            if (NotifySocket::value_of(m.text, "EVENT_ID") == "erkemai-seminar-1" &&
                NotifySocket::value_of(m.text, "NOTICE_KEY").rfind("reminder:erkemai-seminar-1:", 0) == 0 &&
                NotifySocket::has_line(m.text, "PRIORITY=6"))
                return true;
        return false;
    }));
    CHECK(daemon.err().empty());  // everything went to the journal
    daemon.signal(SIGTERM);
    CHECK(daemon.wait() == 0);
}

namespace {

// `cmake --install` of this build into a fresh temporary root with --prefix /usr.
struct InstalledTree {
    TempDir dir;
    std::filesystem::path root = dir / "root";

    InstalledTree() {
        auto r = install();
        INFO(r.out << r.err);
        REQUIRE(r.exit_code == 0);
    }
    RunResult install() const {
        return run({CMAKE_COMMAND, "--install", kBuild.string(), "--prefix", "/usr"}, dir.path(),
                   {"DESTDIR=" + root.string()});
    }
    std::filesystem::path operator/(const std::string& path) const { return root / path; }
};

std::string plugin_dir_installed() {
    std::filesystem::path dir = TARAT_PLUGIN_INSTALL_DIR;
    return dir.is_absolute() ? dir.string() : "/usr/" + dir.string();
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
}

}  // namespace

// The installed tree: binaries, plugins, units, sysusers/tmpfiles, man pages, completion and
// /etc/tarat pointing at the installed plugins; systemd-analyze verifies the units with the
// temporary root as / and rates their exposure at most 1.5; `man -l` renders every page.
TEST_CASE("install: the tree, systemd-analyze verify and security, man pages") {
    InstalledTree tree;
    for (const char* path : {"usr/sbin/taratd", "usr/bin/taratctl", "usr/lib/systemd/system/tarat.service",
                             "usr/lib/systemd/system/tarat.socket", "usr/lib/sysusers.d/tarat.conf",
                             "usr/lib/tmpfiles.d/tarat.conf", "usr/share/bash-completion/completions/taratctl",
                             "etc/tarat/tarat.toml", "etc/tarat/plan.toml", "etc/tarat/days-off-kz.toml",
                             "etc/tarat/templates/kk/reminder.mustache"})
        CHECK(std::filesystem::exists(tree / path));
    CHECK(std::filesystem::exists(tree / (plugin_dir_installed().substr(1) + "/tarat-log.so")));
    auto config = read_file(tree / "etc/tarat/tarat.toml");
    CHECK(config.find("\nplugin_dir = \"" + plugin_dir_installed() + "\"\n") != std::string::npos);
    CHECK(config.find("state_dir = \"/var/lib/tarat\"") != std::string::npos);
    CHECK(config.find("socket = \"/run/tarat/tarat.sock\"") != std::string::npos);
    auto service = read_file(tree / "usr/lib/systemd/system/tarat.service");
    CHECK(service.find("ExecStart=/usr/sbin/taratd run --config /etc/tarat/tarat.toml\n") != std::string::npos);
    CHECK(service.find("ExecReload=/usr/bin/taratctl --socket /run/tarat/tarat.sock reload --wait\n") !=
          std::string::npos);
    CHECK(service.find("\nPrivateUsers=") == std::string::npos);  // clients' uids must stay real
    CHECK(service.find("@TARAT") == std::string::npos);            // every placeholder configured
    auto sysusers = read_file(tree / "usr/lib/sysusers.d/tarat.conf");
    CHECK(std::regex_search(sysusers, std::regex(R"((^|\n)u +tarat )")));
    CHECK(std::regex_search(sysusers, std::regex(R"((^|\n)g +tarat-admin )")));

    // verify loads every unit the two pull in: give the temporary root the host's units, in /lib
    // (ours are in /usr/lib), so it checks ours — and their Exec*= binaries — inside that root.
    std::filesystem::create_directories(tree / "lib/systemd");
    std::filesystem::copy("/usr/lib/systemd/system", tree / "lib/systemd/system",
                          std::filesystem::copy_options::recursive | std::filesystem::copy_options::copy_symlinks);
    auto verify = run({"/usr/bin/systemd-analyze", "verify", "--recursive-errors=yes", "--man=no",
                       "--root=" + tree.root.string(), "tarat.service", "tarat.socket"},
                      tree.dir.path());
    INFO(verify.out << verify.err);
    CHECK(verify.exit_code == 0);
    CHECK(verify.err.empty());

    auto security = run({"/usr/bin/systemd-analyze", "security", "--offline=yes", "--threshold=15",
                         (tree / "usr/lib/systemd/system/tarat.service").string()},
                        tree.dir.path());
    std::smatch level;
    REQUIRE(std::regex_search(security.out, level, std::regex(R"(Overall exposure level for tarat.service: ([0-9.]+))")));
    WARN("systemd-analyze security: exposure " << level[1]);
    INFO(security.out);
    CHECK(security.exit_code == 0);
    CHECK(std::stod(level[1]) <= 1.5);
    // The network stays usable for SMTP and HTTP.
    CHECK(security.out.find("Service may allocate Internet sockets") != std::string::npos);

    // sysusers.d and tmpfiles.d, applied to the temporary root: the user, both groups, and the
    // state and socket directories owned by that user.
    auto sysusers_run = run({"/usr/bin/systemd-sysusers", "--root=" + tree.root.string(), "tarat.conf"}, tree.dir.path());
    INFO(sysusers_run.err);
    REQUIRE(sysusers_run.exit_code == 0);
    std::smatch user;
    const auto passwd = read_file(tree / "etc/passwd");
    REQUIRE(std::regex_search(passwd, user, std::regex(R"((^|\n)tarat:x:(\d+):)")));
    auto groups = read_file(tree / "etc/group");
    CHECK(std::regex_search(groups, std::regex(R"((^|\n)tarat:x:)")));
    CHECK(groups.find("tarat-admin:x:") != std::string::npos);
    auto tmpfiles_run = run({"/usr/bin/systemd-tmpfiles", "--root=" + tree.root.string(), "--create", "tarat.conf"},
                            tree.dir.path());
    INFO(tmpfiles_run.err);
    CHECK(tmpfiles_run.exit_code == 0);
    for (const char* dir : {"var/lib/tarat", "run/tarat"}) {
        struct stat st {};
        REQUIRE(::stat((tree / dir).c_str(), &st) == 0);
        CHECK(st.st_uid == static_cast<uid_t>(std::stoul(user[2])));
    }

    for (const char* page : {"man1/taratctl.1", "man5/tarat.toml.5", "man5/tarat-plan.5", "man8/taratd.8"}) {
        auto man = run({"/usr/bin/man", "-l", (tree / "usr/share/man" / page).string()}, tree.dir.path(),
                       {"MANPAGER=cat", "MANWIDTH=100"});
        INFO(page << "\n" << man.err);
        CHECK(man.exit_code == 0);
        CHECK(man.out.find("NAME") != std::string::npos);
        CHECK(man.out.find("SEE ALSO") != std::string::npos);
        CHECK(man.err.find("warning") == std::string::npos);
    }
}

// The installed taratd checks the installed /etc/tarat and runs on the installed plugins (paths
// moved under the temporary root); a second install keeps an edited file and restores a deleted one.
TEST_CASE("install: the installed taratd runs on the installed config, edits survive a reinstall") {
    InstalledTree tree;
    auto config_file = tree / "etc/tarat/tarat.toml";
    auto config = read_file(config_file);
    replace_all(config, "\"" + plugin_dir_installed() + "\"", "\"" + (tree.root.string() + plugin_dir_installed()) + "\"");
    std::ofstream(config_file, std::ios::trunc) << config;

    auto taratd = (tree / "usr/sbin/taratd").string();
    auto check = run({taratd, "check", "--config", config_file.string()}, tree.dir.path());
    INFO(check.err);
    CHECK(check.exit_code == 0);
    CHECK(check.out.find("configuration OK") != std::string::npos);

    auto state = tree.dir / "state", socket = tree.dir / "tarat.sock";
    Child daemon({taratd, "run", "--config", config_file.string(), "--state-dir", state, "--socket", socket,
                  "--pretend-now", kPretendNow},
                 tree.dir.path(), "installed-taratd");
    auto ctl = (tree / "usr/bin/taratctl").string();
    CHECK(eventually([&] { return run({ctl, "--socket", socket, "status"}, tree.dir.path()).exit_code == 0 ||
                                  !daemon.running(); }));
    INFO(daemon.err());
    CHECK(daemon.running());
    daemon.signal(SIGTERM);
    CHECK(daemon.wait() == 0);

    // Reinstall: the edited tarat.toml and plan.toml stay, the deleted template comes back.
    auto plan_file = tree / "etc/tarat/plan.toml";
    std::ofstream(plan_file, std::ios::app) << "# edited by the administrator\n";
    auto edited_plan = read_file(plan_file);
    auto template_file = tree / "etc/tarat/templates/en/reminder.mustache";
    std::filesystem::remove(template_file);
    auto again = tree.install();
    INFO(again.out << again.err);
    REQUIRE(again.exit_code == 0);
    CHECK(read_file(plan_file) == edited_plan);
    CHECK(read_file(config_file) == config);
    CHECK(std::filesystem::exists(template_file));
}

// `cpack -G DEB`: the package holds the binaries, plugins, units, sysusers, man pages and the
// conffiles under /etc/tarat; it depends on the libraries dpkg-shlibdeps found; its postinst
// creates the user and enables nothing.
TEST_CASE("package: cpack -G DEB", "[packaging]") {
    TempDir out;
    auto cpack = run({CMAKE_CPACK_COMMAND, "-G", "DEB", "--config", (kBuild / "CPackConfig.cmake").string(), "-B",
                      out.path().string()},
                     out.path());
    INFO(cpack.out << cpack.err);
    REQUIRE(cpack.exit_code == 0);
    std::filesystem::path deb;
    for (const auto& entry : std::filesystem::directory_iterator(out.path()))
        if (entry.path().extension() == ".deb") deb = entry.path();
    REQUIRE_FALSE(deb.empty());

    auto contents = run({"/usr/bin/dpkg-deb", "-c", deb.string()}, out.path());
    REQUIRE(contents.exit_code == 0);
    for (const std::string& path : std::vector<std::string>{"./usr/sbin/taratd", "./usr/bin/taratctl", "./etc/tarat/tarat.toml",
                             "./etc/tarat/plan.toml", "./etc/tarat/days-off-kz.toml",
                             "./etc/tarat/templates/ru/digest.mustache", "./usr/lib/systemd/system/tarat.service",
                             "./usr/lib/systemd/system/tarat.socket", "./usr/lib/sysusers.d/tarat.conf",
                             "./usr/lib/tmpfiles.d/tarat.conf", "./usr/share/man/man8/taratd.8",
                             "./usr/share/man/man1/taratctl.1", "./usr/share/man/man5/tarat.toml.5",
                             "./usr/share/man/man5/tarat-plan.5", "./usr/share/bash-completion/completions/taratctl",
                             "." + plugin_dir_installed() + "/tarat-log.so", "." + plugin_dir_installed() + "/tarat-smtp.so"})
        CHECK(contents.out.find(" " + path + "\n") != std::string::npos);

    auto info = run({"/usr/bin/dpkg-deb", "-I", deb.string()}, out.path());
    REQUIRE(info.exit_code == 0);
    INFO(info.out);
    std::smatch depends;
    REQUIRE(std::regex_search(info.out, depends, std::regex(R"(\n Depends: ([^\n]*))")));
    // SQLiteCpp is linked statically (Debian 12 has no libsqlitecpp0); sqlite3 itself is shared.
    for (const char* package : {"libsqlite3-0", "libtomlplusplus3", "libspdlog1.10", "libcurl4", "libsystemd0",
                                "libdate-tz3", "libc6", "systemd"})
        CHECK(depends[1].str().find(package) != std::string::npos);

    auto field = [&](const char* name) {
        auto r = run({"/usr/bin/dpkg-deb", "-I", deb.string(), name}, out.path());
        return r.exit_code == 0 ? r.out : std::string();
    };
    auto conffiles = field("conffiles");
    CHECK(conffiles.find("/etc/tarat/tarat.toml\n") != std::string::npos);
    CHECK(conffiles.find("/etc/tarat/templates/kk/reminder.mustache\n") != std::string::npos);
    auto postinst = field("postinst");
    CHECK(postinst.find("\n    systemd-sysusers tarat.conf\n") != std::string::npos);
    std::string commands;  // the script without its comments
    std::istringstream lines(postinst);
    for (std::string line; std::getline(lines, line);)
        if (line.find_first_not_of(' ') != std::string::npos && line[line.find_first_not_of(' ')] != '#')
            commands += line + "\n";
    CHECK_FALSE(std::regex_search(commands, std::regex(R"(systemctl +(--now +)?(enable|start)\b)")));
}
