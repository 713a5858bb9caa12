#pragma once
// A dated event: a fixed one from the plan, or one the scheduler placed for a rule.
#include "core/time.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace tarat {

enum class EventState { planned, held, reported, cancelled };
std::string_view state_name(EventState s);
std::optional<EventState> parse_state(std::string_view name);

// Where one event stands today (compliance/ decides which): each event has exactly one.
enum class Outcome { upcoming, not_held, held, reported_on_time, reported_late, report_missing, cancelled };
std::string_view outcome_name(Outcome outcome);

struct ScheduledEvent {
    std::string id;        // fixed: the plan's id; rule: "<rule>.<centre>.<period>[.<n>]"
    std::string centre;
    std::string district;
    std::string form;
    std::string title;
    std::string audience;
    std::string responsible;  // person id
    Date date;
    int start_minutes = 0;  // local time
    int end_minutes = 0;
    std::string source;  // "fixed" or the rule id
    bool pinned = false;

    friend bool operator==(const ScheduledEvent&, const ScheduledEvent&) = default;
};

}  // namespace tarat
