#include "config/days_off_loader.hpp"

#include "config/table_reader.hpp"
#include "config/toml_guard.hpp"

#include <algorithm>
#include <map>

namespace tarat {
namespace {

using Need = TableReader::Need;

void read_header(TableReader& r, DaysOffTable& table) {
    r.string("country", Need::optional);
    if (auto weekend = r.strings("weekend", Need::optional)) {
        WeekdaySet set = 0;
        for (const auto& name : *weekend) {
            if (auto wd = parse_weekday(name)) set |= 1u << *wd;
            else r.error_at("weekend", "unknown weekday '" + name + "': use mon, tue, wed, thu, fri, sat, sun");
        }
        if (set == 0x7F) r.error_at("weekend", "a week with no working day");
        else table.weekend = set;
    }
    if (const auto* years = r.array("years", Need::optional)) {
        for (const auto& y : *years) {
            if (const auto* i = y.as_integer(); i && i->get() >= 1900 && i->get() <= 2200) table.years.push_back(static_cast<int>(i->get()));
            else r.error_at("years", "years lists whole years such as 2026");
        }
    }
}

std::optional<DayEntry> read_day(TableReader& r) {
    DayEntry day;
    day.pos = r.pos();
    auto date = r.date("date", Need::required);
    if (auto kind = r.string("kind", Need::required)) {
        if (auto k = parse_day_kind(*kind)) day.kind = *k;
        else r.error_at("kind", "unknown kind '" + *kind + "': use holiday, observed_day_off, transferred_day_off, "
                                "religious_day_off, transferred_working_day or not_a_holiday");
    }
    if (const auto* names = r.table("name", Need::required)) {
        TableReader n(*names, r.path("name"), r.file(), r.diagnostics());
        day.name.kk = n.string("kk", Need::optional).value_or("");
        day.name.ru = n.string("ru", Need::optional).value_or("");
        day.name.en = n.string("en", Need::optional).value_or("");
        n.finish();
    }
    if (auto status = r.string("status", Need::required)) {
        if (auto s = parse_day_status(*status)) day.status = *s;
        else r.error_at("status", "unknown status '" + *status + "': use verified, reported, planned, estimated or computed");
    }
    day.note = r.string("note", Need::optional).value_or("");
    if (!date) return std::nullopt;
    day.date = *date;
    return day;
}

std::optional<DaysOffTable> read_days_off(const std::optional<toml::table>& root, const std::string& file,
                                          Diagnostics& local, Diagnostics& diagnostics) {
    DaysOffTable table;
    if (root) {
        TableReader top(*root, "", file, local);
        if (const auto* header = top.table("calendar", Need::required)) {
            TableReader r(*header, "calendar", file, local);
            read_header(r, table);
            r.finish();
        }
        std::map<Date, int> seen;  // date → line of first entry
        if (const auto* days = top.array("day", Need::optional)) {
            for (size_t i = 0; i < days->size(); ++i) {
                std::string path = "day[" + std::to_string(i) + "]";
                const auto* t = (*days)[i].as_table();
                if (!t) {
                    local.error(pos_of((*days)[i].source(), file), "expected a table [[day]]", path);
                    continue;
                }
                TableReader r(*t, path, file, local);
                auto day = read_day(r);
                r.finish();
                if (!day) continue;
                auto [it, fresh] = seen.emplace(day->date, day->pos.line);
                if (!fresh)
                    r.error_at("date", "day " + format_date(day->date) + " is listed twice (first at line " +
                                           std::to_string(it->second) + ")");
                else table.days.push_back(std::move(*day));
            }
        }
        top.finish();
    }
    diagnostics.append(local);
    if (local.has_errors()) return std::nullopt;
    std::sort(table.days.begin(), table.days.end(), [](const DayEntry& a, const DayEntry& b) { return a.date < b.date; });
    return table;
}

}  // namespace

std::optional<DaysOffTable> load_days_off(const std::filesystem::path& file, Diagnostics& diagnostics) {
    Diagnostics local;
    auto root = parse_input_toml_file(file, local);
    return read_days_off(root, file.string(), local, diagnostics);
}

std::optional<DaysOffTable> load_days_off_text(std::string_view text, const std::string& file, Diagnostics& diagnostics) {
    Diagnostics local;
    auto root = parse_input_toml(text, file, local);
    return read_days_off(root, file, local, diagnostics);
}

}  // namespace tarat
