#include "schedule/placement.hpp"

#include "config/setup.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

using namespace tarat;

namespace Catch {
template <>
struct StringMaker<tarat::Date> {
    static std::string convert(tarat::Date d) { return tarat::format_date(d); }
};
}  // namespace Catch

namespace {

constexpr WeekdaySet kMon = 1u << 1, kTue = 1u << 2, kWed = 1u << 3, kThu = 1u << 4;
constexpr WeekdaySet kTueThu = kTue | kWed | kThu;

Date day(std::string_view iso) {
    auto d = parse_date(iso);
    REQUIRE(d.has_value());
    return *d;
}

DayEntry day_off(std::string_view iso, std::string en, DayKind kind = DayKind::holiday,
                 DayStatus status = DayStatus::verified) {
    DayEntry e;
    e.date = day(iso);
    e.kind = kind;
    e.name.en = std::move(en);
    e.status = status;
    return e;
}

// 2026 and 2027 are covered by the table; only the days listed here are days off besides weekends.
WorkingCalendar test_calendar(std::vector<DayEntry> extra = {}) {
    DaysOffTable table;
    table.years = {2026, 2027};
    table.days = {
        day_off("2027-01-01", "New Year"),
        day_off("2027-01-07", "Orthodox Christmas", DayKind::religious_day_off),
        day_off("2027-03-23", "Nauryz"),
        day_off("2027-03-24", "Observed Nauryz", DayKind::observed_day_off),
        day_off("2027-05-18", "Kurban Ait", DayKind::religious_day_off, DayStatus::estimated),
    };
    for (auto& e : extra) table.days.push_back(std::move(e));
    return WorkingCalendar(std::move(table), date::locate_zone("Asia/Aqtobe"));
}

// Centres a and b share district d1; c is alone in d2, d alone in d3.
Plan test_plan(std::string_view from, std::string_view to) {
    Plan p;
    p.id = "test";
    p.title = "test plan";
    p.from = day(from);
    p.to = day(to);
    for (std::string id : {"dir-a", "dir-b", "dir-c", "dir-d", "methodologist"}) {
        Person person;
        person.id = id;
        p.people.push_back(person);
    }
    for (std::string id : {"d1", "d2", "d3"}) p.districts.push_back(District{id, id, "", {}});
    p.centres.push_back(Centre{"a", "A", "d1", "", "dir-a", {}});
    p.centres.push_back(Centre{"b", "B", "d1", "", "dir-b", {}});
    p.centres.push_back(Centre{"c", "C", "d2", "", "dir-c", {}});
    p.centres.push_back(Centre{"d", "D", "d3", "", "dir-d", {}});
    Form seminar;
    seminar.id = "seminar";
    seminar.duration_minutes = 180;
    Form open_class;
    open_class.id = "open-class";
    open_class.duration_minutes = 60;
    p.forms = {seminar, open_class};
    return p;
}

Rule make_rule(std::string id, Period every, WeekdaySet weekdays, std::vector<std::string> centres = {},
               int count = 1, int min_gap_days = 7) {
    Rule r;
    r.id = std::move(id);
    r.form = "open-class";
    r.all_centres = centres.empty();
    r.centres = std::move(centres);
    r.every = every;
    r.count = count;
    r.weekdays = weekdays;
    r.start_minutes = 10 * 60;
    r.title = "rule " + r.id;
    r.min_gap_days = min_gap_days;
    return r;
}

FixedEvent make_fixed(std::string id, std::string centre, std::string_view date, int start = 11 * 60) {
    FixedEvent e;
    e.id = std::move(id);
    e.form = "seminar";
    e.centre = std::move(centre);
    e.date = day(date);
    e.start_minutes = start;
    e.title = "fixed " + e.id;
    return e;
}

const ScheduledEvent* find(const Schedule& s, std::string_view id) {
    for (const auto& e : s.events)
        if (e.id == id) return &e;
    return nullptr;
}

Date date_of(const Schedule& s, std::string_view id) {
    const auto* e = find(s, id);
    INFO("event " << id);
    REQUIRE(e != nullptr);
    return e->date;
}

std::vector<ScheduledEvent> at_centres(const Schedule& s, std::set<std::string> centres) {
    std::vector<ScheduledEvent> out;
    for (const auto& e : s.events)
        if (centres.count(e.centre)) out.push_back(e);
    return out;
}

}  // namespace

