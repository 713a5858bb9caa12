// F14 end to end: `taratd preview` gives the same bytes on the shipped plan as before it streamed
// (tests/e2e/preview_golden), starts from a daemon's stored state and shows rendered bodies (F16
// item 8); a running daemon's outbox holds the next 60 days, not the whole plan.
#include "core/hmac.hpp"
#include "core/time.hpp"
#include "support/checkout.hpp"

#include <SQLiteCpp/Database.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <csignal>
#include <set>

using namespace tarat::testing;
using json = nlohmann::json;

namespace {

const std::filesystem::path kGolden = TARAT_SOURCE_DIR "/tests/e2e/preview_golden";

std::string hex(const std::array<std::uint8_t, 32>& digest) {
    std::string out;
    char buf[3];
    for (auto b : digest) {
        std::snprintf(buf, sizeof buf, "%02x", b);
        out += buf;
    }
    return out;
}

std::string preview_out(const Checkout& co, std::vector<std::string> args) {
    args.insert(args.begin(), {"preview", "--config", co.config().string()});
    auto r = co.taratd(args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return r.out;
}

}  // namespace

TEST_CASE("preview prints the shipped plan's notices byte for byte as before it streamed") {
    Checkout co;
    CHECK(preview_out(co, {"--from", "2026-09-01", "--to", "2027-08-31", "--json"}) == read_file(kGolden / "full.json"));
    CHECK(preview_out(co, {"--from", "2027-02-01", "--to", "2027-03-15", "--json"}) == read_file(kGolden / "window.json"));
    CHECK(preview_out(co, {"--from", "2026-09-01", "--to", "2027-08-31", "--assume", "report=late"}) ==
          read_file(kGolden / "report-late.txt"));
    CHECK(hex(tarat::sha256(preview_out(co, {"--from", "2026-09-01", "--to", "2027-08-31", "--assume", "held=never"}))) ==
          "a7f84dfab29b5cb884cf4b34c901fa4c6fe4645b0f3bc07469fee4c0cb4cf913");
    CHECK(hex(tarat::sha256(preview_out(
              co, {"--from", "2026-09-01", "--to", "2027-08-31", "--assume", "report=never", "--json"}))) ==
          "a5737d7e2004c37ffaf23c446861fb52ff4cb718e14fd24f316094a63dee8d6b");
}

// F16 item 8: an event postponed in the daemon is previewed on its new date, and --bodies shows
// what each notice says.
TEST_CASE("preview --state-dir starts from the stored state and --bodies adds each body") {
    Checkout co("2026-11-20T10:00:00+05:00");
    std::string id, old_date, new_date;
    {
        Child daemon(co.daemon_args(), co.dir.path(), "taratd");
        REQUIRE(eventually([&] { return co.answers(); }));
        const auto listed = co.ctl_json({"events", "--from", "2027-01-12", "--to", "2027-01-20"});
        for (const auto& e : listed["events"]) {
            if (e["state"] != "planned") continue;
            id = e["id"];
            old_date = e["date"];
            break;
        }
        REQUIRE_FALSE(id.empty());
        new_date = tarat::format_date(*tarat::parse_date(old_date) + date::days{7});
        auto r = co.ctl({"postpone", id, "--to", new_date, "--reason", "зал бос емес"});
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        daemon.signal(SIGTERM);
        REQUIRE(daemon.wait() == 0);
    }
    const std::vector<std::string> window{"--from", "2026-12-01", "--to", "2027-02-28", "--json"};
    // "2027-01-14" as the subjects write it: "14.01.2027".
    auto shown = [](const std::string& iso) { return iso.substr(8, 2) + "." + iso.substr(5, 2) + "." + iso.substr(0, 4); };
    auto subjects_of = [&](const json& notices) {
        std::string all;
        for (const auto& n : notices)
            if (n["event"] == id && n["kind"] == "reminder") all += n["subject"].get<std::string>() + "\n";
        return all;
    };

    auto plan_only = json::parse(preview_out(co, window))["notices"];
    CHECK(subjects_of(plan_only).find(shown(old_date)) != std::string::npos);

    auto args = window;
    args.insert(args.end(), {"--state-dir", co.state.string(), "--bodies"});
    auto live = json::parse(preview_out(co, args))["notices"];
    const std::string subjects = subjects_of(live);
    CHECK(subjects.find(shown(new_date)) != std::string::npos);
    CHECK(subjects.find(shown(old_date)) == std::string::npos);
    // Nothing before the stored state's moment is sent again, and nothing that went out is repeated.
    std::set<std::string> keys;
    for (const auto& n : live) {
        CHECK(keys.insert(n["key"].get<std::string>()).second);
        CHECK(n["at"].get<std::string>() >= "2026-12-01");
        REQUIRE(n.contains("body"));
        CHECK_FALSE(n["body"].get<std::string>().empty());
    }
    CHECK_FALSE(live.empty());
    // Without --bodies the JSON is as before: no body.
    CHECK_FALSE(plan_only.at(0).contains("body"));
}

TEST_CASE("a running daemon's outbox holds what falls due within 60 days") {
    Checkout co("2026-12-01T09:00:00+05:00");
    Child daemon(co.daemon_args(), co.dir.path(), "taratd");
    REQUIRE(eventually([&] { return co.answers(); }));
    SQLite::Database db(co.database().string(), SQLite::OPEN_READONLY);
    const auto horizon = *tarat::parse_instant("2027-01-30T00:00:00+05:00");
    const auto seconds = horizon.time_since_epoch().count();
    CHECK(db.execAndGet("SELECT count(*) FROM notice WHERE state = 'pending'").getInt() > 0);
    CHECK(db.execAndGet("SELECT count(*) FROM notice WHERE due_at >= " + std::to_string(seconds)).getInt() == 0);
    // The plan goes on to May: without the horizon its notices would all be waiting.
    CHECK(db.execAndGet("SELECT count(*) FROM event WHERE date >= '2027-03-01'").getInt() > 0);
    daemon.signal(SIGTERM);
    CHECK(daemon.wait() == 0);
}

// A restart 19 days later moves the horizon on as 19 midnights would (Notices::extend_horizon):
// the notices due in the 19 days past the old horizon are waiting, none beyond the new one.
TEST_CASE("a restart days later moves the outbox's horizon on by as many days") {
    Checkout co("2026-12-01T09:00:00+05:00");
    auto pending_between = [&](const char* from, const char* to) {
        SQLite::Database db(co.database().string(), SQLite::OPEN_READONLY);
        const auto a = tarat::parse_instant(from)->time_since_epoch().count();
        const auto b = tarat::parse_instant(to)->time_since_epoch().count();
        return db
            .execAndGet("SELECT count(*) FROM notice WHERE state = 'pending' AND due_at >= " + std::to_string(a) +
                        " AND due_at < " + std::to_string(b))
            .getInt();
    };
    {
        Child daemon(co.daemon_args(), co.dir.path(), "taratd");
        REQUIRE(eventually([&] { return co.answers(); }));
        daemon.signal(SIGTERM);
        REQUIRE(daemon.wait() == 0);
    }
    CHECK(pending_between("2027-01-30T00:00:00+05:00", "2099-01-01T00:00:00+05:00") == 0);
    co.now = "2026-12-20T09:00:00+05:00";
    Child daemon(co.daemon_args(), co.dir.path(), "taratd");
    REQUIRE(eventually([&] {
        return co.answers() && pending_between("2027-01-30T00:00:00+05:00", "2027-02-18T00:00:00+05:00") > 0;
    }));
    CHECK(pending_between("2027-02-18T00:00:00+05:00", "2099-01-01T00:00:00+05:00") == 0);
    daemon.signal(SIGTERM);
    CHECK(daemon.wait() == 0);
}
