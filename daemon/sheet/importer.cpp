#include "sheet/importer.hpp"

#include "config/days_off_loader.hpp"
#include "config/plan_loader.hpp"
#include "config/setup.hpp"
#include "config/toml_guard.hpp"
#include "core/input_file.hpp"
#include "core/text.hpp"
#include "schedule/placement.hpp"
#include "sheet/columns.hpp"

#include <date/tz.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <variant>

namespace tarat::sheet {
namespace {

struct Problem {
    int row, column;
    std::string line;
};

std::string trimmed(std::string_view text) {
    const auto* ws = " \t\r\n";
    const auto first = text.find_first_not_of(ws);
    if (first == std::string_view::npos) return {};
    return std::string(text.substr(first, text.find_last_not_of(ws) - first + 1));
}

// A TOML basic string.
std::string toml_string(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            case '\r': break;
            default:
                if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04X", unsigned(static_cast<unsigned char>(c)));
                    out += buf;
                } else out += c;
        }
    }
    return out + "\"";
}

const char* const kMonthNames[] = {"", "January", "February", "March", "April", "May", "June", "July", "August",
                                   "September", "October", "November", "December"};

// DD.MM.YYYY (also D.M.YYYY and with '/'), or ISO; why not when it is no date.
std::variant<Date, std::string> text_date(const std::string& text) {
    if (auto iso = parse_date(text)) return *iso;
    unsigned d = 0, m = 0;
    int y = 0;
    char s1 = 0, s2 = 0;
    int used = 0;
    if (std::sscanf(text.c_str(), "%2u%c%2u%c%4d%n", &d, &s1, &m, &s2, &y, &used) == 5 && size_t(used) == text.size() &&
        s1 == s2 && (s1 == '.' || s1 == '/') && y >= 1900) {
        const date::year_month_day ymd{date::year{y}, date::month{m}, date::day{d}};
        if (ymd.ok()) return Date{ymd};
        if (m >= 1 && m <= 12)
            return "'" + text + "' is not a date: " + kMonthNames[m] + " " + std::to_string(y) + " has " +
                   std::to_string(unsigned((date::year{y} / date::month{m} / date::last).day())) + " days";
        return "'" + text + "' is not a date: there is no month " + std::to_string(m);
    }
    return "'" + text + "' is not a date: write DD.MM.YYYY (09.12.2026) or make it a date cell";
}

std::optional<int> text_time(const std::string& text) {
    if (auto m = parse_hhmm(text)) return m;
    unsigned h = 0, mm = 0;
    char sep = 0;
    int used = 0;
    if (std::sscanf(text.c_str(), "%2u%c%2u%n", &h, &sep, &mm, &used) == 3 && size_t(used) == text.size() &&
        (sep == ':' || sep == '.') && h < 24 && mm < 60)
        return int(h * 60 + mm);
    return std::nullopt;
}

std::string candidates_text(const std::vector<std::string>& names) {
    std::string out;
    for (size_t i = 0; i < names.size(); ++i) out += (i ? ", '" : "'") + names[i] + "'";
    return out;
}

// Names without the «» and quotes people type or leave out, in capitals.
std::string bare(std::string_view text) {
    std::string out;
    for (size_t i = 0; i < text.size();) {
        if (text.substr(i).starts_with("«") || text.substr(i).starts_with("»")) {
            i += 2;
            continue;
        }
        if (text[i] == '"' || text[i] == '\'') {
            ++i;
            continue;
        }
        out += text[i++];
    }
    return to_upper(trimmed(out));
}

// «Еркемай» of "«Еркемай» бөбекжай-бақшасы» МКҚК": what people call a centre, and what a typo is
// closest to.
std::string short_name(const std::string& name) {
    const auto open = name.find("«");
    if (open == std::string::npos) return "";
    const auto close = name.find("»", open);
    return close == std::string::npos ? "" : name.substr(open + 2, close - open - 2);
}

// An id or a name in any language → the id; or the message with the closest names.
struct Named {
    std::string id;
    std::vector<std::string> names;
};

