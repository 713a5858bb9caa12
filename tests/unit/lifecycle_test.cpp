// The event lifecycle, one transition at a time, through two callers: a request over a real Unix
// socket (as taratctl sends it) and a direct call (as preview, Telegram and the web make it). Both
// must leave the same event and the same notices.
#include "control/client.hpp"
#include "control/server.hpp"
#include "support/command_world.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <thread>
#include <variant>

using namespace tarat;
using tarat::testing::CommandWorld;
using nlohmann::json;

namespace {

// What a transition leaves behind, without who did it or when the rows were written.
struct Outcome {
    EventState state;
    Date date;
    int start;
    bool pinned;
    std::optional<Date> held_date, reported_date, postponed_from;
    std::optional<int> participants;
    std::string report_ref, cancel_reason;
    std::vector<std::string> pending;  // the keys of the event's pending notices
    std::string last_action;           // the event's last history action, "event.*"
    bool operator==(const Outcome&) const = default;
};

Outcome outcome_of(CommandWorld& w, const std::string& id) {
    auto e = *w.store->event(id);
    Outcome o{e.state, e.event.date, e.event.start_minutes, e.event.pinned, e.held_date, e.reported_date,
              e.postponed_from, e.participants, e.report_ref, e.cancel_reason, {}, {}};
    NoticeFilter f;
    f.event_id = id;
    f.state = NoticeState::pending;
    for (const auto& row : w.store->notices(f)) o.pending.push_back(row.notice.key);
    for (const auto& row : w.store->history_about("event:" + id))
        if (row.action.starts_with("event.")) o.last_action = row.action;
    return o;
}

// Serves `w`'s commands on a real socket while it lives.
class Served {
public:
    explicit Served(CommandWorld& w)
        : w_(w), server_(w.io, w.table, control::Limits{}, [](const control::Peer&) { return true; }) {
        server_.listen(w.dir / "tarat.sock");
        thread_ = std::thread([this] { w_.io.run(); });
    }
    ~Served() {
        boost::asio::post(w_.io, [this] { server_.stop(); });
        guard_.reset();
        w_.io.stop();
        thread_.join();
        w_.io.restart();
    }
    json call(const std::string& command, json args) {
        return control::request(w_.dir / "tarat.sock", {{"command", command}, {"arguments", std::move(args)}},
                                std::chrono::seconds(30));
    }

private:
    CommandWorld& w_;
    control::Server server_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_{w_.io.get_executor()};
    std::thread thread_;
};

struct Transition {
    std::string command;
    std::function<json(const std::string& id)> args;
    std::function<LifecycleResult(EventLifecycle&, const Actor&, const std::string& id)> direct;
};

// Runs `prepare` then `t` on the same event in two fresh worlds, one through each caller.
void same_through_both(const std::function<StoredEvent(CommandWorld&)>& pick,
                       const std::vector<Transition>& steps) {
    CommandWorld by_socket, direct;
    const std::string id = pick(by_socket).event.id;
    REQUIRE(pick(direct).event.id == id);
    const Actor preview = Actor::system("preview");
    {
        Served served(by_socket);
        for (const auto& t : steps) {
            auto reply = served.call(t.command, t.args(id));
            INFO(t.command << ": " << reply.dump());
            REQUIRE(reply["result"] == 0);
        }
    }
    for (const auto& t : steps) {
        auto result = t.direct(direct.lifecycle, preview, id);
        INFO(t.command << ": " << result.text);
        REQUIRE(result.ok());
    }
    const auto a = outcome_of(by_socket, id), b = outcome_of(direct, id);
    CHECK(a == b);
    CHECK(a.last_action == "event." + std::string(steps.back().command == "postpone" ? "postponed"
                                                  : steps.back().command == "cancel"   ? "cancelled"
                                                  : steps.back().command == "confirm"  ? "confirmed"
                                                  : steps.back().command == "amend"    ? "amended"
                                                  : steps.back().command == "reopen"   ? "reopened"
                                                                                       : steps.back().command));
    // The history names each caller as given.
    auto actors = [&](CommandWorld& w) {
        std::string all;
        for (const auto& row : w.store->history_about("event:" + id)) all += row.actor + "\n";
        return all;
    };
    CHECK(actors(by_socket).find(" (uid ") != std::string::npos);  // the local user at the socket
    CHECK(actors(direct).find("preview") != std::string::npos);
}

StoredEvent past(CommandWorld& w) { return w.past_event(); }
StoredEvent future(CommandWorld& w) { return w.future_event(); }

const Transition held{"held", [](const std::string& id) { return json{{"id", id}, {"participants", 30}}; },
                      [](EventLifecycle& l, const Actor& a, const std::string& id) {
                          return l.held(a, id, {std::nullopt, 30, ""});
                      }};
const Transition reported{"reported",
                          [](const std::string& id) { return json{{"id", id}, {"date", "2027-02-26"}, {"ref", "№ 7"}}; },
                          [](EventLifecycle& l, const Actor& a, const std::string& id) {
                              return l.reported(a, id, {parse_date("2027-02-26"), "№ 7"});
                          }};
const Transition postpone{"postpone",
                          [](const std::string& id) {
                              return json{{"id", id}, {"to", "2027-03-30"}, {"start", "10:00"}, {"reason", "зал"}};
                          },
                          [](EventLifecycle& l, const Actor& a, const std::string& id) {
                              return l.postpone(a, id, {*parse_date("2027-03-30"), 10 * 60, "зал"});
                          }};
const Transition cancel{"cancel", [](const std::string& id) { return json{{"id", id}, {"reason", "карантин"}}; },
                        [](EventLifecycle& l, const Actor& a, const std::string& id) {
                            return l.cancel(a, id, "карантин");
                        }};
const Transition confirm{"confirm", [](const std::string& id) { return json{{"id", id}}; },
                         [](EventLifecycle& l, const Actor& a, const std::string& id) { return l.confirm(a, id); }};

const Transition amend{"amend",
                       [](const std::string& id) {
                           return json{{"id", id}, {"participants", 31}, {"report_date", "2027-02-27"}, {"reason", "қате"}};
                       },
                       [](EventLifecycle& l, const Actor& a, const std::string& id) {
                           AmendInput input;
                           input.participants = 31;
                           input.report_date = parse_date("2027-02-27");
                           input.reason = "қате";
                           return l.amend(a, id, input);
                       }};
const Transition reopen{"reopen", [](const std::string& id) { return json{{"id", id}, {"reason", "қате"}}; },
                        [](EventLifecycle& l, const Actor& a, const std::string& id) {
                            return l.reopen(a, id, {"қате", std::nullopt});
                        }};

StoredEvent held_before_feb_20(CommandWorld& w) {
    return w.first_event([](const StoredEvent& e) { return e.event.date < *parse_date("2027-02-20"); });
}

}  // namespace

