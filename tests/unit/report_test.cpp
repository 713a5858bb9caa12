// taratctl's compliance report in HTML, CSV and Markdown, from the reply the daemon's own code makes.
#include "ctl/output_file.hpp"
#include "ctl/render.hpp"
#include "ctl/report.hpp"
#include "ctl/text_table.hpp"
#include "support/csv.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "unit/compliance_sample.hpp"

#include <catch2/catch.hpp>
#include <sys/stat.h>

#include <fstream>
#include <regex>
#include <sstream>

using namespace tarat;
using namespace tarat::testing;
using nlohmann::json;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string html_for(Lang lang) { return render_report(ReportFormat::html, sample_reply(), lang); }

}  // namespace

// The on-time rate rounds half up and is absent when no report was due.
TEST_CASE("on-time percent") {
    ReportCounts c;
    CHECK_FALSE(c.on_time_percent());
    c.reported_on_time = 2;
    c.reported_late = 1;
    CHECK(c.on_time_percent() == 67);
    c.report_missing = 1;
    CHECK(c.on_time_percent() == 50);
    c = {};
    c.reported_on_time = 1;
    c.report_missing = 7;
    CHECK(c.on_time_percent() == 13);  // 12.5 → 13
}

// HTML: self-contained, no script, nothing fetched, A4, both charts, every text escaped.
TEST_CASE("html report") {
    const auto html = html_for(Lang::kk);
    CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
    CHECK(contains(html, "<html lang=\"kk\">"));
    CHECK(contains(html, "<meta charset=\"utf-8\">"));
    CHECK(contains(html, "@page { size: A4"));
    CHECK_FALSE(contains(html, "<script"));
    CHECK_FALSE(contains(html, "src="));
    CHECK_FALSE(contains(html, "href="));
    // url() only for the page's own patterns (url(#outcome-…)), never a file or an address.
    for (size_t at = html.find("url("); at != std::string::npos; at = html.find("url(", at + 1))
        CHECK(html.compare(at, 5, "url(#") == 0);
    CHECK_FALSE(contains(html, "@import"));
    auto svgs = 0;
    for (size_t at = html.find("<svg xmlns"); at != std::string::npos; at = html.find("<svg xmlns", at + 1)) ++svgs;
    CHECK(svgs == 2);  // the two charts (legend swatches are small svgs without xmlns)
    CHECK(contains(html, "Іс-шаралар жоспарының орындалуы туралы есеп"));
    CHECK(contains(html, "15.02.2027 жағдай бойынша"));
    CHECK(contains(html, "План &lt;тест&gt; &amp; «жоспар»"));
    CHECK(contains(html, "Семинар &quot;ойын&quot;, 1-бөлім; &lt;b&gt;"));
    CHECK(contains(html, "Желтоқсан"));  // the timeline's months in Kazakh
    CHECK(contains(html, "Ашық сабақ"));   // the form's Kazakh name
}

// The HTML's numbers are the reply's: each cell names its group and measure.
TEST_CASE("html numbers") {
    const auto html = html_for(Lang::en);
    auto cell = [&](const std::string& group, const std::string& key) {
        std::smatch m;
        std::regex pattern("data-group=\"" + group + "\" data-key=\"" + key + "\">([^<]*)<");
        REQUIRE(std::regex_search(html, m, pattern));
        return m[1].str();
    };
    CHECK(cell("centre:a", "planned") == "4");
    CHECK(cell("centre:a", "participants") == "50");
    CHECK(cell("centre:b", "report_missing") == "1");
    CHECK(cell("centre:a", "on_time_percent") == "50&#8239;%");
    CHECK(cell("centre:b", "on_time_percent") == "0&#8239;%");
    CHECK(cell("total", "planned") == "7");
    CHECK(cell("form:open", "planned") == "3");
    CHECK(cell("district:db", "cancelled") == "1");
    CHECK(contains(html, "<tr data-event=\"b1\"><td class=\"n late\">63</td>"));
    CHECK(contains(html, ">Open class<"));
}

// Russian and English headings on request.
TEST_CASE("html languages") {
    CHECK(contains(html_for(Lang::ru), "Отчёт об исполнении плана мероприятий"));
    CHECK(contains(html_for(Lang::ru), "Открытое занятие"));
    CHECK(contains(html_for(Lang::en), "Report on the execution of the plan of events"));
    CHECK(contains(html_for(Lang::en), ">February<"));
}

// Nothing overdue: said in words, no empty table.
TEST_CASE("html without overdue events") {
    auto reply = sample_reply();
    reply["overdue"] = json::array();
    auto html = render_report(ReportFormat::html, reply, Lang::en);
    CHECK(contains(html, "Nothing is overdue."));
    CHECK_FALSE(contains(html, "class=\"overdue\""));
}

