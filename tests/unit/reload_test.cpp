// F10 item 4, "reload surprises": what a plan reload may and may not do to stored events, through
// the lifecycle and the `reload` command over a real store (CommandWorld at 2027-03-01 09:00).
#include "config/plan_loader.hpp"
#include "ctl/render.hpp"
#include "schedule/placement.hpp"
#include "support/command_world.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <set>
#include <sstream>

using namespace tarat;
using tarat::testing::CommandWorld;
using nlohmann::json;

namespace {

Date day(const char* iso) { return *parse_date(iso); }

const Actor kAdmin = Actor::local("root", 0, 4242);

// The setup in force with its plan edited: what a reload of an edited plan.toml loads.
std::shared_ptr<const Setup> edited(const CommandWorld& w, const std::function<void(Plan&)>& edit) {
    Setup setup = w.lifecycle.setup();
    edit(setup.plan);
    return std::make_shared<const Setup>(std::move(setup));
}

FixedEvent& fixed(Plan& plan, const std::string& id) {
    for (auto& e : plan.events)
        if (e.id == id) return e;
    throw std::runtime_error("no fixed event " + id);
}

void drop_fixed(Plan& plan, const std::string& id) {
    std::erase_if(plan.events, [&](const FixedEvent& e) { return e.id == id; });
}

std::set<std::string> ids_of(const std::vector<StoredEvent>& events) {
    std::set<std::string> ids;
    for (const auto& e : events) ids.insert(e.event.id);
    return ids;
}

std::set<std::string> ids_in(const json& list) {
    std::set<std::string> ids;
    for (const auto& e : list) ids.insert(e["id"].get<std::string>());
    return ids;
}

// Notices that would go out at once: pending and already due.
std::vector<OutboxRow> due_now(const CommandWorld& w) { return w.store->due_notices(w.clock.now(), 0); }

void held_and_reported(CommandWorld& w, const std::string& id) {
    REQUIRE(w.lifecycle.held(kAdmin, id, {}).ok());
    REQUIRE(w.lifecycle.reported(kAdmin, id, {}).ok());
}

}  // namespace

// ── 1. A rule never places a new event in the past, nor inside its first reminder's lead ─────────

TEST_CASE("a removed reported event makes no rule place one in the past, and nothing goes out at once") {
    CommandWorld w;  // 2027-03-01 09:00
    const Date today = w.lifecycle.today();
    held_and_reported(w, "erkemai-seminar-1");  // 2026-12-09, the quarter's seminar at erkemai
    const auto before = ids_of(w.store->events({}));
    const size_t due_before = due_now(w).size();

    w.next_setup = edited(w, [](Plan& p) { drop_fixed(p, "erkemai-seminar-1"); });
    auto r = w.call("reload", {{"wait", true}});
    REQUIRE(r.result == control::ok);

    // The quarter is gone by: its seminar is not placed there now (it used to be, in December).
    CHECK_FALSE(w.store->event("seminar-quarterly.erkemai.2026-Q4"));
    for (const auto& e : w.store->events({}))
        if (!before.contains(e.event.id)) CHECK(e.event.date >= today);
    CHECK(due_now(w).size() == due_before);  // no held check, overdue or escalation burst

    // The reported event keeps its row, date and history, out of the plan.
    auto kept = w.store->event("erkemai-seminar-1");
    REQUIRE(kept);
    CHECK(kept->state == EventState::reported);
    CHECK(kept->event.date == day("2026-12-09"));
    CHECK_FALSE(kept->in_plan);
    CHECK(ids_in(r.arguments["kept"]) == std::set<std::string>{"erkemai-seminar-1"});
    CHECK(r.arguments["kept"][0]["state"] == "reported");
    CHECK(r.arguments["removed"].empty());
}

