// End to end, from outside (issue F13): files that are not files, restarts right after kill -9,
// the modes of what taratd creates, a socket served by another daemon, a socket the caller may not
// open. The real taratd and taratctl as child processes.
#include "support/paths.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <sys/types.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <iostream>
#include <set>
#include <string>

using namespace tarat::testing;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const fs::path kEtc = TARAT_SOURCE_DIR "/etc";

// A copy of the shipped etc/ in a temp dir, with state and socket beside it.
struct Checkout {
    TempDir dir;
    fs::path etc = dir / "etc";
    fs::path state = dir / "state";
    fs::path socket = dir / "run/tarat.sock";
    fs::path plugins = TARAT_PLUGIN_BUILD_DIR;

    Checkout() { fs::copy(kEtc, etc, fs::copy_options::recursive); }
    fs::path config() const { return etc / "tarat.toml"; }
    fs::path plan() const { return etc / "plan.toml"; }

    std::vector<std::string> daemon_args() const {
        return {kTaratd, "run", "--config", config(), "--state-dir", state, "--socket", socket,
                "--plugin-dir", plugins, "--pretend-now", "2026-12-01T09:00:00+05:00"};
    }
    RunResult check() const { return run({kTaratd, "check", "--config", config()}, dir.path()); }
    RunResult ctl(std::vector<std::string> args) const {
        args.insert(args.begin(), {kTaratctl, "--socket", socket.string()});
        return run(args, dir.path());
    }
    bool answers() const { return ctl({"status", "--json"}).exit_code == 0; }
};

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

long env_number(const char* name, long fallback) {
    const char* value = std::getenv(name);
    return value && *value ? std::atol(value) : fallback;
}

// True while `pid` is a live process (a zombie is dead: its parent just has not reaped it).
bool alive(pid_t pid) {
    if (::kill(pid, 0) != 0) return false;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string pid_field, name, state;
    stat >> pid_field >> name >> state;
    return state != "Z" && state != "X";
}

}  // namespace

// A FIFO as the days-off file: `check` says what it is at once, and a daemon told to reload onto
// it keeps serving the old plan and answering (it used to block in open() for good).
TEST_CASE("a FIFO as the calendar is refused at once, by check and by a reload") {
    Checkout co;
    Child daemon(co.daemon_args(), co.dir.path(), "taratd");
    REQUIRE(eventually([&] { return co.answers() || !daemon.running(); }));
    INFO(daemon.err());

    const fs::path calendar = co.etc / "days-off-kz.toml";
    fs::remove(calendar);
    REQUIRE(::mkfifo(calendar.c_str(), 0644) == 0);

    auto checked = co.check();
    CHECK(checked.exit_code == 78);
    CHECK(contains(checked.err, calendar.string() + ": error: is a FIFO, not a regular file"));

    daemon.signal(SIGHUP);
    auto reload = co.ctl({"reload", "--wait"});
    CHECK(reload.exit_code == 65);
    CHECK(contains(reload.err, "is a FIFO, not a regular file"));
    CHECK(co.answers());
}

// A directory, a character device and an endless device as the plan: each named for what it is,
// at once and with bounded memory (/dev/zero used to be read until memory ran out).
TEST_CASE("a plan that is a directory or a device is named for what it is") {
    Checkout co;
    const std::map<std::string, std::string> cases{{"templates", "is a directory, not a regular file"},
                                                   {"/dev/zero", "is a character device, not a regular file"},
                                                   {"/dev/null", "is a character device, not a regular file"}};
    std::string plan_line = "plan = \"plan.toml\"";
    for (const auto& [plan, expected] : cases) {
        replace_in_file(co.config(), plan_line, "plan = \"" + plan + "\"");
        plan_line = "plan = \"" + plan + "\"";
        auto checked = co.check();
        INFO(plan << ": " << checked.err);
        CHECK(checked.exit_code == 78);
        CHECK(contains(checked.err, ": error: " + expected));
        CHECK_FALSE(contains(checked.err, "missing required key"));
    }
}

