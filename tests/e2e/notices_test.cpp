// F10 end to end: the real taratd at a pretended moment, the real taratctl, the real state file.
// Each case is a path a user met on the shipped plan where the notices went wrong.
#include "support/checkout.hpp"

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
