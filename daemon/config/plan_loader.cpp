#include "config/plan_loader.hpp"

#include "config/table_reader.hpp"
#include "config/toml_guard.hpp"

#include <date/tz.h>

#include <algorithm>
#include <map>

namespace tarat {

bool is_valid_id(std::string_view id) {
    if (id.empty() || id.size() > 64) return false;
    return std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    });
}

namespace {

constexpr int kMaxPlanYears = 10;  // a ten-year programme is the longest a department plans
constexpr date::days kMaxPlanDays{kMaxPlanYears * 366};

using Need = TableReader::Need;
const std::vector<std::string> kLocales{"kk", "ru", "en"};

class PlanReader {
public:
    PlanReader(const toml::table& root, std::string file, Diagnostics& d) : root_(root), file_(std::move(file)), d_(d) {}

    Plan read() {
        Plan plan;
        plan.source_file = file_;
        TableReader top(root_, "", file_, d_);
        if (const auto* t = top.table("plan", Need::required)) read_header(*t, plan);
        for_each_table(top, "person", [&](const std::string& id, TableReader& r) { plan.people.push_back(read_person(id, r)); });
        for_each_table(top, "district", [&](const std::string& id, TableReader& r) { plan.districts.push_back(read_district(id, r)); });
        for_each_table(top, "centre", [&](const std::string& id, TableReader& r) { plan.centres.push_back(read_centre(id, r)); });
        for_each_table(top, "form", [&](const std::string& id, TableReader& r) { plan.forms.push_back(read_form(id, r)); });
        for_each_entry(top, "event", [&](TableReader& r) { plan.events.push_back(read_event(r)); });
        for_each_entry(top, "rule", [&](TableReader& r) { plan.rules.push_back(read_rule(r)); });
        top.finish();
        check_unique_ids(plan.events, "event");
        check_unique_ids(plan.rules, "rule");
        check_references(plan);
        warn_if_cut_short(plan);
        return plan;
    }

private:
    const toml::table& root_;
    std::string file_;
    Diagnostics& d_;
    // Where each reference was written, to report dangling ones there: (pos, key path).
    struct Ref {
        std::string kind;  // "person", "district", "centre", "form"
        std::string id;
        SourcePos pos;
        std::string path;
    };
    std::vector<Ref> refs_;
    std::map<std::string, SourcePos> event_pos_;

    void refer(TableReader& r, std::string_view key, std::string kind, const std::optional<std::string>& id) {
        if (id) refs_.push_back({std::move(kind), *id, r.pos(key), r.path(key)});
    }