std::variant<std::string, std::string> find_named(const std::string& text, const std::vector<Named>& items,
                                                  const char* what, bool allow_part) {
    for (const auto& item : items)
        if (item.id == text) return std::variant<std::string, std::string>(std::in_place_index<0>, item.id);
    const std::string wanted = bare(text);
    std::vector<std::string> partial;
    for (const auto& item : items)
        for (const auto& name : item.names) {
            if (name.empty()) continue;
            const std::string have = bare(name);
            if (have == wanted) return std::variant<std::string, std::string>(std::in_place_index<0>, item.id);
            if (allow_part && wanted.size() >= 4 && have.find(wanted) != std::string::npos &&
                std::find(partial.begin(), partial.end(), item.id) == partial.end())
                partial.push_back(item.id);
        }
    if (partial.size() == 1) return std::variant<std::string, std::string>(std::in_place_index<0>, partial.front());
    std::vector<std::string> all;
    for (const auto& item : items) {
        all.push_back(item.id);
        for (const auto& name : item.names)
            if (!name.empty() && std::find(all.begin(), all.end(), name) == all.end()) all.push_back(name);
    }
    auto close = partial.size() > 1 ? partial : closest_names(text, all);
    std::string message = std::string(partial.size() > 1 ? "ambiguous " : "unknown ") + what + " '" + text + "'";
    if (!close.empty()) message += " (did you mean " + candidates_text(close) + "?)";
    return std::variant<std::string, std::string>(std::in_place_index<1>, message);
}

struct Header {
    int last_row = 0;  // the data starts after it
    std::map<Field, int> columns;
};

// The first row (of the first 20) naming two of our columns; a second header row under it (merged
// cells over "Начало"/"Окончание") adds the fields it names.
std::optional<Header> find_header(const Sheet& sheet, std::vector<Problem>& problems) {
    for (const auto& [row, cells] : sheet.rows) {
        if (row > 20) break;
        Header header;
        auto take_row = [&](int r) {
            auto it = sheet.rows.find(r);
            if (it == sheet.rows.end()) return 0;
            int found = 0;
            for (const auto& [column, cell] : it->second) {
                auto field = field_of_header(cell.text);
                if (!field) continue;
                if (auto [at, fresh] = header.columns.emplace(*field, column); !fresh) {
                    if (at->second != column)
                        problems.push_back({r, column, sheet.where(r, column) + ": error: a second '" + cell.text +
                                                           "' column (the first is " + column_letters(at->second) + ")"});
                    continue;
                }
                ++found;
            }
            return found;
        };
        if (take_row(row) < 2) continue;
        header.last_row = row;
        if (take_row(row + 1) > 0) header.last_row = row + 1;
        return header;
    }
    return std::nullopt;
}

class Importer {
public:
    Importer(const Sheet& sheet, const Plan& plan, const WorkingCalendar& calendar)
        : sheet_(sheet), plan_(plan), calendar_(calendar) {
        for (const auto& c : plan.centres) centres_.push_back({c.id, {c.name, short_name(c.name)}});
        for (const auto& f : plan.forms) forms_.push_back({f.id, {f.name.kk, f.name.ru, f.name.en}});
        for (const auto& p : plan.people) people_.push_back({p.id, {p.name}});
        for (const auto& e : place(plan, calendar).events)
            if (e.source != "fixed") by_rules_.emplace(e.id, e);
    }

    struct Row {
        int row;
        FixedEvent event;
        bool id_given = false;
        int id_column = 0;
    };

    std::vector<Row> rows;
    std::vector<Problem> problems;
    std::size_t skipped_by_rules = 0;

    void read() {
        auto header = find_header(sheet_, problems);
        if (!header) {
            problems.push_back({0, 0, sheet_.where() + (sheet_.name.empty() ? "" : ":" + sheet_.name) +
                                          ": error: no header row: name the columns " + required_headers() +
                                          " (the template: plan-template.xlsx)"});
            return;
        }
        header_ = *header;
        for (const auto& c : plan_columns())
            if (c.required && !header_.columns.count(c.field))
                problems.push_back({header_.last_row, 0, sheet_.where(header_.last_row, 1) + ": error: no column '" +
                                                             std::string(c.kk) + "' / '" + std::string(c.ru) + "' / '" +
                                                             std::string(c.key) + "' in the header row"});
        if (!problems.empty()) return;
        for (const auto& [row, cells] : sheet_.rows)
            if (row > header_.last_row) read_row(row, cells);
        check_duplicates();
    }

private:
    const Sheet& sheet_;
    const Plan& plan_;
    const WorkingCalendar& calendar_;
    Header header_;
    std::vector<Named> centres_, forms_, people_;
    std::map<std::string, ScheduledEvent> by_rules_;

    std::string required_headers() const {
        std::string out;
        for (const auto& c : plan_columns())
            if (c.required) out += (out.empty() ? "" : ", ") + std::string(c.kk) + " (" + std::string(c.key) + ")";
        return out;
    }