// A fixed event is copied with its centre's district, end = start + form duration and the director as default.
TEST_CASE("fixed events are copied as scheduled events") {
    auto plan = test_plan("2027-02-01", "2027-02-28");
    plan.events.push_back(make_fixed("f1", "c", "2027-02-10"));
    plan.events.push_back(make_fixed("f2", "a", "2027-02-11", 14 * 60));
    plan.events.back().responsible = "methodologist";
    auto s = place(plan, test_calendar());
    REQUIRE(s.events.size() == 2);
    const auto& f1 = s.events[0];
    CHECK(f1.id == "f1");
    CHECK(f1.source == "fixed");
    CHECK(f1.district == "d2");
    CHECK(f1.form == "seminar");
    CHECK(f1.start_minutes == 11 * 60);
    CHECK(f1.end_minutes == 14 * 60);
    CHECK(f1.responsible == "dir-c");
    CHECK_FALSE(f1.pinned);
    CHECK(s.events[1].responsible == "methodologist");
    CHECK(s.unplaced.empty());
    CHECK(s.drift.empty());
}

// Ids are <rule>.<centre>.<period>[.<n>], periods are months, quarters or the whole plan clipped to it.
TEST_CASE("rule events get ids and period labels") {
    auto plan = test_plan("2027-02-15", "2027-04-30");
    plan.rules.push_back(make_rule("m", Period::month, kTueThu, {"c"}, 1, 1));
    plan.rules.push_back(make_rule("q", Period::quarter, kTueThu, {"c"}, 2, 1));
    plan.rules.push_back(make_rule("p", Period::plan, kTueThu, {"c"}, 1, 1));
    auto s = place(plan, test_calendar());
    std::set<std::string> ids;
    for (const auto& e : s.events) ids.insert(e.id);
    CHECK(ids == std::set<std::string>{"m.c.2027-02", "m.c.2027-03", "m.c.2027-04", "q.c.2027-Q1.1", "q.c.2027-Q1.2",
                                       "q.c.2027-Q2.1", "q.c.2027-Q2.2", "p.c.plan"});
    // Clipped: February's event lies in the plan, not before 15 Feb.
    CHECK(date_of(s, "m.c.2027-02") >= day("2027-02-15"));
    const auto* e = find(s, "p.c.plan");
    REQUIRE(e);
    CHECK(e->source == "p");
    CHECK(e->district == "d2");
    CHECK(e->responsible == "dir-c");
    CHECK(e->end_minutes == e->start_minutes + 60);
    CHECK(s.unplaced.empty());
}

// Days off are skipped: with the middle Thursdays of January off, the rule takes the last one.
TEST_CASE("a rule event never lands on a day off") {
    auto plan = test_plan("2027-01-01", "2027-01-31");
    plan.rules.push_back(make_rule("r", Period::month, kThu, {"a"}));
    // Control: without the extra days off the middle Thursday (target) is taken.
    auto control = place(plan, test_calendar());
    CHECK(date_of(control, "r.a.2027-01") == day("2027-01-21"));
    auto calendar = test_calendar({day_off("2027-01-14", "Moved day off", DayKind::transferred_day_off),
                                   day_off("2027-01-21", "Another day off")});
    auto s = place(plan, calendar);
    CHECK(date_of(s, "r.a.2027-01") == day("2027-01-28"));
    for (const auto& e : s.events) CHECK(calendar.is_working_day(e.date));
}

// Only the rule's weekdays are used, for every centre and every month.
TEST_CASE("a rule event lands only on an allowed weekday") {
    auto plan = test_plan("2027-01-01", "2027-05-31");
    plan.rules.push_back(make_rule("wed", Period::month, kWed));
    plan.rules.push_back(make_rule("mon-thu", Period::month, kMon | kThu, {"c", "d"}));
    auto s = place(plan, test_calendar());
    REQUIRE(s.unplaced.empty());
    REQUIRE(s.events.size() == 4 * 5 + 2 * 5);
    for (const auto& e : s.events) {
        auto wd = date::weekday{e.date};
        if (e.source == "wed") CHECK(wd == date::Wednesday);
        else CHECK((wd == date::Monday || wd == date::Thursday));
    }
}