TEST_CASE("held: the same through the socket and a direct caller") { same_through_both(past, {held}); }

TEST_CASE("reported: the same through the socket and a direct caller") {
    // An event held before 26.02.2027, so that the report date is after it.
    auto pick = [](CommandWorld& w) {
        return w.first_event([](const StoredEvent& e) { return e.event.date < *parse_date("2027-02-20"); });
    };
    same_through_both(pick, {held, reported});
}

TEST_CASE("postpone: the same through the socket and a direct caller") { same_through_both(future, {postpone}); }

TEST_CASE("cancel: the same through the socket and a direct caller") { same_through_both(future, {cancel}); }

TEST_CASE("confirm: the same through the socket and a direct caller") { same_through_both(future, {confirm}); }

TEST_CASE("amend: the same through the socket and a direct caller") {
    same_through_both(held_before_feb_20, {held, reported, amend});
}

TEST_CASE("reopen: the same through the socket and a direct caller") {
    same_through_both(held_before_feb_20, {held, reported, reopen});
    same_through_both(future, {cancel, reopen});
}

TEST_CASE("actors are recorded as given") {
    CHECK(Actor::local("root", 0, 4242).text() == "root (uid 0, pid 4242)");
    CHECK(Actor::via_channel("director-erkemai", "telegram", "123").text() ==
          "person director-erkemai via channel telegram (chat 123)");
    CHECK(Actor::system("taratd:start").text() == "taratd:start");

    CommandWorld w;
    const auto e = w.past_event();
    REQUIRE(w.lifecycle.held(Actor::via_channel("director-erkemai", "telegram", "123"), e.event.id, {}).ok());
    CHECK(w.store->history_about("event:" + e.event.id).back().actor ==
          "person director-erkemai via channel telegram (chat 123)");
}

TEST_CASE("a refused step changes nothing, and an unknown id gets the closest ids") {
    CommandWorld w;
    const auto e = w.future_event();
    const auto before = outcome_of(w, e.event.id);
    auto refused = w.lifecycle.held(Actor::system("test"), e.event.id, {});
    CHECK(refused.status == LifecycleResult::Status::refused);
    CHECK(outcome_of(w, e.event.id) == before);
    auto unknown = w.lifecycle.cancel(Actor::system("test"), e.event.id + "-", "x");
    CHECK(unknown.status == LifecycleResult::Status::not_found);
    CHECK(unknown.did_you_mean.front() == e.event.id);
}

