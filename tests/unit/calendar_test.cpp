#include "calendar/working_calendar.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace tarat;

namespace Catch {
template <>
struct StringMaker<tarat::Date> {
    static std::string convert(tarat::Date d) { return tarat::format_date(d); }
};
template <>
struct StringMaker<tarat::Instant> {
    static std::string convert(tarat::Instant at) { return tarat::format_instant_utc(at); }
};
}  // namespace Catch

namespace {

const char* const kCsvPath = TARAT_SHARED_DIR "/data/kz-days-off-2025-2027.csv";

Date day(std::string_view iso) {
    auto d = parse_date(iso);
    REQUIRE(d.has_value());
    return *d;
}

Instant moment(std::string_view iso) {
    auto at = parse_instant(iso);
    REQUIRE(at.has_value());
    return *at;
}

const date::time_zone* aqtobe() { return date::locate_zone("Asia/Aqtobe"); }

// Splits one CSV line; double-quoted fields may hold commas and "" for a quote.
std::vector<std::string> split_csv_line(const std::string& line) {
    std::vector<std::string> fields(1);
    bool quoted = false;
    for (size_t i = 0; i < line.size(); ++i) {
        char c = line[i];
        if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') fields.back() += line[++i];
        else if (c == '"') quoted = !quoted;
        else if (c == ',' && !quoted) fields.emplace_back();
        else if (c != '\r') fields.back() += c;
    }
    return fields;
}

std::string lower(std::string s) {
    for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

struct CsvRow {
    DayEntry entry;
    std::string weekday;  // as written: "Mon".."Sun"
};

// date,weekday,type,name_ru,name_en,status,note — the CSV has no Kazakh names.
CsvRow parse_csv_row(const std::vector<std::string>& f, int line) {
    REQUIRE(f.size() == 7);
    auto date = parse_date(f[0]);
    auto kind = parse_day_kind(lower(f[2]));
    auto status = parse_day_status(f[5]);
    INFO("CSV line " << line);
    REQUIRE(date.has_value());
    REQUIRE(kind.has_value());
    REQUIRE(status.has_value());
    return {DayEntry{*date, *kind, LocalizedText{"", f[3], f[4]}, *status, f[6], SourcePos{kCsvPath, line, 1}}, f[1]};
}

std::optional<std::vector<CsvRow>> read_csv_rows() {
    std::ifstream in(kCsvPath);
    if (!in) return std::nullopt;
    std::vector<CsvRow> rows;
    std::string line;
    std::getline(in, line);  // header
    for (int number = 2; std::getline(in, line); ++number)
        if (!line.empty()) rows.push_back(parse_csv_row(split_csv_line(line), number));
    return rows;
}

std::optional<DaysOffTable> read_csv_table() {
    auto rows = read_csv_rows();
    if (!rows) return std::nullopt;
    DaysOffTable table;
    table.years = {2025, 2026, 2027};
    for (auto& row : *rows) table.days.push_back(row.entry);
    return table;
}

std::optional<WorkingCalendar> csv_calendar() {
    auto table = read_csv_table();
    if (!table) return std::nullopt;
    return WorkingCalendar(std::move(*table), aqtobe());
}

void warn_missing_csv() { WARN("skipped: " << kCsvPath << " is absent"); }

// "2027-03-24 observed_day_off": one line per entry, for readable set differences.
std::string key(const DayEntry& e) { return format_date(e.date) + " " + std::string(day_kind_name(e.kind)); }

template <typename Pred>
std::set<std::string> keys(const std::vector<DayEntry>& list, Pred keep) {
    std::set<std::string> out;
    for (const auto& e : list)
        if (keep(e)) out.insert(key(e));
    return out;
}

std::string describe(const std::set<std::string>& s) {
    std::ostringstream out;
    for (const auto& k : s) out << "\n  " << k;
    return out.str();
}

std::set<std::string> minus(const std::set<std::string>& a, const std::set<std::string>& b) {
    std::set<std::string> out;
    for (const auto& k : a)
        if (!b.contains(k)) out.insert(k);
    return out;
}

bool in_year(const DayEntry& e, int year) { return int(date::year_month_day{e.date}.year()) == year; }

bool is_kurban_ait(const DayEntry& e) {
    return e.kind == DayKind::religious_day_off && e.name.en.starts_with("Kurban");
}

}  // namespace

// Every kind and status name parses back to its enumerator; unknown or upper-case names do not.
TEST_CASE("kind and status names round-trip") {
    for (auto k : {DayKind::holiday, DayKind::observed_day_off, DayKind::transferred_day_off,
                   DayKind::religious_day_off, DayKind::transferred_working_day, DayKind::not_a_holiday})
        CHECK(parse_day_kind(day_kind_name(k)) == k);
    for (auto s : {DayStatus::verified, DayStatus::reported, DayStatus::planned, DayStatus::estimated,
                   DayStatus::computed})
        CHECK(parse_day_status(day_status_name(s)) == s);
    CHECK(day_kind_name(DayKind::not_a_holiday) == "not_a_holiday");
    CHECK_FALSE(parse_day_kind("NOT_A_HOLIDAY"));
    CHECK_FALSE(parse_day_kind("weekend"));
    CHECK_FALSE(parse_day_status(""));
}

// The CSV's weekday column agrees with its dates, so no row was shifted by hand.
TEST_CASE("CSV weekday column matches the dates") {
    auto rows = read_csv_rows();
    if (!rows) return warn_missing_csv();
    CHECK(rows->size() == 62);
    for (const auto& row : *rows) {
        INFO(format_date(row.entry.date));
        CHECK(lower(row.weekday) == weekday_name(date::weekday{row.entry.date}.c_encoding()));
    }
}

// 2026 from the table: moved days off, the planned Kurban Ait, and 31 Aug a working day because
// Constitution Day is not observed in 2026.
TEST_CASE("2026 days off from the table") {
    auto cal = csv_calendar();
    if (!cal) return warn_missing_csv();
    for (auto off :
         {"2026-03-09", "2026-03-23", "2026-03-24", "2026-03-25", "2026-05-11", "2026-05-27", "2026-10-26"}) {
        INFO(off);
        CHECK_FALSE(cal->is_working_day(day(off)));
    }
    const DayEntry* kurban = cal->entry(day("2026-05-27"));
    REQUIRE(kurban);
    CHECK(kurban->kind == DayKind::religious_day_off);
    CHECK(kurban->status == DayStatus::planned);

    CHECK(cal->is_working_day(day("2026-08-31")));
    const DayEntry* constitution = cal->entry(day("2026-08-30"));
    REQUIRE(constitution);
    CHECK(constitution->kind == DayKind::not_a_holiday);
    CHECK(constitution->status == DayStatus::reported);
    CHECK_FALSE(cal->is_working_day(day("2026-08-30")));  // still a Sunday
    CHECK(cal->is_working_day(day("2026-03-26")));
    CHECK(cal->entry(day("2026-03-26")) == nullptr);
}

// 2025: a government order made Sunday 5 Jan a working day and moved its rest to Friday 3 Jan.
TEST_CASE("2025 transfer of 3 Jan and 5 Jan") {
    auto cal = csv_calendar();
    if (!cal) return warn_missing_csv();
    REQUIRE(date::weekday{day("2025-01-05")} == date::Sunday);
    CHECK(cal->is_working_day(day("2025-01-05")));
    CHECK_FALSE(cal->is_working_day(day("2025-01-03")));
    CHECK_FALSE(cal->is_working_day(day("2025-01-04")));  // Saturday stays off
    CHECK(cal->is_working_day(day("2025-01-06")));
    CHECK_FALSE(cal->is_working_day(day("2025-01-07")));  // Orthodox Christmas
    CHECK(cal->entry(day("2025-01-05"))->kind == DayKind::transferred_working_day);
}

// Working-day arithmetic skips holidays, counts a working Sunday, crosses year ends into table
// and computed years, and runs backwards.
TEST_CASE("add_working_days") {
    auto cal = csv_calendar();
    if (!cal) return warn_missing_csv();
    CHECK(cal->add_working_days(day("2026-12-31"), 1) == day("2027-01-05"));
    CHECK(cal->add_working_days(day("2027-01-05"), -1) == day("2026-12-31"));
    CHECK(cal->add_working_days(day("2025-01-03"), 1) == day("2025-01-05"));
    CHECK(cal->add_working_days(day("2025-01-03"), 2) == day("2025-01-06"));
    CHECK(cal->add_working_days(day("2025-01-03"), 3) == day("2025-01-08"));
    CHECK(cal->add_working_days(day("2025-01-03"), -1) == day("2024-12-31"));  // into computed 2024
    CHECK(cal->add_working_days(day("2025-01-08"), -2) == day("2025-01-05"));
    CHECK(cal->add_working_days(day("2026-03-20"), 1) == day("2026-03-26"));
    CHECK(cal->add_working_days(day("2026-03-26"), -1) == day("2026-03-20"));
    CHECK(cal->add_working_days(day("2026-03-20"), 5) == day("2026-04-01"));
    CHECK(cal->add_working_days(day("2027-12-31"), 1) == day("2028-01-05"));  // table → computed 2028
}

// n == 0 keeps a working day and otherwise moves forward; the on-or-after/before helpers agree.
TEST_CASE("zero steps and nearest working days") {
    auto cal = csv_calendar();
    if (!cal) return warn_missing_csv();
    CHECK(cal->add_working_days(day("2026-03-20"), 0) == day("2026-03-20"));
    CHECK(cal->add_working_days(day("2026-03-21"), 0) == day("2026-03-26"));
    CHECK(cal->next_working_day_on_or_after(day("2026-03-21")) == day("2026-03-26"));
    CHECK(cal->next_working_day_on_or_after(day("2026-03-26")) == day("2026-03-26"));
    CHECK(cal->previous_working_day_on_or_before(day("2026-03-25")) == day("2026-03-20"));
    CHECK(cal->previous_working_day_on_or_before(day("2025-01-05")) == day("2025-01-05"));
    CHECK(cal->previous_working_day_on_or_before(day("2025-01-04")) == day("2024-12-31"));
}

// The next working moment in Asia/Aqtobe (UTC+5, 09:00–18:00): night, before opening, inside
// hours, the closing edge, a Friday evening before a long weekend, a holiday, a working Sunday.
TEST_CASE("next_working_moment") {
    auto cal = csv_calendar();
    if (!cal) return warn_missing_csv();
    auto next = [&](std::string_view at) { return cal->next_working_moment(moment(at)); };
    CHECK(next("2026-03-04T02:00:00+05:00") == moment("2026-03-04T04:00:00Z"));
    CHECK(next("2026-03-04T08:59:59+05:00") == moment("2026-03-04T04:00:00Z"));
    CHECK(next("2026-03-04T09:00:00+05:00") == moment("2026-03-04T04:00:00Z"));
    CHECK(next("2026-03-04T10:30:00+05:00") == moment("2026-03-04T05:30:00Z"));
    CHECK(next("2026-03-04T17:59:59+05:00") == moment("2026-03-04T12:59:59Z"));
    CHECK(next("2026-03-04T18:00:00+05:00") == moment("2026-03-05T04:00:00Z"));
    CHECK(next("2026-03-06T19:00:00+05:00") == moment("2026-03-10T04:00:00Z"));  // Sat, Sun, observed Mon
    CHECK(next("2026-03-23T10:00:00+05:00") == moment("2026-03-26T04:00:00Z"));  // Nauryz
    CHECK(next("2025-01-04T20:00:00+05:00") == moment("2025-01-05T04:00:00Z"));  // working Sunday
    CHECK(next("2026-12-31T18:30:00+05:00") == moment("2027-01-05T04:00:00Z"));
}

// Local wall time converts both ways in UTC+5, including across the UTC day boundary.
TEST_CASE("local time conversion") {
    WorkingCalendar cal(DaysOffTable{}, aqtobe());
    CHECK(cal.zone() == aqtobe());
    CHECK(cal.local_to_instant(day("2026-03-04"), 120) == moment("2026-03-03T21:00:00Z"));
    CHECK(cal.local_to_instant(day("2026-03-04"), 9 * 60) == moment("2026-03-04T04:00:00Z"));
    CHECK(cal.instant_to_local(moment("2026-03-03T21:00:00Z")) == std::pair(day("2026-03-04"), 120));
    CHECK(cal.instant_to_local(moment("2026-03-03T18:59:59Z")) == std::pair(day("2026-03-03"), 23 * 60 + 59));
}

// The law for 2028: New Year on Sat–Sun gives Mon 3 and Tue 4 Jan off, Orthodox Christmas stays
// on Fri 7 Jan, Constitution Day is 15 Mar, and Nauryz (Tue–Thu) moves nothing; all computed.
TEST_CASE("compute_days_off_by_law(2028)") {
    auto law = compute_days_off_by_law(2028);
    REQUIRE(date::weekday{day("2028-01-01")} == date::Saturday);
    REQUIRE(date::weekday{day("2028-03-21")} == date::Tuesday);
    CHECK(law.years == std::vector<int>{2028});
    auto has = [&](std::string_view k) { return keys(law.days, [](auto&) { return true; }).contains(std::string(k)); };
    CHECK(has("2028-01-01 holiday"));
    CHECK(has("2028-01-02 holiday"));
    CHECK(has("2028-01-03 observed_day_off"));
    CHECK(has("2028-01-04 observed_day_off"));
    CHECK(has("2028-01-07 religious_day_off"));
    CHECK(has("2028-03-15 holiday"));
    CHECK(has("2028-05-08 observed_day_off"));  // Defender's Day on Sunday 7 May
    CHECK(has("2028-12-18 observed_day_off"));  // Independence Day on Saturday 16 Dec
    CHECK_FALSE(has("2028-08-30 holiday"));
    CHECK_FALSE(has("2028-01-10 observed_day_off"));
    auto march_moves = keys(law.days, [](const DayEntry& e) {
        return e.kind == DayKind::observed_day_off && unsigned(date::year_month_day{e.date}.month()) == 3;
    });
    CHECK(march_moves.empty());
    CHECK(law.days.size() == 18);
    for (const auto& e : law.days) {
        CHECK(e.status == DayStatus::computed);
        CHECK_FALSE(e.name.kk.empty());
        CHECK_FALSE(e.name.ru.empty());
        CHECK_FALSE(e.name.en.empty());
    }
    CHECK(std::is_sorted(law.days.begin(), law.days.end(), [](auto& a, auto& b) { return a.date < b.date; }));
    const auto& first = law.days.front();
    CHECK(first.name.kk == "Жаңа жыл");
}

// Weekend holidays cascade: Nauryz Sat–Sun–Mon (2026) gives Tue and Wed, Fri–Sat–Sun (2025) gives
// Mon and Tue, Sun–Mon–Tue (2027) gives Wed only.
TEST_CASE("Nauryz moves cascade") {
    auto moves = [](int year) {
        return keys(compute_days_off_by_law(year).days, [](const DayEntry& e) {
            return e.kind == DayKind::observed_day_off && unsigned(date::year_month_day{e.date}.month()) == 3 &&
                   unsigned(date::year_month_day{e.date}.day()) > 21;
        });
    };
    CHECK(moves(2026) == std::set<std::string>{"2026-03-24 observed_day_off", "2026-03-25 observed_day_off"});
    CHECK(moves(2025) == std::set<std::string>{"2025-03-24 observed_day_off", "2025-03-25 observed_day_off"});
    CHECK(moves(2027) == std::set<std::string>{"2027-03-24 observed_day_off"});
}

// The law for 2027 reproduces every CSV row marked computed, plus the reported Constitution Day
// on 15 Mar; the estimated Kurban Ait is left out.
TEST_CASE("law agrees with the CSV's computed 2027 rows") {
    auto table = read_csv_table();
    if (!table) return warn_missing_csv();
    auto law = compute_days_off_by_law(2027).days;
    auto csv_computed =
        keys(table->days, [](const DayEntry& e) { return in_year(e, 2027) && e.status == DayStatus::computed; });
    auto law_keys = keys(law, [](const DayEntry& e) { return e.date != Date{date::year{2027} / 3 / 15}; });
    INFO("in CSV only:" << describe(minus(csv_computed, law_keys)));
    INFO("in law only:" << describe(minus(law_keys, csv_computed)));
    CHECK(csv_computed == law_keys);

    auto all_law = keys(law, [](auto&) { return true; });
    CHECK(all_law.contains("2027-03-15 holiday"));
    auto reported =
        keys(table->days, [](const DayEntry& e) { return in_year(e, 2027) && e.status == DayStatus::reported; });
    CHECK(reported == std::set<std::string>{"2027-03-15 holiday"});
    CHECK_FALSE(all_law.contains("2027-05-16 religious_day_off"));
}

// The law also reproduces the verified 2025 and 2026 rows, apart from the government's 3/5 Jan 2025
// transfer, Kurban Ait and the informational not_a_holiday row: the rules match history.
TEST_CASE("law agrees with the CSV's 2025 and 2026 rows") {
    auto table = read_csv_table();
    if (!table) return warn_missing_csv();
    for (int year : {2025, 2026}) {
        auto csv = keys(table->days, [year](const DayEntry& e) {
            return in_year(e, year) && !is_kurban_ait(e) && e.kind != DayKind::transferred_day_off &&
                   e.kind != DayKind::transferred_working_day && e.kind != DayKind::not_a_holiday;
        });
        auto law = keys(compute_days_off_by_law(year).days, [](auto&) { return true; });
        INFO(year << " in CSV only:" << describe(minus(csv, law)));
        INFO(year << " in law only:" << describe(minus(law, csv)));
        CHECK(csv == law);
    }
}

// Years the table does not cover are computed by law and used for working-day questions.
TEST_CASE("years outside the table are computed") {
    auto cal = csv_calendar();
    if (!cal) return warn_missing_csv();
    CHECK(cal->year_is_computed(2024));
    CHECK_FALSE(cal->year_is_computed(2025));
    CHECK_FALSE(cal->year_is_computed(2027));
    CHECK(cal->year_is_computed(2028));
    CHECK(cal->year_is_computed(2100));  // beyond the precomputed range: built on demand

    CHECK_FALSE(cal->is_working_day(day("2028-01-03")));
    REQUIRE(cal->entry(day("2028-01-03")));
    CHECK(cal->entry(day("2028-01-03"))->status == DayStatus::computed);
    CHECK(cal->entry(day("2027-01-04"))->status == DayStatus::computed);  // the table's own row
    CHECK(cal->entry(day("2027-01-04"))->pos.line > 1);
    CHECK(cal->days_off(2028).size() == compute_days_off_by_law(2028).days.size());
    CHECK_FALSE(cal->is_working_day(day("2100-03-22")));
    CHECK(cal->entry(day("2100-03-22")) == cal->entry(day("2100-03-22")));  // stable address
}

// days_off lists a year's entries in date order, transferred working days and notes included.
TEST_CASE("days_off lists a year's entries in order") {
    auto cal = csv_calendar();
    if (!cal) return warn_missing_csv();
    auto list = cal->days_off(2025);
    CHECK(list.size() == 23);
    CHECK(std::is_sorted(list.begin(), list.end(), [](auto& a, auto& b) { return a.date < b.date; }));
    CHECK(keys(list, [](auto&) { return true; }).contains("2025-01-05 transferred_working_day"));
    CHECK(list.front().name.ru == "Новый год");
    CHECK(cal->days_off(2026).size() == 20);
    CHECK(cal->days_off(2027).size() == 19);
}

// A hand-built table: a Sunday-only weekend, a worked Sunday, a not_a_holiday row, a day off that
// wins over a clashing working-day row, and a stray row in an uncovered year laid over the law.
TEST_CASE("hand-built table") {
    const WeekdaySet sunday_only = 0b0000001;
    DaysOffTable table;
    table.weekend = sunday_only;
    table.years = {2030};
    auto add = [&](std::string_view d, DayKind kind) {
        table.days.push_back(DayEntry{day(d), kind, {}, DayStatus::verified, "", {}});
    };
    REQUIRE(date::weekday{day("2030-01-05")} == date::Saturday);
    add("2030-01-13", DayKind::transferred_working_day);  // a Sunday
    add("2030-01-08", DayKind::not_a_holiday);            // a Tuesday
    add("2030-01-09", DayKind::transferred_working_day);
    add("2030-01-09", DayKind::holiday);
    add("2028-06-05", DayKind::religious_day_off);        // a Monday in an uncovered year
    WorkingCalendar cal(table, aqtobe(), 8 * 60, 17 * 60);

    CHECK(cal.is_working_day(day("2030-01-05")));
    CHECK_FALSE(cal.is_working_day(day("2030-01-06")));
    CHECK(cal.is_working_day(day("2030-01-13")));
    CHECK(cal.is_working_day(day("2030-01-08")));
    CHECK_FALSE(cal.is_working_day(day("2030-01-09")));
    CHECK(cal.entry(day("2030-01-09"))->kind == DayKind::transferred_working_day);  // first in table order
    CHECK(cal.is_working_day(day("2030-01-01")));  // the table covers 2030 and lists no New Year
    CHECK(cal.add_working_days(day("2030-01-04"), 1) == day("2030-01-05"));

    CHECK(cal.year_is_computed(2028));
    CHECK_FALSE(cal.is_working_day(day("2028-06-05")));
    CHECK(cal.entry(day("2028-06-05"))->status == DayStatus::verified);
    // With Saturday worked, the law moves only Sunday 2 Jan 2028's day off, to Monday.
    CHECK(cal.is_working_day(day("2028-01-01")) == false);
    CHECK_FALSE(cal.is_working_day(day("2028-01-03")));
    CHECK(cal.is_working_day(day("2028-01-04")));
    CHECK(cal.next_working_moment(moment("2030-01-05T07:00:00+05:00")) == moment("2030-01-05T03:00:00Z"));
}

// Construction rejects a missing zone, impossible working hours and a week with no working day.
TEST_CASE("constructor rejects bad arguments") {
    CHECK_THROWS_AS(WorkingCalendar(DaysOffTable{}, nullptr), std::invalid_argument);
    CHECK_THROWS_AS(WorkingCalendar(DaysOffTable{}, aqtobe(), 18 * 60, 9 * 60), std::invalid_argument);
    CHECK_THROWS_AS(WorkingCalendar(DaysOffTable{}, aqtobe(), -1, 9 * 60), std::invalid_argument);
    CHECK_THROWS_AS(WorkingCalendar(DaysOffTable{}, aqtobe(), 9 * 60, 24 * 60 + 1), std::invalid_argument);
    DaysOffTable no_work;
    no_work.weekend = 0b1111111;
    CHECK_THROWS_AS(WorkingCalendar(no_work, aqtobe()), std::invalid_argument);
    CHECK_NOTHROW(WorkingCalendar(DaysOffTable{}, aqtobe(), 0, 24 * 60));
}

// Concurrent const reads of years built on demand give the same answers as a single thread.
TEST_CASE("concurrent reads of years built on demand") {
    WorkingCalendar shared(DaysOffTable{}, aqtobe());
    WorkingCalendar reference(DaysOffTable{}, aqtobe());
    auto walk = [](const WorkingCalendar& cal) {
        std::vector<Date> out;
        for (int year = 2200; year < 2240; ++year)
            out.push_back(cal.add_working_days(Date{date::year{year} / 3 / 20}, 3));
        return out;
    };
    const auto expected = walk(reference);
    std::vector<std::vector<Date>> results(4);
    std::vector<std::thread> threads;
    for (auto& r : results) threads.emplace_back([&] { r = walk(shared); });
    for (auto& t : threads) t.join();
    for (const auto& r : results) CHECK(r == expected);
}

// Working days are read from a table of the precomputed years (the table's, one before, five
// after) and worked out from the entries beyond it: the law's days off on both sides of the seam.
TEST_CASE("working days read the same inside and beyond the precomputed years") {
    DaysOffTable table;
    table.years = {2025};  // precomputed 2024-2030, from 2031 on worked out
    WorkingCalendar cal(table, aqtobe());
    int days_off = 0;
    for (Date d = day("2029-12-01"); d < day("2032-02-01"); d += date::days{1}) {
        const auto law = compute_days_off_by_law(static_cast<int>(date::year_month_day{d}.year())).days;
        const bool off_by_law = std::any_of(law.begin(), law.end(), [&](const DayEntry& e) { return e.date == d; });
        const auto weekday = date::weekday{d};
        INFO(format_date(d));
        CHECK(cal.is_working_day(d) == !(off_by_law || weekday == date::Saturday || weekday == date::Sunday));
        days_off += cal.is_working_day(d) ? 0 : 1;
    }
    CHECK(days_off > 2 * 104 + 20);  // weekends and holidays of two years and two months
    CHECK_FALSE(cal.is_working_day(day("2030-12-16")));  // precomputed: Independence Day
    CHECK_FALSE(cal.is_working_day(day("2031-12-16")));  // worked out
    CHECK(cal.is_working_day(day("2031-01-06")));
}