// June–August: monthly summer periods are not generated at all; a quarter keeps only its non-summer days.
TEST_CASE("summer is skipped unless the rule allows it") {
    auto plan = test_plan("2027-05-01", "2027-09-30");
    plan.rules.push_back(make_rule("m", Period::month, kTueThu, {"c"}));
    plan.rules.push_back(make_rule("q", Period::quarter, kTueThu, {"d"}));
    auto s = place(plan, test_calendar());
    std::set<std::string> ids;
    for (const auto& e : s.events) ids.insert(e.id);
    CHECK(ids == std::set<std::string>{"m.c.2027-05", "m.c.2027-09", "q.d.2027-Q2", "q.d.2027-Q3"});
    CHECK(s.unplaced.empty());
    for (const auto& e : s.events) {
        unsigned month = unsigned(date::year_month_day{e.date}.month());
        CHECK((month < 6 || month > 8));
    }
    CHECK(date::year_month_day{date_of(s, "q.d.2027-Q3")}.month() == date::September);

    plan.rules[0].allow_summer = true;
    auto summer = place(plan, test_calendar());
    CHECK(find(summer, "m.c.2027-06"));
    CHECK(find(summer, "m.c.2027-07"));
    CHECK(date::year_month_day{date_of(summer, "m.c.2027-08")}.month() == date::August);
}

// Two events at one centre never share a day, even with min_gap 0.
TEST_CASE("at most one event per centre per day") {
    auto plan = test_plan("2027-02-01", "2027-02-28");
    plan.rules.push_back(make_rule("r", Period::month, kWed, {"a"}, 1, 0));
    CHECK(date_of(place(plan, test_calendar()), "r.a.2027-02") == day("2027-02-17"));  // the target
    plan.events.push_back(make_fixed("f", "a", "2027-02-17"));
    auto s = place(plan, test_calendar());
    CHECK(date_of(s, "r.a.2027-02") == day("2027-02-10"));  // 10 and 24 are equally near: the earlier
    // A second rule with min_gap 0 still avoids both taken days.
    plan.rules.push_back(make_rule("r2", Period::month, kWed, {"a"}, 1, 0));
    auto s2 = place(plan, test_calendar());
    CHECK(date_of(s2, "r2.a.2027-02") == day("2027-02-24"));
}

// One event per district per day: a neighbour centre in the district blocks the day, one elsewhere does not.
TEST_CASE("at most one event per district per day") {
    auto plan = test_plan("2027-02-01", "2027-02-28");
    plan.rules.push_back(make_rule("r", Period::month, kWed, {"a"}, 1, 0));
    plan.events.push_back(make_fixed("elsewhere", "c", "2027-02-17"));  // district d2
    CHECK(date_of(place(plan, test_calendar()), "r.a.2027-02") == day("2027-02-17"));
    plan.events.push_back(make_fixed("neighbour", "b", "2027-02-17"));  // district d1, like a
    auto s = place(plan, test_calendar());
    CHECK(date_of(s, "r.a.2027-02") == day("2027-02-10"));

    // One rule for both centres of d1: each gets its own day.
    auto both = test_plan("2027-02-01", "2027-02-28");
    both.rules.push_back(make_rule("r", Period::month, kWed, {"a", "b"}, 1, 0));
    auto s2 = place(both, test_calendar());
    CHECK(date_of(s2, "r.a.2027-02") != date_of(s2, "r.b.2027-02"));
}

// min_gap counts calendar days against every event of the centre, fixed ones included.
TEST_CASE("min_gap_days keeps events at one centre apart") {
    auto plan = test_plan("2027-02-01", "2027-02-28");
    plan.events.push_back(make_fixed("f", "a", "2027-02-16"));  // Tuesday
    plan.rules.push_back(make_rule("r", Period::month, kWed, {"a"}, 1, 0));
    CHECK(date_of(place(plan, test_calendar()), "r.a.2027-02") == day("2027-02-17"));
    plan.rules[0].min_gap_days = 7;  // 17 is 1 day after, 10 is 6 days before: only 24 (8 days) is far enough
    auto s = place(plan, test_calendar());
    CHECK(date_of(s, "r.a.2027-02") == day("2027-02-24"));
    // The same rule at another centre is not held back by a's events.
    plan.rules[0].centres = {"a", "c"};
    CHECK(date_of(place(plan, test_calendar()), "r.c.2027-02") == day("2027-02-17"));
}

