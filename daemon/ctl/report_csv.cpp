// The report as one CSV table for spreadsheets: UTF-8 with a BOM (Excel otherwise reads it as the
// local ANSI code page), CRLF line ends and quoting as in RFC 4180, one header row, ISO dates.
// The delimiter follows the language: Kazakh and Russian Excel (decimal comma) splits on ';' when
// a file is opened by double click, English Excel on ','. The first column names each row's section:
// the groups by centre, district and form, the total, then the overdue events.
#include "ctl/csv_writer.hpp"
#include "ctl/report.hpp"

namespace tarat {
namespace {

void counts_cells(CsvWriter& csv, const ReportCounts& counts) {
    for (const auto& column : kCountColumns) csv.number(counts.*column.value);
    if (auto percent = counts.on_time_percent()) csv.number(*percent);
    else csv.empty();
}

}  // namespace

std::string report_csv(const ComplianceReport& r) {
    const Lang lang = r.lang;
    CsvWriter csv(lang == Lang::en ? ',' : ';');
    csv.text(tr(lang, "Section")).text("ID").text(tr(lang, "Name")).text(tr(lang, "Centre"));
    for (const auto& column : kCountColumns) csv.text(column_heading(column, lang));
    csv.text(tr(lang, "On-time rate") + ", %")
        .text(tr(lang, "Date"))
        .text(tr(lang, "Due"))
        .text(tr(lang, "Days late"))
        .text(tr(lang, "Status"));
    csv.end_row();
    const int trailing = 4;  // Date, Due, Days late, Status: only overdue rows have them
    for (const auto& grouping : r.groupings) {
        const std::string section =
            tr(lang, grouping.by == "centre" ? "Centre" : grouping.by == "district" ? "District" : "Form");
        for (const auto& g : grouping.groups) {
            csv.text(section).text(g.id).text(g.name).text(grouping.by == "centre" ? g.name : "");
            counts_cells(csv, g.counts);
            csv.empty(trailing).end_row();
        }
    }
    csv.text(tr(lang, "Total")).empty(3);
    counts_cells(csv, r.total);
    csv.empty(trailing).end_row();
    for (const auto& o : r.overdue) {
        csv.text(tr(lang, "Overdue")).text(o.id).text(o.title).text(o.centre_name);
        csv.empty(static_cast<int>(kCountColumns.size()) + 1);
        csv.text(o.date).text(o.due).number(o.days_late);
        csv.text(overdue_status(o, lang)).end_row();
    }
    return csv.take();
}

}  // namespace tarat