// F10, "lost for good": an event postponed and moved back to its date has the notices a fresh
// daemon derives for it, not none.
TEST_CASE("postponed and moved back, an event has the notices of a fresh start") {
    CommandWorld moved, fresh;
    const auto e = future(moved);
    const Actor admin = Actor::local("root", 0, 1);
    REQUIRE(moved.lifecycle.postpone(admin, e.event.id, {*parse_date("2027-03-30"), std::nullopt, "зал"}).ok());
    REQUIRE(outcome_of(moved, e.event.id).pending != outcome_of(fresh, e.event.id).pending);
    REQUIRE(moved.lifecycle.postpone(admin, e.event.id, {e.event.date, std::nullopt, "зал босады"}).ok());
    const auto pending = outcome_of(moved, e.event.id).pending;
    CHECK_FALSE(pending.empty());
    CHECK(pending == outcome_of(fresh, e.event.id).pending);
}

// F10, "impossible records": a postponement stays inside the plan's period; a held date is not
// before the plan's start, and a day off or a date over 30 days before the planned one needs force.
TEST_CASE("postpone stays inside the plan's period, and odd held dates need force") {
    CommandWorld w;
    const Actor admin = Actor::local("root", 0, 1);
    const auto future = w.future_event();
    auto summer = w.lifecycle.postpone(admin, future.event.id, {*parse_date("2027-06-15"), std::nullopt, "жаз"});
    CHECK(summer.status == LifecycleResult::Status::refused);
    CHECK(summer.text.find("outside the plan's period 2026-12-01 – 2027-05-31") != std::string::npos);

    const auto past = w.first_event([&](const StoredEvent& e) {
        return e.state == EventState::planned && e.event.date < *parse_date("2027-02-20") &&
               e.event.date > *parse_date("2027-01-20");
    });
    auto before_start = w.lifecycle.held(admin, past.event.id, {parse_date("2026-11-30"), std::nullopt, "", true});
    CHECK(before_start.status == LifecycleResult::Status::refused);
    CHECK(before_start.text.find("before the plan's start") != std::string::npos);
    const Date independence = *parse_date("2026-12-16");  // a day off
    auto day_off = w.lifecycle.held(admin, past.event.id, {independence, std::nullopt, "", false});
    CHECK(day_off.status == LifecycleResult::Status::refused);
    CHECK(day_off.text.find("--force") != std::string::npos);
    CHECK(w.store->event(past.event.id)->state == EventState::planned);
    auto forced = w.lifecycle.held(admin, past.event.id, {independence, std::nullopt, "", true});
    REQUIRE(forced.ok());
    CHECK(w.store->history_about("event:" + past.event.id).back().detail.find("forced") != std::string::npos);
}

// A refusal carries its reason as a code with facts, so the bot and the web pages say it in the
// reader's language with dates DD.MM.YYYY, while taratctl keeps its English line.
TEST_CASE("a refusal is said in kk, ru and en from its code") {
    CommandWorld w;
    const Actor admin = Actor::local("root", 0, 1);
    const auto future = w.future_event();
    auto holiday = w.lifecycle.postpone(admin, future.event.id, {*parse_date("2027-03-08"), std::nullopt, "зал"});
    REQUIRE(holiday.why.code == Refusal::Code::day_off);
    CHECK(holiday.text.find("2027-03-08 is a day off") != std::string::npos);
    INFO(explain("ru", holiday.why));
    CHECK(explain("ru", holiday.why).find("08.03.2027 — выходной день (") == 0);
    CHECK(explain("ru", holiday.why).find("05.03.2027, 09.03.2027") != std::string::npos);
    CHECK(explain("kk", holiday.why).find("08.03.2027 — демалыс күні (") == 0);
    CHECK(explain("en", holiday.why).find("08.03.2027 is a day off (") == 0);
    auto sunday = w.lifecycle.postpone(admin, future.event.id, {*parse_date("2027-03-14"), std::nullopt, "зал"});
    CHECK(explain("kk", sunday.why).find("(жексенбі)") != std::string::npos);

    auto no_reason = w.lifecycle.postpone(admin, future.event.id, {*parse_date("2027-03-09"), std::nullopt, ""});
    CHECK(no_reason.why.code == Refusal::Code::reason_missing);
    CHECK(explain("kk", no_reason.why) == "Себебін жазыңыз.");
    auto two_lines = w.lifecycle.cancel(admin, future.event.id, "бір\nекі");
    CHECK(explain("ru", two_lines.why) == "Причина: нужна одна строка без управляющих символов.");
    auto ahead = w.lifecycle.held(admin, future.event.id, {});
    CHECK(ahead.why.code == Refusal::Code::still_ahead);
    CHECK(explain("ru", ahead.why).find("запланировано на " + format_dotted(future.event.date)) != std::string::npos);
    auto report = w.lifecycle.reported(admin, future.event.id, {});
    CHECK(explain("kk", report.why) ==
          "Іс-шара: жоспарланған, " + format_dotted(future.event.date) + "; есептен бұрын оның өткенін растаңыз.");
    for (const auto& result : {holiday, sunday, no_reason, two_lines, ahead, report}) {
        CHECK(result.status == LifecycleResult::Status::refused);
        CHECK(result.why.text == result.text);
    }
    CHECK(w.store->event(future.event.id)->state == EventState::planned);
}

