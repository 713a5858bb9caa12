#pragma once
// Turns the plan into dated events: fixed events as written, rules placed on working days.
#include "calendar/working_calendar.hpp"
#include "core/event.hpp"
#include "core/plan.hpp"
#include "core/span.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace tarat {

// Why a rule's event found no day in its period; unplaced_reason() words it.
enum class UnplacedCause {
    days_off,        // every weekday the rule allows is a day off
    too_soon,        // the working ones left come before `earliest`
    taken,           // every one is a day off or taken by the centre, its district or a regional event
    regional_apart,  // those `gap` days from the centre's events have another regional event
    no_gap,          // none is `gap` days from the centre's other events
};

// A rule's event that could not be placed, and why.
struct Unplaced {
    std::string rule;
    std::string centre;
    std::string period;  // "2027-03", "2027-Q1" or "plan"
    std::string reason;  // unplaced_reason(*this, "en", district id): for JSON and logs
    UnplacedCause cause = UnplacedCause::days_off;
    WeekdaySet weekdays = 0;       // the rule's
    bool summer_excluded = false;  // days_off: June–August were not the rule's to take
    std::string district;          // taken: the centre's district (id)
    bool regional = false;         // taken: regional events took days too
    Date earliest{};               // too_soon: the first day a new event may take
    int gap = 0;                   // regional_apart, no_gap: days from the centre's other events
    int widest_gap = 0;            // no_gap: the widest gap events already there keep, when wider
    friend bool operator==(const Unplaced&, const Unplaced&) = default;
};

// Why `u` found no day, in `locale` (ru, en; anything else kk): kk and ru with weekdays by name,
// dates DD.MM.YYYY and the district as `district` gives it; en as placement has always said it,
// ISO dates.
std::string unplaced_reason(const Unplaced& u, std::string_view locale, std::string_view district);
// A period label in words: "2027 ж. наурыз", "март 2027 г.", "March 2027"; "2027 ж. I тоқсан",
// "I квартал 2027 г.", "Q1 2027"; "plan": the plan's whole period.
std::string period_text(std::string_view period, std::string_view locale);

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

// place(), each event handed to `each` in the schedule's order as it is made instead of all held
// at once: the schedule comes back without its events. A national plan's 200,000 events are
// ~80 MB as ScheduledEvents, placement's own record of them 5 MB.
Schedule place_each(const Plan& plan, const WorkingCalendar& calendar, const PlacementInput& input,
                    const std::function<void(ScheduledEvent&&)>& each);

// The whole schedule as text, one line per event, then unplaced, drift and warnings: for
// `taratd preview`, logs and comparisons. Deterministic, like place().
std::string format_schedule(const Schedule& schedule);

}  // namespace tarat
