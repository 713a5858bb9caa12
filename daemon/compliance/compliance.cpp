#include "compliance/compliance.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>

namespace tarat {
namespace {

using nlohmann::json;

// One group's counts.
struct Tally {
    int planned = 0, held = 0, held_on_planned_date = 0, not_held = 0, postponed = 0, cancelled = 0;
    int reported_on_time = 0, reported_late = 0, report_missing = 0, report_pending = 0, participants = 0;

    void count(const StoredEvent& s, Outcome outcome) {
        ++planned;
        if (s.postponed_from) ++postponed;
        switch (outcome) {
            case Outcome::cancelled: ++cancelled; return;
            case Outcome::not_held: ++not_held; return;  // its day has passed without a word
            case Outcome::upcoming: return;
            case Outcome::reported_on_time: ++reported_on_time; break;
            case Outcome::reported_late: ++reported_late; break;
            case Outcome::report_missing: ++report_missing; break;
            case Outcome::held: ++report_pending; break;
        }
        ++held;
        if (!s.postponed_from && s.held_date == s.event.date) ++held_on_planned_date;
        participants += s.participants.value_or(0);
    }

    json to_json() const {
        return {{"planned", planned},
                {"held", held},
                {"held_on_planned_date", held_on_planned_date},
                {"not_held", not_held},
                {"postponed", postponed},
                {"cancelled", cancelled},
                {"reported_on_time", reported_on_time},
                {"reported_late", reported_late},
                {"report_missing", report_missing},
                {"report_pending", report_pending},
                {"participants", participants}};
    }
};

const std::string& group_key(const StoredEvent& s, std::string_view by) {
    return by == "centre" ? s.event.centre : by == "district" ? s.event.district : s.event.form;
}

// The groups of one grouping in plan order, then any group only the events name.
json grouping(const ComplianceInput& input, std::string_view by, json* total_out, bool with_names) {
    std::vector<std::string> order;
    std::map<std::string, json> described;  // id → {"id", "name"[, "names"]}
    auto add = [&](const std::string& id, json description) {
        if (described.emplace(id, std::move(description)).second) order.push_back(id);
    };
    for (const auto& c : input.centres) {
        if (!c.in_plan) continue;
        if (by == "centre") add(c.id, {{"id", c.id}, {"name", c.name}});
        if (by == "district") add(c.district, {{"id", c.district}, {"name", c.district_name}});
    }
    if (by == "form")
        for (const auto& f : input.forms) {
            json d = {{"id", f.id}, {"name", f.name.in(input.locale)}};
            if (with_names) d["names"] = {{"kk", f.name.kk}, {"ru", f.name.ru}, {"en", f.name.en}};
            add(f.id, std::move(d));
        }

    std::map<std::string, Tally> tallies;
    Tally total;
    for (const auto& s : input.events) {
        const std::string& key = group_key(s, by);
        add(key, {{"id", key}, {"name", key}});
        const Outcome outcome = outcome_of(s, input.report_due(s), input.today);
        tallies[key].count(s, outcome);
        total.count(s, outcome);
    }
    json groups = json::array();
    for (const auto& id : order) {
        json g = tallies[id].to_json();
        g.update(described[id]);
        groups.push_back(std::move(g));
    }
    if (total_out) *total_out = total.to_json();
    return groups;
}

std::string month_text(date::year_month month) {
    char text[16];
    std::snprintf(text, sizeof text, "%04d-%02u", static_cast<int>(month.year()),
                  static_cast<unsigned>(month.month()));
    return text;
}

json timeline(const ComplianceInput& input, Date first, Date last) {
    const date::year_month first_month{date::year_month_day{first}.year(), date::year_month_day{first}.month()};
    const date::year_month last_month{date::year_month_day{last}.year(), date::year_month_day{last}.month()};
    json months = json::array();
    for (auto m = first_month; m <= last_month; m += date::months{1}) months.push_back(month_text(m));

    const auto in_plan =
        std::count_if(input.centres.begin(), input.centres.end(), [](const auto& c) { return c.in_plan; });
    // A lane per centre for a region; a national plan's 5,000 lanes made a reply of 38 MB.
    const bool by_district = shown_per_district(static_cast<std::size_t>(in_plan));
    struct Lane {
        std::string id, name;
        std::vector<std::map<std::string, int>> cells;  // per month: "total" and each outcome seen
    };
    std::vector<Lane> lanes;
    std::map<std::string, std::size_t, std::less<>> lane_of;  // id → index in lanes
    auto lane = [&](const std::string& id, const std::string& name) -> Lane& {
        auto [at, added] = lane_of.emplace(id, lanes.size());
        if (added) lanes.push_back({id, name, std::vector<std::map<std::string, int>>(months.size())});
        return lanes[at->second];
    };
    for (const auto& c : input.centres)
        if (c.in_plan) by_district ? lane(c.district, c.district_name) : lane(c.id, c.name);
    for (const auto& s : input.events) {
        const std::string& id = by_district ? s.event.district : s.event.centre;
        Lane& row = lane(id, id);
        const auto ymd = date::year_month_day{s.event.date};
        const date::year_month m{ymd.year(), ymd.month()};
        if (m < first_month || m > last_month) continue;
        auto& cell = row.cells[static_cast<size_t>((m - first_month).count())];
        ++cell[std::string(outcome_name(outcome_of(s, input.report_due(s), input.today)))];
        ++cell["total"];
    }
    json rows = json::array();
    for (auto& l : lanes) {
        json cells = json::array();
        for (auto& cell : l.cells) {
            json counts = {{"total", 0}};  // and the outcomes that occur: a missing one is none
            for (const auto& [name, n] : cell) counts[name] = n;
            cells.push_back(std::move(counts));
        }
        rows.push_back({{"id", std::move(l.id)}, {"name", std::move(l.name)}, {"months", std::move(cells)}});
    }
    const char* by = by_district ? "district" : "centre";
    return {{"months", std::move(months)}, {"by", by}, {by_district ? "districts" : "centres", std::move(rows)}};
}

json overdue(const ComplianceInput& input) {
    std::map<std::string, std::string> centre_names, district_names;
    for (const auto& c : input.centres) centre_names[c.id] = c.name, district_names[c.district] = c.district_name;
    struct Late {
        const StoredEvent* event;
        const char* missing;
        Date due;
        int days;
    };
    std::vector<Late> late;
    for (const auto& s : input.events) {
        const Date report_due = input.report_due(s);
        switch (outcome_of(s, report_due, input.today)) {
            case Outcome::not_held:
                late.push_back({&s, "held", s.event.date, static_cast<int>((input.today - s.event.date).count())});
                break;
            case Outcome::report_missing:
                late.push_back({&s, "report", report_due, static_cast<int>((input.today - report_due).count())});
                break;
            default: break;
        }
    }
    std::stable_sort(late.begin(), late.end(), [](const Late& a, const Late& b) { return a.days > b.days; });
    json listed = json::array();
    for (const auto& l : late) {
        const auto& e = l.event->event;
        listed.push_back({{"id", e.id},
                          {"title", e.title},
                          {"centre", e.centre},
                          {"centre_name", centre_names.count(e.centre) ? centre_names[e.centre] : e.centre},
                          {"district", e.district},
                          {"district_name", district_names.count(e.district) ? district_names[e.district] : e.district},
                          {"form", e.form},
                          {"date", format_date(e.date)},
                          {"held_date", l.event->held_date ? json(format_date(*l.event->held_date)) : json()},
                          {"missing", l.missing},
                          {"due", format_date(l.due)},
                          {"days_late", l.days}});
    }
    return listed;
}

}  // namespace

Outcome outcome_of(const StoredEvent& s, Date report_due, Date today) {
    switch (s.state) {
        case EventState::cancelled: return Outcome::cancelled;
        case EventState::planned: return s.event.date < today ? Outcome::not_held : Outcome::upcoming;
        case EventState::reported:
            return s.reported_date && *s.reported_date > report_due ? Outcome::reported_late
                                                                    : Outcome::reported_on_time;
        case EventState::held: return report_due < today ? Outcome::report_missing : Outcome::held;
    }
    return Outcome::upcoming;
}

OutcomeCounts count_outcomes(const std::vector<EventGroup>& groups,
                             const std::function<Date(const StoredEvent&)>& report_due, Date today) {
    OutcomeCounts counts;
    for (const auto& g : groups)
        counts.by_outcome[static_cast<std::size_t>(outcome_of(g.like, report_due(g.like), today))] += g.count;
    return counts;
}

json compliance_groups(const ComplianceInput& input, std::string_view by) {
    json total;
    json groups = grouping(input, by, &total, false);
    return {{"groups", std::move(groups)}, {"total", std::move(total)}};
}

json compliance_detail(const ComplianceInput& input, Date first, Date last) {
    json groupings = json::object();
    for (const char* by : {"centre", "district", "form"}) groupings[by] = grouping(input, by, nullptr, true);
    return {{"groupings", std::move(groupings)}, {"overdue", overdue(input)}, {"timeline", timeline(input, first, last)}};
}

}  // namespace tarat
