// F10, wrong words: what a notice says is read from the store when it goes out. The digest's
// sections by outcome and its counts that add up; how often the director and the coordinator were
// reminded, for the overseer's copy; who hears of a cancellation.
#include "support/command_world.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <set>

using namespace tarat;
using tarat::testing::CommandWorld;

namespace {

Instant at(const char* moment) { return *parse_instant(moment); }

std::set<std::string> ids_of(const std::vector<DigestItem>& items) {
    std::set<std::string> ids;
    for (const auto& i : items) ids.insert(i.event.id);
    return ids;
}

const DigestItem& item(const std::vector<DigestItem>& items, const std::string& id) {
    for (const auto& i : items)
        if (i.event.id == id) return i;
    throw std::runtime_error("no " + id + " in the list");
}

// What went out to one person about one event, by kind and due.
std::vector<OutgoingNotice> sent_to(const CommandWorld& w, const std::string& person, const std::string& event,
                                    const std::string& kind) {
    std::vector<OutgoingNotice> out;
    for (const auto& [channel, n] : w.sender.sent)
        if (channel == "file" && n.recipient == person && n.kind == kind &&
            nlohmann::json::parse(n.json)["event"]["id"] == event)
            out.push_back(n);
    return out;
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("the digest: each event under its outcome, counts that add up") {
    CommandWorld w("2027-02-22T10:00:00+05:00");  // Monday
    const Actor actor = Actor::system("test");
    auto& l = w.lifecycle;
    REQUIRE(l.held(actor, "bolashak-seminar-1", {}).ok());  // its report never comes
    REQUIRE(l.held(actor, "erkemai-seminar-1", {}).ok());
    REQUIRE(l.reported(actor, "erkemai-seminar-1", {std::nullopt, "№ 12"}).ok());  // today, months late
    REQUIRE(l.held(actor, "karlygash-open-class-1", {}).ok());
    REQUIRE(l.reported(actor, "karlygash-open-class-1", {*parse_date("2027-01-29"), "№ 7"}).ok());  // on time
    REQUIRE(l.cancel(actor, "open-class-monthly.karlygash.2027-03", "карантин").ok());
    REQUIRE(l.postpone(actor, "balausa-open-class-1", {*parse_date("2027-03-12"), std::nullopt, "зал жөнделуде"}).ok());

    const Date day = *parse_date("2027-03-01");
    const DigestSummary d = l.notices().digest_summary(day);
    std::set<std::string> never_confirmed;
    int due_by_then = 0, cancelled = 0, events = 0;
    for (const auto& e : w.store->events({})) {
        ++events;
        if (e.state == EventState::cancelled) ++cancelled;
        else if (e.event.date < day) ++due_by_then;
        if (e.state == EventState::planned && e.event.date < day) never_confirmed.insert(e.event.id);
    }
    CHECK(ids_of(d.not_confirmed) == never_confirmed);
    CHECK(ids_of(d.report_missing) == std::set<std::string>{"bolashak-seminar-1"});
    CHECK(ids_of(d.report_late) == std::set<std::string>{"erkemai-seminar-1"});
    CHECK(item(d.report_late, "erkemai-seminar-1").reported_date == parse_date("2027-02-22"));
    CHECK(ids_of(d.postponed_or_cancelled) ==
          std::set<std::string>{"balausa-open-class-1", "open-class-monthly.karlygash.2027-03"});
    CHECK(item(d.postponed_or_cancelled, "balausa-open-class-1").previous_date == parse_date("2027-03-11"));
    CHECK(item(d.postponed_or_cancelled, "open-class-monthly.karlygash.2027-03").reason == "карантин");
    // The old list stays: both kinds of lateness, each marked with what is missing.
    CHECK(d.overdue.size() == d.not_confirmed.size() + d.report_missing.size());
    CHECK(item(d.overdue, "bolashak-seminar-1").missing == NoticeFacts::Missing::report);
    for (const auto& i : d.not_confirmed) CHECK(i.missing == NoticeFacts::Missing::held);
    const auto& bolashak = item(d.report_missing, "bolashak-seminar-1");
    CHECK(bolashak.days_late == (day - bolashak.report_due).count());

    const DigestCounts& c = d.compliance;
    CHECK(c.planned == due_by_then);
    CHECK(c.not_held == static_cast<int>(never_confirmed.size()));
    CHECK(c.planned == c.held + c.not_held);
    CHECK(c.held == c.reported_on_time + c.reported_late + c.missing + c.report_pending);
    CHECK(c.reported_on_time == 1);
    CHECK(c.reported_late == 1);
    CHECK(c.missing == 1);
    CHECK(c.cancelled == cancelled);
    CHECK(c.in_plan + c.cancelled == events);
    CHECK(c.in_plan > c.planned);
    // The centres' rows add up to the plan's.
    DigestCounts sum;
    for (const auto& centre : d.centres) {
        INFO(centre.id);
        CHECK_FALSE(centre.name.empty());
        CHECK_FALSE(centre.district_name.empty());
        CHECK(centre.counts.planned == centre.counts.held + centre.counts.not_held);
        sum.planned += centre.counts.planned, sum.held += centre.counts.held;
        sum.reported_on_time += centre.counts.reported_on_time, sum.reported_late += centre.counts.reported_late;
        sum.missing += centre.counts.missing, sum.not_held += centre.counts.not_held;
        sum.report_pending += centre.counts.report_pending, sum.in_plan += centre.counts.in_plan;
        sum.cancelled += centre.counts.cancelled;
    }
    CHECK(d.centres.size() == w.lifecycle.setup().plan.centres.size());
    CHECK(sum.planned == c.planned);
    CHECK(sum.held == c.held);
    CHECK(sum.reported_on_time == c.reported_on_time);
    CHECK(sum.reported_late == c.reported_late);
    CHECK(sum.missing == c.missing);
    CHECK(sum.not_held == c.not_held);
    CHECK(sum.report_pending == c.report_pending);
    CHECK(sum.in_plan == c.in_plan);
    CHECK(sum.cancelled == c.cancelled);

    // The week is the seven days before the digest's day: today's changes belong to the next digest,
    // and a week later they are no longer news.
    const DigestSummary before = l.notices().digest_summary(*parse_date("2027-02-22"));
    CHECK(before.postponed_or_cancelled.empty());
    CHECK(before.report_late.empty());
    const DigestSummary after = l.notices().digest_summary(*parse_date("2027-03-08"));
    CHECK(after.postponed_or_cancelled.empty());
    CHECK(after.report_late.empty());
}

// The overseer's escalation counts the earlier reminders the director and the coordinator got
// about the same matter: what was sent of the held check, the overdue notice and the rounds (once
// each, whatever the channel); the director's asks for action and says the same count.
TEST_CASE("the overseer's escalation says how often the others were reminded") {
    const std::string event = "seminar-quarterly.karlygash.2027-Q1";  // 14.01.2027, never confirmed
    CommandWorld w("2027-01-26T10:00:00+05:00", "2026-11-30T08:00:00+05:00");  // down since the plan began
    // Started late: the held check (18.01) goes, and of the overdue notice (20.01) and round 1
    // (25.01) only the latest; the expired overdue notice reminded nobody.
    w.dispatcher.run_due_now();
    REQUIRE(sent_to(w, "zhamanbayeva", event, "held_check").size() == 1);
    REQUIRE(sent_to(w, "director-karlygash", event, "overdue").empty());
    REQUIRE(sent_to(w, "director-karlygash", event, "escalation").size() == 1);
    w.sender.sent.clear();
    w.clock.set(at("2027-01-28T09:30:00+05:00"));
    w.dispatcher.run_due_now();  // round 2

    auto hers = sent_to(w, "bertleuova", event, "escalation");
    REQUIRE(hers.size() == 1);
    INFO(hers[0].subject << "\n" << hers[0].body);
    CHECK(has(hers[0].subject, "Мәлімет үшін – Қайталама хабарлама № 2"));
    CHECK(has(hers[0].body, "бұған дейін 2 рет еске салынды"));
    CHECK(has(hers[0].body, "(«Қарлығаш» меңгерушісі)"));
    CHECK(has(hers[0].body, "(Д.Жаманбаева)"));
    CHECK_FALSE(has(hers[0].body, "шұғыл шара"));
    auto director = sent_to(w, "director-karlygash", event, "escalation");  // in Russian
    REQUIRE(director.size() == 1);
    INFO(director[0].body);
    CHECK(has(director[0].subject, "Повторное уведомление № 2"));
    CHECK(has(director[0].body, "Ранее об этом напоминали 2 раза."));
    CHECK(has(director[0].body, "принять срочные меры"));
    CHECK_FALSE(has(director[0].body, "для сведения"));
}

// A cancellation is the plan's business: the overseer and the coordinator hear of it even when no
// reminder had reached anybody yet; a postponement goes only to those who were told.
TEST_CASE("cancellations reach the overseer and the coordinator, postponements those told") {
    CommandWorld w;  // 01.03.2027
    const Actor actor = Actor::system("test");
    auto change_recipients = [&](const std::string& id) {
        std::set<std::string> people;
        NoticeFilter filter;
        filter.event_id = id;
        filter.kind = NoticeKind::change;
        for (const auto& row : w.store->notices(filter)) people.insert(row.notice.recipient);
        return people;
    };
    // Nobody has been reminded of April's events yet.
    REQUIRE(w.store->recipients_told("karlygash-seminar-1").empty());
    auto cancelled = w.lifecycle.cancel(actor, "karlygash-seminar-1", "карантин");
    REQUIRE(cancelled.ok());
    CHECK(change_recipients("karlygash-seminar-1") == std::set<std::string>{"bertleuova", "zhamanbayeva"});
    CHECK(has(cancelled.text, "2 people get a change notice"));
    REQUIRE(w.store->recipients_told("erkemai-master-class-1").empty());
    REQUIRE(w.lifecycle.postpone(actor, "erkemai-master-class-1", {*parse_date("2027-04-20"), std::nullopt, "зал"}).ok());
    CHECK(change_recipients("erkemai-master-class-1").empty());

    // Told already (the director, the district head, the coordinator): they and the overseer.
    w.dispatcher.run_due_now();
    const std::string told_event = "karlygash-master-class-1";  // 03.03.2027: its first reminder went out
    const auto told = w.store->recipients_told(told_event);
    REQUIRE_FALSE(told.empty());
    REQUIRE(w.lifecycle.cancel(actor, told_event, "карантин").ok());
    std::set<std::string> expected(told.begin(), told.end());
    expected.insert({"bertleuova", "zhamanbayeva"});
    CHECK(change_recipients(told_event) == expected);
}