// ── Corrections (F10): amend and reopen ─────────────────────────────────────────────────────────

namespace {

const Actor kAdmin = Actor::local("root", 0, 1);

AmendInput amending(std::string reason = "қате жазылған") {
    AmendInput input;
    input.reason = std::move(reason);
    return input;
}

// The event's notices of every state, as (key, state): what amend must not touch when it changes
// nothing that a notice follows.
std::vector<std::pair<std::string, NoticeState>> outbox_of(CommandWorld& w, const std::string& id) {
    NoticeFilter f;
    f.event_id = id;
    std::vector<std::pair<std::string, NoticeState>> rows;
    for (const auto& row : w.store->notices(f)) rows.emplace_back(row.notice.key, row.state);
    return rows;
}

// A past event, held well before the plan's last weeks so that dates around it are free.
StoredEvent january_event(CommandWorld& w) {
    return w.first_event([&](const StoredEvent& e) {
        return e.state == EventState::planned && e.event.date > *parse_date("2027-01-20") &&
               e.event.date < *parse_date("2027-02-10");
    });
}

}  // namespace

TEST_CASE("amend refuses what held and reported refuse, and a refusal changes nothing") {
    CommandWorld w;
    const auto future = w.future_event();
    const auto e = january_event(w);
    const std::string id = e.event.id;
    auto refused = [&](const std::string& event, const AmendInput& input, const std::string& why) {
        const auto before = outcome_of(w, event);
        auto r = w.lifecycle.amend(kAdmin, event, input);
        INFO(r.text);
        CHECK(r.status == LifecycleResult::Status::refused);
        CHECK(r.text.find(why) != std::string::npos);
        CHECK(outcome_of(w, event) == before);
    };
    AmendInput participants = amending();
    participants.participants = 12;
    refused(id, participants, "not held: record it with held");  // still planned
    REQUIRE(w.lifecycle.cancel(kAdmin, future.event.id, "карантин").ok());
    refused(future.event.id, participants, "only a held or reported event can be amended");

    REQUIRE(w.lifecycle.held(kAdmin, id, {std::nullopt, 20, ""}).ok());
    refused(id, amending(), "nothing to amend");
    AmendInput no_reason = participants;
    no_reason.reason.clear();
    refused(id, no_reason, "give the reason");
    AmendInput bad_reason = participants;
    bad_reason.reason = "екі\nжол";
    refused(id, bad_reason, "one line");
    AmendInput too_many = amending();
    too_many.participants = EventLifecycle::kMaxParticipants + 1;
    refused(id, too_many, "participants must be a number from 0 to 100000");
    too_many.participants = -1;
    refused(id, too_many, "participants must be a number from 0 to 100000");
    AmendInput report_of_held = amending();
    report_of_held.report_date = w.lifecycle.today();
    refused(id, report_of_held, "has no report yet");
    report_of_held.report_date.reset();
    report_of_held.ref = "№ 1";
    refused(id, report_of_held, "has no report yet");

    AmendInput held_on = amending();
    held_on.held_date = w.lifecycle.today() + date::days{1};
    refused(id, held_on, "is in the future");
    held_on.held_date = parse_date("2026-11-30");
    refused(id, held_on, "before the plan's start");
    held_on.held_date = parse_date("2026-12-16");  // Independence Day: a day off
    refused(id, held_on, "is a day off; if it is so, say --force");
    held_on.force = true;
    REQUIRE(w.lifecycle.amend(kAdmin, id, held_on).ok());
    CHECK(w.store->history_about("event:" + id).back().detail.find("forced: 2026-12-16 is a day off") !=
          std::string::npos);

    // Reported: the report date stays after the held date and not in the future, whichever moves.
    REQUIRE(w.lifecycle.reported(kAdmin, id, {e.event.date, ""}).ok());
    AmendInput report = amending();
    report.report_date = parse_date("2026-12-15");
    refused(id, report, "before the event was held");
    report.report_date = w.lifecycle.today() + date::days{1};
    refused(id, report, "is in the future");
    AmendInput later_held = amending();
    later_held.held_date = e.event.date + date::days{7};
    while (!w.lifecycle.setup().calendar->is_working_day(*later_held.held_date)) *later_held.held_date += date::days{1};
    refused(id, later_held, "before the event was held");
    CHECK(w.lifecycle.amend(kAdmin, "no-such-event", participants).status == LifecycleResult::Status::not_found);
}

