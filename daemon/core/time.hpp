#pragma once
// Civil dates, instants and the injectable clock. No I/O.
#include <date/date.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace tarat {

using Date = date::sys_days;                 // a civil day, no time zone
using Instant = std::chrono::sys_seconds;    // a moment, UTC
using Minutes = std::chrono::minutes;

// Strict ISO 8601 calendar date "YYYY-MM-DD"; nullopt for anything else or an impossible day.
std::optional<Date> parse_date(std::string_view text);
std::string format_date(Date day);
// "DD.MM.YYYY", as people in Kazakhstan write a date.
std::string format_dotted(Date day);

// The days from `first` up to, not including, `before`.
struct DayRange {
    Date first, before;
    bool contains(Date day) const { return day >= first && day < before; }
};

// "HH:MM" (24 h) as minutes after midnight.
std::optional<int> parse_hhmm(std::string_view text);
std::string format_hhmm(int minutes_after_midnight);

// ISO 8601 UTC "2026-12-07T04:00:00Z".
std::string format_instant_utc(Instant at);
// ISO 8601 at a zone's offset from UTC: "2026-12-07T09:00:00+05:00".
std::string format_instant_at_offset(Instant at, std::chrono::seconds offset);
std::optional<Instant> parse_instant(std::string_view text);  // accepts Z or ±HH:MM

// Weekdays as a bitmask, bit 0 = Sunday (date::weekday::c_encoding()).
using WeekdaySet = unsigned;
std::optional<unsigned> parse_weekday(std::string_view three_letters);  // "mon".."sun"
std::string_view weekday_name(unsigned c_encoding);
inline bool contains(WeekdaySet set, date::weekday wd) { return (set >> wd.c_encoding()) & 1u; }
constexpr WeekdaySet kWeekdaysMonFri = 0b0111110;
constexpr WeekdaySet kWeekendSatSun = 0b1000001;

// Time comes from here, never from std::chrono::system_clock directly.
class Clock {
public:
    virtual ~Clock() = default;
    virtual Instant now() const = 0;
};

class SystemClock final : public Clock {
public:
    Instant now() const override;
};

// Real time shifted to start at a given moment: end-to-end tests run the real daemon "in" 2026-12.
class OffsetClock final : public Clock {
public:
    explicit OffsetClock(Instant start) : start_(start), started_(std::chrono::steady_clock::now()) {}
    Instant now() const override {
        return start_ + std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_);
    }

private:
    Instant start_;
    std::chrono::steady_clock::time_point started_;
};

// A clock that moves only when told: tests and `taratd preview`.
class ManualClock final : public Clock {
public:
    explicit ManualClock(Instant start) : now_(start) {}
    Instant now() const override { return now_; }
    void set(Instant at) { now_ = at; }
    void advance(std::chrono::seconds by) { now_ += by; }

private:
    Instant now_;
};

}  // namespace tarat
