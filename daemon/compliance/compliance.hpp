#pragma once
// How the plan's events went: counts per centre, district or form (planned, held on the planned
// date, postponed, cancelled, reports on time / late / missing, participants), the list of what is
// overdue and by how many days, and each centre's events by month. Pure: the caller reads the store.
#include "core/plan.hpp"
#include "core/time.hpp"
#include "store/store.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace tarat {

struct ComplianceInput {
    std::vector<StoredCentre> centres;  // by district, then id (as the store lists them)
    std::vector<Form> forms;            // in plan order
    std::vector<StoredEvent> events;    // already narrowed to the period
    std::function<Date(const StoredEvent&)> report_due;
    Date today{};
    std::string locale;  // the language of a form's "name"
};

// Where one event stands today: the one rule for the report, the weekly digest and systemd's
// status line. Outcome and outcome_name are in core/event.hpp.
Outcome outcome_of(const StoredEvent& event, Date report_due, Date today);

// How many events have each outcome as of `today`, counted over the store's groups of alike events
// (Store::event_groups): `status` and systemd's status line, without reading every event.
struct OutcomeCounts {
    std::array<std::size_t, 7> by_outcome{};  // indexed by Outcome
    std::size_t operator[](Outcome outcome) const { return by_outcome[static_cast<std::size_t>(outcome)]; }
};
OutcomeCounts count_outcomes(const std::vector<EventGroup>& groups,
                             const std::function<Date(const StoredEvent&)>& report_due, Date today);

// `taratctl compliance`'s table: {"groups": [...], "total": {...}} for by = centre, district or form.
// Every group of the plan appears, with zeros when it has no events.
nlohmann::json compliance_groups(const ComplianceInput& input, std::string_view by);

// What the full report adds (`detail`): "groupings" (all three), "overdue" (most days late first)
// and "timeline" (per month from `first` to `last`, events by outcome: "by" "centre", in lanes
// "centres", or for a plan of more centres than a picture holds "district", in lanes "districts").
nlohmann::json compliance_detail(const ComplianceInput& input, Date first, Date last);

}  // namespace tarat