    template <class Fn>
    void for_each_table(TableReader& top, std::string_view section, Fn&& fn) {
        const auto* t = top.table(section, Need::optional);
        if (!t) return;
        // toml++ keeps keys sorted; people read the file in its own order, so keep that.
        std::vector<std::pair<const toml::key*, const toml::node*>> entries;
        for (const auto& [key, value] : *t) entries.emplace_back(&key, &value);
        std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
            return a.first->source().begin < b.first->source().begin;
        });
        for (const auto& [key_ptr, value_ptr] : entries) {
            const auto& key = *key_ptr;
            const auto& value = *value_ptr;
            std::string id(key.str());
            std::string path = std::string(section) + "." + id;
            const auto* entry = value.as_table();
            if (!entry) {
                d_.error(pos_of(value.source(), file_),
                         std::string("expected a table [") + std::string(section) + "." + id + "], found " +
                             toml_type_name(value.type()),
                         path);
                continue;
            }
            if (!is_valid_id(id))
                d_.error(pos_of(key.source(), file_), "id '" + id + "' may contain only a-z, 0-9, '-' and '_'", path);
            TableReader r(*entry, path, file_, d_);
            fn(id, r);
            r.finish();
        }
    }

    template <class Fn>
    void for_each_entry(TableReader& top, std::string_view section, Fn&& fn) {
        const auto* arr = top.array(section, Need::optional);
        if (!arr) return;
        for (size_t i = 0; i < arr->size(); ++i) {
            std::string path = std::string(section) + "[" + std::to_string(i) + "]";
            const auto* entry = (*arr)[i].as_table();
            if (!entry) {
                d_.error(pos_of((*arr)[i].source(), file_),
                         "expected a table [[" + std::string(section) + "]], found " + toml_type_name((*arr)[i].type()), path);
                continue;
            }
            TableReader r(*entry, path, file_, d_);
            fn(r);
            r.finish();
        }
    }

    std::string id_of(TableReader& r) {
        auto id = r.string("id", Need::required);
        if (!id) return {};
        if (!is_valid_id(*id)) r.error_at("id", "id '" + *id + "' may contain only a-z, 0-9, '-' and '_'");
        return *id;
    }

    void read_header(const toml::table& t, Plan& plan) {
        TableReader r(t, "plan", file_, d_);
        plan.id = r.string("id", Need::required).value_or("");
        plan.title = r.string("title", Need::required).value_or("");
        plan.basis = r.string("basis", Need::optional).value_or("");
        plan.department = r.string("department", Need::optional).value_or("");
        if (auto tz = r.string("timezone", Need::optional)) {
            plan.timezone = *tz;
            check_timezone(r, *tz);
        }
        auto from = r.date("from", Need::required);
        auto to = r.date("to", Need::required);
        if (from) plan.from = *from;
        if (to) plan.to = *to;
        if (from && to && *to < *from)
            r.error_at("to", "the plan ends (" + format_date(*to) + ") before it starts (" + format_date(*from) + ")");
        // A mistyped year (2927 for 2027) would place and store centuries of events and notices.
        else if (from && to && *to - *from > kMaxPlanDays)
            r.error_at("to", "the plan runs from " + format_date(*from) + " to " + format_date(*to) + ", more than " +
                                 std::to_string(kMaxPlanYears) + " years; is the year mistyped?");
        period_known_ = from && to;
        plan.calendar_file = r.string("calendar", Need::required).value_or("");
        plan.overseer = r.string("overseer", Need::required).value_or("");
        refer(r, "overseer", "person", plan.overseer);
        plan.coordinator = r.string("coordinator", Need::required).value_or("");
        refer(r, "coordinator", "person", plan.coordinator);
        if (plan.overseer.empty()) refs_.pop_back();
        r.finish();
        from_ = plan.from;
        to_ = plan.to;
    }

    void check_timezone(TableReader& r, const std::string& tz) {
        try {
            date::locate_zone(tz);
        } catch (const std::exception&) {
            std::vector<std::string> names;
            for (const auto& z : date::get_tzdb().zones) names.emplace_back(z.name());
            r.error_at("timezone", "unknown time zone '" + tz + "'" + did_you_mean(tz, names));
        }
    }

    Person read_person(const std::string& id, TableReader& r) {
        Person p;
        p.id = id;
        p.pos = r.pos();
        p.name = r.string("name", Need::required).value_or("");
        p.position = r.string("position", Need::optional).value_or("");
        if (auto locale = r.string("locale", Need::optional)) {
            if (std::find(kLocales.begin(), kLocales.end(), *locale) == kLocales.end())
                r.error_at("locale", "locale '" + *locale + "' is not one of kk, ru, en");
            else p.locale = *locale;
        }
        p.email = r.string("email", Need::optional).value_or("");
        if (!p.email.empty() && p.email.find('@') == std::string::npos)
            r.error_at("email", "'" + p.email + "' is not an e-mail address");
        if (const auto* tg = r.node("telegram", Need::optional)) {
            if (const auto* i = tg->as_integer()) p.telegram = std::to_string(i->get());
            else if (const auto* s = tg->as_string()) p.telegram = s->get();
            else r.error_at("telegram", std::string("expected a chat id (integer or string), found ") + toml_type_name(tg->type()));
        }
        p.webhook = r.string("webhook", Need::optional).value_or("");
        p.channels = r.strings("channels", Need::optional).value_or(std::vector<std::string>{});
        return p;
    }

    District read_district(const std::string& id, TableReader& r) {
        District d;
        d.id = id;
        d.pos = r.pos();
        d.name = r.string("name", Need::required).value_or("");
        auto head = r.string("head", Need::required);
        refer(r, "head", "person", head);
        d.head = head.value_or("");
        return d;
    }

    Centre read_centre(const std::string& id, TableReader& r) {
        Centre c;
        c.id = id;
        c.pos = r.pos();
        c.name = r.string("name", Need::required).value_or("");
        auto district = r.string("district", Need::required);
        refer(r, "district", "district", district);
        c.district = district.value_or("");
        c.address = r.string("address", Need::optional).value_or("");
        auto director = r.string("director", Need::required);
        refer(r, "director", "person", director);
        c.director = director.value_or("");
        return c;
    }

    LocalizedText read_localized(TableReader& r, std::string_view key) {
        LocalizedText text;
        const auto* n = r.node(key, Need::required);
        if (!n) return text;
        if (const auto* s = n->as_string()) {
            text.kk = s->get();
            return text;
        }
        const auto* t = n->as_table();
        if (!t) {
            r.error_at(key, std::string("expected a string or { kk = …, ru = …, en = … }, found ") + toml_type_name(n->type()));
            return text;
        }
        TableReader names(*t, r.path(key), file_, d_);
        text.kk = names.string("kk", Need::optional).value_or("");
        text.ru = names.string("ru", Need::optional).value_or("");
        text.en = names.string("en", Need::optional).value_or("");
        names.finish();
        if (text.kk.empty() && text.ru.empty() && text.en.empty()) r.error_at(key, "a name needs at least one of kk, ru, en");
        return text;
    }

    Form read_form(const std::string& id, TableReader& r) {
        Form f;
        f.id = id;
        f.pos = r.pos();
        f.name = read_localized(r, "name");
        if (auto duration = r.span("duration", Need::required)) {
            if (duration->unit != Span::Unit::minutes || duration->count <= 0 || duration->count > 24 * 60)
                r.error_at("duration", "an event's duration is given in hours or minutes, at most 24 hours");
            else f.duration_minutes = duration->count;
        }
        if (auto due = r.span("report_due", Need::optional)) {
            if (due->unit == Span::Unit::minutes) r.error_at("report_due", "report_due is counted in days or working days");
            else f.report_due = *due;
        }
        if (auto reminders = r.strings("reminders", Need::optional)) {
            for (const auto& text : *reminders) {
                if (auto s = parse_span(text)) f.reminders.push_back(*s);
                else r.error_at("reminders", "'" + text + "' is not a duration: " + std::string(kSpanSyntax));
            }
        }
        f.regional = r.boolean("regional", Need::optional).value_or(false);
        return f;
    }

    void check_in_period(TableReader& r, std::string_view key, Date day) {
        if (period_known_ && (day < from_ || day > to_))
            r.error_at(key, "date " + format_date(day) + " is outside the plan period " + format_date(from_) + " … " +
                                format_date(to_));
    }

    FixedEvent read_event(TableReader& r) {
        FixedEvent e;
        e.pos = r.pos();
        e.id = id_of(r);
        auto form = r.string("form", Need::required);
        refer(r, "form", "form", form);
        e.form = form.value_or("");
        auto centre = r.string("centre", Need::required);
        refer(r, "centre", "centre", centre);
        e.centre = centre.value_or("");
        if (auto day = r.date("date", Need::required)) {
            e.date = *day;
            e.date_pos = r.pos("date");
            check_in_period(r, "date", *day);
        }
        e.start_minutes = r.time_of_day("start", Need::required).value_or(0);
        e.title = r.string("title", Need::required).value_or("");
        e.audience = r.string("audience", Need::optional).value_or("");
        auto responsible = r.string("responsible", Need::optional);
        refer(r, "responsible", "person", responsible);
        e.responsible = responsible.value_or("");
        return e;
    }

    Rule read_rule(TableReader& r) {
        Rule rule;
        rule.pos = r.pos();
        rule.id = id_of(r);
        auto form = r.string("form", Need::required);
        refer(r, "form", "form", form);
        rule.form = form.value_or("");
        read_rule_centres(r, rule);
        if (auto every = r.string("every", Need::required)) {
            if (*every == "month") rule.every = Period::month;
            else if (*every == "quarter") rule.every = Period::quarter;
            else if (*every == "plan") rule.every = Period::plan;
            else r.error_at("every", "every = '" + *every + "' is not one of month, quarter, plan" + did_you_mean(*every, {"month", "quarter", "plan"}));
        }
        if (auto count = r.integer("count", Need::optional)) {
            if (*count < 1 || *count > 31) r.error_at("count", "count must be between 1 and 31");
            else rule.count = static_cast<int>(*count);
        }
        if (auto weekdays = r.strings("weekdays", Need::optional)) {
            WeekdaySet set = 0;
            for (const auto& name : *weekdays) {
                if (auto wd = parse_weekday(name)) set |= 1u << *wd;
                else r.error_at("weekdays", "unknown weekday '" + name + "': use mon, tue, wed, thu, fri, sat, sun");
            }
            if (set) rule.weekdays = set;
            else if (weekdays->empty()) r.error_at("weekdays", "weekdays must name at least one day");
        }
        rule.start_minutes = r.time_of_day("start", Need::optional).value_or(rule.start_minutes);
        rule.title = r.string("title", Need::required).value_or("");
        rule.audience = r.string("audience", Need::optional).value_or("");
        if (auto gap = r.span("min_gap", Need::optional)) {
            if (gap->unit != Span::Unit::days) r.error_at("min_gap", "min_gap is counted in days (e.g. \"7 days\")");
            else rule.min_gap_days = gap->count;
        }
        rule.allow_summer = r.boolean("allow_summer", Need::optional).value_or(false);
        return rule;
    }

    void read_rule_centres(TableReader& r, Rule& rule) {
        const auto* n = r.node("centres", Need::required);
        if (!n) return;
        if (const auto* s = n->as_string()) {
            if (s->get() != "all") r.error_at("centres", "centres is \"all\" or a list of centre ids");
            return;
        }
        rule.all_centres = false;
        if (auto ids = r.strings("centres", Need::required)) {
            for (const auto& id : *ids) refs_.push_back({"centre", id, r.pos("centres"), r.path("centres")});
            rule.centres = *ids;
            if (ids->empty()) r.error_at("centres", "centres names no centre");
        }
    }

    template <class T>
    void check_unique_ids(const std::vector<T>& items, std::string_view what) {
        std::map<std::string, const T*> seen;
        for (const auto& item : items) {
            if (item.id.empty()) continue;
            auto [it, fresh] = seen.emplace(item.id, &item);
            if (!fresh)
                d_.error(item.pos,
                         "duplicate " + std::string(what) + " id '" + item.id + "' (first defined at line " +
                             std::to_string(it->second->pos.line) + ")",
                         std::string(what));
        }
    }

    // Valid, but most likely a file cut short: loaded, it would drop every planned event.
    void warn_if_cut_short(const Plan& plan) {
        const SourcePos whole_file{file_, 0, 0};
        if (plan.events.empty() && plan.rules.empty())
            d_.warning(whole_file, "the plan has no [[event]] and no [[rule]]: it plans nothing (is the file cut short?)");
        if (plan.forms.empty())
            d_.warning(whole_file, "the plan has no [form.*] (is the file cut short?)");
    }

    void check_references(const Plan& plan) {
        auto ids = [](const auto& items) {
            std::vector<std::string> out;
            for (const auto& i : items) out.push_back(i.id);
            return out;
        };
        std::map<std::string, std::vector<std::string>> known{{"person", ids(plan.people)},
                                                              {"district", ids(plan.districts)},
                                                              {"centre", ids(plan.centres)},
                                                              {"form", ids(plan.forms)}};
        // Looked up sorted: a national plan's 10,000 references among 5,000 people and centres,
        // searched one by one, were a fifth of its load.
        std::map<std::string, std::vector<std::string_view>> sorted;
        for (const auto& [kind, candidates] : known) {
            auto& views = sorted[kind];
            views.assign(candidates.begin(), candidates.end());
            std::sort(views.begin(), views.end());
        }
        for (const auto& ref : refs_) {
            if (ref.id.empty()) continue;
            const auto& views = sorted[ref.kind];
            if (std::binary_search(views.begin(), views.end(), std::string_view(ref.id))) continue;
            d_.error(ref.pos, "unknown " + ref.kind + " '" + ref.id + "'" + did_you_mean(ref.id, known[ref.kind]), ref.path);
        }
    }

    bool period_known_ = false;
    Date from_{}, to_{};
};

}  // namespace

namespace {

std::optional<Plan> read_plan(const std::optional<toml::table>& root, const std::string& file, Diagnostics& local,
                              Diagnostics& diagnostics) {
    std::optional<Plan> plan;
    if (root) plan = PlanReader(*root, file, local).read();
    diagnostics.append(local);
    if (local.has_errors()) return std::nullopt;
    if (plan) plan->index();
    return plan;
}

}  // namespace

std::optional<Plan> load_plan(const std::filesystem::path& file, Diagnostics& diagnostics) {
    Diagnostics local;
    auto root = parse_input_toml_file(file, local);
    return read_plan(root, file.string(), local, diagnostics);
}

std::optional<Plan> load_plan_text(std::string_view text, const std::string& file, Diagnostics& diagnostics) {
    Diagnostics local;
    auto root = parse_input_toml(text, file, local);
    return read_plan(root, file, local, diagnostics);
}

}  // namespace tarat
