// The report as Markdown, for pasting into mail: headings, pipe tables, the overdue list.
#include "ctl/report.hpp"

namespace tarat {
namespace {

// A table cell: pipes, backslashes and Markdown markup (emphasis, code, links, raw HTML) escaped;
// line breaks flattened.
std::string cell(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (std::string_view("|\\*_`<>[]").find(c) != std::string_view::npos) out += '\\';
        out += (c == '\n' || c == '\r') ? ' ' : c;
    }
    return out;
}

std::string percent_text(const ReportCounts& counts) {
    auto percent = counts.on_time_percent();
    return percent ? std::to_string(*percent) + " %" : "—";
}

void row(std::string& out, const std::vector<std::string>& cells) {
    out += "|";
    for (const auto& c : cells) out += " " + c + " |";
    out += "\n";
}

void counts_table(std::string& out, Lang lang, const std::string& first_heading, const ReportGrouping* grouping,
                  const ReportCounts& total) {
    std::vector<std::string> heads{cell(first_heading)};
    for (const auto& column : kCountColumns) heads.push_back(cell(column_heading(column, lang)));
    heads.push_back(cell(tr(lang, "On-time rate")));
    row(out, heads);
    std::string rule = "|---|";
    for (size_t i = 1; i < heads.size(); ++i) rule += "---:|";
    out += rule + "\n";
    auto counts_row = [&](const std::string& name, const ReportCounts& counts) {
        std::vector<std::string> cells{name};
        for (const auto& column : kCountColumns) cells.push_back(std::to_string(counts.*column.value));
        cells.push_back(percent_text(counts));
        row(out, cells);
    };
    if (grouping)
        for (const auto& g : grouping->groups) counts_row(cell(g.name), g.counts);
    counts_row("**" + cell(tr(lang, "Total")) + "**", total);
}

}  // namespace

std::string report_md(const ComplianceReport& r) {
    const Lang lang = r.lang;
    std::string out = "# " + cell(tr(lang, "Report on the execution of the plan of events")) + "\n\n";
    if (!r.plan_title.empty()) out += cell(r.plan_title) + "\n\n";
    out += cell(tr(lang, "Period")) + ": " + shown_date(r.from, lang) + " — " + shown_date(r.to, lang) + "; " +
           cell(tr_format(lang, "as of {}", shown_date(r.today, lang))) + "\n";
    for (const auto& grouping : r.groupings) {
        out += "\n## " + cell(grouping.heading) + "\n\n";
        const char* first = grouping.by == "centre" ? "Centre" : grouping.by == "district" ? "District" : "Form";
        counts_table(out, lang, tr(lang, first), &grouping, r.total);
    }
    out += "\n## " + cell(tr(lang, "Overdue")) + "\n\n";
    if (r.overdue.empty()) {
        out += cell(tr(lang, "Nothing is overdue.")) + "\n";
    } else {
        row(out, {cell(tr(lang, "Event")), cell(tr(lang, "Centre")), cell(tr(lang, "Date")), cell(tr(lang, "Status")),
                  cell(tr(lang, "Due")), cell(tr(lang, "Days late"))});
        out += "|---|---|---|---|---|---:|\n";
        for (const auto& o : r.overdue)
            row(out, {cell(o.title) + " (" + cell(o.id) + ")", cell(o.centre_name), shown_date(o.date, lang),
                      cell(overdue_status(o, lang)), shown_date(o.due, lang),
                      std::to_string(o.days_late)});
    }
    out += "\n" + cell(tr(lang, "On-time rate = reports on time / reports due (on time + late + missing).")) + "\n";
    return out;
}

}  // namespace tarat