// A reply without the detail (an older daemon) is refused in words.
TEST_CASE("reply without detail") {
    json plain = {{"groups", json::array()}, {"total", json::object()}};
    CHECK_THROWS_WITH(render_report(ReportFormat::csv, plain, Lang::kk), Catch::Contains("older than this taratctl"));
}

// CSV: BOM, CRLF, one header row, quoting of delimiters, quotes and formulas, ISO dates; ';' for kk/ru.
TEST_CASE("csv report") {
    const auto csv = render_report(ReportFormat::csv, sample_reply(), Lang::kk);
    CHECK(csv.rfind("\xEF\xBB\xBF", 0) == 0);
    CHECK(csv.size() > 2);
    CHECK(csv.substr(csv.size() - 2) == "\r\n");
    CHECK(std::count(csv.begin(), csv.end(), '\n') == std::count(csv.begin(), csv.end(), '\r'));
    auto rows = parse_csv(csv, ';');
    REQUIRE(rows.size() == 1 + 2 + 2 + 2 + 1 + 2);  // header, centres, districts, forms, total, overdue
    const auto& header = rows[0];
    CHECK(header[0] == "Бөлім");
    CHECK(header[4] == "Жоспарда");
    for (const auto& row : rows) CHECK(row.size() == header.size());
    CHECK(rows[1][0] == "Орталық");
    CHECK(rows[1][1] == "a");
    CHECK(rows[1][4] == "4");
    CHECK(rows[1][14] == "50");  // on-time percent
    CHECK(rows[7][0] == "Барлығы");
    CHECK(rows[7][4] == "7");
    const auto& late = rows[8];
    CHECK(late[0] == "Мерзімі өткендер");
    CHECK(late[1] == "b1");
    CHECK(late[2] == "Семинар \"ойын\", 1-бөлім; <b>");
    CHECK(late[15] == "2026-12-11");  // held a day late: its report was due from then
    CHECK(late[16] == "2026-12-14");
    CHECK(late[17] == "63");
    CHECK(late[18] == "есебі тапсырылмаған");
    CHECK(rows[9][2] == "'=HYPERLINK(\"x\")");  // not a formula in a spreadsheet
    CHECK(contains(csv, "\"Семинар \"\"ойын\"\", 1-бөлім; <b>\""));
    auto english = parse_csv(render_report(ReportFormat::csv, sample_reply(), Lang::en), ',');
    CHECK(english[0][0] == "Section");
    CHECK(english.size() == rows.size());
}

// Markdown: a heading, pipe tables with the same numbers, pipes in text escaped.
TEST_CASE("markdown report") {
    auto reply = sample_reply();
    reply["groupings"]["centre"][0]["name"] = "A | B";
    const auto md = render_report(ReportFormat::md, reply, Lang::en);
    CHECK(md.rfind("# Report on the execution of the plan of events\n", 0) == 0);
    CHECK(contains(md, "## By centre"));
    CHECK(contains(md, "| A \\| B | 4 | 3 | 3 | 1 | 0 | 0 | 1 | 1 | 0 | 50 | 50 % |"));
    CHECK(contains(md, "| **Total** | 7 |"));
    CHECK(contains(md, "| 2026-12-11 | report missing | 2026-12-14 | 63 |"));
    CHECK_FALSE(contains(md, "<b>"));
    // Read in Kazakh or Russian, its dates are DD.MM.YYYY, as in the HTML report.
    const auto kk = render_report(ReportFormat::md, reply, Lang::kk);
    CHECK(contains(kk, "Кезең: 01.12.2026 — 31.03.2027; 15.02.2027 жағдай бойынша"));
    CHECK(contains(kk, "| 11.12.2026 |"));
    CHECK(contains(kk, "| 14.12.2026 | 63 |"));
    CHECK_FALSE(contains(render_report(ReportFormat::md, reply, Lang::ru), "2026-12-14"));
}

// The charts: one square per event of the timeline, one bar row per centre plus the total.
TEST_CASE("svg charts") {
    auto report = read_report(sample_reply(), Lang::en);
    auto timeline = timeline_svg(report);
    size_t squares = 0;
    for (size_t at = timeline.find("<rect"); at != std::string::npos; at = timeline.find("<rect", at + 1)) ++squares;
    CHECK(squares == 7);
    CHECK(contains(timeline, "viewBox=\"0 0 700 "));
    CHECK(contains(timeline, "<title>report missing</title>"));
    auto bars = on_time_svg(report);
    CHECK(contains(bars, "50 % (1/2)"));  // centre A: one on time, one late
    CHECK(contains(bars, "0 % (0/1)"));   // centre B: one missing
    CHECK(contains(bars, "33 % (1/3)"));  // the total
}