    void error(int row, int column, const std::string& message) {
        problems.push_back({row, column, sheet_.where(row, column) + ": error: " + message});
    }

    const Cell* cell(const std::map<int, Cell>& cells, Field field, int& column) const {
        auto at = header_.columns.find(field);
        if (at == header_.columns.end()) return nullptr;
        column = at->second;
        auto it = cells.find(column);
        return it == cells.end() ? nullptr : &it->second;
    }

    void read_row(int row, const std::map<int, Cell>& cells) {
        // A row with none of our columns filled is a spacer (or a note to the right): skipped.
        bool any = false;
        for (const auto& [field, column] : header_.columns)
            if (auto it = cells.find(column); it != cells.end() && (it->second.formula || !trimmed(it->second.text).empty()))
                any = true;
        if (!any) return;
        Row r{row, {}, false, 0};
        FixedEvent& e = r.event;
        bool ok = true;
        std::map<Field, std::pair<int, const Cell*>> got;
        for (const auto& c : plan_columns()) {
            int column = 0;
            const Cell* value = cell(cells, c.field, column);
            if (value && value->formula) {
                error(row, column, "a formula (" + std::string(c.kk) + "): tarat does not compute formulas; paste the value instead");
                ok = false;
                continue;
            }
            if (value && value->kind == Cell::Kind::text && trimmed(value->text).empty()) value = nullptr;
            if (!value && c.required) {
                error(row, column, std::string(c.kk) + " (" + std::string(c.key) + ") is empty; every event needs one");
                ok = false;
                continue;
            }
            got[c.field] = {column, value};
        }
        auto text = [&](Field f) { return got[f].second ? trimmed(got[f].second->text) : std::string(); };
        auto at = [&](Field f) { return got[f].first; };

        e.title = text(Field::title);
        e.audience = text(Field::audience);
        if (got[Field::form].second) {
            auto found = find_named(text(Field::form), forms_, "form", false);
            if (found.index() == 0) e.form = std::get<0>(found);
            else error(row, at(Field::form), std::get<1>(found)), ok = false;
        }
        if (got[Field::centre].second) {
            auto found = find_named(text(Field::centre), centres_, "centre", true);
            if (found.index() == 0) e.centre = std::get<0>(found);
            else error(row, at(Field::centre), std::get<1>(found)), ok = false;
        }
        if (got[Field::responsible].second) {
            auto found = find_named(text(Field::responsible), people_, "person", false);
            if (found.index() == 0) e.responsible = std::get<0>(found);
            else error(row, at(Field::responsible), std::get<1>(found)), ok = false;
        }
        if (const Cell* c = got[Field::date].second) ok = read_date(row, at(Field::date), *c, e) && ok;
        e.start_minutes = default_start(e.form);
        bool start_ok = true;
        if (const Cell* c = got[Field::start].second) {
            if (auto m = time_of(*c)) e.start_minutes = *m;
            else error(row, at(Field::start), "'" + c->text + "' is not a time: write HH:MM (10:00) or make it a time cell"), ok = start_ok = false;
        }
        if (const Cell* c = got[Field::end].second; c && start_ok) {
            const Form* form = plan_.form(e.form);
            auto end = time_of(*c);
            if (!end) error(row, at(Field::end), "'" + c->text + "' is not a time: write HH:MM (13:00) or make it a time cell"), ok = false;
            else if (form && *end != e.start_minutes + form->duration_minutes) {
                error(row, at(Field::end), "ends at " + format_hhmm(*end) + ", but a " + form->name.in("en") + " lasts " +
                                               std::to_string(form->duration_minutes / 60) + " h " +
                                               std::to_string(form->duration_minutes % 60) + " min in the plan: from " +
                                               format_hhmm(e.start_minutes) + " it ends at " +
                                               format_hhmm(e.start_minutes + form->duration_minutes) + " (or leave it empty)");
                ok = false;
            }
        }
        if (got[Field::id].second) {
            r.id_given = true;
            r.id_column = at(Field::id);
            e.id = text(Field::id);
            // The base's rules place this very event: it stays theirs, so its id and reminders stay.
            if (auto it = by_rules_.find(e.id); it != by_rules_.end() && ok) {
                const auto& s = it->second;
                if (s.date == e.date && s.start_minutes == e.start_minutes && s.centre == e.centre && s.form == e.form &&
                    s.title == e.title) {
                    ++skipped_by_rules;
                    return;
                }
            }
            std::replace(e.id.begin(), e.id.end(), '.', '-');  // a moved rule event becomes a fixed one
            if (!is_valid_id(e.id)) error(row, r.id_column, "id '" + e.id + "' may contain only a-z, 0-9, '-' and '_'"), ok = false;
        } else if (ok) {
            r.id_column = at(Field::date);
            e.id = e.centre + "-" + e.form + "-" + format_date(e.date);
        }
        if (ok) rows.push_back(std::move(r));
    }