TEST_CASE("a new rule event leaves room for its first reminder") {
    CommandWorld w;  // 2027-03-01 09:00
    const auto setup = w.lifecycle.setup_ptr();  // kept alive: the reload replaces the lifecycle's
    const Date today = w.lifecycle.today();
    w.next_setup = edited(w, [](Plan& p) {
        Rule weekly = p.rules[0];  // open-class-monthly: reminders 5 and 1 working days ahead
        weekly.id = "open-class-twice";
        weekly.count = 2;
        p.rules.push_back(weekly);
    });
    REQUIRE(w.call("reload", {{"wait", true}}).result == control::ok);
    size_t placed = 0;
    for (const auto& e : w.store->events({})) {
        if (e.event.source != "open-class-twice") continue;
        ++placed;
        CHECK(setup->calendar->add_working_days(e.event.date, -5) >= today);
    }
    CHECK(placed > 0);
    // Nothing new in a month gone by.
    CHECK_FALSE(w.store->event("open-class-twice.erkemai.2026-12.1"));
}

TEST_CASE("placeable: past days, today after the start, and the first reminder's lead") {
    CommandWorld w;
    const auto& setup = w.lifecycle.setup();
    const Plan& plan = setup.plan;
    PlacementNow now{day("2027-03-02"), 9 * 60, {}};  // the start of working hours
    // The seminar's first reminder is 10 working days ahead, due at the start of that day.
    CHECK_FALSE(placeable(plan, *setup.calendar, now, "seminar", day("2027-03-10"), 11 * 60));
    const Date first = setup.calendar->add_working_days(day("2027-03-02"), 10);
    CHECK(placeable(plan, *setup.calendar, now, "seminar", first, 11 * 60));
    CHECK_FALSE(placeable(plan, *setup.calendar, now, "seminar", setup.calendar->add_working_days(first, -1), 11 * 60));
    now.minutes = 9 * 60 + 1;  // that reminder's moment has passed
    CHECK_FALSE(placeable(plan, *setup.calendar, now, "seminar", first, 11 * 60));
    now.minutes = 10 * 60;

    // A form without reminders (and no default ones): only what has gone by is refused.
    Plan bare = plan;
    for (auto& f : bare.forms) f.reminders.clear();
    CHECK(placeable(bare, *setup.calendar, now, "seminar", day("2027-03-03"), 11 * 60));
    CHECK(placeable(bare, *setup.calendar, now, "seminar", day("2027-03-02"), 11 * 60));      // later today
    CHECK_FALSE(placeable(bare, *setup.calendar, now, "seminar", day("2027-03-02"), 10 * 60));  // starting now
    CHECK_FALSE(placeable(bare, *setup.calendar, now, "seminar", day("2027-03-01"), 11 * 60));
    // … but the config's reminders stand in for a form's missing ones.
    now.default_reminders = {Span{Span::Unit::working_days, 3}};
    CHECK_FALSE(placeable(bare, *setup.calendar, now, "seminar", day("2027-03-03"), 11 * 60));
}

TEST_CASE("without a clock (schedule, preview) the whole plan is placed, with one the same days ahead") {
    CommandWorld w;
    const auto& setup = w.lifecycle.setup();
    auto whole = place(setup.plan, *setup.calendar);
    const auto* december = [&]() -> const ScheduledEvent* {
        for (const auto& e : whole.events)
            if (e.id == "open-class-monthly.erkemai.2026-12") return &e;
        return nullptr;
    }();
    REQUIRE(december);
    CHECK(whole.unplaced.empty());

    // Placing "now" passes over what is gone, and puts later events where the whole plan has them.
    PlacementInput input;
    input.now = PlacementNow{day("2027-03-01"), 9 * 60, setup.config.notify.reminders};
    auto later = place(setup.plan, *setup.calendar, input);
    std::map<std::string, Date> whole_dates;
    for (const auto& e : whole.events) whole_dates.emplace(e.id, e.date);
    for (const auto& e : later.events) {
        CHECK(e.id != december->id);
        if (e.source != "fixed" && e.date >= day("2027-04-01")) CHECK(whole_dates.at(e.id) == e.date);
    }
}

