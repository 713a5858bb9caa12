#include "core/span.hpp"

#include <charconv>

namespace tarat {

std::optional<Span> parse_span(std::string_view text) {
    size_t i = 0;
    while (i < text.size() && text[i] == ' ') ++i;
    size_t digits_from = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    if (i == digits_from || i - digits_from > 6) return std::nullopt;
    int count = 0;
    std::from_chars(text.data() + digits_from, text.data() + i, count);
    while (i < text.size() && text[i] == ' ') ++i;
    std::string_view unit = text.substr(i);
    while (!unit.empty() && unit.back() == ' ') unit.remove_suffix(1);

    const bool in_days = unit == "working days" || unit == "working day" || unit == "wd" || unit == "days" ||
                         unit == "day" || unit == "d";
    if (in_days && count > kMaxSpanDays) return std::nullopt;
    if (unit == "working days" || unit == "working day" || unit == "wd") return Span{Span::Unit::working_days, count};
    if (unit == "days" || unit == "day" || unit == "d") return Span{Span::Unit::days, count};
    if (unit == "hours" || unit == "hour" || unit == "h") return Span{Span::Unit::minutes, count * 60};
    if (unit == "minutes" || unit == "minute" || unit == "min" || unit == "m") return Span{Span::Unit::minutes, count};
    return std::nullopt;
}

std::string format_span(const Span& span) {
    auto n = std::to_string(span.count);
    switch (span.unit) {
        case Span::Unit::working_days: return n + (span.count == 1 ? " working day" : " working days");
        case Span::Unit::days: return n + (span.count == 1 ? " day" : " days");
        case Span::Unit::minutes:
            if (span.count % 60 == 0 && span.count != 0) {
                auto h = std::to_string(span.count / 60);
                return h + (span.count == 60 ? " hour" : " hours");
            }
            return n + (span.count == 1 ? " minute" : " minutes");
    }
    return n;
}

}  // namespace tarat