// The gap is symmetric: a later rule with a small gap still keeps clear of an earlier event's large gap.
TEST_CASE("min_gap_days of an earlier event binds later events too") {
    auto plan = test_plan("2027-02-01", "2027-03-31");
    plan.rules.push_back(make_rule("big", Period::plan, kWed, {"a"}, 1, 20));
    plan.rules.push_back(make_rule("small", Period::month, kWed, {"a"}, 1, 1));
    auto s = place(plan, test_calendar());
    REQUIRE(s.unplaced.empty());
    CHECK(date_of(s, "big.a.plan") == day("2027-03-03"));
    CHECK(date_of(s, "small.a.2027-02") == day("2027-02-10"));  // 17 Feb is only 14 days before 3 Mar
    CHECK(date_of(s, "small.a.2027-03") == day("2027-03-31"));
}

// Re-placing with the previous schedule's events pinned (all or some) reproduces it without drift,
// even with rules of different min_gap (the gap is symmetric).
TEST_CASE("re-placing with pins from the previous run changes nothing") {
    auto plan = test_plan("2026-12-01", "2027-05-31");
    plan.events.push_back(make_fixed("f1", "a", "2027-01-13"));
    plan.rules.push_back(make_rule("conference", Period::plan, kTueThu, {}, 2, 10));
    plan.rules.push_back(make_rule("monthly", Period::month, kTueThu, {}, 1, 7));
    plan.rules.push_back(make_rule("twice", Period::month, kMon | kTue | kWed | kThu, {"a", "b"}, 2, 3));
    auto calendar = test_calendar();
    auto first = place(plan, calendar);
    REQUIRE(first.events.size() >= 30);  // some "twice" events do not fit: they stay unplaced alike
    auto unpin = [](std::vector<ScheduledEvent> events) {
        for (auto& e : events) e.pinned = false;
        return events;
    };
    for (size_t stride : {1, 2, 3, 5}) {
        std::vector<ScheduledEvent> pins;
        for (size_t i = 0; i < first.events.size(); i += stride) pins.push_back(first.events[i]);
        auto again = place(plan, calendar, pins);
        INFO("every " << stride << ". event pinned");
        CHECK(unpin(again.events) == first.events);
        CHECK(again.drift.empty());
        CHECK(again.unplaced == first.unplaced);
    }
}

// count 2 in a quarter: one event in each half of the quarter's working days, not bunched at its start.
TEST_CASE("events spread evenly across the period") {
    auto plan = test_plan("2027-01-01", "2027-03-31");
    plan.rules.push_back(make_rule("q", Period::quarter, kTueThu, {"c"}, 2, 1));
    plan.rules.push_back(make_rule("m", Period::month, kTueThu, {"d"}, 3, 1));
    auto s = place(plan, test_calendar());
    REQUIRE(s.unplaced.empty());
    Date first = date_of(s, "q.c.2027-Q1.1"), second = date_of(s, "q.c.2027-Q1.2");
    // The quarter's Tue–Thu working days split at mid-February.
    CHECK(first >= day("2027-01-15"));
    CHECK(first <= day("2027-02-05"));
    CHECK(second >= day("2027-02-25"));
    CHECK(second <= day("2027-03-19"));
    // Three in February: one in each third.
    CHECK(date_of(s, "m.d.2027-02.1") <= day("2027-02-09"));
    CHECK(date_of(s, "m.d.2027-02.2") >= day("2027-02-10"));
    CHECK(date_of(s, "m.d.2027-02.2") <= day("2027-02-18"));
    CHECK(date_of(s, "m.d.2027-02.3") >= day("2027-02-19"));
}

