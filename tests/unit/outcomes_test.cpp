// One compliance rule (compliance/outcome_of): `taratctl compliance`, the weekly digest and
// systemd's status line agree on what is overdue for the same events on the same day.
#include "app/systemd.hpp"
#include "compliance/compliance.hpp"
#include "support/command_world.hpp"

#include <catch2/catch.hpp>

#include <regex>
#include <set>

using namespace tarat;
using tarat::testing::CommandWorld;
using nlohmann::json;

namespace {

// "N upcoming, N overdue, …" → {upcoming, overdue}.
std::pair<int, int> status_counts(const std::string& line) {
    std::smatch m;
    REQUIRE(std::regex_match(line, m, std::regex(R"((\d+) upcoming, (\d+) overdue, \d+ pending, \d+ dead notices)")));
    return {std::stoi(m[1]), std::stoi(m[2])};
}

int count(const json& counts, const char* key) {
    const auto& v = counts.at(key);
    return v.is_string() ? std::stoi(v.get<std::string>()) : v.get<int>();  // the digest's counts are text
}

}  // namespace

TEST_CASE("outcomes: the compliance report, the digest and the status line agree") {
    // Today is the day after a planned event some 90 days into the plan: earlier events are past,
    // and this one's report is not yet due.
    std::string now;
    {
        CommandWorld first;
        const Date from = first.store->events({}).front().event.date + date::days{90};
        now = format_date(first.first_event([&](const StoredEvent& e) { return e.event.date >= from; }).event.date +
                          date::days{1}) + "T09:00:00+05:00";
    }
    CommandWorld w(now.c_str());
    const Date today = w.lifecycle.today();
    const Actor actor = Actor::system("test");
    auto& notices = w.lifecycle.notices();

    // Past events: one held with its report long overdue, one held and reported, one whose day has
    // passed so recently that its report would not yet be due (still "not confirmed held"), the
    // rest left planned; one future event cancelled.
    std::vector<StoredEvent> past;
    for (const auto& e : w.store->events({}))
        if (e.state == EventState::planned && e.event.date < today) past.push_back(e);
    REQUIRE(past.size() >= 4);
    REQUIRE(w.lifecycle.held(actor, past[0].event.id, {std::nullopt, 20, ""}).ok());
    REQUIRE(w.lifecycle.held(actor, past[1].event.id, {std::nullopt, 25, ""}).ok());
    REQUIRE(w.lifecycle.reported(actor, past[1].event.id, {today, "№ 1"}).ok());
    REQUIRE(w.lifecycle.cancel(actor, w.future_event().event.id, "карантин").ok());
    const StoredEvent& recent = past.back();
    REQUIRE(notices.report_due(recent) >= today);  // the case the digest used to leave out

    const auto reply = w.call("compliance", {{"detail", true}}, false);
    REQUIRE(reply.result == control::ok);
    const json& total = reply.arguments["total"];
    const int report_missing = count(total, "report_missing"), not_held = count(total, "not_held");
    CHECK(report_missing >= 1);
    CHECK(not_held >= 2);

    const auto [upcoming, overdue] = status_counts(service_status_line(*w.store, notices, today));
    CHECK(overdue == report_missing + not_held);
    CHECK(upcoming == count(total, "planned") - count(total, "held") - not_held - count(total, "cancelled"));

    const DigestSummary digest = notices.digest_summary(today);
    CHECK(digest.compliance.missing == report_missing);
    CHECK(digest.compliance.not_held == not_held);
    std::set<std::string> in_digest, in_report;
    for (const auto& o : digest.overdue)
        in_digest.insert(o.event.id + (o.missing == NoticeFacts::Missing::held ? ":held" : ":report"));
    for (const auto& o : reply.arguments["overdue"])
        in_report.insert(o["id"].get<std::string>() + ":" + o["missing"].get<std::string>());
    CHECK(in_digest == in_report);
    CHECK(in_digest.count(recent.event.id + ":held") == 1);
    CHECK(in_digest.count(past[0].event.id + ":report") == 1);
}
