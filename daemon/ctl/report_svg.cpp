// The HTML report's two charts as inline SVG: no script, no fonts or images to fetch. Both are
// drawn on a 700-unit-wide view box and scale to the page's width, so they print on A4 as they show.
#include "ctl/report.hpp"

#include "core/text.hpp"

#include <algorithm>
#include <cstdio>

namespace tarat {
namespace {

constexpr int kWidth = 700;

std::string num(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f", value);
    std::string s = text;
    if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
    return s;
}

// A label in at most two lines of about `width` characters, broken at spaces; the rest shortened with "…".
std::vector<std::string> wrap_label(const std::string& text, size_t width) {
    std::vector<std::string> lines{""};
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find(' ', start);
        if (end == std::string::npos) end = text.size();
        std::string word = text.substr(start, end - start);
        start = end + 1;
        if (word.empty()) continue;
        std::string& line = lines.back();
        if (line.empty() || utf8_length(line) + 1 + utf8_length(word) <= width) {
            line += (line.empty() ? "" : " ") + word;
        } else if (lines.size() < 2) {
            lines.push_back(word);
        } else {
            line += "…";
            break;
        }
    }
    for (auto& line : lines)
        if (utf8_length(line) > width + 2) {
            size_t keep = 0, chars = 0;  // cut at a character boundary
            while (keep < line.size() && chars < width) {
                ++keep;
                while (keep < line.size() && (line[keep] & 0xC0) == 0x80) ++keep;
                ++chars;
            }
            line = line.substr(0, keep) + "…";
        }
    return lines;
}

// A label's lines as <text> centred vertically on y.
std::string label_text(const std::string& label, double x, double y, size_t width, const char* anchor = "start") {
    auto lines = wrap_label(label, width);
    const double line_height = 12;
    double first = y - (static_cast<double>(lines.size()) - 1) * line_height / 2 + 4;
    std::string out = "<text x=\"" + num(x) + "\" y=\"" + num(first) + "\" font-size=\"10\" text-anchor=\"" + anchor +
                      "\">";
    for (size_t i = 0; i < lines.size(); ++i)
        out += "<tspan x=\"" + num(x) + "\" dy=\"" + (i == 0 ? "0" : num(line_height)) + "\">" + xml_escape(lines[i]) +
               "</tspan>";
    return out + "</text>";
}

std::string open_svg(int height, const std::string& title) {
    return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + std::to_string(kWidth) + " " +
           std::to_string(height) + "\" role=\"img\" aria-label=\"" + xml_escape(title) + "\"><title>" +
           xml_escape(title) + "</title>";
}

// A rectangle; with a title, the text a viewer shows on hover.
std::string rect(double x, double y, double w, double h, const std::string& fill, const std::string& extra = "",
                 const std::string& title = "") {
    std::string out = "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(w) + "\" height=\"" +
                      num(h) + "\" fill=\"" + fill + "\"" + extra;
    return title.empty() ? out + "/>" : out + "><title>" + xml_escape(title) + "</title></rect>";
}

std::string line(double x1, double y1, double x2, double y2, const char* colour) {
    return "<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\" y2=\"" + num(y2) +
           "\" stroke=\"" + colour + "\" stroke-width=\"1\"/>";
}

}  // namespace