// Same input, same output: equal vectors and byte-identical text, whatever order the pins come in.
TEST_CASE("placement is deterministic") {
    auto plan = test_plan("2026-12-01", "2027-05-31");
    plan.events.push_back(make_fixed("f1", "a", "2027-01-13"));
    plan.events.push_back(make_fixed("f2", "b", "2027-03-10"));
    plan.rules.push_back(make_rule("monthly", Period::month, kTueThu));
    plan.rules.push_back(make_rule("quarterly", Period::quarter, kTueThu, {}, 2));
    plan.rules.push_back(make_rule("once", Period::plan, kWed, {"d", "a"}));
    auto calendar = test_calendar();
    auto first = place(plan, calendar);
    auto second = place(plan, calendar);
    CHECK(first.events == second.events);
    CHECK(first.unplaced == second.unplaced);
    CHECK(first.warnings == second.warnings);
    CHECK(format_schedule(first) == format_schedule(second));
    CHECK(std::is_sorted(first.events.begin(), first.events.end(), [](const auto& x, const auto& y) {
        return std::tie(x.date, x.start_minutes, x.id) < std::tie(y.date, y.start_minutes, y.id);
    }));

    std::vector<ScheduledEvent> pins{first.events[3], first.events[10], first.events[20]};
    auto pinned_a = place(plan, calendar, pins);
    std::reverse(pins.begin(), pins.end());
    auto pinned_b = place(plan, calendar, pins);
    CHECK(format_schedule(pinned_a) == format_schedule(pinned_b));
}

// Adding a rule or a fixed event for centre a moves nothing at centres in other districts.
TEST_CASE("changes at one centre leave other districts alone") {
    auto plan = test_plan("2026-12-01", "2027-05-31");
    plan.rules.push_back(make_rule("monthly", Period::month, kTueThu));
    plan.rules.push_back(make_rule("quarterly", Period::quarter, kTueThu, {}, 2));
    auto before = place(plan, test_calendar());

    auto changed = plan;
    // First in plan order, so it is placed before everything else.
    changed.rules.insert(changed.rules.begin(), make_rule("extra", Period::month, kTueThu, {"a"}, 3, 1));
    changed.events.push_back(make_fixed("extra-fixed", "a", "2027-02-17"));
    auto after = place(changed, test_calendar());
    CHECK(at_centres(after, {"c", "d"}) == at_centres(before, {"c", "d"}));
    CHECK(at_centres(after, {"a"}) != at_centres(before, {"a"}));
}

// Pins keep date and start even when the rule changed; drift says where the rule would put them now.
TEST_CASE("pinned events never move and drift is reported") {
    auto plan = test_plan("2027-02-01", "2027-03-31");
    plan.rules.push_back(make_rule("r", Period::month, kWed, {"a", "c"}));
    auto original = place(plan, test_calendar());
    REQUIRE(original.unplaced.empty());
    ScheduledEvent announced = *find(original, "r.a.2027-02");
    CHECK(announced.date == day("2027-02-17"));
    announced.start_minutes = 9 * 60 + 30;  // told people 09:30
    ScheduledEvent unchanged = *find(original, "r.c.2027-03");
    ScheduledEvent gone = announced;
    gone.id = "old-rule.a.2027-03";
    gone.source = "old-rule";
    gone.date = day("2027-03-10");

    plan.rules[0].weekdays = kThu;  // the rule changed after the announcement
    plan.rules[0].title = "renamed";
    auto s = place(plan, test_calendar(), {gone, unchanged, announced});

    const auto* kept = find(s, "r.a.2027-02");
    REQUIRE(kept);
    CHECK(kept->date == day("2027-02-17"));  // a Wednesday, though the rule now says Thursday
    CHECK(kept->start_minutes == 9 * 60 + 30);
    CHECK(kept->end_minutes == 9 * 60 + 30 + 60);
    CHECK(kept->pinned);
    CHECK(kept->title == "renamed");

    const auto* still = find(s, "old-rule.a.2027-03");
    REQUIRE(still);
    CHECK(still->pinned);
    CHECK(still->date == day("2027-03-10"));

    const auto* c_march = find(s, "r.c.2027-03");
    REQUIRE(c_march);
    CHECK(c_march->date == unchanged.date);
    CHECK(c_march->pinned);

    REQUIRE(s.drift.size() == 3);
    std::map<std::string, PinnedDrift> drift;
    for (const auto& d : s.drift) drift.emplace(d.event_id, d);
    CHECK(drift.at("r.a.2027-02").pinned_date == day("2027-02-17"));
    CHECK(drift.at("r.a.2027-02").would_be == std::optional<Date>(day("2027-02-18")));
    CHECK(drift.at("r.c.2027-03").would_be.has_value());
    CHECK(drift.at("r.c.2027-03").would_be != std::optional<Date>(unchanged.date));
    CHECK_FALSE(drift.at("old-rule.a.2027-03").would_be.has_value());

    // Pins occupy their day: a's March event keeps 7 days away from the pinned 10 March.
    Date march = date_of(s, "r.a.2027-03");
    CHECK(std::abs((march - day("2027-03-10")).count()) >= 7);

    // A pin that matches today's placement is no drift.
    auto same = place(plan, test_calendar(), {*find(s, "r.c.2027-02")});
    CHECK(same.drift.empty());
    CHECK(find(same, "r.c.2027-02")->pinned);
}

