#include "core/time.hpp"

#include <array>
#include <charconv>
#include <cstdio>
#include <cstdlib>

namespace tarat {
namespace {

bool parse_digits(std::string_view text, size_t from, size_t count, int& out) {
    if (from + count > text.size()) return false;
    out = 0;
    for (size_t i = from; i < from + count; ++i) {
        char c = text[i];
        if (c < '0' || c > '9') return false;
        out = out * 10 + (c - '0');
    }
    return true;
}

constexpr std::array<std::string_view, 7> kWeekdayNames{"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

}  // namespace

std::optional<Date> parse_date(std::string_view text) {
    int y = 0, m = 0, d = 0;
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
    if (!parse_digits(text, 0, 4, y) || !parse_digits(text, 5, 2, m) || !parse_digits(text, 8, 2, d))
        return std::nullopt;
    date::year_month_day ymd{date::year{y}, date::month{unsigned(m)}, date::day{unsigned(d)}};
    if (!ymd.ok()) return std::nullopt;
    return Date{ymd};
}

std::string format_date(Date day) {
    date::year_month_day ymd{day};
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", int(ymd.year()), unsigned(ymd.month()), unsigned(ymd.day()));
    return buf;
}

std::string format_dotted(Date day) {
    date::year_month_day ymd{day};
    char buf[16];
    std::snprintf(buf, sizeof buf, "%02u.%02u.%04d", unsigned(ymd.day()), unsigned(ymd.month()), int(ymd.year()));
    return buf;
}

std::optional<int> parse_hhmm(std::string_view text) {
    int h = 0, m = 0;
    if (text.size() != 5 || text[2] != ':') return std::nullopt;
    if (!parse_digits(text, 0, 2, h) || !parse_digits(text, 3, 2, m)) return std::nullopt;
    if (h > 23 || m > 59) return std::nullopt;
    return h * 60 + m;
}

std::string format_hhmm(int minutes_after_midnight) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%02d:%02d", minutes_after_midnight / 60, minutes_after_midnight % 60);
    return buf;
}

namespace {

// `clock` (a UTC instant, or one shifted by an offset) as YYYY-MM-DDTHH:MM:SS, then `zone`. By hand,
// not date::format: every notice key and every line of a preview has one, and a stream each was 3%
// of a preview.
std::string format_clock(Instant clock, const char* zone) {
    const auto day = date::floor<date::days>(clock);
    const date::year_month_day ymd{day};
    const date::hh_mm_ss<std::chrono::seconds> time{clock - day};
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d%s", int(ymd.year()), unsigned(ymd.month()),
                  unsigned(ymd.day()), int(time.hours().count()), int(time.minutes().count()),
                  int(time.seconds().count()), zone);
    return buf;
}

}  // namespace

std::string format_instant_utc(Instant at) { return format_clock(at, "Z"); }

std::string format_instant_at_offset(Instant at, std::chrono::seconds offset) {
    const long minutes = std::chrono::duration_cast<std::chrono::minutes>(offset).count();
    char zone[16];
    std::snprintf(zone, sizeof zone, "%c%02ld:%02ld", minutes < 0 ? '-' : '+', std::abs(minutes) / 60,
                  std::abs(minutes) % 60);
    return format_clock(at + offset, zone);
}

std::optional<Instant> parse_instant(std::string_view text) {
    // YYYY-MM-DDTHH:MM:SS then Z or ±HH:MM
    if (text.size() < 20 || text[10] != 'T' || text[13] != ':' || text[16] != ':') return std::nullopt;
    auto day = parse_date(text.substr(0, 10));
    int h = 0, m = 0, s = 0;
    if (!day || !parse_digits(text, 11, 2, h) || !parse_digits(text, 14, 2, m) || !parse_digits(text, 17, 2, s))
        return std::nullopt;
    if (h > 23 || m > 59 || s > 60) return std::nullopt;
    Instant local = Instant{*day} + std::chrono::hours{h} + std::chrono::minutes{m} + std::chrono::seconds{s};
    std::string_view zone = text.substr(19);
    if (zone == "Z") return local;
    int oh = 0, om = 0;
    if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':' || !parse_digits(zone, 1, 2, oh) ||
        !parse_digits(zone, 4, 2, om))
        return std::nullopt;
    auto offset = std::chrono::hours{oh} + std::chrono::minutes{om};
    return zone[0] == '+' ? local - offset : local + offset;
}

std::optional<unsigned> parse_weekday(std::string_view three_letters) {
    for (unsigned i = 0; i < kWeekdayNames.size(); ++i)
        if (kWeekdayNames[i] == three_letters) return i;
    return std::nullopt;
}

std::string_view weekday_name(unsigned c_encoding) { return kWeekdayNames.at(c_encoding % 7); }

Instant SystemClock::now() const {
    return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

}  // namespace tarat
