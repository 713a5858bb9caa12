// End to end: `taratctl ics` and the feeds taratd publishes, parsed back by Python's icalendar;
// `taratctl backup` while the daemon keeps writing, and a restore from that copy.
#include "support/paths.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <catch2/catch.hpp>
#include <libical/ical.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <thread>

using namespace tarat::testing;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string kParseIcs = TARAT_SOURCE_DIR "/tests/e2e/parse_ics.py";

// The shipped etc/ publishing its feeds into <dir>/feeds, run "on" `now`.
struct Checkout {
    TempDir dir;
    fs::path etc = dir / "etc";
    fs::path state = dir / "state";
    fs::path socket = dir / "run/tarat.sock";
    fs::path plugins = TARAT_PLUGIN_BUILD_DIR;
    fs::path feeds = dir / "feeds";
    std::string now;

    explicit Checkout(std::string pretend_now = "2026-12-01T09:00:00+05:00") : now(std::move(pretend_now)) {
        fs::copy(fs::path(TARAT_SOURCE_DIR) / "etc", etc, fs::copy_options::recursive);
        replace_in_file(etc / "tarat.toml", "# feeds_dir = \"/var/www/tarat\"", "feeds_dir = \"../feeds\"");
    }
    std::vector<std::string> daemon_args() const {
        return {kTaratd, "run", "--config", etc / "tarat.toml", "--state-dir", state, "--socket", socket,
                "--plugin-dir", plugins, "--pretend-now", now};
    }
    std::vector<std::string> ctl_args(std::vector<std::string> args) const {
        args.insert(args.begin(), {kTaratctl, "--socket", socket.string()});
        return args;
    }
    RunResult ctl(std::vector<std::string> args) const { return run(ctl_args(std::move(args)), dir.path()); }
    RunResult ctl_ok(std::vector<std::string> args) const {
        auto r = ctl(args);
        INFO(args[0] << ": " << r.err);
        REQUIRE(r.exit_code == 0);
        return r;
    }
    bool answers() const { return ctl({"status", "--json"}).exit_code == 0; }
};

struct Running {
    const Checkout& co;
    Child daemon;
    explicit Running(const Checkout& checkout, const std::string& name = "taratd")
        : co(checkout), daemon(checkout.daemon_args(), checkout.dir.path(), name) {
        REQUIRE(eventually([&] { return co.answers() || !daemon.running(); }));
        INFO(daemon.err());
        REQUIRE(daemon.running());
    }
    void stop() {
        daemon.signal(SIGTERM);
        REQUIRE(daemon.wait(std::chrono::seconds(20)) == 0);
    }
};

// What parse_ics.py (Python's icalendar) reads in each file.
json parsed(const Checkout& co, const std::vector<fs::path>& files) {
    std::vector<std::string> argv{"/usr/bin/python3", kParseIcs};
    for (const auto& f : files) argv.push_back(f.string());
    auto r = run(argv, co.dir.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return json::parse(r.out);
}

std::vector<std::string> history_actions(SQLite::Database& db, const char* action) {
    std::vector<std::string> rows;
    SQLite::Statement q(db, "SELECT id || ' ' || at || ' ' || detail FROM history WHERE action = ? ORDER BY id");
    q.bind(1, action);
    while (q.executeStep()) rows.push_back(q.getColumn(0).getString());
    return rows;
}

// UID -> STATUS of every VEVENT, as libical reads the file.
std::map<std::string, std::string> libical_statuses(const fs::path& file) {
    std::unique_ptr<icalcomponent, decltype(&icalcomponent_free)> calendar(
        icalparser_parse_string(read_file(file).c_str()), &icalcomponent_free);
    REQUIRE(calendar);
    std::map<std::string, std::string> statuses;
    for (auto* e = icalcomponent_get_first_component(calendar.get(), ICAL_VEVENT_COMPONENT); e;
         e = icalcomponent_get_next_component(calendar.get(), ICAL_VEVENT_COMPONENT))
        statuses[icalcomponent_get_uid(e)] = icalproperty_status_to_string(icalcomponent_get_status(e));
    return statuses;
}

}  // namespace