// place_each hands over, one by one, the events place() returns, in its order, with the same
// unplaced, drift, warnings and clashes: with pins kept, moved and no longer produced, a fixed
// event, a rule placing two a period, and regional events sharing a day.
TEST_CASE("events handed over one by one are the schedule's, in its order") {
    auto plan = test_plan("2027-02-01", "2027-03-31");
    plan.rules.push_back(make_rule("r", Period::month, kWed, {"a", "c"}));
    plan.rules.push_back(make_rule("twice", Period::month, kMon | kTue, {"b"}));
    plan.rules.back().count = 2;
    plan.forms[0].regional = true;  // seminars: two fixed ones on one day clash
    plan.events = {make_fixed("f1", "c", "2027-02-10"), make_fixed("f2", "d", "2027-02-10")};
    auto first = place(plan, test_calendar());
    ScheduledEvent moved = *find(first, "r.a.2027-02");
    moved.date = day("2027-02-17");
    ScheduledEvent gone = moved;
    gone.id = "old-rule.a.2027-03";
    gone.source = "old-rule";
    PlacementInput input;
    input.pinned = {moved, gone};
    input.settled = {*find(first, "twice.b.2027-03.2")};
    plan.rules[0].weekdays = kThu;

    const Schedule whole = place(plan, test_calendar(), input);
    std::vector<ScheduledEvent> handed;
    const Schedule rest = place_each(plan, test_calendar(), input, [&](ScheduledEvent&& e) { handed.push_back(std::move(e)); });
    CHECK(rest.events.empty());
    CHECK(handed == whole.events);
    CHECK(rest.unplaced == whole.unplaced);
    CHECK(rest.drift.size() == whole.drift.size());
    CHECK(rest.warnings == whole.warnings);
    CHECK(rest.clashes == whole.clashes);
    CHECK(std::is_sorted(handed.begin(), handed.end(), [](const auto& a, const auto& b) {
        return std::tie(a.date, a.start_minutes, a.id) < std::tie(b.date, b.start_minutes, b.id);
    }));
    CHECK(find(whole, "old-rule.a.2027-03"));
    CHECK(find(whole, "twice.b.2027-02.2"));
    CHECK(whole.drift.size() >= 2);
    CHECK_FALSE(whole.clashes.empty());
    CHECK(find(whole, "f1"));
}

