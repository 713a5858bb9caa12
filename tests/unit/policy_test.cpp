#include "notify/policy.hpp"

#include "config/setup.hpp"
#include "schedule/placement.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

using namespace tarat;

namespace {

// The shipped configuration: the real plan of order No. 553 and the real days off.
const Setup& shipped() {
    static const Setup setup = [] {
        Diagnostics d;
        auto s = load_setup(TARAT_SOURCE_DIR "/etc/tarat.toml", {}, d);
        REQUIRE(s);
        return std::move(*s);
    }();
    return setup;
}

EventFacts facts(const char* id, EventState state = EventState::planned, const char* held = nullptr) {
    const auto& s = shipped();
    auto schedule = place(s.plan, *s.calendar);
    auto it = std::find_if(schedule.events.begin(), schedule.events.end(), [&](const auto& e) { return e.id == id; });
    REQUIRE(it != schedule.events.end());
    EventFacts f{*it, state, held ? parse_date(held) : std::nullopt, std::nullopt};
    return f;
}

// (kind, recipient, due) triples on the "file" channel, for compact comparisons.
std::set<std::string> on_file(const std::vector<Notice>& notices, NoticeKind kind) {
    std::set<std::string> out;
    for (const auto& n : notices)
        if (n.kind == kind && n.channel == "file") out.insert(n.recipient + " " + format_instant_utc(n.due));
    return out;
}

struct Fixture {
    const Setup& s = shipped();
    Routing routing{s.config};
    NoticePolicy policy{s.plan, *s.calendar, s.config.notify, routing};
};

}  // namespace

// Reminders go 10, 3 and 1 working days ahead at 09:00 to the director and district head; the coordinator gets the first.
TEST_CASE_METHOD(Fixture, "reminders at the form's offsets") {
    auto notices = policy.for_event(facts("erkemai-seminar-1")).notices;
    CHECK(on_file(notices, NoticeKind::reminder) ==
          std::set<std::string>{
              "director-erkemai 2026-11-25T04:00:00Z", "bashanov 2026-11-25T04:00:00Z", "zhamanbayeva 2026-11-25T04:00:00Z",
              "director-erkemai 2026-12-04T04:00:00Z", "bashanov 2026-12-04T04:00:00Z", "zhamanbayeva 2026-12-04T04:00:00Z",
              "director-erkemai 2026-12-08T04:00:00Z", "bashanov 2026-12-08T04:00:00Z", "zhamanbayeva 2026-12-08T04:00:00Z"});
    // zhamanbayeva is both responsible and coordinator: told once per reminder, not twice.
    CHECK(std::count_if(notices.begin(), notices.end(), [](const Notice& n) {
              return n.recipient == "zhamanbayeva" && n.kind == NoticeKind::reminder && n.channel == "file";
          }) == 3);
    // Every notice goes through both default channels.
    CHECK(std::count_if(notices.begin(), notices.end(), [](const Notice& n) { return n.channel == "log"; }) ==
          std::count_if(notices.begin(), notices.end(), [](const Notice& n) { return n.channel == "file"; }));
}

// Not held by the end of the next working day: the coordinator and the director are asked.
TEST_CASE_METHOD(Fixture, "held check after the next working day") {
    auto notices = policy.for_event(facts("erkemai-seminar-1")).notices;
    CHECK(on_file(notices, NoticeKind::held_check) ==
          std::set<std::string>{"zhamanbayeva 2026-12-11T04:00:00Z", "director-erkemai 2026-12-11T04:00:00Z"});
}