TEST_CASE("a planned event already inside its lead stays where it is when the rule changes") {
    CommandWorld w;
    const auto future = w.store->events({});
    auto in_march = std::find_if(future.begin(), future.end(), [](const StoredEvent& e) {
        return e.event.source == "open-class-monthly" && e.event.date >= day("2027-03-01") &&
               e.event.date < day("2027-04-01");
    });
    REQUIRE(in_march != future.end());
    REQUIRE_FALSE(in_march->event.pinned);
    // Two days before it: inside its 5-working-day lead.
    w.clock.set(w.lifecycle.setup().calendar->local_to_instant(in_march->event.date - date::days{2}, 9 * 60));
    w.next_setup = edited(w, [](Plan& p) {
        for (auto& r : p.rules)
            if (r.id == "open-class-monthly") r.weekdays = WeekdaySet(1u << 1);  // Mondays only
    });
    REQUIRE(w.call("reload", {{"wait", true}}).result == control::ok);
    auto after = w.store->event(in_march->event.id);
    REQUIRE(after);
    CHECK(after->event.date == in_march->event.date);
}

// ── 2. Events with an outcome, pinned and cancelled events are never removed or moved ────────────

TEST_CASE("held, reported, cancelled and pinned events keep their rows and dates when the plan drops or moves them") {
    CommandWorld w;  // 2027-03-01
    held_and_reported(w, "bolashak-seminar-1");                             // 2027-02-10
    REQUIRE(w.lifecycle.held(kAdmin, "erkemai-open-class-1", {}).ok());     // 2027-02-18
    REQUIRE(w.lifecycle.cancel(kAdmin, "balausa-open-class-1", "карантин").ok());  // 2027-03-11
    REQUIRE(w.lifecycle.confirm(kAdmin, "karlygash-seminar-1").ok());       // 2027-04-07
    const std::vector<std::string> ids{"bolashak-seminar-1", "erkemai-open-class-1", "balausa-open-class-1",
                                       "karlygash-seminar-1"};
    std::map<std::string, StoredEvent> before;
    std::map<std::string, size_t> history;
    for (const auto& id : ids) {
        before.emplace(id, *w.store->event(id));
        history[id] = w.store->history_about("event:" + id).size();
    }

    SECTION("moved by the plan") {
        w.next_setup = edited(w, [](Plan& p) {
            fixed(p, "bolashak-seminar-1").date = day("2027-02-11");
            fixed(p, "erkemai-open-class-1").date = day("2027-02-17");
            fixed(p, "balausa-open-class-1").date = day("2027-03-10");
            fixed(p, "karlygash-seminar-1").date = day("2027-04-08");
        });
        REQUIRE(w.call("reload", {{"wait", true}}).result == control::ok);
        for (const auto& id : ids) {
            auto now = w.store->event(id);
            REQUIRE(now);
            CHECK(now->event.date == before.at(id).event.date);
            CHECK(now->state == before.at(id).state);
            CHECK(now->in_plan);
        }
    }
    SECTION("dropped by the plan") {
        w.next_setup = edited(w, [&](Plan& p) {
            for (const auto& id : ids) drop_fixed(p, id);
        });
        auto r = w.call("reload", {{"wait", true}});
        REQUIRE(r.result == control::ok);
        for (const auto& id : ids) {
            auto now = w.store->event(id);
            REQUIRE(now);
            CHECK(now->event.date == before.at(id).event.date);
            CHECK(now->state == before.at(id).state);
            CHECK_FALSE(now->in_plan);
            CHECK(w.store->history_about("event:" + id).size() > history.at(id));  // the history grows, never shrinks
        }
        CHECK(ids_in(r.arguments["kept"]) == std::set<std::string>(ids.begin(), ids.end()));
        CHECK(r.arguments["removed"].empty());

        // Listed once: a second reload of the same plan keeps them without a word.
        auto again = w.call("reload", {{"wait", true}});
        CHECK(again.arguments["kept"].empty());
    }
}