TEST_CASE("amend replaces the fields given, records old and new, and re-derives the notices") {
    CommandWorld amended, direct;
    const auto e = january_event(amended);
    const std::string id = e.event.id;
    const Date planned = e.event.date;
    const Date later = amended.lifecycle.setup().calendar->add_working_days(planned, 2);

    // Held on the planned date, then corrected to two working days later: the event has exactly
    // the notices of one held on that day in the first place.
    REQUIRE(amended.lifecycle.held(kAdmin, id, {std::nullopt, 20, ""}).ok());
    REQUIRE(direct.lifecycle.held(kAdmin, id, {later, 20, ""}).ok());
    const auto before = outcome_of(amended, id).pending;
    AmendInput input = amending("күні қате");
    input.held_date = later;
    auto r = amended.lifecycle.amend(kAdmin, id, input);
    REQUIRE(r.status == LifecycleResult::Status::changed);
    CHECK(r.text.find("held date " + format_date(planned) + " → " + format_date(later)) != std::string::npos);
    auto stored = *amended.store->event(id);
    CHECK(stored.state == EventState::held);
    CHECK(stored.held_date == later);
    CHECK(stored.participants == 20);
    CHECK(outcome_of(amended, id).pending != before);
    CHECK(outcome_of(amended, id).pending == outcome_of(direct, id).pending);
    const auto row = amended.store->history_about("event:" + id).back();
    CHECK(row.action == "event.amended");
    CHECK(row.actor == "root (uid 0, pid 1)");
    CHECK(row.detail.find("held date " + format_date(planned) + " → " + format_date(later)) != std::string::npos);
    CHECK(row.detail.find("reason: күні қате") != std::string::npos);

    // The same values again: nothing to change, no history row.
    const auto rows = amended.store->history_about("event:" + id).size();
    auto same = amended.lifecycle.amend(kAdmin, id, input);
    CHECK(same.status == LifecycleResult::Status::unchanged);
    CHECK(amended.store->history_about("event:" + id).size() == rows);

    // Participants alone.
    AmendInput count = amending();
    count.participants = 35;
    REQUIRE(amended.lifecycle.amend(kAdmin, id, count).ok());
    CHECK(amended.store->event(id)->participants == 35);
    CHECK(amended.store->history_about("event:" + id).back().detail.find("participants 20 → 35") != std::string::npos);

    // Reported on time, then the report date moved past its deadline: judged late, and nothing in
    // the outbox moves (a reported event calls for no notice; what was sent stays sent).
    const Date due = amended.lifecycle.notices().policy().report_due_date(e.event, later);
    REQUIRE(amended.lifecycle.reported(kAdmin, id, {due, "№ 5"}).ok());
    const auto outbox = outbox_of(amended, id);
    AmendInput late = amending("есеп кеш келген");
    late.report_date = due + date::days{3};
    late.ref = "№ 5/1";
    auto judged = amended.lifecycle.amend(kAdmin, id, late);
    REQUIRE(judged.ok());
    CHECK(judged.text.find("report on time (due " + format_date(due) + ") → late (due " + format_date(due) + ")") !=
          std::string::npos);
    CHECK(judged.text.find("report reference \"№ 5\" → \"№ 5/1\"") != std::string::npos);
    stored = *amended.store->event(id);
    CHECK(stored.state == EventState::reported);
    CHECK(stored.reported_date == due + date::days{3});
    CHECK(stored.report_ref == "№ 5/1");
    CHECK(outbox_of(amended, id) == outbox);
}