// Never confirmed held: overdue to the overseer when the report would have been due, then escalations
// every 3 working days (across the 16 December holiday), at most 3.
TEST_CASE_METHOD(Fixture, "never held escalates to the overseer") {
    auto notices = policy.for_event(facts("erkemai-seminar-1")).notices;
    CHECK(on_file(notices, NoticeKind::overdue) ==
          std::set<std::string>{"bertleuova 2026-12-15T04:00:00Z", "zhamanbayeva 2026-12-15T04:00:00Z",
                                "director-erkemai 2026-12-15T04:00:00Z"});
    auto escalations = on_file(notices, NoticeKind::escalation);
    CHECK(escalations.count("bertleuova 2026-12-21T04:00:00Z"));
    CHECK(escalations.count("bertleuova 2026-12-24T04:00:00Z"));
    CHECK(escalations.count("bertleuova 2026-12-29T04:00:00Z"));
    CHECK(escalations.size() == 9);
    for (const auto& n : notices)
        if (n.kind == NoticeKind::overdue) CHECK(describe(n.kind, n.facts) == "held 2026-12-14");
}

// Held: the reminders and the held check are gone; a report reminder comes a working day before it is due.
TEST_CASE_METHOD(Fixture, "held event awaits its report") {
    auto notices = policy.for_event(facts("erkemai-seminar-1", EventState::held, "2026-12-09")).notices;
    CHECK(on_file(notices, NoticeKind::reminder).empty());
    CHECK(on_file(notices, NoticeKind::held_check).empty());
    CHECK(on_file(notices, NoticeKind::report_due) == std::set<std::string>{"director-erkemai 2026-12-11T04:00:00Z"});
    CHECK(on_file(notices, NoticeKind::overdue).count("bertleuova 2026-12-15T04:00:00Z"));
    for (const auto& n : notices)
        if (n.kind == NoticeKind::overdue) CHECK(describe(n.kind, n.facts) == "report 2026-12-14");
}

// Reported or cancelled: nothing more to say.
TEST_CASE_METHOD(Fixture, "reported and cancelled events need no notices") {
    CHECK(policy.for_event(facts("erkemai-seminar-1", EventState::reported, "2026-12-09")).notices.empty());
    CHECK(policy.for_event(facts("erkemai-seminar-1", EventState::cancelled)).notices.empty());
}

// Quiet hours: a digest due on a Monday holiday goes at 09:00 on the next working day.
TEST_CASE_METHOD(Fixture, "digests skip holidays into working hours") {
    auto digests = on_file(policy.digests().notices, NoticeKind::digest);
    CHECK(digests.count("bertleuova 2026-12-07T04:00:00Z"));       // an ordinary Monday
    CHECK(digests.count("bertleuova 2027-01-05T04:00:00Z"));       // Mon 4 Jan 2027 is a day off
    CHECK_FALSE(digests.count("bertleuova 2027-01-04T04:00:00Z"));
    CHECK(digests.count("bertleuova 2027-03-09T04:00:00Z"));       // Mon 8 March
    CHECK(digests.count("zhamanbayeva 2027-03-16T04:00:00Z"));     // Mon 15 March, Constitution Day
    for (const auto& n : policy.digests().notices) CHECK(s.calendar->is_working_day(s.calendar->instant_to_local(n.due).first));
}

// Keys are deterministic: the same facts give the same keys, and they name kind, event, person, channel, due.
TEST_CASE_METHOD(Fixture, "keys are deterministic") {
    auto a = policy.for_event(facts("erkemai-seminar-1")).notices;
    auto b = policy.for_event(facts("erkemai-seminar-1")).notices;
    CHECK(a == b);
    std::set<std::string> keys;
    for (const auto& n : a) keys.insert(n.key);
    CHECK(keys.size() == a.size());
    CHECK(keys.count("reminder:erkemai-seminar-1:bashanov:file:2026-11-25T04:00:00Z"));
}

