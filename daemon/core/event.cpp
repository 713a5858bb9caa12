#include "core/event.hpp"

#include <array>

namespace tarat {
namespace {
constexpr std::array<std::string_view, 4> kStateNames{"planned", "held", "reported", "cancelled"};
constexpr std::array<std::string_view, 7> kOutcomeNames{"upcoming",      "not_held",       "held", "reported_on_time",
                                                        "reported_late", "report_missing", "cancelled"};
}  // namespace

std::string_view state_name(EventState s) { return kStateNames.at(static_cast<size_t>(s)); }

std::optional<EventState> parse_state(std::string_view name) {
    for (size_t i = 0; i < kStateNames.size(); ++i)
        if (kStateNames[i] == name) return static_cast<EventState>(i);
    return std::nullopt;
}

std::string_view outcome_name(Outcome outcome) { return kOutcomeNames.at(static_cast<size_t>(outcome)); }

}  // namespace tarat
