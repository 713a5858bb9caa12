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
// Days and working days go up to kMaxSpanDays: a reminder thousands of working days ahead is a
// typo, and walking the calendar that far takes seconds.
inline constexpr int kMaxSpanDays = 1000;
std::optional<Span> parse_span(std::string_view text);
// What an error about a text parse_span refused tells the user to write.
inline constexpr std::string_view kSpanSyntax =
    "write \"N working days\", \"N days\", \"N hours\" or \"N minutes\" (at most 1000 days)";
std::string format_span(const Span& span);

}  // namespace tarat