// A window makes only what falls due inside it (the horizon, F14), and tells when the first notice
// it held back at its end is due: exactly the whole derivation, cut.
TEST_CASE_METHOD(Fixture, "a due window gives the notices inside it and the first one after") {
    for (auto f : {facts("erkemai-seminar-1"), facts("erkemai-seminar-1", EventState::held, "2026-12-09")}) {
        const auto all = policy.for_event(f).notices;
        REQUIRE(all.size() > 6);
        CHECK_FALSE(policy.for_event(f).beyond);
        std::set<Instant> dues;
        for (const auto& n : all) dues.insert(n.due);
        REQUIRE(dues.size() >= 3);
        const Instant from = *std::next(dues.begin()), until = *std::prev(dues.end());
        const auto cut = policy.for_event(f, {from, until});
        std::vector<Notice> expected;
        std::copy_if(all.begin(), all.end(), std::back_inserter(expected),
                     [&](const Notice& n) { return n.due >= from && n.due < until; });
        CHECK(cut.notices == expected);
        CHECK(cut.beyond == until);
        CHECK(policy.for_event(f, {std::nullopt, *dues.begin()}).notices.empty());
        CHECK(policy.for_event(f, {std::nullopt, *dues.begin()}).beyond == *dues.begin());
    }
}

// A reminder that quiet hours would push past the event's start is not derived at all.
TEST_CASE_METHOD(Fixture, "a reminder too late to help is dropped") {
    Plan plan = s.plan;
    for (auto& f : plan.forms) f.reminders = {Span{Span::Unit::minutes, 60}};
    NoticePolicy early{plan, *s.calendar, s.config.notify, routing};
    auto f = facts("balausa-open-class-1");
    f.event.start_minutes = 9 * 60;  // 08:00 moves to 09:00, when the event starts
    CHECK(on_file(early.for_event(f).notices, NoticeKind::reminder).empty());
    f.event.start_minutes = 11 * 60;  // 10:00 is inside working hours: director, district head, coordinator
    CHECK(on_file(early.for_event(f).notices, NoticeKind::reminder).size() == 3);
}

// A person routed to a channel they have no address for gets the fallback, and check() warns.
TEST_CASE("routing falls back without an address") {
    Config config;
    config.channels = {{"log", "log", "{}", {}}, {"mail", "smtp", "{}", {}}};
    config.notify.channels = {"mail"};
    config.notify.fallback = "log";
    Routing routing(config);
    Person with, without;
    with.id = "a";
    with.email = "a@example.org";
    without.id = "b";
    CHECK(routing.channels_for(with) == std::vector<std::string>{"mail"});
    CHECK(routing.address(with, "mail") == "a@example.org");
    CHECK(routing.channels_for(without) == std::vector<std::string>{"log"});
    Plan plan;
    plan.people = {with, without};
    Diagnostics d;
    routing.check(plan, d);
    REQUIRE(d.items().size() == 1);
    CHECK(d.items()[0].message == "b has no email for channel 'mail': notices go to 'log'");
}

// Quiet hours across the Nauryz days off 2027 (21–24 March): working-day offsets skip them, and a
// calendar-day reminder that falls on them waits for the first working morning.
TEST_CASE_METHOD(Fixture, "quiet hours across a holiday weekend") {
    Plan plan = s.plan;
    for (auto& f : plan.forms) f.reminders = {Span{Span::Unit::working_days, 1}, Span{Span::Unit::days, 2}};
    NoticePolicy nauryz{plan, *s.calendar, s.config.notify, routing};
    auto f = facts("balausa-open-class-1");
    f.event.date = *parse_date("2027-03-25");  // Thursday after the days off
    f.event.start_minutes = 10 * 60;
    std::set<std::string> dues;
    for (const auto& n : nauryz.for_event(f).notices)
        if (n.kind == NoticeKind::reminder && n.recipient == "karabalina" && n.channel == "file")
            dues.insert(format_instant_utc(n.due));
    // 1 working day before: Friday 19 March 09:00; 2 days before: Tuesday 23 March, a day off → Thursday 09:00.
    CHECK(dues == std::set<std::string>{"2027-03-19T04:00:00Z", "2027-03-25T04:00:00Z"});
    // The held check skips the days off too: the second working day after Thursday 18 March is the 25th.
    f.event.date = *parse_date("2027-03-18");
    CHECK(on_file(nauryz.for_event(f).notices, NoticeKind::held_check).count("director-balausa 2027-03-25T04:00:00Z"));
}