// ── 3. A plan edit against a postponement: the postponed date stays, and it is said ─────────────

TEST_CASE("a plan date that conflicts with a postponement is kept and listed with who postponed it") {
    CommandWorld w;  // 2027-03-01
    auto postponed = w.call("postpone", {{"id", "karlygash-seminar-1"}, {"to", "2027-04-14"}, {"reason", "зал бос емес"}});
    REQUIRE(postponed.result == control::ok);

    // The plan as it was: the date the event left is no conflict.
    auto same = w.call("reload", {{"wait", true}});
    REQUIRE(same.result == control::ok);
    CHECK(same.arguments["conflicts"].empty());

    w.next_setup = edited(w, [](Plan& p) { fixed(p, "karlygash-seminar-1").date = day("2027-04-21"); });
    auto r = w.call("reload", {{"wait", true}});
    REQUIRE(r.result == control::ok);
    CHECK(w.store->event("karlygash-seminar-1")->event.date == day("2027-04-14"));
    REQUIRE(r.arguments["conflicts"].size() == 1);
    const auto& c = r.arguments["conflicts"][0];
    CHECK(c["id"] == "karlygash-seminar-1");
    CHECK(c["plan_date"] == "2027-04-21");
    CHECK(c["plan_start"] == "10:30");
    CHECK(c["stored_date"] == "2027-04-14");
    CHECK(c["postponed_by"] == "root (uid 0, pid 4242)");
    CHECK(c["postponed_at"] == "2027-03-01T04:00:00Z");
    CHECK(c["apply"] == "taratctl postpone karlygash-seminar-1 --to 2027-04-21 --reason \"…\"");
    CHECK_THAT(r.text, Catch::Contains("1 postponed events kept against the plan"));

    // Taking the plan's date by the command given ends the conflict.
    REQUIRE(w.call("postpone", {{"id", "karlygash-seminar-1"}, {"to", "2027-04-21"}, {"reason", "жоспар бойынша"}})
                .result == control::ok);
    CHECK(w.call("reload", {{"wait", true}}).arguments["conflicts"].empty());
}

TEST_CASE("postponed twice, the plan's original date is still no conflict") {
    CommandWorld w;
    REQUIRE(w.call("postpone", {{"id", "karlygash-seminar-1"}, {"to", "2027-04-14"}, {"reason", "a"}}).result == control::ok);
    REQUIRE(w.call("postpone", {{"id", "karlygash-seminar-1"}, {"to", "2027-04-21"}, {"reason", "b"}}).result == control::ok);
    CHECK(w.call("reload", {{"wait", true}}).arguments["conflicts"].empty());
    w.next_setup = edited(w, [](Plan& p) { fixed(p, "karlygash-seminar-1").date = day("2027-04-14"); });
    CHECK(w.call("reload", {{"wait", true}}).arguments["conflicts"].empty());  // a date it had
}

// ── 4. A plan cut short: refused unless allowed ──────────────────────────────────────────────────

TEST_CASE("a reload that would remove more than half of the events ahead is refused without allow_shrink") {
    CommandWorld w;
    const auto stored = w.store->events({});
    const size_t history = w.store->history().size();
    auto cut = edited(w, [](Plan& p) {
        p.forms.clear();
        p.events.clear();
        p.rules.clear();
    });
    w.next_setup = cut;
    auto r = w.call("reload", {{"wait", true}});
    CHECK(r.result == control::error);
    CHECK(r.arguments["taken"] == false);
    REQUIRE(r.arguments.contains("shrink"));
    const auto future = r.arguments["shrink"]["future_events"].get<size_t>();
    CHECK(r.arguments["shrink"]["would_remove"].get<size_t>() == future);
    CHECK(future > 0);
    CHECK_THAT(r.text, Catch::Contains("would remove " + std::to_string(future) + " of the " + std::to_string(future)) &&
                           Catch::Contains("still serving plan order-553-2026-27"));
    REQUIRE(r.arguments["errors"].size() == 1);
    CHECK_THAT(r.arguments["errors"][0].get<std::string>(), Catch::Contains("--allow-shrink"));
    // Nothing changed: the old plan stays in force, every event stays.
    CHECK(ids_of(w.store->events({})) == ids_of(stored));
    CHECK(w.store->history().size() == history + 1);  // the refused attempt's audit row only
    CHECK_FALSE(w.lifecycle.setup().plan.events.empty());

    auto allowed = w.call("reload", {{"wait", true}, {"allow_shrink", true}});
    REQUIRE(allowed.result == control::ok);
    CHECK(allowed.arguments["removed"].size() > future);  // past planned events go too
    CHECK(w.lifecycle.setup().plan.events.empty());
}