// `taratctl ics -o FILE`: every event once, with a UID that survives a postpone while its SEQUENCE
// goes up by one; a cancelled event stays in the feed as STATUS:CANCELLED; times in Asia/Aqtobe;
// one VALARM per reminder offset. Python's icalendar reads it.
TEST_CASE("ics feeds keep their uids across a postpone and mark cancelled events") {
    Checkout co;
    Running taratd(co);
    const auto before = co.dir / "before.ics";
    auto wrote = co.ctl_ok({"ics", "-o", before.string()});
    CHECK(wrote.out.find("before.ics: ") != std::string::npos);
    const std::string moved = "erkemai-seminar-1", dropped = "seminar-quarterly.bolashak.2026-Q4";
    co.ctl_ok({"postpone", moved, "--to", "2026-12-23", "--start", "10:00", "--reason", "зал бос емес"});
    co.ctl_ok({"cancel", dropped, "--reason", "карантин"});
    const auto after = co.dir / "after.ics";
    co.ctl_ok({"ics", "--output", after.string()});

    auto facts = parsed(co, {before, after});
    const auto& old_events = facts[before.string()]["events"];
    const auto& new_events = facts[after.string()]["events"];
    CHECK(facts[after.string()]["method"] == "PUBLISH");
    CHECK(facts[after.string()]["tzids"] == json::array({"Asia/Aqtobe"}));
    REQUIRE(old_events.size() > 20);
    std::set<std::string> old_uids, new_uids;
    for (const auto& [uid, e] : old_events.items()) old_uids.insert(uid);
    for (const auto& [uid, e] : new_events.items()) new_uids.insert(uid);
    CHECK(old_uids == new_uids);

    const std::string moved_uid = moved + "@" + "order-553-2026-27.tarat";
    const std::string dropped_uid = dropped + "@" + "order-553-2026-27.tarat";
    REQUIRE(old_events.contains(moved_uid));
    REQUIRE(old_events.contains(dropped_uid));
    CHECK(new_events[moved_uid]["sequence"] == old_events[moved_uid]["sequence"].get<int>() + 1);
    CHECK(old_events[moved_uid]["start"] == "2026-12-09T11:00:00+05:00");
    CHECK(new_events[moved_uid]["start"] == "2026-12-23T10:00:00+05:00");
    CHECK(new_events[moved_uid]["start_tzid"] == "Asia/Aqtobe");
    CHECK(old_events[moved_uid]["status"] == "CONFIRMED");
    CHECK(new_events[dropped_uid]["status"] == "CANCELLED");
    CHECK(new_events[dropped_uid]["sequence"] == old_events[dropped_uid]["sequence"].get<int>() + 1);
    CHECK(new_events[dropped_uid]["alarms"].empty());
    for (const auto& [uid, e] : new_events.items()) {
        if (uid == moved_uid || uid == dropped_uid) continue;
        INFO(uid);
        CHECK(e["sequence"] == old_events[uid]["sequence"]);
        CHECK(e["status"] == "CONFIRMED");
    }
    // The form's reminders (10, 3 and 1 working days) as triggers before 2026-12-23 10:00:
    // 09:00 on 2026-12-22 (1), 2026-12-18 (3) and 2026-12-08 (10 working days: 16 December is a
    // holiday), each as seconds before the start, the nearest first.
    CHECK(new_events[moved_uid]["alarms"] == json::array({25 * 3600, 5 * 86400 + 3600, 15 * 86400 + 3600}));
    CHECK(new_events[moved_uid]["summary"].get<std::string>().find("Ойын арқылы оқыту") != std::string::npos);

    // libical reads the daemon's feed the same way.
    auto statuses = libical_statuses(after);
    CHECK(statuses.size() == new_events.size());
    CHECK(statuses[dropped_uid] == "CANCELLED");
    CHECK(statuses[moved_uid] == "CONFIRMED");
}

