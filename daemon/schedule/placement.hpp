#pragma once
// Turns the plan into dated events: fixed events as written, rules placed on working days.
#include "calendar/working_calendar.hpp"
#include "core/event.hpp"
#include "core/plan.hpp"
#include "core/span.hpp"

#include <optional>
#include <string>
#include <vector>

namespace tarat {

// A rule's event that could not be placed, and why.
struct Unplaced {
    std::string rule;
    std::string centre;
    std::string period;  // "2027-03", "2027-Q1" or "plan"
    std::string reason;  // e.g. "every Tue–Thu is a day off or taken"
    friend bool operator==(const Unplaced&, const Unplaced&) = default;
};

// A pinned event whose rule would now place it elsewhere.
struct PinnedDrift {
    std::string event_id;
    Date pinned_date;
    std::optional<Date> would_be;  // nullopt: the rule no longer produces this event
};

struct Schedule {
    std::vector<ScheduledEvent> events;  // sorted by date, start, id
    std::vector<Unplaced> unplaced;
    std::vector<PinnedDrift> drift;
    std::vector<std::string> warnings;   // e.g. an event on a day whose day off is only planned
    std::vector<std::string> clashes;    // regional events that share a day (fixed or pinned there)
};

// "Now", for placing into a store that lives on (the daemon): a rule places no NEW event on a day
// already past (today too once the rule's start has passed), nor so soon that its form's first
// reminder would be due before now. The caller reads its clock; placement never does.
struct PlacementNow {
    Date today{};
    int minutes = 0;                       // local time of day
    std::vector<Span> default_reminders;   // for a form that names none (the config's [notify] reminders)
};

// What the store adds to the plan.
struct PlacementInput {
    // People were told their date: they keep date and start and come out pinned, also when the
    // plan no longer produces them.
    std::vector<ScheduledEvent> pinned;
    // Events that keep date and start as stored (held, reported, cancelled, or too close to move),
    // pinned or not as they are; left out when the plan no longer produces them.
    std::vector<ScheduledEvent> settled;
    std::optional<PlacementNow> now;  // none: the whole plan, as on the eve of its start (schedule, preview)
};

// Whether a new event of `form` may be placed on `day` at `start` (see PlacementNow).
bool placeable(const Plan& plan, const WorkingCalendar& calendar, const PlacementNow& now, const std::string& form,
               Date day, int start_minutes);

// Deterministic: the same plan, calendar and pins give the same schedule, byte for byte.
// `pinned` are events people were told about (from the store): they keep their date and start.
//
// Constraints consult only the events of the same centre (one a day, min_gap) and of the same
// district (one a day: the same teachers are the audience), so adding a rule or an event for one
// centre can move events only at centres of that centre's district, never elsewhere — except for
// regional forms: one regional event a day across the region (the coordinator and the overseer
// attend them), so a regional event placed anywhere may move another regional one.
// A pinned event keeps its date and start; its other fields follow the current plan while the plan
// still produces its id, and it stays as stored (with drift, would_be = nullopt) once it does not.
Schedule place(const Plan& plan, const WorkingCalendar& calendar, const std::vector<ScheduledEvent>& pinned = {});
// The same with settled events and "now"; a rule's new event that finds no day on or after the
// earliest allowed one is unplaced, and silently so when its whole period is before that day.
Schedule place(const Plan& plan, const WorkingCalendar& calendar, const PlacementInput& input);

// The whole schedule as text, one line per event, then unplaced, drift and warnings: for
// `taratd preview`, logs and comparisons. Deterministic, like place().
std::string format_schedule(const Schedule& schedule);

}  // namespace tarat