// Lanes of centres (of districts for a large plan), columns of months; each event one square coloured by its outcome.
std::string timeline_svg(const ComplianceReport& r) {
    const Lang lang = r.lang;
    constexpr double label_width = 170, header = 34, square = 11, gap = 3, pad = 6;
    const size_t months = std::max<size_t>(r.months.size(), 1);
    const double column = (kWidth - label_width) / static_cast<double>(months);
    // Room on each cell's right for its count.
    const int per_row = std::max(1, static_cast<int>((column - 2 * pad - 16) / (square + gap)));
    std::vector<double> lane_heights;
    for (const auto& row : r.timeline) {
        int squares_rows = 1;
        for (const auto& cell : row.months) squares_rows = std::max(squares_rows, (cell.total + per_row - 1) / per_row);
        lane_heights.push_back(std::max(34.0, squares_rows * (square + gap) - gap + 2 * pad + 4));
    }
    double height = header;
    for (double h : lane_heights) height += h;
    const std::string title = timeline_title(r);
    std::string svg = open_svg(static_cast<int>(height) + 1, title);
    for (size_t m = 0; m < r.months.size(); ++m) {
        const double x = label_width + column * static_cast<double>(m);
        const std::string month = month_label(r.months[m], lang);
        const auto space = month.rfind(' ');
        svg += "<text x=\"" + num(x + column / 2) + "\" y=\"14\" font-size=\"10\" font-weight=\"bold\" "
               "text-anchor=\"middle\">" + xml_escape(month.substr(0, space)) + "</text>";
        svg += "<text x=\"" + num(x + column / 2) + "\" y=\"27\" font-size=\"9\" fill=\"#555\" text-anchor=\"middle\">" +
               xml_escape(month.substr(space + 1)) + "</text>";
        svg += line(x, 0, x, height, "#ccc");
    }
    double y = header;
    for (size_t i = 0; i < r.timeline.size(); ++i) {
        const auto& row = r.timeline[i];
        svg += line(0, y, kWidth, y, "#bbb");
        svg += label_text(row.name, 2, y + lane_heights[i] / 2, 26);
        for (size_t m = 0; m < row.months.size() && m < r.months.size(); ++m) {
            const auto& cell = row.months[m];
            const double x0 = label_width + column * static_cast<double>(m) + pad;
            int k = 0;
            for (const auto& [outcome, count] : cell.by_outcome) {
                const auto style = std::find_if(kOutcomeOrder.begin(), kOutcomeOrder.end(),
                                                [&](const OutcomeStyle& s) { return outcome == s.name; });
                for (int n = 0; n < count; ++n, ++k) {
                    const double sx = x0 + (k % per_row) * (square + gap);
                    const double sy = y + pad + 2 + (k / per_row) * (square + gap);
                    svg += rect(sx, sy, square, square, outcome_fill(*style), " stroke=\"#444\" stroke-width=\"0.6\"",
                                outcome_legend(*style, lang));
                }
            }
            if (cell.total > 0)
                svg += "<text x=\"" + num(label_width + column * static_cast<double>(m + 1) - 4) + "\" y=\"" +
                       num(y + pad + 11) + "\" font-size=\"9\" fill=\"#333\" text-anchor=\"end\">" +
                       std::to_string(cell.total) + "</text>";
        }
        y += lane_heights[i];
    }
    svg += line(0, y, kWidth, y, "#bbb");
    return svg + "</svg>";
}

// One 100 % bar per centre and the total: reports due split into on time, late and missing.
std::string on_time_svg(const ComplianceReport& r) {
    const Lang lang = r.lang;
    constexpr double label_width = 190, text_width = 120, axis = 20, lane = 30, bar = 16;
    const double bar_width = kWidth - label_width - text_width;
    std::vector<std::pair<std::string, ReportCounts>> rows;
    for (const auto& grouping : r.groupings)
        if (grouping.by == r.lanes_by)
            for (const auto& g : grouping.groups) rows.emplace_back(g.name, g.counts);
    rows.emplace_back(tr(lang, "Total"), r.total);
    const double height = axis + lane * static_cast<double>(rows.size()) + 2;
    std::string svg = open_svg(static_cast<int>(height), on_time_title(r));
    for (int tick = 0; tick <= 100; tick += 25) {
        const double x = label_width + bar_width * tick / 100.0;
        svg += line(x, axis - 4, x, height, tick == 0 ? "#888" : "#ddd");
        svg += "<text x=\"" + num(x) + "\" y=\"12\" font-size=\"9\" fill=\"#555\" text-anchor=\"middle\">" +
               std::to_string(tick) + " %</text>";
    }
    double y = axis;
    for (const auto& [name, counts] : rows) {
        const bool total = &name == &rows.back().first;
        svg += label_text(name, 2, y + lane / 2, 30);
        const double top = y + (lane - bar) / 2;
        const int due = counts.reports_due();
        if (due == 0) {
            svg += "<text x=\"" + num(label_width + 6) + "\" y=\"" + num(top + 12) +
                   "\" font-size=\"10\" font-style=\"italic\" fill=\"#666\">" +
                   xml_escape(tr(lang, "no reports due yet")) + "</text>";
        } else {
            double x = label_width;
            const std::pair<int, const OutcomeStyle*> parts[] = {{counts.reported_on_time, &kOutcomeOrder[0]},
                                                                 {counts.reported_late, &kOutcomeOrder[2]},
                                                                 {counts.report_missing, &kOutcomeOrder[3]}};
            for (const auto& [count, style] : parts) {
                const double w = bar_width * count / due;
                if (w > 0) svg += rect(x, top, w, bar, outcome_fill(*style), " stroke=\"#fff\" stroke-width=\"0.5\"");
                x += w;
            }
            svg += rect(label_width, top, bar_width, bar, "none", " stroke=\"#666\" stroke-width=\"0.8\"");
            svg += "<text x=\"" + num(label_width + bar_width + 6) + "\" y=\"" + num(top + 12) + "\" font-size=\"10\"" +
                   (total ? " font-weight=\"bold\"" : "") + ">" + std::to_string(*counts.on_time_percent()) + " % (" +
                   std::to_string(counts.reported_on_time) + "/" + std::to_string(due) + ")</text>";
        }
        y += lane;
    }
    return svg + "</svg>";
}

}  // namespace tarat