    int default_start(const std::string& form) const {
        for (const auto& rule : plan_.rules)
            if (rule.form == form) return rule.start_minutes;
        return Rule{}.start_minutes;
    }

    static std::optional<int> time_of(const Cell& c) {
        switch (c.kind) {
            case Cell::Kind::time:
            case Cell::Kind::date_time: return c.minutes;
            case Cell::Kind::number:
                if (c.number >= 0 && c.number < 1) return serial_to_minutes(c.number);
                return std::nullopt;
            default: return text_time(trimmed(c.text));
        }
    }

    bool read_date(int row, int column, const Cell& c, FixedEvent& e) {
        if (c.day) e.date = *c.day;
        else if (c.kind == Cell::Kind::number) {
            error(row, column, "'" + c.text + "' is a number, not a date: make the cell a date or write DD.MM.YYYY");
            return false;
        } else {
            auto parsed = text_date(trimmed(c.text));
            if (parsed.index() == 1) {
                error(row, column, std::get<1>(parsed));
                return false;
            }
            e.date = std::get<0>(parsed);
        }
        if (e.date < plan_.from || e.date > plan_.to) {
            error(row, column, display(e.date) + " is outside the plan's period " + display(plan_.from) + " … " +
                                   display(plan_.to));
            return false;
        }
        if (!calendar_.is_working_day(e.date)) {
            error(row, column, display(e.date) + " is " + describe_day_off(calendar_, e.date) + "; nearest working days: " +
                                   display(calendar_.previous_working_day_on_or_before(e.date)) + " and " +
                                   display(calendar_.next_working_day_on_or_after(e.date)));
            return false;
        }
        return true;
    }

    static std::string display(Date d) {
        const date::year_month_day ymd{d};
        char buf[16];
        std::snprintf(buf, sizeof buf, "%02u.%02u.%04d", unsigned(ymd.day()), unsigned(ymd.month()), int(ymd.year()));
        return buf;
    }

    void check_duplicates() {
        std::map<std::string, int> seen;
        std::set<std::string> fixed_rule_ids;
        for (const auto& [id, e] : by_rules_) fixed_rule_ids.insert(id);
        for (const auto& r : rows) {
            auto [it, fresh] = seen.emplace(r.event.id, r.row);
            if (fresh) continue;
            if (r.id_given)
                error(r.row, r.id_column, "duplicate: id '" + r.event.id + "' is also row " + std::to_string(it->second) + "'s");
            else
                error(r.row, r.id_column, "duplicate: row " + std::to_string(it->second) +
                                              " has the same centre, form and date (give one an id if both are meant)");
        }
    }
};

// The base plan's text without its [[event]] tables (the sheet's take their place), and where the
// first one was. Table headers are found by toml++, so a header-like line inside a string is none.
std::pair<std::vector<std::string>, size_t> without_events(const std::string& text, const toml::table& root) {
    std::set<int> headers, events;
    auto collect = [&](auto&& self, const toml::table& t) -> void {
        for (const auto& [key, node] : t) {
            if (const auto* sub = node.as_table(); sub && !sub->is_inline()) {
                headers.insert(int(sub->source().begin.line));
                self(self, *sub);
            } else if (const auto* arr = node.as_array(); arr && arr->is_array_of_tables()) {
                for (const auto& item : *arr) {
                    const auto* entry = item.as_table();
                    if (!entry || entry->is_inline()) continue;
                    headers.insert(int(entry->source().begin.line));
                    if (&t == &root && key.str() == "event") events.insert(int(entry->source().begin.line));
                    self(self, *entry);
                }
            }
        }
    };
    collect(collect, root);
    std::vector<std::string> lines;
    for (size_t start = 0; start <= text.size();) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    if (!lines.empty() && lines.back().empty()) lines.pop_back();
    std::vector<std::string> kept;
    size_t insert_at = std::string::npos;
    for (size_t i = 0; i < lines.size();) {
        const int line = int(i) + 1;
        if (!events.count(line)) {
            kept.push_back(lines[i++]);
            continue;
        }
        if (insert_at == std::string::npos) insert_at = kept.size();
        size_t next = i + 1;
        while (next < lines.size() && !headers.count(int(next) + 1)) ++next;
        // The comments just above the next header belong to it, unless it is another event.
        size_t keep_from = next;
        if (next < lines.size() && !events.count(int(next) + 1))
            while (keep_from > i + 1) {
                const std::string t = trimmed(lines[keep_from - 1]);
                if (!t.starts_with("#") && !t.empty()) break;
                --keep_from;
            }
        for (size_t k = keep_from; k < next; ++k) kept.push_back(lines[k]);
        i = next;
    }
    if (insert_at == std::string::npos) insert_at = kept.size();
    return {kept, insert_at};
}

}  // namespace

