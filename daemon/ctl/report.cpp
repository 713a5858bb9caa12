#include "ctl/report.hpp"

#include <map>
#include <stdexcept>
#include <string>
#include <utility>

namespace tarat {

using nlohmann::json;

const std::array<CountColumn, 10> kCountColumns{{
    {"planned", "Planned", &ReportCounts::planned},
    {"held", "", &ReportCounts::held},
    {"held_on_planned_date", "On the planned date", &ReportCounts::held_on_planned_date},
    {"postponed", "", &ReportCounts::postponed},
    {"cancelled", "", &ReportCounts::cancelled},
    {"not_held", "", &ReportCounts::not_held},
    {"reported_on_time", "", &ReportCounts::reported_on_time},
    {"reported_late", "", &ReportCounts::reported_late},
    {"report_missing", "", &ReportCounts::report_missing},
    {"participants", "Participants", &ReportCounts::participants},
}};

// Done first, then waiting, then what went wrong; colours that stay apart in print.
const std::array<OutcomeStyle, 7> kOutcomeOrder{{
    {"reported_on_time", "#2e7d32"},
    {"held", "#8bc34a"},
    {"reported_late", "#f9a825"},
    {"report_missing", "#e65100"},
    {"not_held", "#b71c1c"},
    {"cancelled", "#9e9e9e"},
    {"upcoming", "#ffffff"},
}};

std::string column_heading(const CountColumn& column, Lang lang) { return count_heading(lang, column.key, column.heading); }

std::string overdue_status(const OverdueItem& item, Lang lang) {
    return term_label(lang, Vocabulary::outcome, item.held ? "report_missing" : "not_held");
}

std::string outcome_legend(const OutcomeStyle& style, Lang lang) {
    return term_label(lang, Vocabulary::outcome, style.name);
}

std::string outcome_fill(const OutcomeStyle& style) { return std::string("url(#outcome-") + style.name + ")"; }

// One 6×6 tile per outcome: its colour, then black marks of its own kind (none for reported on
// time and upcoming, which differ by colour alone: dark and white).
std::string outcome_patterns() {
    static const std::map<std::string_view, std::string_view> marks{
        {"held", R"(<path d="M0 6L6 0" stroke="#000" stroke-width="0.9"/>)"},
        {"reported_late", R"(<circle cx="3" cy="3" r="1.1" fill="#000"/>)"},
        {"report_missing", R"(<path d="M0 0L6 6M-1 5L1 7M5 -1L7 1" stroke="#000" stroke-width="1.4"/>)"},
        {"not_held", R"(<path d="M0 0L6 6M6 0L0 6" stroke="#fff" stroke-width="1.2"/>)"},
        {"cancelled", R"(<path d="M0 3H6" stroke="#000" stroke-width="1.2"/>)"},
    };
    std::string out = R"(<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>)";
    for (const auto& style : kOutcomeOrder) {
        out += std::string(R"(<pattern id="outcome-)") + style.name +
               R"(" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill=")" +
               style.colour + "\"/>";
        if (auto found = marks.find(style.name); found != marks.end()) out += found->second;
        out += "</pattern>";
    }
    return out + "</defs></svg>";
}

std::optional<ReportFormat> parse_report_format(std::string_view name) {
    if (name == "html") return ReportFormat::html;
    if (name == "csv") return ReportFormat::csv;
    if (name == "md") return ReportFormat::md;
    return std::nullopt;
}

std::optional<int> ReportCounts::on_time_percent() const {
    const int due = reports_due();
    if (due == 0) return std::nullopt;
    return (reported_on_time * 200 + due) / (2 * due);  // rounded half up
}

namespace {

std::string text_of(const json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

ReportCounts counts_of(const json& j) {
    ReportCounts c;
    for (const auto& column : kCountColumns) c.*column.value = j.value(column.key, 0);
    c.report_pending = j.value("report_pending", 0);
    return c;
}

const json& required(const json& arguments, const char* key) {
    auto it = arguments.find(key);
    if (it == arguments.end())
        throw std::runtime_error(std::string("the daemon's compliance reply has no '") + key +
                                 "': is taratd older than this taratctl?");
    return *it;
}

}  // namespace

ComplianceReport read_report(const json& a, Lang lang) {
    ComplianceReport r;
    r.lang = lang;
    const auto& plan = a.value("plan", json::object());
    r.plan_title = text_of(plan, "title");
    r.plan_basis = text_of(plan, "basis");
    r.department = text_of(plan, "department");
    r.prepared_by = text_of(plan, "coordinator_name");
    r.prepared_by_position = text_of(plan, "coordinator_position");
    const auto& period = required(a, "period");
    r.from = text_of(period, "from");
    r.to = text_of(period, "to");
    r.today = text_of(a, "today");
    const auto& groupings = required(a, "groupings");
    constexpr std::pair<const char*, const char*> kGroupings[] = {
        {"centre", "By centre"}, {"district", "By district"}, {"form", "By form"}};
    for (auto [by, heading] : kGroupings) {
        ReportGrouping g{by, tr(lang, heading), {}};
        for (const auto& group : groupings.value(by, json::array())) {
            std::string name = text_of(group, "name");
            if (auto names = group.find("names"); names != group.end() && !text_of(*names, lang_code(lang)).empty())
                name = text_of(*names, lang_code(lang));
            g.groups.push_back({text_of(group, "id"), name, counts_of(group)});
        }
        r.groupings.push_back(std::move(g));
    }
    r.total = counts_of(a.value("total", json::object()));
    for (const auto& o : required(a, "overdue")) {
        // A missing report is due after the day the event was held, which may be before its planned
        // date: the table shows that day, so the due date never seems to come before the event.
        const bool held = text_of(o, "missing") == "report";
        const std::string held_date = text_of(o, "held_date");
        r.overdue.push_back({text_of(o, "id"), text_of(o, "title"), text_of(o, "centre_name"),
                             text_of(o, "district_name"), text_of(o, "form"),
                             held && !held_date.empty() ? held_date : text_of(o, "date"), text_of(o, "due"), held,
                             o.value("days_late", 0)});
    }
    const auto& timeline = required(a, "timeline");
    for (const auto& m : timeline.value("months", json::array())) r.months.push_back(m.get<std::string>());
    r.lanes_by = timeline.value("by", "centre") == "district" ? "district" : "centre";
    for (const auto& c : timeline.value(r.lanes_by == "district" ? "districts" : "centres", json::array())) {
        TimelineRow row{text_of(c, "id"), text_of(c, "name"), {}};
        for (const auto& cell : c.value("months", json::array())) {
            TimelineCell t{cell.value("total", 0), {}};
            for (const auto& style : kOutcomeOrder)
                if (int n = cell.value(style.name, 0); n > 0) t.by_outcome.emplace_back(style.name, n);
            row.months.push_back(std::move(t));
        }
        r.timeline.push_back(std::move(row));
    }
    return r;
}

std::string timeline_title(const ComplianceReport& r) {
    return tr(r.lang, r.lanes_by == "district" ? "Events per district by month" : "Events per centre by month");
}

std::string on_time_title(const ComplianceReport& r) {
    return tr(r.lang, r.lanes_by == "district" ? "Reports on time per district" : "Reports on time per centre");
}

std::string month_label(const std::string& month, Lang lang) {
    if (month.size() != 7) return month;
    const int number = std::stoi(month.substr(5));
    if (number < 1 || number > 12) return month;
    return std::string(month_term(unsigned(number)).in(lang_code(lang))) + " " + month.substr(0, 4);
}

std::string xml_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

std::string render_report(ReportFormat format, const json& arguments, Lang lang) {
    const auto report = read_report(arguments, lang);
    switch (format) {
        case ReportFormat::html: return report_html(report);
        case ReportFormat::csv: return report_csv(report);
        case ReportFormat::md: return report_md(report);
    }
    return {};
}

}  // namespace tarat
