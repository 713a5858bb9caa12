#pragma once
// The working calendar: weekends, holidays, moved days off, transferred working days, the time
// zone, working-day arithmetic and the next moment inside working hours.
#include "core/diagnostic.hpp"
#include "core/plan.hpp"
#include "core/time.hpp"

#include <date/tz.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tarat {

enum class DayKind {
    holiday,                  // a public holiday on its own date
    observed_day_off,         // a holiday fell on a weekend: the day off moved here (Labour Code art. 85)
    transferred_day_off,      // a government order moved a day off here ...
    religious_day_off,        // Orthodox Christmas, Kurban Ait: never moved
    transferred_working_day,  // ... from here: a weekend day that is worked
    not_a_holiday,            // informational: a former holiday not observed; its weekday decides
};
enum class DayStatus { verified, reported, planned, estimated, computed };

std::string_view day_kind_name(DayKind kind);
std::optional<DayKind> parse_day_kind(std::string_view name);
std::string_view day_status_name(DayStatus status);
std::optional<DayStatus> parse_day_status(std::string_view name);

// True for the kinds that make a day a day off whatever its weekday.
bool is_day_off_kind(DayKind kind);

struct DayEntry {
    Date date;
    DayKind kind = DayKind::holiday;
    LocalizedText name;
    DayStatus status = DayStatus::verified;
    std::string note;
    SourcePos pos;
};

struct DaysOffTable {
    WeekdaySet weekend = kWeekendSatSun;
    std::vector<int> years;  // the years the table covers completely
    std::vector<DayEntry> days;
};

// Thread-safe for concurrent const use; copies share the cache of computed years.
class WorkingCalendar {
public:
    // Throws std::invalid_argument for a null zone, hours outside 0 <= start < end <= 24*60, or
    // a weekend of all seven days.
    WorkingCalendar(DaysOffTable table, const date::time_zone* zone, int work_start_minutes = 9 * 60,
                    int work_end_minutes = 18 * 60);

    // Weekend days are off unless transferred_working_day; holiday, observed, transferred and
    // religious days off are off; not_a_holiday leaves the weekday to decide.
    bool is_working_day(Date d) const;
    // The table (or computed) entry for that day, or nullptr. Valid as long as the calendar
    // (or a copy of it) lives.
    const DayEntry* entry(Date d) const;

    // n > 0: the n-th working day after `from`; n < 0: before; n == 0: `from` if working, else the
    // next working day. Throws std::runtime_error if no working day is found within ten years.
    Date add_working_days(Date from, int n) const;
    Date next_working_day_on_or_after(Date d) const;
    Date previous_working_day_on_or_before(Date d) const;

    // `at` itself when inside [start, end) of a working day in the zone, else the start of the
    // next working day's hours.
    Instant next_working_moment(Instant at) const;

    // Local wall time in the zone; a time skipped by a clock change maps to the change itself.
    Instant local_to_instant(Date d, int minutes_after_midnight) const;
    std::pair<Date, int> instant_to_local(Instant at) const;  // minutes rounded down

    bool year_is_computed(int year) const;  // true when the table does not cover the year
    // Every entry of the year in date order, transferred working days and not_a_holiday included.
    std::vector<DayEntry> days_off(int year) const;

    const date::time_zone* zone() const { return zone_; }
    WeekdaySet weekend() const { return weekend_; }
    int work_start_minutes() const { return work_start_; }
    int work_end_minutes() const { return work_end_; }

private:
    struct YearCache;  // years computed on demand, outside the precomputed range

    const std::vector<DayEntry>& year_days(int year) const;
    std::pair<const DayEntry*, const DayEntry*> entries_on(Date d) const;
    std::vector<DayEntry> build_year(int year) const;
    Date step_to_working_day(Date d, int direction) const;
    bool working_by_entries(Date d) const;

    WeekdaySet weekend_;
    const date::time_zone* zone_;
    int work_start_;
    int work_end_;
    std::vector<int> table_years_;  // sorted, unique
    // Per year, sorted by date: the table's years and the computed years [first-1, last+5]. Built
    // in the constructor and never changed, so reads need no lock.
    std::map<int, std::vector<DayEntry>> resolved_;
    // Whether each day of the precomputed years is a working day, from working_from_: asked for
    // every notice and every placement, a lookup in resolved_ each time cost a thirtieth of a preview.
    Date working_from_{};
    std::vector<bool> working_;
    std::shared_ptr<YearCache> cache_;
};

// The days off the law gives for a year (Labour Code art. 84/85), all with status computed:
// fixed holidays, weekend holidays moved to the next working day (cascading), Orthodox Christmas
// unmoved. Kurban Ait is omitted (its date is not computable here); government transfers are
// not law and are not produced.
DaysOffTable compute_days_off_by_law(int year, WeekdaySet weekend = kWeekendSatSun);

}  // namespace tarat
