// F10 end to end: the real taratd at a pretended moment, the real taratctl, the real state file.
// Each case is a path a user met on the shipped plan where the notices went wrong.
#include "support/checkout.hpp"

#include <catch2/catch.hpp>
#include <SQLiteCpp/SQLiteCpp.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

using namespace tarat::testing;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

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

// ── Corrections (F10): amend, reopen and status counts ──────────────────────────────────────────
// A cancelled event reopened tells everyone who was told of its cancellation and is reminded again;
// a held date amended moves its report reminder; `status` counts follow, and name the last reload.
namespace {

// How many notices of this kind about this event are in this state.
int notice_count(const Checkout& co, const std::string& event, const std::string& kind, const std::string& state) {
    SQLite::Database db(co.database().string(), SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT count(*) FROM notice WHERE event_id = ?1 AND kind = ?2 AND state = ?3");
    q.bind(1, event);
    q.bind(2, kind);
    q.bind(3, state);
    q.executeStep();
    return q.getColumn(0).getInt();
}

std::set<std::string> told_of_cancellation(const Checkout& co, const std::string& event) {
    SQLite::Database db(co.database().string(), SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT DISTINCT recipient FROM notice WHERE event_id = ?1 AND kind = 'change' "
                            "AND state = 'sent' AND json_extract(facts, '$.cancelled')");
    q.bind(1, event);
    std::set<std::string> people;
    while (q.executeStep()) people.insert(q.getColumn(0).getString());
    return people;
}

// The people the file channel told that the event takes place after all.
std::set<std::string> told_restored(const Checkout& co, const std::string& event) {
    std::set<std::string> people;
    std::istringstream lines(read_file(co.state / "notices.jsonl"));
    for (std::string line; std::getline(lines, line);) {
        auto n = nlohmann::json::parse(line);
        if (n["kind"] != "change" || n["json"]["event"]["id"] != event) continue;
        const std::string subject = n["subject"];
        if (subject.starts_with("Іс-шара өткізіледі") || subject.starts_with("Мероприятие состоится") ||
            subject.starts_with("Event reinstated"))
            people.insert(n["recipient"].get<std::string>());
    }
    return people;
}

nlohmann::json counts(const Checkout& co) { return co.ctl_json({"status"})["counts"]; }

}  // namespace

TEST_CASE("a cancelled event reopened: those told of its cancellation hear it is restored, and it is reminded again") {
    Checkout co;  // 2026-12-01 09:00: erkemai-seminar-1 is on 09.12, its first reminder already due
    std::optional<Child> daemon;
    start_and_wait(co, daemon);
    const std::string id = "erkemai-seminar-1";
    const std::string three_days = "reminder:erkemai-seminar-1:bashanov:file:2026-12-04T04:00:00Z";
    REQUIRE(eventually([&] { return notice_count(co, id, "reminder", "sent") > 0; }));
    const int upcoming = counts(co)["upcoming"];

    REQUIRE(co.ctl({"cancel", id, "--reason", "карантин"}).exit_code == 0);
    REQUIRE(eventually([&] {
        return notice_count(co, id, "change", "sent") > 0 && notice_count(co, id, "change", "pending") == 0;
    }));
    CHECK(notice_state(co, three_days) == "superseded");
    CHECK(counts(co)["upcoming"] == upcoming - 1);
    const auto told = told_of_cancellation(co, id);
    REQUIRE_FALSE(told.empty());
    CHECK(told_restored(co, id).empty());

    auto r = co.ctl({"reopen", id, "--reason", "карантин аяқталды"});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(contains(r.out, "restored: planned for 2026-12-09 11:00; " + std::to_string(told.size()) +
                              " people told of its cancellation get a change notice"));
    CHECK(notice_state(co, three_days) == "pending");
    CHECK(pending_count(co, id, "held_check") > 0);
    CHECK(counts(co)["upcoming"] == upcoming);
    CHECK(co.ctl_json({"event", id})["event"]["state"] == "planned");
    CHECK(eventually([&] { return told_restored(co, id) == told; }));

    // Nothing more to take back: refused with exit 65, and in the audit.
    auto again = co.ctl({"reopen", id, "--reason", "тағы"});
    CHECK(again.exit_code == 65);
    CHECK(contains(again.err + again.out, "only a held, reported or cancelled event can be reopened"));
    stop(daemon);
}

TEST_CASE("an amended held date moves the report reminder, and status counts and names the last reload") {
    // erkemai-seminar-1 took place this morning; its report is due in 3 working days (14.12).
    Checkout co("2026-12-09T15:00:00+05:00");
    std::optional<Child> daemon;
    start_and_wait(co, daemon);
    const std::string id = "erkemai-seminar-1";
    auto human = co.ctl({"status", "--lang", "en"});
    CHECK(contains(human.out, "Last reload: no reload since start"));
    CHECK(co.ctl_json({"status"})["last_reload"].is_null());
    const auto before = counts(co);
    REQUIRE(co.ctl({"held", id, "--participants", "30"}).exit_code == 0);
    CHECK(counts(co)["upcoming"] == before["upcoming"].get<int>() - 1);  // today's, not yet held, counted ahead
    auto report_due = [&] {
        std::set<std::string> keys;
        const auto listed = co.ctl_json({"notices", "--event", id, "--pending"});
        for (const auto& n : listed["notices"])
            if (n["kind"] == "report_due") keys.insert(n["key"].get<std::string>());
        return keys;
    };
    const auto due_before = report_due();
    REQUIRE(due_before.size() > 0);

    auto future = co.ctl({"amend", id, "--held-date", "2026-12-10", "--reason", "қате"});
    CHECK(future.exit_code == 65);
    auto saturday = co.ctl({"amend", id, "--held-date", "2026-12-05", "--reason", "қате"});
    CHECK(saturday.exit_code == 65);
    CHECK(contains(saturday.err + saturday.out, "--force"));
    CHECK(co.ctl({"amend", id, "--participants", "31"}).exit_code != 0);  // --reason is required
    CHECK(report_due() == due_before);  // refusals changed nothing

    auto amended = co.ctl({"amend", id, "--held-date", "2026-12-08", "--participants", "32", "--reason", "күні қате"});
    INFO(amended.out << amended.err);
    REQUIRE(amended.exit_code == 0);
    CHECK(contains(amended.out, "held date 2026-12-09 → 2026-12-08; participants 30 → 32"));
    const auto due_after = report_due();
    CHECK_FALSE(due_after.empty());
    CHECK(due_after != due_before);
    for (const auto& key : due_before) CHECK(notice_state(co, key) == "superseded");
    const auto event = co.ctl_json({"event", id});
    CHECK(event["event"]["state"] == "held");
    bool recorded = false;
    for (const auto& h : event["history"])
        recorded |= h["action"] == "event.amended" &&
                    h["detail"].get<std::string>().find("reason: күні қате") != std::string::npos;
    CHECK(recorded);

    // Reloads, taken (taratctl) and refused (SIGHUP with a broken plan), as status tells them.
    REQUIRE(co.ctl({"reload", "--wait"}).exit_code == 0);
    auto last = co.ctl_json({"status"})["last_reload"];
    CHECK(last["taken"] == true);
    CHECK(contains(last["by"].get<std::string>(), " (uid "));
    std::ofstream(co.plan(), std::ios::app) << "\n[[[ broken\n";
    daemon->signal(SIGHUP);
    REQUIRE(eventually([&] { return co.ctl_json({"status"})["last_reload"]["taken"] == false; }));
    last = co.ctl_json({"status"})["last_reload"];
    CHECK(last["by"] == "signal:SIGHUP");
    CHECK(contains(last["text"].get<std::string>(), "refused"));
    human = co.ctl({"status", "--lang", "en"});
    CHECK(contains(human.out, "Last reload: " + last["at_local"].get<std::string>() + ", signal:SIGHUP, refused: "));
    CHECK(contains(human.out, "Events: upcoming: "));
    CHECK(contains(human.out, "Notices: pending: "));
    CHECK(contains(co.ctl({"status", "--lang", "kk"}).out, "Іс-шаралар: алда: "));
    stop(daemon);
}
