// F10, "catch-up floods": a daemon started late sends what it missed once, the latest of each kind,
// inside working hours, with the lead time that is true when it is sent.
#include "support/command_world.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <set>

using namespace tarat;
using tarat::testing::CommandWorld;

namespace {

// What went out, by recipient, channel and kind.
std::map<std::string, int> sent_by(const CommandWorld& w) {
    std::map<std::string, int> counts;
    for (const auto& [channel, n] : w.sender.sent) ++counts[n.recipient + "/" + channel + "/" + n.kind];
    return counts;
}

}  // namespace

TEST_CASE("started months late, the deputy head gets one digest and one escalation per event") {
    CommandWorld w("2027-02-22T09:00:00+05:00");  // a Monday; the plan began on 01.12.2026
    w.dispatcher.run_due_now();
    auto counts = sent_by(w);
    std::set<std::string> channels;
    for (const auto& [channel, n] : w.sender.sent)
        if (n.recipient == "bertleuova") channels.insert(channel);
    REQUIRE_FALSE(channels.empty());
    for (const auto& channel : channels) CHECK(counts["bertleuova/" + channel + "/digest"] == 1);
    // Escalations: at most one per event (the latest round), and no more than events are overdue.
    std::map<std::string, int> escalations_per_event;
    std::set<std::string> reminded_late;
    for (const auto& [channel, n] : w.sender.sent) {
        if (n.recipient != "bertleuova") continue;
        if (n.kind == "escalation" || n.kind == "overdue") {
            auto event = nlohmann::json::parse(n.json)["event"]["id"].get<std::string>();
            // The overdue notice and the escalation rounds are one series: the latest round only.
            CHECK(++escalations_per_event[event + ":" + channel] == 1);
        }
    }
    CHECK_FALSE(escalations_per_event.empty());
}

TEST_CASE("started on a Saturday, nothing goes out before the next working morning") {
    CommandWorld w("2027-03-06T12:00:00+05:00");  // Saturday; Monday 08.03 is a holiday
    w.dispatcher.run_due_now();
    for (const auto& [channel, n] : w.sender.sent) {
        INFO(n.idempotency_key);
        CHECK(n.kind == "change");  // only what may go any time
    }
    // The deferred ones wait for Tuesday 09.03.2027 at the start of the working day.
    auto next = w.store->next_attempt_due();
    REQUIRE(next);
    INFO(format_instant_utc(*next));
    CHECK(*next >= *parse_instant("2027-03-09T09:00:00+05:00"));
}

// A reminder that goes out late (the daemon was down) says how many working days are really left.
TEST_CASE("a late reminder renders the true lead time") {
    CommandWorld w("2027-03-01T09:00:00+05:00");
    NoticeFilter reminders;
    reminders.state = NoticeState::pending;
    reminders.kind = NoticeKind::reminder;
    std::optional<OutboxRow> ten;
    for (auto& row : w.store->notices(reminders))
        if (row.notice.facts.lead == Span{Span::Unit::working_days, 10} && w.setup_locale(row.notice.recipient) == "kk") {
            ten = row;
            break;
        }
    REQUIRE(ten);
    const auto& calendar = *w.lifecycle.setup().calendar;
    const Date due_day = calendar.instant_to_local(ten->notice.due).first;
    const Instant late = calendar.local_to_instant(calendar.add_working_days(due_day, 6), 10 * 60);
    auto on_time = std::get<OutgoingNotice>(w.lifecycle.notices().prepare(*ten, ten->notice.due));
    CHECK(on_time.body.find("Іс-шараға 10 жұмыс күні қалды.") != std::string::npos);
    auto prepared = w.lifecycle.notices().prepare(*ten, late);
    REQUIRE(std::holds_alternative<OutgoingNotice>(prepared));
    const auto& body = std::get<OutgoingNotice>(prepared).body;
    INFO(body);
    CHECK(body.find("Іс-шараға 4 жұмыс күні қалды.") != std::string::npos);
}