// -o FILE: written whole through a temporary file and a rename; a new file gets 0666 less the umask,
// a replaced one keeps its mode; an unwritable place throws naming the path.
TEST_CASE("output file") {
    TempDir dir;
    auto file = dir / "report.html";
    const mode_t old_mask = ::umask(022);
    write_output_file(file, "first");
    ::umask(old_mask);
    struct stat st {};
    REQUIRE(::stat(file.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0644);
    ::chmod(file.c_str(), 0600);
    write_output_file(file, "second");
    REQUIRE(::stat(file.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK(read_file(file) == "second");
    size_t entries = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++entries;
    CHECK(entries == 1);  // no temporary left behind
    CHECK_THROWS_WITH(write_output_file(dir / "no/such/dir/report.html", "x"), Catch::Contains("no/such/dir"));
}

// `reload --wait` lists the changes the daemon sent and says how many more the history holds.
TEST_CASE("reload output names the changes not listed") {
    nlohmann::json reply = {{"taken", true}, {"waited", true}, {"changes", {"event:a added", "event:b added"}},
                            {"changes_total", 1002}};
    std::ostringstream out;
    render_reply("reload", reply, "plan p taken: 1002 changes", Lang::kk, out);
    CHECK(out.str() == "plan p taken: 1002 changes\nӨзгерістер:\n  event:a added\n  event:b added\n"
                       "  … және тағы 1000 (taratctl history)\n");
    reply["changes_total"] = 2;
    std::ostringstream all;
    render_reply("reload", reply, "plan p taken: 2 changes", Lang::en, all);
    CHECK(all.str() == "plan p taken: 2 changes\nChanges:\n  event:a added\n  event:b added\n");
}

// Stored text never reaches the terminal raw: every control character in a table or a line is
// shown as an escape, bytes that are not UTF-8 as U+FFFD; newlines between lines stay.
TEST_CASE("human output shows control characters visibly") {
    CHECK(tarat::visible("a\tb\nc\rd\x1b[31me\x7f") == "a\\tb\\nc\\rd\\x1b[31me\\x7f");
    CHECK(tarat::visible("\xC2\x9B" "2J") == "\\u009b2J");  // C1 CSI
    CHECK(tarat::visible("ok \xFF end") == "ok \xEF\xBF\xBD end");
    CHECK(tarat::visible("Қазақ «тілі»") == "Қазақ «тілі»");
    CHECK(tarat::visible_lines("one\ntwo\x1b") == "one\ntwo\\x1b");

    const nlohmann::json events = {{"events", nlohmann::json::array({{{"date", "2026-12-09"},
                                                                     {"id", "erkemai-seminar-1"},
                                                                     {"state", "planned"},
                                                                     {"title", std::string("Ойын\tарқылы\x1b[2J\r\n") + "x"}}})}};
    std::ostringstream out;
    tarat::render_reply("events", events, "1 event", tarat::Lang::en, out);
    const std::string shown = out.str();
    INFO(shown);
    CHECK(shown.find("Ойын\\tарқылы\\x1b[2J\\r\\nx") != std::string::npos);
    for (char c : shown) CHECK((static_cast<unsigned char>(c) >= 0x20 || c == '\n'));

    std::ostringstream help;
    tarat::render_reply("help", nlohmann::json::object(), "line one\nline\x07two", tarat::Lang::en, help);
    CHECK(help.str() == "line one\nline\\x07two\n");
}

// A large plan's reply has district lanes: both charts draw districts and say so, in the report's language.
TEST_CASE("svg charts of a plan with district lanes") {
    auto reply = sample_reply();
    auto& timeline = reply["timeline"];
    timeline["by"] = "district";
    timeline["districts"] = timeline["centres"];
    timeline["districts"][0]["name"] = "District A";
    timeline["districts"][1]["name"] = "District B";
    timeline.erase("centres");
    auto report = read_report(reply, Lang::kk);
    REQUIRE(report.timeline.size() == 2);
    CHECK(report.timeline[0].name == "District A");
    CHECK(contains(timeline_svg(report), "Аудандардың іс-шаралары, айлар бойынша"));
    auto bars = on_time_svg(report);
    CHECK(contains(bars, "Уақтылы берілген есептер, аудандар бойынша"));
    CHECK(contains(bars, "District B"));
    CHECK_FALSE(contains(bars, "Centre B"));
    auto html = render_report(ReportFormat::html, reply, Lang::ru);
    CHECK(contains(html, "Мероприятия районов по месяцам"));
    CHECK(contains(html, "Отчёты в срок по районам"));
    CHECK_FALSE(contains(html, "Мероприятия центров по месяцам"));
}