TEST_CASE("removing a few events is no shrink") {
    CommandWorld w;
    w.next_setup = edited(w, [](Plan& p) { drop_fixed(p, "erkemai-master-class-1"); });
    auto r = w.call("reload", {{"wait", true}});
    REQUIRE(r.result == control::ok);
    CHECK(ids_in(r.arguments["removed"]) == std::set<std::string>{"erkemai-master-class-1"});
    CHECK(r.arguments["removed"][0]["date"] == "2027-04-15");
    CHECK_FALSE(w.store->event("erkemai-master-class-1"));
}

TEST_CASE("a plan with no forms, events or rules is valid but warned about") {
    Diagnostics d;
    auto plan = load_plan_text(R"([plan]
id = "p"
title = "t"
from = 2026-12-01
to = 2027-05-31
calendar = "days-off-kz.toml"
overseer = "a"
coordinator = "a"
[person.a]
name = "A"
)", "cut.toml", d);
    INFO(d.format());
    REQUIRE(plan);
    CHECK_FALSE(d.has_errors());
    CHECK_THAT(d.format(), Catch::Contains("no [[event]] and no [[rule]]") && Catch::Contains("no [form.*]"));
}

// ── taratctl's words for it ──────────────────────────────────────────────────────────────────────

TEST_CASE("reload --wait names conflicts, removed and kept events, dates as the language writes them") {
    json reply = {{"waited", true},
                  {"changes", json::array()},
                  {"conflicts",
                   {{{"id", "karlygash-seminar-1"},
                     {"plan_date", "2027-04-21"},
                     {"plan_start", "10:30"},
                     {"stored_date", "2027-04-14"},
                     {"stored_start", "10:30"},
                     {"postponed_by", "root (uid 0, pid 4242)"},
                     {"apply", "taratctl postpone karlygash-seminar-1 --to 2027-04-21 --reason \"…\""}}}},
                  {"removed", {{{"id", "erkemai-master-class-1"}, {"date", "2027-04-15"}, {"start", "11:00"}}}},
                  {"kept", {{{"id", "erkemai-seminar-1"}, {"date", "2026-12-09"}, {"start", "11:00"}, {"state", "reported"}}}}};
    std::ostringstream ru;
    render_reply("reload", reply, "plan taken", Lang::ru, ru);
    CHECK_THAT(ru.str(), Catch::Contains("karlygash-seminar-1: по плану: 21.04.2027 10:30; остаётся: 14.04.2027 10:30; "
                                         "перенёс: root (uid 0, pid 4242)") &&
                             Catch::Contains("чтобы принять дату плана: taratctl postpone karlygash-seminar-1 --to 2027-04-21") &&
                             Catch::Contains("Удалены, в плане их больше нет:\n  15.04.2027 11:00  erkemai-master-class-1") &&
                             Catch::Contains("Сохранены, в плане их больше нет:\n  09.12.2026 11:00  erkemai-seminar-1 ("));
    std::ostringstream en;
    render_reply("reload", reply, "plan taken", Lang::en, en);
    CHECK_THAT(en.str(), Catch::Contains("the plan says 2027-04-21 10:30; stays on 2027-04-14 10:30") &&
                             Catch::Contains("2026-12-09 11:00  erkemai-seminar-1 (reported)"));
}
