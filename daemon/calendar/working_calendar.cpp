#include "calendar/working_calendar.hpp"

#include <algorithm>
#include <array>
#include <iterator>
#include <map>
#include <mutex>
#include <stdexcept>

namespace tarat {

// Years outside the precomputed range, built on first use. Map nodes are never erased, so the
// references handed out stay valid while any copy of the calendar lives.
struct WorkingCalendar::YearCache {
    std::mutex mutex;
    std::map<int, std::vector<DayEntry>> years;
};

namespace {

using date::days;

constexpr std::array<std::string_view, 6> kKindNames{
    "holiday", "observed_day_off", "transferred_day_off", "religious_day_off", "transferred_working_day",
    "not_a_holiday"};
constexpr std::array<std::string_view, 5> kStatusNames{"verified", "reported", "planned", "estimated", "computed"};

// Longest run of non-working days searched before giving up: guards against a broken table.
constexpr int kMaxSearchDays = 3660;
constexpr WeekdaySet kAllWeek = 0b1111111;

template <typename Enum, size_t N>
std::optional<Enum> parse_enum(const std::array<std::string_view, N>& names, std::string_view name) {
    for (size_t i = 0; i < N; ++i)
        if (names[i] == name) return static_cast<Enum>(i);
    return std::nullopt;
}

int year_of(Date d) { return int(date::year_month_day{d}.year()); }

Date make_date(int year, unsigned month, unsigned day) {
    return Date{date::year{year} / date::month{month} / date::day{day}};
}

bool is_weekend(WeekdaySet weekend, Date d) { return contains(weekend, date::weekday{d}); }

bool by_date(const DayEntry& a, const DayEntry& b) { return a.date < b.date; }

struct FixedHoliday {
    unsigned month, day;
    LocalizedText name;
};

const LocalizedText kNewYear{"Жаңа жыл", "Новый год", "New Year"};
const LocalizedText kWomensDay{"Халықаралық әйелдер күні", "Международный женский день",
                               "International Women's Day"};
const LocalizedText kNauryz{"Наурыз мейрамы", "Наурыз мейрамы", "Nauryz"};
const LocalizedText kUnityDay{"Қазақстан халқының бірлігі мерекесі", "Праздник единства народа Казахстана",
                              "People's Unity Day"};
const LocalizedText kDefenderDay{"Отан қорғаушылар күні", "День защитника Отечества",
                                 "Defender of the Fatherland Day"};
const LocalizedText kVictoryDay{"Жеңіс күні", "День Победы", "Victory Day"};
const LocalizedText kCapitalDay{"Астана күні", "День столицы", "Capital Day"};
const LocalizedText kConstitutionDay{"Конституция күні", "День Конституции", "Constitution Day"};
const LocalizedText kRepublicDay{"Республика күні", "День Республики", "Republic Day"};
const LocalizedText kIndependenceDay{"Тәуелсіздік күні", "День Независимости", "Independence Day"};
const LocalizedText kOrthodoxChristmas{"Православиелік Рождество", "Православное Рождество", "Orthodox Christmas"};

// Constitution Day was 30 Aug until 2025; the 2026 Constitution dropped it for 2026 and set 15 Mar
// from 2027 (see the CSV's 2026-08-30 and 2027-03-15 rows).
std::optional<FixedHoliday> constitution_day(int year) {
    if (year <= 2025) return FixedHoliday{8, 30, kConstitutionDay};
    if (year >= 2027) return FixedHoliday{3, 15, kConstitutionDay};
    return std::nullopt;
}

std::vector<FixedHoliday> fixed_holidays(int year) {
    std::vector<FixedHoliday> list{
        {1, 1, kNewYear},     {1, 2, kNewYear},        {3, 8, kWomensDay},    {3, 21, kNauryz},
        {3, 22, kNauryz},     {3, 23, kNauryz},        {5, 1, kUnityDay},     {5, 7, kDefenderDay},
        {5, 9, kVictoryDay},  {7, 6, kCapitalDay},     {10, 25, kRepublicDay}, {12, 16, kIndependenceDay},
    };
    if (auto c = constitution_day(year)) list.push_back(*c);
    std::sort(list.begin(), list.end(), [](const FixedHoliday& a, const FixedHoliday& b) {
        return std::pair(a.month, a.day) < std::pair(b.month, b.day);
    });
    return list;
}

DayEntry computed_entry(Date d, DayKind kind, LocalizedText name, std::string note = {}) {
    return DayEntry{d, kind, std::move(name), DayStatus::computed, std::move(note), SourcePos{}};
}

LocalizedText observed_name(const LocalizedText& holiday) {
    return {"Демалыс күні (ауыстырылған): " + holiday.kk, "Выходной за " + holiday.ru, "Observed " + holiday.en};
}

bool is_taken(const std::vector<DayEntry>& list, Date d) {
    return std::any_of(list.begin(), list.end(), [d](const DayEntry& e) { return e.date == d; });
}

// Art. 85: a holiday on a weekend gives a day off on the next working day; holidays are walked in
// date order and each move skips days already taken, so Sat-Sun-Mon Nauryz yields Tue and Wed.
void add_observed_days(std::vector<DayEntry>& list, WeekdaySet weekend) {
    std::vector<DayEntry> holidays;
    std::copy_if(list.begin(), list.end(), std::back_inserter(holidays),
                 [](const DayEntry& e) { return e.kind == DayKind::holiday; });
    for (const DayEntry& h : holidays) {
        if (!is_weekend(weekend, h.date)) continue;
        Date d = h.date + days{1};
        while (is_weekend(weekend, d) || is_taken(list, d)) d += days{1};
        list.push_back(computed_entry(d, DayKind::observed_day_off, observed_name(h.name),
                                      "moved from " + format_date(h.date)));
    }
}

// Table entries replace computed ones on the same date; used for years the table does not cover.
std::vector<DayEntry> overlay(std::vector<DayEntry> computed, const std::vector<DayEntry>& table) {
    std::erase_if(computed, [&](const DayEntry& e) { return is_taken(table, e.date); });
    computed.insert(computed.end(), table.begin(), table.end());
    std::stable_sort(computed.begin(), computed.end(), by_date);
    return computed;
}

}  // namespace

std::string_view day_kind_name(DayKind kind) { return kKindNames.at(size_t(kind)); }
std::optional<DayKind> parse_day_kind(std::string_view name) { return parse_enum<DayKind>(kKindNames, name); }
std::string_view day_status_name(DayStatus status) { return kStatusNames.at(size_t(status)); }
std::optional<DayStatus> parse_day_status(std::string_view name) {
    return parse_enum<DayStatus>(kStatusNames, name);
}

bool is_day_off_kind(DayKind kind) {
    return kind == DayKind::holiday || kind == DayKind::observed_day_off || kind == DayKind::transferred_day_off ||
           kind == DayKind::religious_day_off;
}

DaysOffTable compute_days_off_by_law(int year, WeekdaySet weekend) {
    DaysOffTable table;
    table.weekend = weekend;
    table.years = {year};
    for (const FixedHoliday& h : fixed_holidays(year))
        table.days.push_back(computed_entry(make_date(year, h.month, h.day), DayKind::holiday, h.name));
    // Religious days off never move and do not take part in art. 85 moves, but they are taken days.
    table.days.push_back(computed_entry(make_date(year, 1, 7), DayKind::religious_day_off, kOrthodoxChristmas));
    add_observed_days(table.days, weekend);
    std::stable_sort(table.days.begin(), table.days.end(), by_date);
    return table;
}

WorkingCalendar::WorkingCalendar(DaysOffTable table, const date::time_zone* zone, int work_start_minutes,
                                 int work_end_minutes)
    : weekend_(table.weekend & kAllWeek),
      zone_(zone),
      work_start_(work_start_minutes),
      work_end_(work_end_minutes),
      table_years_(std::move(table.years)),
      cache_(std::make_shared<YearCache>()) {
    if (!zone_) throw std::invalid_argument("working calendar: no time zone");
    if (work_start_ < 0 || work_start_ >= work_end_ || work_end_ > 24 * 60)
        throw std::invalid_argument("working calendar: working hours must satisfy 0 <= start < end <= 24:00");
    if (weekend_ == kAllWeek) throw std::invalid_argument("working calendar: every weekday is a weekend day");
    std::sort(table_years_.begin(), table_years_.end());
    table_years_.erase(std::unique(table_years_.begin(), table_years_.end()), table_years_.end());

    std::map<int, std::vector<DayEntry>> table_by_year;
    for (DayEntry& e : table.days) table_by_year[year_of(e.date)].push_back(std::move(e));
    for (auto& [year, list] : table_by_year) std::stable_sort(list.begin(), list.end(), by_date);

    // Everything built here is immutable afterwards, so reads need no lock.
    for (int year : table_years_) resolved_[year] = table_by_year[year];
    if (!table_years_.empty())
        for (int year = table_years_.front() - 1; year <= table_years_.back() + 5; ++year)
            if (!resolved_.contains(year)) resolved_[year] = overlay(build_year(year), table_by_year[year]);
    for (auto& [year, list] : table_by_year)  // stray entries in uncovered years outside the range
        if (!resolved_.contains(year)) resolved_[year] = overlay(build_year(year), list);
    if (!table_years_.empty()) {
        working_from_ = make_date(table_years_.front() - 1, 1, 1);
        for (Date d = working_from_; d < make_date(table_years_.back() + 6, 1, 1); d += days{1})
            working_.push_back(working_by_entries(d));
    }
}

std::vector<DayEntry> WorkingCalendar::build_year(int year) const {
    return compute_days_off_by_law(year, weekend_).days;
}

const std::vector<DayEntry>& WorkingCalendar::year_days(int year) const {
    if (auto it = resolved_.find(year); it != resolved_.end()) return it->second;
    std::lock_guard lock(cache_->mutex);
    auto it = cache_->years.find(year);
    if (it == cache_->years.end()) it = cache_->years.emplace(year, build_year(year)).first;
    return it->second;
}

// The entries dated `d`, in table order.
std::pair<const DayEntry*, const DayEntry*> WorkingCalendar::entries_on(Date d) const {
    const auto& list = year_days(year_of(d));
    const DayEntry* end = list.data() + list.size();
    const DayEntry* first =
        std::lower_bound(list.data(), end, d, [](const DayEntry& e, Date x) { return e.date < x; });
    return {first, std::find_if(first, end, [d](const DayEntry& e) { return e.date != d; })};
}

const DayEntry* WorkingCalendar::entry(Date d) const {
    auto [first, last] = entries_on(d);
    return first != last ? first : nullptr;
}

bool WorkingCalendar::is_working_day(Date d) const {
    const auto offset = (d - working_from_).count();
    if (offset >= 0 && offset < static_cast<long>(working_.size())) return working_[static_cast<size_t>(offset)];
    return working_by_entries(d);
}

bool WorkingCalendar::working_by_entries(Date d) const {
    auto [first, last] = entries_on(d);
    // A day off on the same date wins over a transferred working day: safer to not schedule.
    if (std::any_of(first, last, [](const DayEntry& e) { return is_day_off_kind(e.kind); })) return false;
    if (std::any_of(first, last, [](const DayEntry& e) { return e.kind == DayKind::transferred_working_day; }))
        return true;
    return !is_weekend(weekend_, d);
}

Date WorkingCalendar::step_to_working_day(Date d, int direction) const {
    for (int i = 0; i < kMaxSearchDays; ++i, d += days{direction})
        if (is_working_day(d)) return d;
    throw std::runtime_error("working calendar: no working day within ten years of " + format_date(d));
}

Date WorkingCalendar::next_working_day_on_or_after(Date d) const { return step_to_working_day(d, +1); }
Date WorkingCalendar::previous_working_day_on_or_before(Date d) const { return step_to_working_day(d, -1); }

Date WorkingCalendar::add_working_days(Date from, int n) const {
    if (n == 0) return next_working_day_on_or_after(from);
    const int direction = n > 0 ? 1 : -1;
    Date d = from;
    for (int i = 0; i != n; i += direction) d = step_to_working_day(d + days{direction}, direction);
    return d;
}

Instant WorkingCalendar::next_working_moment(Instant at) const {
    auto [day, minute] = instant_to_local(at);
    if (is_working_day(day)) {
        if (minute < work_start_) return local_to_instant(day, work_start_);
        if (minute < work_end_) return at;
    }
    return local_to_instant(next_working_day_on_or_after(day + days{1}), work_start_);
}

Instant WorkingCalendar::local_to_instant(Date d, int minutes_after_midnight) const {
    auto local = date::local_seconds{d.time_since_epoch()} + std::chrono::minutes{minutes_after_midnight};
    return zone_->to_sys(local, date::choose::earliest);
}

std::pair<Date, int> WorkingCalendar::instant_to_local(Instant at) const {
    auto local = zone_->to_local(at);
    auto day = date::floor<days>(local);
    auto minutes = date::floor<std::chrono::minutes>(local - day);
    return {Date{day.time_since_epoch()}, int(minutes.count())};
}

bool WorkingCalendar::year_is_computed(int year) const {
    return !std::binary_search(table_years_.begin(), table_years_.end(), year);
}

std::vector<DayEntry> WorkingCalendar::days_off(int year) const { return year_days(year); }

}  // namespace tarat