// What cannot be placed is listed with rule, centre, period and a reason naming the cause.
TEST_CASE("an unplaceable rule is explained") {
    auto plan = test_plan("2027-02-01", "2027-02-28");
    plan.rules.push_back(make_rule("taken", Period::month, kWed, {"a"}));
    for (auto d : {"2027-02-03", "2027-02-10", "2027-02-17", "2027-02-24"})
        plan.events.push_back(make_fixed(std::string("f") + d, "b", d));  // b shares a's district
    auto s = place(plan, test_calendar());
    REQUIRE(s.unplaced.size() == 1);
    CHECK(s.unplaced[0].rule == "taken");
    CHECK(s.unplaced[0].centre == "a");
    CHECK(s.unplaced[0].period == "2027-02");
    CHECK(s.unplaced[0].reason == "every Wed in the period is a day off or taken (by this centre or district d1)");
    CHECK_FALSE(find(s, "taken.a.2027-02"));

    auto gap = test_plan("2027-02-01", "2027-02-28");
    gap.events.push_back(make_fixed("t1", "c", "2027-02-09"));
    gap.events.push_back(make_fixed("t2", "c", "2027-02-23"));
    gap.rules.push_back(make_rule("gap", Period::month, kWed, {"c"}));
    auto g = place(gap, test_calendar());
    REQUIRE(g.unplaced.size() == 1);
    CHECK(g.unplaced[0].rule == "gap");
    CHECK(g.unplaced[0].period == "2027-02");
    CHECK(g.unplaced[0].cause == UnplacedCause::no_gap);
    CHECK(g.unplaced[0].gap == 7);
    CHECK(g.unplaced[0].reason == "no working Wed in the period at least 7 days from other events at this centre");

    auto off = test_plan("2027-03-01", "2027-03-31");
    off.rules.push_back(make_rule("off", Period::month, kTue | kWed, {"d"}));
    auto calendar = test_calendar({day_off("2027-03-02", "x"), day_off("2027-03-03", "x"), day_off("2027-03-09", "x"),
                                   day_off("2027-03-10", "x"), day_off("2027-03-16", "x"), day_off("2027-03-17", "x"),
                                   day_off("2027-03-30", "x"), day_off("2027-03-31", "x")});
    auto o = place(off, calendar);
    REQUIRE(o.unplaced.size() == 1);
    CHECK(o.unplaced[0].reason == "every Tue, Wed in the period outside June–August is a day off");
}

// The reasons read in Kazakh and Russian with weekdays by name, dates DD.MM.YYYY and the district by
// name; English is the reason placement gives, ids and ISO dates.
TEST_CASE("why an event found no day reads in Kazakh, Russian and English") {
    auto plan = test_plan("2027-02-01", "2027-02-28");
    plan.rules.push_back(make_rule("taken", Period::month, kWed, {"a"}));
    for (auto d : {"2027-02-03", "2027-02-10", "2027-02-17", "2027-02-24"})
        plan.events.push_back(make_fixed(std::string("f") + d, "b", d));
    const Unplaced taken = place(plan, test_calendar()).unplaced.at(0);
    CHECK(taken.cause == UnplacedCause::taken);
    CHECK(taken.district == "d1");
    CHECK(unplaced_reason(taken, "en", taken.district) == taken.reason);
    CHECK(unplaced_reason(taken, "kk", "Шалқар ауданы") ==
          "кезеңдегі әр сәрсенбі күні демалыс немесе бос емес: оны осы орталық не Шалқар ауданы алған");
    CHECK(unplaced_reason(taken, "ru", "Шалқар ауданы") ==
          "в этом периоде каждый день (среда) — выходной или занят этим центром или районом «Шалқар ауданы»");

    Unplaced u;
    u.weekdays = kTue | kWed | kThu;
    u.cause = UnplacedCause::days_off;
    u.summer_excluded = true;
    CHECK(unplaced_reason(u, "kk", "") == "кезеңдегі әр сейсенбі–бейсенбі күні демалыс (маусым–тамыз алынбайды)");
    CHECK(unplaced_reason(u, "en", "") == "every Tue–Thu in the period outside June–August is a day off");
    u.cause = UnplacedCause::too_soon;
    u.earliest = *parse_date("2027-03-09");
    CHECK(unplaced_reason(u, "ru", "") ==
          "оставшиеся в периоде рабочие дни (вторник–четверг) слишком близко: новое мероприятие ставится на "
          "09.03.2027 или позже, чтобы первое напоминание успело уйти");
    CHECK_THAT(unplaced_reason(u, "kk", ""), Catch::Contains("09.03.2027 немесе одан кейін"));
    CHECK_THAT(unplaced_reason(u, "en", ""), Catch::Contains("goes on 2027-03-09 or later"));
    u.cause = UnplacedCause::regional_apart;
    u.gap = 10;
    CHECK(unplaced_reason(u, "ru", "") == "в каждый рабочий день (вторник–четверг) этого периода не ближе 10 дн. к "
                                          "другим мероприятиям центра уже есть другое областное мероприятие");
    u.cause = UnplacedCause::no_gap;
    u.widest_gap = 14;
    CHECK(unplaced_reason(u, "kk", "") == "кезеңде осы орталықтың басқа іс-шараларынан кемінде 10 күн қашық жұмыс "
                                          "күні (сейсенбі–бейсенбі) жоқ (ондағы іс-шаралар арасы 14 күнге дейін сақталады)");
    CHECK(unplaced_reason(u, "en", "") == "no working Tue–Thu in the period at least 10 days from other events at "
                                          "this centre (events already there keep up to 14 days clear)");

    CHECK(period_text("2027-03", "kk") == "Наурыз 2027");
    CHECK(period_text("2027-03", "ru") == "Март 2027");
    CHECK(period_text("2027-Q1", "kk") == "2027 ж. I тоқсан");
    CHECK(period_text("2027-Q4", "ru") == "IV квартал 2027 г.");
    CHECK(period_text("2027-Q2", "en") == "Q2 2027");
    CHECK(period_text("plan", "ru") == "весь период плана");
}