ImportResult import_sheet(const Sheet& sheet, const std::filesystem::path& base, const std::filesystem::path& output) {
    ImportResult result;
    Diagnostics diagnostics;
    auto plan = load_plan(base, diagnostics);
    std::optional<DaysOffTable> days_off;
    const auto calendar_file = base.parent_path() / (plan ? plan->calendar_file : std::string());
    if (plan) days_off = load_days_off(calendar_file, diagnostics);
    if (!plan || !days_off || diagnostics.has_errors()) {
        for (const auto& d : diagnostics.items())
            if (d.severity == Diagnostic::Severity::error) result.errors.push_back(d.format());
        result.base_invalid = true;
        return result;
    }
    WorkingCalendar calendar(*days_off, date::locate_zone(plan->timezone));
    Importer importer(sheet, *plan, calendar);
    importer.read();
    auto& problems = importer.problems;
    std::stable_sort(problems.begin(), problems.end(),
                     [](const Problem& a, const Problem& b) { return std::tie(a.row, a.column) < std::tie(b.row, b.column); });
    for (const auto& p : problems) result.errors.push_back(p.line);
    if (!result.errors.empty()) return result;

    auto base_text = read_input_file(base);
    Diagnostics parse_diagnostics;
    auto root = parse_input_toml(base_text.text, base.string(), parse_diagnostics);
    auto [lines, insert_at] = without_events(base_text.text, *root);
    // The calendar is named relative to the plan file: relative to where the new plan goes.
    const auto out_dir = std::filesystem::absolute(output).parent_path();
    const auto calendar_path = std::filesystem::absolute(calendar_file).lexically_normal();
    const std::string calendar_name = calendar_path.lexically_relative(out_dir).string();
    for (auto& line : lines) {
        const std::string t = trimmed(line);
        if (t.starts_with("calendar") && trimmed(t.substr(8)).starts_with("=")) {
            line = "calendar = " + toml_string(calendar_name.empty() ? calendar_path.string() : calendar_name);
            break;
        }
    }
    std::string events;
    const std::string origin = sheet.file + (sheet.name.empty() ? "" : ":" + sheet.name);
    events += "# Events imported from " + origin + " (taratd import); each says which row it came from.\n";
    for (const auto& r : importer.rows) {
        const auto& e = r.event;
        events += "\n[[event]]  # " + origin + " row " + std::to_string(r.row) + "\n";
        events += "id = " + toml_string(e.id) + "\n";
        events += "form = " + toml_string(e.form) + "\n";
        events += "centre = " + toml_string(e.centre) + "\n";
        events += "date = " + format_date(e.date) + "\n";
        events += "start = " + toml_string(format_hhmm(e.start_minutes)) + "\n";
        events += "title = " + toml_string(e.title) + "\n";
        if (!e.audience.empty()) events += "audience = " + toml_string(e.audience) + "\n";
        if (!e.responsible.empty()) events += "responsible = " + toml_string(e.responsible) + "\n";
    }
    if (importer.skipped_by_rules)
        events += "\n# " + std::to_string(importer.skipped_by_rules) +
                  " rows are events the rules below place on the same day: not repeated here.\n";
    std::string text;
    for (size_t i = 0; i <= lines.size(); ++i) {
        if (i == insert_at) text += events + "\n";
        if (i < lines.size()) text += lines[i] + "\n";
    }
    // The output must load as it is: a last check with the plan loader itself.
    Diagnostics check;
    auto loaded = load_plan_text(text, output.string(), check);
    if (!loaded) {
        for (const auto& d : check.items())
            if (d.severity == Diagnostic::Severity::error) result.errors.push_back(d.format());
        return result;
    }
    result.plan_text = std::move(text);
    result.events = importer.rows.size();
    result.by_rules = importer.skipped_by_rules;
    return result;
}

}  // namespace tarat::sheet