TEST_CASE("reopen takes one step back and re-derives the notices") {
    CommandWorld w, never_held, held_only;
    const auto e = january_event(w);
    const std::string id = e.event.id;
    const ReopenInput why{"қате белгіленген", std::nullopt};

    auto planned = w.lifecycle.reopen(kAdmin, id, why);
    CHECK(planned.status == LifecycleResult::Status::refused);
    CHECK(planned.text.find("only a held, reported or cancelled event can be reopened") != std::string::npos);

    REQUIRE(w.lifecycle.held(kAdmin, id, {std::nullopt, 20, ""}).ok());
    REQUIRE(held_only.lifecycle.held(kAdmin, id, {std::nullopt, 20, ""}).ok());
    REQUIRE(w.lifecycle.reported(kAdmin, id, {e.event.date, "№ 3"}).ok());
    CHECK(w.lifecycle.reopen(kAdmin, id, {"", std::nullopt}).status == LifecycleResult::Status::refused);
    auto with_to = w.lifecycle.reopen(kAdmin, id, {"x", parse_date("2027-03-30")});
    CHECK(with_to.status == LifecycleResult::Status::refused);
    CHECK(with_to.text.find("--to restores a cancelled event") != std::string::npos);

    // reported → held: the report withdrawn, its reminders and overdue notices back.
    auto r = w.lifecycle.reopen(kAdmin, id, why);
    REQUIRE(r.status == LifecycleResult::Status::changed);
    auto stored = *w.store->event(id);
    CHECK(stored.state == EventState::held);
    CHECK(stored.held_date == e.event.date);
    CHECK(stored.participants == 20);
    CHECK_FALSE(stored.reported_date);
    CHECK(stored.report_ref.empty());
    CHECK(outcome_of(w, id).pending == outcome_of(held_only, id).pending);
    auto row = w.store->history_about("event:" + id).back();
    CHECK(row.action == "event.reopened");
    CHECK(row.detail.find("report of " + format_date(e.event.date) + " (ref: № 3) withdrawn") != std::string::npos);
    CHECK(row.detail.find("reason: қате белгіленген") != std::string::npos);

    // held → planned: its day has passed, so it is not confirmed held again, with the notices a
    // never-held event has (superseded keys pending again).
    REQUIRE(w.lifecycle.reopen(kAdmin, id, why).ok());
    stored = *w.store->event(id);
    CHECK(stored.state == EventState::planned);
    CHECK_FALSE(stored.held_date);
    CHECK_FALSE(stored.participants);
    CHECK_FALSE(outcome_of(w, id).pending.empty());
    CHECK(outcome_of(w, id).pending == outcome_of(never_held, id).pending);
    CHECK(w.lifecycle.reopen(kAdmin, id, why).status == LifecycleResult::Status::refused);
}

TEST_CASE("a reopened cancelled event is planned again, and those told of its cancellation are told") {
    CommandWorld w, fresh;
    const auto e = w.future_event();
    const std::string id = e.event.id;
    const Instant now = w.clock.now();

    // Two people had been reminded; one of them was also told of the cancellation.
    NoticeFilter reminders;
    reminders.event_id = id;
    reminders.kind = NoticeKind::reminder;
    std::vector<std::string> reminded;
    for (const auto& row : w.store->notices(reminders)) {
        if (std::find(reminded.begin(), reminded.end(), row.notice.recipient) != reminded.end()) continue;
        w.store->mark_sent(row.notice.key, now, "s", "b", false);
        reminded.push_back(row.notice.recipient);
        if (reminded.size() == 2) break;
    }
    REQUIRE(reminded.size() == 2);
    REQUIRE(w.lifecycle.cancel(kAdmin, id, "карантин").ok());
    NoticeFilter changes;
    changes.event_id = id;
    changes.kind = NoticeKind::change;
    auto cancellations = w.store->notices(changes);
    REQUIRE_FALSE(cancellations.empty());
    std::string told;
    for (const auto& row : cancellations)
        if (row.notice.recipient == reminded[0]) {
            w.store->mark_sent(row.notice.key, now, "s", "b", false);
            told = row.notice.recipient;
        }
    REQUIRE(told == reminded[0]);

    w.clock.advance(std::chrono::minutes(5));
    auto r = w.lifecycle.reopen(kAdmin, id, {"карантин аяқталды", std::nullopt});
    REQUIRE(r.status == LifecycleResult::Status::changed);
    CHECK(r.text.find("1 people told of its cancellation") != std::string::npos);
    auto stored = *w.store->event(id);
    CHECK(stored.state == EventState::planned);
    CHECK(stored.event.date == e.event.date);
    CHECK(stored.event.pinned);
    CHECK(stored.cancel_reason.empty());
    CHECK(stored.sequence == e.sequence + 2);  // cancelled, then restored: two revisions

    // The one told of the cancellation gets "restored"; the other's cancellation never went out.
    changes.state = NoticeState::pending;
    auto restored = w.store->notices(changes);
    REQUIRE_FALSE(restored.empty());
    for (const auto& row : restored) {
        CHECK(row.notice.recipient == told);
        CHECK(row.notice.facts.restored);
        CHECK(row.notice.facts.new_date == e.event.date);
        CHECK(describe(row.notice.kind, row.notice.facts) == "restored " + format_date(e.event.date));
    }
    changes.state = NoticeState::superseded;
    bool other_superseded = false;
    for (const auto& row : w.store->notices(changes)) other_superseded |= row.notice.recipient == reminded[1];
    CHECK(other_superseded);

    // Its reminders are pending again, as on a fresh start (but for those already sent).
    std::vector<std::string> expected;
    for (const auto& key : outcome_of(fresh, id).pending) {
        auto row = w.store->notice(key);
        if (row && row->state == NoticeState::sent) continue;
        expected.push_back(key);
    }
    std::vector<std::string> pending_not_change;
    for (const auto& key : outcome_of(w, id).pending)
        if (!key.starts_with("change:")) pending_not_change.push_back(key);
    CHECK(pending_not_change == expected);

    // The notice says it takes place after all, in the recipient's language.
    auto prepared = w.lifecycle.notices().prepare(restored.front(), w.clock.now());
    REQUIRE(std::holds_alternative<OutgoingNotice>(prepared));
    const auto& message = std::get<OutgoingNotice>(prepared);
    const std::string subject = message.locale == "ru" ? "Мероприятие состоится"
                                : message.locale == "en" ? "Event reinstated"
                                                         : "Іс-шара өткізіледі";
    CHECK(message.subject.rfind(subject, 0) == 0);
    const std::string iso = format_date(e.event.date);  // DD.MM.YYYY for kk and ru, ISO for en
    const std::string shown =
        message.locale == "en" ? iso : iso.substr(8, 2) + "." + iso.substr(5, 2) + "." + iso.substr(0, 4);
    CHECK(message.body.find(shown) != std::string::npos);
}

