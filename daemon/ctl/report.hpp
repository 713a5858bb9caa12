#pragma once
// The compliance report (`taratctl compliance --format html|csv|md`): the daemon's `compliance`
// reply with `detail` read once into a model, so that every format shows the same numbers.
#include "ctl/labels.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tarat {

enum class ReportFormat { html, csv, md };
std::optional<ReportFormat> parse_report_format(std::string_view name);

// One group's counts, as the daemon sends them.
struct ReportCounts {
    int planned = 0, held = 0, held_on_planned_date = 0, not_held = 0, postponed = 0, cancelled = 0;
    int reported_on_time = 0, reported_late = 0, report_missing = 0, report_pending = 0, participants = 0;

    int reports_due() const { return reported_on_time + reported_late + report_missing; }
    // Whole percent of due reports that came on time; nullopt when none was due yet.
    std::optional<int> on_time_percent() const;
};

// The report's count columns: JSON key, English heading (translated by tr; empty where the term
// catalogue words the count), and its value.
struct CountColumn {
    const char* key;
    const char* heading;
    int ReportCounts::*value;
};
extern const std::array<CountColumn, 10> kCountColumns;
std::string column_heading(const CountColumn& column, Lang lang);

struct ReportGroup {
    std::string id;
    std::string name;
    ReportCounts counts;
};

struct ReportGrouping {
    std::string by;       // centre, district, form
    std::string heading;  // "By centre", translated
    std::vector<ReportGroup> groups;
};

struct OverdueItem {
    std::string id, title, centre_name, district_name, form;
    std::string date, due;  // ISO; date: when it was held, for a held event (its report counts from then)
    bool held = false;      // held, report missing; else not confirmed held
    int days_late = 0;
};
// "report missing" or "not confirmed held", in the report's language.
std::string overdue_status(const OverdueItem& item, Lang lang);

// The events of one month at one centre, by outcome (the daemon's outcome names).
struct TimelineCell {
    int total = 0;
    std::vector<std::pair<std::string, int>> by_outcome;  // in kOutcomeOrder, zeros left out
};
struct TimelineRow {
    std::string id, name;
    std::vector<TimelineCell> months;
};

// The outcomes in the order charts stack them; the legend is the outcome's term.
struct OutcomeStyle {
    const char* name;
    const char* colour;
};
extern const std::array<OutcomeStyle, 7> kOutcomeOrder;
std::string outcome_legend(const OutcomeStyle& style, Lang lang);
// Each outcome's colour with a pattern of its own over it, so that the charts read in black and
// white too: the fill of a chart's square or bar, and the <defs> that one page holds once.
std::string outcome_fill(const OutcomeStyle& style);
std::string outcome_patterns();

struct ComplianceReport {
    Lang lang = Lang::kk;
    std::string plan_title, plan_basis;
    std::string department;                         // the heading above the title
    std::string prepared_by, prepared_by_position;  // the coordinator: the "prepared by" line
    std::string from, to, today;  // ISO
    std::vector<ReportGrouping> groupings;  // centre, district, form
    ReportCounts total;
    std::vector<OverdueItem> overdue;
    std::vector<std::string> months;  // "2026-12"
    std::string lanes_by = "centre";  // the charts' lanes: "centre", or "district" for a large plan
    std::vector<TimelineRow> timeline;
};

// The charts' titles, naming their lanes (centres or districts).
std::string timeline_title(const ComplianceReport& report);
std::string on_time_title(const ComplianceReport& report);

// Throws std::runtime_error when the reply lacks the detail (a daemon too old to send it).
ComplianceReport read_report(const nlohmann::json& arguments, Lang lang);

// "Желтоқсан 2026" for "2026-12".
std::string month_label(const std::string& month, Lang lang);

std::string report_html(const ComplianceReport& report);
std::string report_csv(const ComplianceReport& report);
std::string report_md(const ComplianceReport& report);
std::string render_report(ReportFormat format, const nlohmann::json& arguments, Lang lang);

// The SVG charts the HTML report embeds, in lanes per centre (per district for a large plan):
// events by month, and the on-time rate.
std::string timeline_svg(const ComplianceReport& report);
std::string on_time_svg(const ComplianceReport& report);

// Text for HTML and SVG: & < > " ' escaped.
std::string xml_escape(std::string_view text);

}  // namespace tarat