// A restart right after kill -9 always starts, even while the killed taratd's channel check (a
// forked child) was still running: the child neither holds the state-dir lock nor outlives
// taratd. TARAT_RESTART_KILLS (default 30) kills, each while the check hangs in a plugin.
TEST_CASE("restarts right after kill -9 during the channel check always start") {
    const long kills = env_number("TARAT_RESTART_KILLS", 30);
    Checkout co;
    const fs::path marker = co.dir / "check-started";
    co.plugins = co.dir / "plugins";  // the shipped plugins and the one whose open() never returns
    fs::create_directories(co.plugins);
    for (const auto& entry : fs::directory_iterator(TARAT_PLUGIN_BUILD_DIR))
        if (entry.path().extension() == ".so") fs::copy_file(entry.path(), co.plugins / entry.path().filename());
    fs::copy_file(fs::path(TARAT_BROKEN_PLUGIN_DIR) / "tarat-stalls.so", co.plugins / "tarat-stalls.so");
    std::ofstream(co.config(), std::ios::app) << "\n[channel.stuck]\nplugin = \"stalls\"\nmarker = \"" << marker.string()
                                              << "\"\n";

    long refused = 0, outlived = 0;
    std::set<int> other_exits;
    for (long round = 0; round < kills; ++round) {
        fs::remove(marker);
        Child daemon(co.daemon_args(), co.dir.path(), "taratd-" + std::to_string(round));
        // The check's child writes the marker once taratd holds the lock and checks channels.
        const bool checking = eventually([&] { return fs::exists(marker) || !daemon.running(); });
        if (!checking || !fs::exists(marker)) {
            const auto code = daemon.wait(std::chrono::seconds(5));
            if (code == 75) ++refused;
            else other_exits.insert(code.value_or(-1));
            std::cerr << "round " << round << ": " << daemon.err() << "\n";
            continue;
        }
        const pid_t child = std::stoi(read_file(marker));
        daemon.signal(SIGKILL);
        REQUIRE(daemon.wait() == 128 + SIGKILL);
        if (!eventually([&] { return !alive(child); }, std::chrono::seconds(5))) {
            ++outlived;
            ::kill(child, SIGKILL);
        }
    }
    std::cerr << "restart after kill -9: " << kills << " kills, " << refused << " refused with exit 75, " << outlived
              << " checks outlived taratd\n";
    CHECK(refused == 0);
    CHECK(outlived == 0);
    CHECK(other_exits.empty());
}

// Started by hand with umask 022, taratd still creates its state dir 0750 and its database, WAL
// and lock 0640 or tighter: the database holds everyone's e-mail addresses.
TEST_CASE("what taratd creates is not for other users, whatever the umask") {
    Checkout co;
    const mode_t before = ::umask(022);
    Child daemon(co.daemon_args(), co.dir.path(), "taratd");
    ::umask(before);
    REQUIRE(eventually([&] { return co.answers() || !daemon.running(); }));
    INFO(daemon.err());
    auto mode_of = [](const fs::path& path) {
        struct stat st {};
        REQUIRE(::stat(path.c_str(), &st) == 0);
        return st.st_mode & 07777;
    };
    CHECK((mode_of(co.state) & 027) == 0);
    for (const char* name : {"tarat.db", "tarat.db-wal", "tarat.db-shm", "taratd.lock"}) {
        INFO(name);
        if (fs::exists(co.state / name)) CHECK((mode_of(co.state / name) & 037) == 0);
    }
    CHECK(fs::exists(co.state / "tarat.db-wal"));
    CHECK(mode_of(co.socket) == 0660);
}

// A second taratd pointed at a socket another one serves exits 75 before it writes anything into
// its own state dir (it used to store the plan there and then exit 70).
TEST_CASE("a socket another taratd serves: exit 75 and an untouched state dir") {
    Checkout co;
    Child first(co.daemon_args(), co.dir.path(), "first");
    REQUIRE(eventually([&] { return co.answers() || !first.running(); }));
    auto args = co.daemon_args();
    const fs::path other_state = co.dir / "other-state";
    args[5] = other_state.string();  // another state dir, the same socket
    auto second = run(args, co.dir.path());
    CHECK(second.exit_code == 75);
    CHECK(contains(second.err, "another taratd is already listening on " + co.socket.string()));
    CHECK_FALSE(fs::exists(other_state));
    CHECK(co.answers());
}

// A socket the caller may not open is not "taratd is not running": exit 77 and what to ask for.
TEST_CASE("taratctl on a socket it may not open exits 77 and says why") {
    Checkout co;
    Child daemon(co.daemon_args(), co.dir.path(), "taratd");
    REQUIRE(eventually([&] { return co.answers() || !daemon.running(); }));
    auto refused = run({"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", kTaratctl, "--socket",
                        co.socket.string(), "status"},
                       co.dir.path());
    CHECK(refused.exit_code == 77);
    CHECK(contains(refused.err, "taratctl: you may not open " + co.socket.string() + ": ask to be added to group "));

    auto absent = run({kTaratctl, "--socket", (co.dir / "nothing.sock").string(), "status"}, co.dir.path());
    CHECK(absent.exit_code == 69);
    CHECK(contains(absent.err, "taratd is not running at"));
}