TEST_CASE("a cancelled event whose day has passed is restored only with --to, on a working day ahead") {
    CommandWorld w;
    const auto e = january_event(w);
    const std::string id = e.event.id;
    REQUIRE(w.lifecycle.cancel(kAdmin, id, "карантин").ok());
    const auto before = outcome_of(w, id);
    auto passed = w.lifecycle.reopen(kAdmin, id, {"қайта", std::nullopt});
    CHECK(passed.status == LifecycleResult::Status::refused);
    CHECK(passed.text.find("which has passed; say --to DATE") != std::string::npos);
    auto day_off = w.lifecycle.reopen(kAdmin, id, {"қайта", parse_date("2027-03-22")});  // Nauryz
    CHECK(day_off.status == LifecycleResult::Status::refused);
    CHECK(day_off.text.find("is a day off") != std::string::npos);
    auto outside = w.lifecycle.reopen(kAdmin, id, {"қайта", parse_date("2027-06-15")});
    CHECK(outside.text.find("outside the plan's period") != std::string::npos);
    CHECK(outcome_of(w, id) == before);

    const Date to = *parse_date("2027-03-30");
    REQUIRE(w.lifecycle.reopen(kAdmin, id, {"қайта", to}).status == LifecycleResult::Status::changed);
    auto stored = *w.store->event(id);
    CHECK(stored.state == EventState::planned);
    CHECK(stored.event.date == to);
    CHECK(stored.postponed_from == e.event.date);
    CHECK(stored.event.pinned);
    CHECK_FALSE(outcome_of(w, id).pending.empty());
    CHECK(w.store->history_about("event:" + id).back().detail.find("→ planned for 2027-03-30") != std::string::npos);
}

namespace {

// Sends the event's first reminder, so that its recipient hears of changes: the filter of their
// pending change notices.
NoticeFilter pending_changes_to_the_told(CommandWorld& w, const std::string& id) {
    NoticeFilter reminders;
    reminders.event_id = id;
    reminders.kind = NoticeKind::reminder;
    const auto reminder = w.store->notices(reminders).front();
    w.store->mark_sent(reminder.notice.key, w.clock.now(), "s", "b", false);
    NoticeFilter changes;
    changes.event_id = id;
    changes.kind = NoticeKind::change;
    changes.recipient = reminder.notice.recipient;
    changes.state = NoticeState::pending;
    return changes;
}

}  // namespace