// The daemon publishes every feed into feeds_dir, rewrites a feed when its events change and
// leaves the others byte for byte as they were.
TEST_CASE("taratd publishes the feeds and rewrites only the changed ones") {
    Checkout co;
    Running taratd(co);
    for (const char* name : {"all.ics", "centre-erkemai.ics", "centre-karlygash.ics", "district-shalkar.ics",
                             "person-director-erkemai.ics", "person-bertleuova.ics"})
        CHECK(fs::exists(co.feeds / name));
    struct stat st {};
    REQUIRE(::stat((co.feeds / "all.ics").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0644);
    const auto karlygash_before = read_file(co.feeds / "centre-karlygash.ics");
    const auto erkemai_before = read_file(co.feeds / "centre-erkemai.ics");
    co.ctl_ok({"cancel", "erkemai-seminar-1", "--reason", "карантин"});
    CHECK(read_file(co.feeds / "centre-karlygash.ics") == karlygash_before);
    CHECK(read_file(co.feeds / "centre-erkemai.ics") != erkemai_before);

    const auto uid = "erkemai-seminar-1@order-553-2026-27.tarat";
    auto facts = parsed(co, {co.feeds / "all.ics", co.feeds / "centre-erkemai.ics", co.feeds / "centre-karlygash.ics",
                             co.feeds / "person-director-erkemai.ics", co.feeds / "person-bertleuova.ics"});
    CHECK(facts[(co.feeds / "all.ics").string()]["events"][uid]["status"] == "CANCELLED");
    CHECK(facts[(co.feeds / "centre-erkemai.ics").string()]["events"][uid]["status"] == "CANCELLED");
    CHECK_FALSE(facts[(co.feeds / "centre-karlygash.ics").string()]["events"].contains(uid));
    // A director sees the centre's events; the overseer sees them all.
    const auto& all = facts[(co.feeds / "all.ics").string()]["events"];
    CHECK(facts[(co.feeds / "person-director-erkemai.ics").string()]["events"].size() ==
          facts[(co.feeds / "centre-erkemai.ics").string()]["events"].size());
    CHECK(facts[(co.feeds / "person-bertleuova.ics").string()]["events"].size() == all.size());
    // A reload that renames a centre (no event changes) rewrites its feed with the new name.
    replace_in_file(co.etc / "plan.toml", "name = \"«Қарлығаш» бөбекжай- бақшасы» МКҚК\"",
                    "name = \"«Қарлығаш» бөбекжай-бақшасы МКҚК\"");
    co.ctl_ok({"reload", "--wait"});
    auto karlygash_after = read_file(co.feeds / "centre-karlygash.ics");
    CHECK(karlygash_after != karlygash_before);
    for (auto fold = karlygash_after.find("\r\n "); fold != std::string::npos; fold = karlygash_after.find("\r\n "))
        karlygash_after.erase(fold, 3);  // unfolded
    CHECK(karlygash_after.find("X-WR-CALNAME:«Қарлығаш» бөбекжай-бақшасы МКҚК") != std::string::npos);

    // `taratctl ics --centre` gives the same events as the published file.
    const auto asked = co.dir / "erkemai.ics";
    co.ctl_ok({"ics", "--centre", "erkemai", "-o", asked.string()});
    auto again = parsed(co, {asked});
    CHECK(again[asked.string()]["events"] == facts[(co.feeds / "centre-erkemai.ics").string()]["events"]);

    // Feeds are not synced to disk: one a crash left empty, or one gone, is whole again after a start.
    const auto before_stop = parsed(co, {co.feeds / "all.ics", co.feeds / "centre-erkemai.ics"});
    taratd.stop();
    std::ofstream(co.feeds / "all.ics", std::ios::trunc).flush();
    fs::remove(co.feeds / "centre-erkemai.ics");
    Running restarted(co, "taratd-restarted");
    const auto after_start = parsed(co, {co.feeds / "all.ics", co.feeds / "centre-erkemai.ics"});
    CHECK(after_start[(co.feeds / "all.ics").string()]["events"] == before_stop[(co.feeds / "all.ics").string()]["events"]);
    CHECK(after_start[(co.feeds / "centre-erkemai.ics").string()]["events"] ==
          before_stop[(co.feeds / "centre-erkemai.ics").string()]["events"]);
    restarted.stop();
}

// Unknown ids are refused with the closest ones; two filters at once are refused; without -o the
// feed goes to standard output.
TEST_CASE("taratctl ics refuses unknown ids and writes to stdout without -o") {
    Checkout co;
    Running taratd(co);
    auto unknown = co.ctl({"ics", "--centre", "erkemay"});
    CHECK(unknown.exit_code == 65);
    CHECK(unknown.err.find("no centre 'erkemay'; did you mean 'erkemai'") != std::string::npos);
    CHECK(co.ctl({"ics", "--person", "bertleuov"}).err.find("did you mean 'bertleuova'") != std::string::npos);
    CHECK(co.ctl({"ics", "--district", "temir", "--centre", "erkemai"}).exit_code == 65);
    auto out = co.ctl_ok({"ics", "--district", "temir"});
    CHECK(out.out.rfind("BEGIN:VCALENDAR\r\n", 0) == 0);
    CHECK(out.out.find("X-WR-CALNAME:Темір ауданы\r\n") != std::string::npos);
    CHECK(!fs::exists(co.dir / "-o"));
}

// A backup taken while the daemon writes (admin commands in a loop, notices going out through the
// file plugin) passes integrity_check, holds every row committed before it started and is a
// consistent prefix of the live history; restored over the state, the daemon runs on it.
TEST_CASE("backup while the daemon writes, then restore") {
    // Late in the plan: the events before it call for held checks, overdue notices and
    // escalations, which go out at start while the backup is taken.
    Checkout co("2027-03-15T10:00:00+05:00");
    auto taratd = std::make_unique<Running>(co);
    std::atomic<int> committed{0};
    std::atomic<bool> go_on{true};
    std::thread writer([&] {
        for (int i = 0; go_on && i < 400; ++i) {
            Child c(co.ctl_args({"confirm", "erkemai-seminar-1"}), co.dir.path(), "writer-" + std::to_string(i));
            if (c.wait(std::chrono::seconds(20)) != 0) break;
            ++committed;
        }
    });
    REQUIRE(eventually([&] { return committed >= 10; }));
    const int committed_before = committed;
    const auto copy = co.dir / "copy.db";
    auto backup = co.ctl({"backup", copy.string()});
    REQUIRE(eventually([&] { return committed >= committed_before + 10; }));
    go_on = false;
    writer.join();
    INFO(backup.err);
    REQUIRE(backup.exit_code == 0);
    CHECK(backup.out.find("integrity ok") != std::string::npos);
    struct stat st {};
    REQUIRE(::stat(copy.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);

    auto integrity = run({"/usr/bin/sqlite3", copy.string(), "PRAGMA integrity_check"}, co.dir.path());
    CHECK(integrity.out == "ok\n");
    taratd->stop();
    taratd.reset();

    SQLite::Database copied(copy.string(), SQLite::OPEN_READONLY);
    SQLite::Database live((co.state / "tarat.db").string(), SQLite::OPEN_READONLY);
    auto copied_rows = history_actions(copied, "ctl.confirm");
    auto live_rows = history_actions(live, "ctl.confirm");
    CHECK(static_cast<int>(copied_rows.size()) >= committed_before);  // every attempt finished before it
    CHECK(copied_rows.size() < live_rows.size());                     // and not those after it
    // A snapshot: the copy's whole history is the live history up to some row.
    const int copied_history = copied.execAndGet("SELECT count(*) FROM history").getInt();
    const int copied_last = copied.execAndGet("SELECT max(id) FROM history").getInt();
    CHECK(copied_history == live.execAndGet("SELECT count(*) FROM history WHERE id <= " +
                                            std::to_string(copied_last)).getInt());
    const int sent_in_copy = copied.execAndGet("SELECT count(*) FROM notice WHERE state = 'sent'").getInt();
    CHECK(sent_in_copy <= live.execAndGet("SELECT count(*) FROM notice WHERE state = 'sent'").getInt());

    // Restore as the README says: taratd stopped, the copy over tarat.db, -wal and -shm removed.
    fs::copy_file(copy, co.state / "tarat.db", fs::copy_options::overwrite_existing);
    fs::remove(co.state / "tarat.db-wal");
    fs::remove(co.state / "tarat.db-shm");
    Running restored(co, "taratd-restored");
    auto history = json::parse(co.ctl_ok({"history", "--json"}).out)["history"];
    int confirms = 0;
    for (const auto& h : history)
        if (h["action"] == "ctl.confirm") ++confirms;
    CHECK(confirms == static_cast<int>(copied_rows.size()));
    auto mode = run({"/usr/bin/sqlite3", (co.state / "tarat.db").string(), "PRAGMA journal_mode"}, co.dir.path());
    CHECK(mode.out == "wal\n");
}

// Backup is an admin command: a user outside the admin group gets nothing.
TEST_CASE("backup is refused to a user who may not change state") {
    Checkout co;
    Running taratd(co);
    auto args = co.ctl_args({"backup", (co.dir / "x.db").string()});
    args.insert(args.begin(), {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"});
    REQUIRE(::chmod(co.socket.c_str(), 0666) == 0);
    fs::permissions(co.dir.path(), fs::perms::all);  // the refusal comes from the daemon, not the folder
    auto r = run(args, co.dir.path());
    CHECK(r.exit_code == 77);
    CHECK_FALSE(fs::exists(co.dir / "x.db"));
}
