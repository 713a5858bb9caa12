// The report as one self-contained HTML page: inline CSS and SVG, no script, nothing fetched; laid
// out for A4 portrait. The count tables put the measures in rows and the groups in columns, so that
// Kazakh headings, which are long, have room; more than six groups continue in a second table.
#include "core/text.hpp"
#include "ctl/report.hpp"

#include <algorithm>

namespace tarat {
namespace {

constexpr size_t kGroupsPerTable = 6;

constexpr const char* kStyle = R"(@page { size: A4 portrait; margin: 14mm 12mm; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: "DejaVu Sans", "Noto Sans", "Liberation Sans", Arial, sans-serif; font-size: 9pt;
  line-height: 1.35; color: #1a1a1a; background: #fff; margin: 0 auto; padding: 8mm 10mm; max-width: 210mm; }
@media print { body { padding: 0; max-width: none; } }
h1 { font-size: 15pt; margin: 0 0 2mm; }
.department { text-align: center; font-weight: bold; text-transform: uppercase; letter-spacing: 0.03em;
  margin: 0 0 4mm; padding-bottom: 2mm; border-bottom: 2px solid #1a1a1a; }
.prepared { display: flex; justify-content: space-between; gap: 6mm; margin-top: 6mm; font-size: 9pt; }
.prepared span { border-bottom: 1px solid #1a1a1a; min-width: 35mm; display: inline-block; }
h2 { font-size: 11.5pt; margin: 6mm 0 2mm; padding-bottom: 1mm; border-bottom: 1px solid #999; break-after: avoid; }
p { margin: 0 0 1.5mm; }
.plan { font-weight: bold; }
.muted, .note { color: #444; font-size: 8pt; }
.figures { display: flex; flex-wrap: wrap; gap: 2mm; margin: 3mm 0 1mm; }
.figure { flex: 1 1 0; min-width: 25mm; border: 1px solid #bbb; padding: 1.5mm 1mm; text-align: center; }
.figure b { display: block; font-size: 15pt; line-height: 1.2; }
.figure.alert b { color: #b71c1c; }
table { width: 100%; border-collapse: collapse; table-layout: fixed; margin-bottom: 2mm; }
th, td { border: 1px solid #bbb; padding: 0.8mm 1.2mm; vertical-align: middle; overflow-wrap: anywhere; }
thead th { background: #eef1f5; font-size: 8pt; text-align: center; overflow-wrap: normal; hyphens: manual; }
tbody th { text-align: left; font-weight: normal; }
tr { break-inside: avoid; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.total { font-weight: bold; background: #f4f4f4; }
td.late { color: #b71c1c; font-weight: bold; }
.id { color: #555; font-size: 7.5pt; }
figure { margin: 2mm 0 3mm; break-inside: avoid; }
figure > svg { display: block; width: 100%; height: auto; }
.legend { display: flex; flex-wrap: wrap; gap: 1mm 4mm; font-size: 8pt; margin: 1mm 0 0; padding: 0; list-style: none; }
.legend svg { display: inline-block; width: 3mm; height: 3mm; vertical-align: -0.4mm; margin-right: 1mm; }
footer { margin-top: 5mm; color: #555; font-size: 7.5pt; }
)";

std::string esc(std::string_view text) { return xml_escape(text); }

std::string percent_text(const ReportCounts& counts) {
    auto percent = counts.on_time_percent();
    return percent ? std::to_string(*percent) + "&#8239;%" : "—";
}

// A measure's cell; data-group and data-key let a test read the numbers back.
std::string count_cell(const std::string& group, const char* key, const std::string& value, const char* extra = "") {
    return "<td class=\"n" + std::string(extra) + "\" data-group=\"" + esc(group) + "\" data-key=\"" + key + "\">" +
           value + "</td>";
}

// Measures in rows, groups (and the total, in the last part) in columns.
void counts_tables(std::string& out, Lang lang, const ReportGrouping& grouping, const ReportCounts& total) {
    const auto& groups = grouping.groups;
    for (size_t first = 0; first < groups.size() || first == 0; first += kGroupsPerTable) {
        const size_t last = std::min(groups.size(), first + kGroupsPerTable);
        const bool with_total = last == groups.size();
        struct Column {
            std::string key, name;
            const ReportCounts* counts;
        };
        std::vector<Column> columns;
        for (size_t i = first; i < last; ++i)
            columns.push_back({grouping.by + ":" + groups[i].id, groups[i].name, &groups[i].counts});
        if (with_total) columns.push_back({"total", tr(lang, "Total"), &total});
        const double share = 72.0 / static_cast<double>(std::max<size_t>(columns.size(), 4));
        out += "<table class=\"counts\"><colgroup><col style=\"width:28%\">";
        for (size_t i = 0; i < columns.size(); ++i) out += "<col style=\"width:" + std::to_string(share) + "%\">";
        out += "</colgroup><thead><tr><th>" + esc(tr(lang, "Indicator")) + "</th>";
        for (const auto& c : columns)
            out += std::string("<th") + (c.key == "total" ? " class=\"total\"" : "") + ">" + esc(c.name) + "</th>";
        out += "</tr></thead><tbody>";
        for (const auto& measure : kCountColumns) {
            out += "<tr><th scope=\"row\">" + esc(column_heading(measure, lang)) + "</th>";
            for (const auto& c : columns)
                out += count_cell(c.key, measure.key, std::to_string(c.counts->*measure.value),
                                  c.key == "total" ? " total" : "");
            out += "</tr>";
        }
        out += "<tr><th scope=\"row\">" + esc(tr(lang, "On-time rate")) + "</th>";
        for (const auto& c : columns)
            out += count_cell(c.key, "on_time_percent", percent_text(*c.counts), c.key == "total" ? " total" : "");
        out += "</tr></tbody></table>";
        if (groups.empty()) break;
    }
}

void key_figures(std::string& out, const ComplianceReport& r) {
    const Lang lang = r.lang;
    const auto& t = r.total;
    auto figure = [&](const std::string& value, const std::string& label, const char* key, bool alert = false) {
        out += std::string("<div class=\"figure") + (alert ? " alert" : "") + "\"><b data-figure=\"" + key + "\">" +
               value + "</b>" + esc(label) + "</div>";
    };
    out += "<div class=\"figures\">";
    figure(std::to_string(t.planned), tr(lang, "Planned"), "planned");
    figure(std::to_string(t.held), tr(lang, "Held"), "held");
    figure(std::to_string(t.cancelled), tr(lang, "Cancelled"), "cancelled");
    figure(percent_text(t), tr(lang, "On-time rate"), "on_time_percent");
    figure(std::to_string(r.overdue.size()), tr(lang, "Overdue"), "overdue", !r.overdue.empty());
    figure(std::to_string(t.participants), tr(lang, "Participants"), "participants");
    out += "</div>";
}

void overdue_table(std::string& out, const ComplianceReport& r) {
    const Lang lang = r.lang;
    if (r.overdue.empty()) {
        out += "<p>" + esc(tr(lang, "Nothing is overdue.")) + "</p>";
        return;
    }
    // "Days late" is one word per line in every language (Кешігу, / Просрочка,): wide enough for it.
    out += "<table class=\"overdue\"><colgroup><col style=\"width:14%\"><col style=\"width:28%\">"
           "<col style=\"width:19%\"><col style=\"width:15%\"><col style=\"width:12%\"><col style=\"width:12%\">"
           "</colgroup><thead><tr>";
    for (const char* heading : {"Days late", "Event", "Centre", "Status", "Date", "Due"})
        out += "<th>" + esc(tr(lang, heading)) + "</th>";
    out += "</tr></thead><tbody>";
    for (const auto& o : r.overdue)
        out += "<tr data-event=\"" + esc(o.id) + "\"><td class=\"n late\">" + std::to_string(o.days_late) +
               "</td><td>" + esc(o.title) + "<br><span class=\"id\">" + esc(o.id) + "</span></td><td>" +
               esc(o.centre_name) + "</td><td>" + esc(overdue_status(o, lang)) +
               "</td><td class=\"n\">" + esc(shown_date(o.date, lang)) + "</td><td class=\"n\">" +
               esc(shown_date(o.due, lang)) + "</td></tr>";
    out += "</tbody></table>";
}

std::string swatch(const OutcomeStyle& style) {
    return std::string("<svg viewBox=\"0 0 10 10\" aria-hidden=\"true\"><rect x=\"0.5\" y=\"0.5\" width=\"9\" "
                       "height=\"9\" fill=\"") +
           outcome_fill(style) + "\" stroke=\"#444\" stroke-width=\"0.6\"/></svg>";
}

void legend(std::string& out, Lang lang, std::initializer_list<size_t> which) {
    out += "<ul class=\"legend\">";
    for (size_t i : which)
        out += "<li>" + swatch(kOutcomeOrder[i]) + esc(outcome_legend(kOutcomeOrder[i], lang)) + "</li>";
    out += "</ul>";
}

}  // namespace

std::string report_html(const ComplianceReport& r) {
    const Lang lang = r.lang;
    const std::string title = tr(lang, "Report on the execution of the plan of events");
    std::string out = std::string("<!DOCTYPE html>\n<html lang=\"") + lang_code(lang) +
                      "\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, "
                      "initial-scale=1\">\n<title>" + esc(title) + " " + esc(r.from) + " — " + esc(r.to) +
                      "</title>\n<style>\n" + kStyle + "</style>\n</head>\n<body>\n" + outcome_patterns() + "\n";
    if (!r.department.empty()) out += "<p class=\"department\">" + esc(r.department) + "</p>\n";
    out += "<h1>" + esc(title) + "</h1>\n";
    if (!r.plan_title.empty()) out += "<p class=\"plan\">" + esc(r.plan_title) + "</p>\n";
    if (!r.plan_basis.empty()) out += "<p class=\"muted\">" + esc(r.plan_basis) + "</p>\n";
    out += "<p>" + esc(tr(lang, "Period")) + ": <b>" + esc(shown_date(r.from, lang)) + " — " +
           esc(shown_date(r.to, lang)) + "</b>; " + esc(tr_format(lang, "as of {}", shown_date(r.today, lang))) +
           ".</p>\n";
    key_figures(out, r);

    out += "\n<h2>" + esc(r.groupings[0].heading) + "</h2>\n";
    counts_tables(out, lang, r.groupings[0], r.total);
    out += "\n<h2>" + esc(tr(lang, "Overdue")) + "</h2>\n";
    overdue_table(out, r);
    out += "<p class=\"note\">" + esc(tr(lang, "Days late: calendar days past the due date, as of the report's date.")) +
           "</p>\n";

    out += "\n<h2>" + esc(on_time_title(r)) + "</h2>\n<figure>" + on_time_svg(r);
    legend(out, lang, {0, 2, 3});
    out += "</figure>\n";
    out += "\n<h2>" + esc(timeline_title(r)) + "</h2>\n<figure>" + timeline_svg(r);
    legend(out, lang, {0, 1, 2, 3, 4, 5, 6});
    out += "</figure>\n";

    for (size_t i = 1; i < r.groupings.size(); ++i) {
        out += "\n<h2>" + esc(r.groupings[i].heading) + "</h2>\n";
        counts_tables(out, lang, r.groupings[i], r.total);
    }
    // Who prepared it and when, with room to sign: the page goes on paper to the deputy head.
    out += "\n<div class=\"prepared\"><p>" + esc(tr(lang, "Prepared by")) + ": <b>" + esc(r.prepared_by) + "</b>" +
           (r.prepared_by_position.empty() ? "" : ", " + esc(r.prepared_by_position)) + " <span></span></p><p>" +
           esc(tr(lang, "Date")) + ": <b data-prepared=\"date\">" + esc(shown_date(r.today, lang)) + "</b></p></div>\n";
    out += "\n<footer><p>" +
           esc(tr(lang, "On-time rate = reports on time / reports due (on time + late + missing).")) + "</p><p>" +
           esc(capitalized(term_label(lang, Vocabulary::outcome, "not_held")) + ": " +
               tr(lang, "the planned day has passed and nobody has confirmed that the event took place.")) +
           "</p><p>" + esc(tr(lang, "Prepared by taratd.")) + " " + esc(tr_format(lang, "as of {}", shown_date(r.today, lang))) +
           "</p></footer>\n</body>\n</html>\n";
    return out;
}

}  // namespace tarat
