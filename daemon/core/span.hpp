#pragma once
// A length of time as the plan writes it: "3 working days", "10 days", "3 hours", "90 minutes".
#include <optional>
#include <string>
#include <string_view>

namespace tarat {

struct Span {
    enum class Unit { working_days, days, minutes };
    Unit unit = Unit::minutes;
    int count = 0;

    friend bool operator==(const Span&, const Span&) = default;
};

// Accepts "N working days"/"N working day"/"N wd", "N days"/"N day"/"N d",
// "N hours"/"N hour"/"N h", "N minutes"/"N minute"/"N min"/"N m". Hours become minutes.
std::optional<Span> parse_span(std::string_view text);
std::string format_span(const Span& span);

}  // namespace tarat
