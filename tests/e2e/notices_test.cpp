// F10 end to end: the real taratd at a pretended moment, the real taratctl, the real state file.
// Each case is a path a user met on the shipped plan where the notices went wrong.
#include "support/checkout.hpp"
#include "core/time.hpp"

#include <catch2/catch.hpp>
#include <SQLiteCpp/SQLiteCpp.h>

#include <string>

using namespace tarat::testing;
namespace fs = std::filesystem;

namespace {

// The stored state of a notice by its key, or "missing".
std::string notice_state(const Checkout& co, const std::string& key) {
    SQLite::Database db(co.database().string(), SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT state FROM notice WHERE key = ?1");
    q.bind(1, key);
    return q.executeStep() ? q.getColumn(0).getString() : std::string("missing");
}

// How many notices of this kind about this event wait to go out.
int pending_count(const Checkout& co, const std::string& event, const std::string& kind) {
    SQLite::Database db(co.database().string(), SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT count(*) FROM notice WHERE event_id = ?1 AND kind = ?2 AND state = 'pending'");
    q.bind(1, event);
    q.bind(2, kind);
    q.executeStep();
    return q.getColumn(0).getInt();
}

void start_and_wait(const Checkout& co, std::optional<Child>& daemon) {
    daemon.emplace(co.daemon_args(), co.dir.path(), "taratd");
    REQUIRE(eventually([&] { return co.answers(); }));
}

void stop(std::optional<Child>& daemon) {
    daemon->signal(SIGTERM);
    REQUIRE(daemon->wait() == 0);
    daemon.reset();
}

}  // namespace

// ── 1. Lost for good ─────────────────────────────────────────────────────────────────────────────
// Postponed and moved back, or removed from the plan and restored: the event's reminders are
// pending again, and stay so across a restart.
TEST_CASE("an event postponed and moved back is reminded again, after a restart too") {
    Checkout co;
    std::optional<Child> daemon;
    start_and_wait(co, daemon);
    const std::string three_days = "reminder:erkemai-seminar-1:bashanov:file:2026-12-04T04:00:00Z";
    const std::string day_before = "reminder:erkemai-seminar-1:bashanov:file:2026-12-08T04:00:00Z";
    REQUIRE(notice_state(co, three_days) == "pending");

    REQUIRE(co.ctl({"postpone", "erkemai-seminar-1", "--to", "2026-12-15", "--reason", "зал жөнделуде"}).exit_code == 0);
    CHECK(notice_state(co, three_days) == "superseded");
    REQUIRE(co.ctl({"postpone", "erkemai-seminar-1", "--to", "2026-12-09", "--reason", "зал дайын"}).exit_code == 0);
    CHECK(notice_state(co, three_days) == "pending");
    CHECK(notice_state(co, day_before) == "pending");

    stop(daemon);
    start_and_wait(co, daemon);
    CHECK(notice_state(co, three_days) == "pending");
    CHECK(notice_state(co, day_before) == "pending");
}

TEST_CASE("an event removed from the plan and restored is reminded again") {
    Checkout co;
    std::optional<Child> daemon;
    start_and_wait(co, daemon);
    const int reminders = pending_count(co, "balausa-seminar-1", "reminder");
    REQUIRE(reminders > 0);
    const std::string plan = read_file(co.plan());

    replace_in_file(co.plan(), "id = \"balausa-seminar-1\"", "id = \"balausa-seminar-one\"");
    REQUIRE(co.ctl({"reload", "--wait"}).exit_code == 0);
    CHECK(pending_count(co, "balausa-seminar-1", "reminder") == 0);
    CHECK(pending_count(co, "balausa-seminar-one", "reminder") == reminders);

    std::ofstream(co.plan(), std::ios::binary | std::ios::trunc) << plan;
    REQUIRE(co.ctl({"reload", "--wait"}).exit_code == 0);
    CHECK(pending_count(co, "balausa-seminar-1", "reminder") == reminders);
    CHECK(pending_count(co, "balausa-seminar-one", "reminder") == 0);

    stop(daemon);
    start_and_wait(co, daemon);
    CHECK(pending_count(co, "balausa-seminar-1", "reminder") == reminders);
}

// ── 2. Catch-up floods ───────────────────────────────────────────────────────────────────────────
namespace {

// Unix seconds of an ISO instant with its offset, as the daemon was told to pretend.
std::int64_t unix_seconds(const std::string& iso) {
    auto instant = tarat::parse_instant(iso);
    REQUIRE(instant.has_value());
    return std::chrono::duration_cast<std::chrono::seconds>(instant->time_since_epoch()).count();
}

// Waits until nothing due at `start` is still pending: what the daemon does at start is done.
void wait_for_catch_up(const Checkout& co, std::int64_t start) {
    SQLite::Database db(co.database().string(), SQLite::OPEN_READONLY);
    REQUIRE(eventually([&] {
        SQLite::Statement q(db, "SELECT count(*) FROM notice WHERE state = 'pending' AND next_attempt_at <= ?1");
        q.bind(1, start);
        q.executeStep();
        return q.getColumn(0).getInt() == 0;
    }, std::chrono::seconds(60)));
}

// The largest number of sent notices sharing what `group` names (SQL column list).
int most_sent_per(const Checkout& co, const std::string& kinds, const std::string& group) {
    SQLite::Database db(co.database().string(), SQLite::OPEN_READONLY);
    return db.execAndGet("SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM notice WHERE state = 'sent' "
                         "AND kind IN (" + kinds + ") GROUP BY " + group + ")").getInt();
}

int sent_count(const Checkout& co, const std::string& where = "1") {
    SQLite::Database db(co.database().string(), SQLite::OPEN_READONLY);
    return db.execAndGet("SELECT count(*) FROM notice WHERE state = 'sent' AND " + where).getInt();
}

}  // namespace

// Started on 22 Feb 2027 with nothing confirmed since December: one digest per recipient and
// channel, one compliance notice (the overdue notice or its latest escalation round) and one held
// check per event, recipient and channel — and every one of them sent inside working hours.
TEST_CASE("a daemon started late sends the latest of each kind, not the backlog") {
    Checkout co("2027-02-22T10:00:00+05:00");
    const auto start = unix_seconds(co.now);
    Child daemon(co.daemon_args(), co.dir.path(), "taratd");
    REQUIRE(eventually([&] { return co.answers(); }));
    wait_for_catch_up(co, start);

    CHECK(most_sent_per(co, "'digest'", "recipient, channel") == 1);
    // The overdue notice and its escalation rounds are one series: the latest round only.
    CHECK(most_sent_per(co, "'overdue', 'escalation'", "event_id, recipient, channel") == 1);
    CHECK(most_sent_per(co, "'held_check'", "event_id, recipient, channel") == 1);
    CHECK(sent_count(co, "kind = 'escalation' AND recipient = 'bertleuova'") > 0);
    // 09:00–18:00 in Aktobe (UTC+5) is 04:00–13:00 UTC.
    CHECK(sent_count(co, "(sent_at % 86400) NOT BETWEEN 4 * 3600 AND 13 * 3600") == 0);
}

// Started on a Saturday with reminders overdue: nothing goes out before Monday's working hours.
TEST_CASE("a daemon started on a day off sends nothing until the next working morning") {
    Checkout co("2026-11-28T12:00:00+05:00");
    const auto start = unix_seconds(co.now);
    Child daemon(co.daemon_args(), co.dir.path(), "taratd");
    REQUIRE(eventually([&] { return co.answers(); }));
    wait_for_catch_up(co, start);

    CHECK(sent_count(co) == 0);
    SQLite::Database db(co.database().string(), SQLite::OPEN_READONLY);
    // Monday 30 November 09:00 in Aktobe is 04:00 UTC.
    const auto monday = unix_seconds("2026-11-30T09:00:00+05:00");
    CHECK(db.execAndGet("SELECT count(*) FROM notice WHERE state = 'pending' AND next_attempt_at = " +
                        std::to_string(monday)).getInt() > 0);
}

// ── 5. Impossible records ────────────────────────────────────────────────────────────────────────
TEST_CASE("postpone outside the plan's period and held on a day off are refused, the latter unless forced") {
    Checkout co("2026-12-21T10:00:00+05:00");
    Child daemon(co.daemon_args(), co.dir.path(), "taratd");
    REQUIRE(eventually([&] { return co.answers(); }));

    auto summer = co.ctl({"postpone", "balausa-seminar-1", "--to", "2027-06-15", "--reason", "жаз"});
    CHECK(summer.exit_code == 65);
    CHECK(summer.err.find("2026-12-01 – 2027-05-31") != std::string::npos);

    auto independence_day = co.ctl({"held", "erkemai-seminar-1", "--date", "2026-12-16"});
    CHECK(independence_day.exit_code == 65);
    CHECK(independence_day.err.find("day off") != std::string::npos);
    auto before_plan = co.ctl({"held", "erkemai-seminar-1", "--date", "2026-11-05", "--force"});
    CHECK(before_plan.exit_code == 65);
    CHECK(before_plan.err.find("before the plan's start") != std::string::npos);
    CHECK(co.ctl_json({"event", "erkemai-seminar-1"})["event"]["state"] == "planned");

    REQUIRE(co.ctl({"held", "erkemai-seminar-1", "--date", "2026-12-16", "--force"}).exit_code == 0);
    auto history = co.ctl({"history"});
    CHECK(history.out.find("forced: 2026-12-16 is a day off") != std::string::npos);
}