// Events next to a day off that is only estimated, and years the calendar only computes, are warned about.
TEST_CASE("uncertain days off produce warnings") {
    auto plan = test_plan("2027-05-01", "2027-05-31");
    plan.rules.push_back(make_rule("r", Period::month, kWed, {"c"}));
    auto s = place(plan, test_calendar());
    REQUIRE(date_of(s, "r.c.2027-05") == day("2027-05-19"));
    REQUIRE(s.warnings.size() == 1);
    CHECK(s.warnings[0] == "2027-05-19 at c: next to Kurban Ait (estimated) — event r.c.2027-05");

    auto later = test_plan("2028-02-01", "2028-02-29");
    later.rules.push_back(make_rule("r", Period::month, kWed, {"c", "d"}));
    auto w = place(later, test_calendar());
    REQUIRE(w.warnings.size() == 1);
    CHECK(w.warnings[0].rfind("2028: 2 events in a year whose days off are computed", 0) == 0);
}

// The shipped plan and calendar place completely: every event on a working day, open classes monthly at all four centres.
TEST_CASE("the shipped plan places completely") {
    const std::filesystem::path config = TARAT_SOURCE_DIR "/etc/tarat.toml";
    REQUIRE(std::filesystem::exists(config));
    Diagnostics diagnostics;
    auto setup = load_setup(config, {}, diagnostics);
    INFO(diagnostics.format());
    REQUIRE(setup.has_value());
    auto s = place(setup->plan, *setup->calendar);
    INFO(format_schedule(s));
    CHECK(s.unplaced.empty());
    CHECK(s.drift.empty());
    for (const auto& e : s.events) {
        INFO(e.id << " on " << format_date(e.date));
        CHECK(setup->calendar->is_working_day(e.date));
        CHECK(e.date >= setup->plan.from);
        CHECK(e.date <= setup->plan.to);
    }
    std::set<std::pair<std::string, std::string>> open_class_months;  // (centre, yyyy-mm)
    for (const auto& e : s.events)
        if (e.form == "open-class") open_class_months.insert({e.centre, format_date(e.date).substr(0, 7)});
    CHECK(setup->plan.centres.size() >= 4);
    for (const auto& c : setup->plan.centres)
        for (auto month : {"2026-12", "2027-01", "2027-02", "2027-03", "2027-04", "2027-05"})
            CHECK(open_class_months.count({c.id, month}));
    CHECK(open_class_months.size() >= 4 * 6);
}

// A fixed event of the rule's form in the period already meets the rule there; other centres still get theirs.
TEST_CASE("fixed events count towards a rule's events in their period") {
    Plan plan = test_plan("2027-01-01", "2027-03-31");
    auto rule = make_rule("seminar-quarterly", Period::quarter, kTueThu);
    rule.form = "seminar";
    plan.rules.push_back(rule);
    plan.events.push_back(make_fixed("a-seminar", "a", "2027-02-10"));
    auto calendar = test_calendar();
    auto s = place(plan, calendar);
    CHECK(find(s, "a-seminar"));
    CHECK_FALSE(find(s, "seminar-quarterly.a.2027-Q1"));
    CHECK(find(s, "seminar-quarterly.b.2027-Q1"));
    CHECK(find(s, "seminar-quarterly.c.2027-Q1"));
    CHECK(s.unplaced.empty());
    // A fixed event of another form does not count.
    plan.events.back().form = "open-class";
    CHECK(find(place(plan, calendar), "seminar-quarterly.a.2027-Q1"));
}