// A change notice's key holds its moment to the second: a cancellation and its reopening in the
// same second must still be two notices, or the second one is taken for the first, already sent.
TEST_CASE("change notices in the same second are notices of their own") {
    CommandWorld w;
    const std::string id = w.future_event().event.id;
    NoticeFilter changes = pending_changes_to_the_told(w, id);
    auto send_pending_changes = [&] {
        auto pending = w.store->notices(changes);
        REQUIRE_FALSE(pending.empty());
        for (const auto& row : pending) w.store->mark_sent(row.notice.key, w.clock.now(), "s", "b", false);
    };

    REQUIRE(w.lifecycle.cancel(kAdmin, id, "карантин").ok());
    send_pending_changes();
    REQUIRE(w.lifecycle.reopen(kAdmin, id, {"қайта", std::nullopt}).ok());  // the same second
    auto restored = w.store->notices(changes);
    REQUIRE_FALSE(restored.empty());
    CHECK(restored.front().notice.facts.restored);
    send_pending_changes();
    REQUIRE(w.lifecycle.postpone(kAdmin, id, {*parse_date("2027-03-30"), std::nullopt, "зал"}).ok());
    auto postponed = w.store->notices(changes);
    REQUIRE_FALSE(postponed.empty());
    CHECK(postponed.front().notice.facts.new_date == parse_date("2027-03-30"));
}

// A change notice waits for working hours; a re-derivation of the event meanwhile (the horizon
// moving on at midnight, a reload) derives no change, yet the notice still goes out.
TEST_CASE("a change notice not yet sent outlives a re-derivation of its event") {
    CommandWorld w;
    const std::string id = w.future_event().event.id;
    const NoticeFilter changes = pending_changes_to_the_told(w, id);
    REQUIRE(w.lifecycle.postpone(kAdmin, id, {*parse_date("2027-03-30"), std::nullopt, "зал"}).ok());
    const auto pending = w.store->notices(changes);
    REQUIRE_FALSE(pending.empty());

    w.lifecycle.notices().sync_all(w.clock.now());
    const auto after = w.store->notices(changes);
    REQUIRE(after.size() == pending.size());
    CHECK(after.front().notice.key == pending.front().notice.key);
}

// Into a store without events, the plan is placed and stored one event at a time: the same events,
// notices and diff as the plan compared whole (a dry run takes that way); without a diff asked for
// (the daemon at start), none is made.
TEST_CASE("a first plan stored as it is placed is the plan compared whole") {
    using tarat::testing::TempDir;
    const Instant now = *parse_instant("2026-11-20T09:00:00+05:00");
    ManualClock clock(now);
    struct World {
        TempDir dir;
        std::unique_ptr<Store> store = Store::open(dir.path() / "tarat.db");
    };
    World dry, streamed, quiet;
    auto lifecycle_of = [&](World& w) { return EventLifecycle(*w.store, clock, tarat::testing::shipped_setup(w.dir.path())); };
    EventLifecycle dry_l = lifecycle_of(dry), streamed_l = lifecycle_of(streamed), quiet_l = lifecycle_of(quiet);
    PlanOptions dry_run;
    dry_run.dry_run = true;
    PlanOptions no_diff;
    no_diff.diff = false;
    const Actor actor = Actor::system("taratd:start");

    const PlanApplied compared = dry_l.apply_plan(dry_l.setup_ptr(), actor, dry_run);
    CHECK(dry.store->events({}).empty());
    const PlanApplied stored = streamed_l.apply_plan(streamed_l.setup_ptr(), actor);
    const PlanApplied without = quiet_l.apply_plan(quiet_l.setup_ptr(), actor, no_diff);

    std::vector<std::string> ids;
    for (const auto& e : streamed.store->events({})) ids.push_back(e.event.id);
    std::vector<std::string> added;
    for (const auto& d : compared.diff) added.push_back(d.id);
    CHECK(added == ids);
    REQUIRE(ids.size() > 30);
    auto lines = [](const PlanApplied& a) {
        std::vector<std::string> out;
        for (const auto& d : a.diff) out.push_back(diff_line(d) + " " + d.why + " " + d.detail + " " + d.how);
        return out;
    };
    CHECK(lines(stored) == lines(compared));
    CHECK(stored.changes == compared.changes);
    CHECK(stored.change_count == compared.change_count);
    CHECK(without.diff.empty());
    CHECK(without.change_count == compared.change_count);

    auto events = [](const Store& store) {
        std::vector<ScheduledEvent> out;
        for (const auto& e : store.events({})) out.push_back(e.event);
        return out;
    };
    CHECK(events(*quiet.store) == events(*streamed.store));
    auto notice_keys = [](const Store& store) {
        std::vector<std::string> keys;
        for (const auto& n : store.notices({})) keys.push_back(n.notice.key);
        return keys;
    };
    CHECK_FALSE(notice_keys(*streamed.store).empty());
    CHECK(notice_keys(*quiet.store) == notice_keys(*streamed.store));
}
