// The compliance report's computation: counts per group, the overdue list and the timeline.
#include "compliance/compliance.hpp"
#include "unit/compliance_sample.hpp"

#include <catch2/catch.hpp>

using namespace tarat;
using namespace tarat::testing;
using nlohmann::json;

namespace {

json group(const json& groups, const std::string& id) {
    for (const auto& g : groups)
        if (g["id"] == id) return g;
    FAIL("no group " << id);
    return {};
}

}  // namespace

// Every outcome is recognised: reports on time and late, missing, pending, not held, cancelled, ahead.
TEST_CASE("outcome of each event") {
    auto in = sample();
    std::vector<std::string> names;
    for (const auto& s : in.events) names.emplace_back(outcome_name(outcome_of(s, in.report_due(s), in.today)));
    CHECK(names == std::vector<std::string>{"reported_on_time", "reported_late", "report_missing", "not_held",
                                            "cancelled", "upcoming", "held"});
}

// The table's counts per centre and in total; the form names follow the locale.
TEST_CASE("counts per centre and total") {
    auto reply = compliance_groups(sample(), "centre");
    auto a = group(reply["groups"], "a");
    CHECK(a["name"] == "Centre A");
    CHECK(a["planned"] == 4);
    CHECK(a["held"] == 3);
    CHECK(a["held_on_planned_date"] == 3);
    CHECK(a["reported_on_time"] == 1);
    CHECK(a["reported_late"] == 1);
    CHECK(a["report_pending"] == 1);
    CHECK(a["postponed"] == 1);
    CHECK(a["participants"] == 50);
    auto b = group(reply["groups"], "b");
    CHECK(b["held"] == 1);
    CHECK(b["held_on_planned_date"] == 0);  // held a day later than planned
    CHECK(b["report_missing"] == 1);
    CHECK(b["not_held"] == 1);
    CHECK(b["cancelled"] == 1);
    CHECK(reply["total"]["planned"] == 7);
    CHECK(reply["total"]["participants"] == 70);
    auto forms = compliance_groups(sample(), "form")["groups"];
    REQUIRE(forms.size() == 2);
    CHECK(forms[1]["name"] == "Open class");
    CHECK(forms[1]["planned"] == 3);
    CHECK(compliance_groups(sample(), "district")["groups"][1]["name"] == "District B");
}

// A group of the plan without events still appears, with zeros.
TEST_CASE("groups without events appear with zeros") {
    auto in = sample();
    in.centres.push_back({"c", "Centre C", "dc", "District C", "dir-c", true, 0});
    auto c = group(compliance_groups(in, "centre")["groups"], "c");
    CHECK(c["planned"] == 0);
    CHECK(c["participants"] == 0);
}

// Overdue: what is missing, its due date and the calendar days since, most late first.
TEST_CASE("overdue list") {
    auto detail = compliance_detail(sample(), day("2026-12-01"), day("2027-03-31"));
    auto overdue = detail["overdue"];
    REQUIRE(overdue.size() == 2);
    CHECK(overdue[0]["id"] == "b1");
    CHECK(overdue[0]["missing"] == "report");
    CHECK(overdue[0]["due"] == "2026-12-14");
    CHECK(overdue[0]["days_late"] == 63);
    CHECK(overdue[0]["centre_name"] == "Centre B");
    CHECK(overdue[1]["id"] == "b2");
    CHECK(overdue[1]["missing"] == "held");
    CHECK(overdue[1]["due"] == "2027-02-03");
    CHECK(overdue[1]["days_late"] == 12);
}

// The timeline has every month of the period, each centre's events counted by outcome.
TEST_CASE("timeline by month") {
    auto detail = compliance_detail(sample(), day("2026-12-01"), day("2027-03-31"));
    const auto& timeline = detail["timeline"];
    CHECK(timeline["months"] == json{"2026-12", "2027-01", "2027-02", "2027-03"});
    REQUIRE(timeline["centres"].size() == 2);
    const auto& a = timeline["centres"][0];
    CHECK(a["id"] == "a");
    CHECK(a["months"][0]["total"] == 1);
    CHECK(a["months"][0]["reported_on_time"] == 1);
    CHECK(a["months"][1]["reported_late"] == 1);
    CHECK(a["months"][2]["held"] == 1);
    CHECK(a["months"][3]["upcoming"] == 1);
    const auto& b = timeline["centres"][1];
    CHECK(b["months"][1]["cancelled"] == 1);
    CHECK(b["months"][2]["not_held"] == 1);
    // All three groupings, the forms with their names in every language.
    CHECK(detail["groupings"]["district"].size() == 2);
    CHECK(detail["groupings"]["form"][0]["names"]["kk"] == "Семинар");
}

// A lane's month without events carries only its total; the outcomes that occur are counted.
TEST_CASE("a timeline month without events has only its total") {
    const auto timeline = compliance_detail(sample(), day("2026-12-01"), day("2027-03-31"))["timeline"];
    CHECK(timeline["by"] == "centre");
    const auto& b = timeline["centres"][1];
    CHECK(b["months"][3] == json{{"total", 0}});
    CHECK(b["months"][0] == json{{"total", 1}, {"report_missing", 1}});
}

// More centres than a picture holds (a national plan's 5,000 made a 38 MB reply): a lane per
// district, in plan order, counting every event of its centres; the groupings keep every centre.
TEST_CASE("the timeline of a plan with many centres has a lane per district") {
    auto in = sample();
    for (int i = 0; i < 59; ++i)  // 61 centres in all, the extra ones without events
        in.centres.push_back({"x" + std::to_string(i), "Centre X" + std::to_string(i), i % 2 ? "da" : "db",
                              i % 2 ? "District A" : "District B", "", true, 0});
    const auto detail = compliance_detail(in, day("2026-12-01"), day("2027-03-31"));
    const auto& timeline = detail["timeline"];
    CHECK(timeline["by"] == "district");
    CHECK_FALSE(timeline.contains("centres"));
    REQUIRE(timeline["districts"].size() == 2);
    const auto& a = timeline["districts"][0];
    CHECK(a["id"] == "da");
    CHECK(a["name"] == "District A");
    CHECK(a["months"][0] == json{{"total", 1}, {"reported_on_time", 1}});
    CHECK(a["months"][3] == json{{"total", 1}, {"upcoming", 1}});
    const auto& b = timeline["districts"][1];
    CHECK(b["months"][1] == json{{"total", 1}, {"cancelled", 1}});
    CHECK(detail["groupings"]["centre"].size() == 61);

    in.centres.resize(60);  // 60 centres still get a lane each
    CHECK(compliance_detail(in, day("2026-12-01"), day("2027-03-31"))["timeline"]["centres"].size() == 60);
}
