// End to end: `taratctl compliance --format html|csv|md -o FILE` against the real taratd with the shipped
// plan on a pretended 2027-02-15, after held (reports on time, late, missing), postponed and cancelled
// events; the HTML rendered by headless Chromium: a screenshot that is not blank, no horizontal
// overflow on A4, A4 pages when printed, and the same numbers as the CSV.
//
// The screenshot stays at build/tests/report-screenshot.png (and the page at build/tests/report.html).
#include "support/paths.hpp"
#include "support/chromium.hpp"
#include "support/csv.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <sstream>

using namespace tarat::testing;
using nlohmann::json;

namespace {

const std::filesystem::path kKeptDir = TARAT_BINARY_DIR "/tests";
const std::string kPngCheck = TARAT_SOURCE_DIR "/tests/e2e/png_check.py";
constexpr const char* kToday = "2027-02-15";

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string next_day(const std::string& iso) {
    std::chrono::year_month_day ymd{std::chrono::year(std::stoi(iso.substr(0, 4))),
                                    std::chrono::month(static_cast<unsigned>(std::stoi(iso.substr(5, 2)))),
                                    std::chrono::day(static_cast<unsigned>(std::stoi(iso.substr(8, 2))))};
    ymd = std::chrono::sys_days(ymd) + std::chrono::days(1);
    char text[16];
    std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()));
    return text;
}

// The shipped etc/ on a temp state dir; the daemon's clock starts on 2027-02-15 at 10:00 in Aktobe,
// on the events a first start before the plan placed (a rule places no new event in the past).
struct Department {
    TempDir dir;
    std::filesystem::path state = dir / "state", socket = dir / "run/tarat.sock", plugins = TARAT_PLUGIN_BUILD_DIR;
    std::unique_ptr<Child> daemon;

    Department() {
        std::filesystem::copy(kEtc, dir / "etc", std::filesystem::copy_options::recursive);
        start("2026-10-01T10:00:00+05:00", "taratd-placing");
        daemon->signal(SIGTERM);
        REQUIRE(daemon->wait() == 0);
        start(std::string(kToday) + "T10:00:00+05:00", "taratd");
    }
    void start(const std::string& now, const std::string& name) {
        daemon = std::make_unique<Child>(
            std::vector<std::string>{kTaratd, "run", "--config", (dir / "etc/tarat.toml").string(), "--state-dir",
                                     state.string(), "--socket", socket.string(), "--plugin-dir", plugins.string(),
                                     "--pretend-now", now},
            dir.path(), name);
        REQUIRE(eventually([&] { return ctl({"status"}).exit_code == 0 || !daemon->running(); }));
        INFO(daemon->err());
        REQUIRE(daemon->running());
    }
    RunResult ctl(std::vector<std::string> args) const {
        args.insert(args.begin(), {kTaratctl, "--socket", socket.string()});
        return run(args, dir.path());
    }
    void admin(std::vector<std::string> args) const {
        auto r = ctl(args);
        INFO(args[0] << " " << args[1] << ": " << r.err);
        REQUIRE(r.exit_code == 0);
    }
    json events(std::vector<std::string> filter) const {
        filter.insert(filter.begin(), "events");
        filter.push_back("--json");
        auto r = ctl(filter);
        REQUIRE(r.exit_code == 0);
        return json::parse(r.out)["events"];
    }
};

}  // namespace

TEST_CASE("compliance report in html, csv and md, rendered by chromium") {
    Department dept;

    // December and January (17 events) as a department records them: six held and reported on the
    // day (one held a day later than planned), three reported today (late), two without a report,
    // one cancelled; the last five, and February's before today, nobody confirmed (overdue).
    auto past = dept.events({"--from", "2026-12-01", "--to", "2027-01-31"});
    REQUIRE(past.size() >= 13);
    const int participants[] = {34, 28, 41, 19, 25, 30, 22, 37, 26, 18, 45};
    for (int i = 0; i < 11; ++i) {
        const auto id = past[i]["id"].get<std::string>();
        std::string date = past[i]["date"].get<std::string>();
        if (i == 5) date = next_day(date);
        dept.admin({"held", id, "--date", date, "--participants", std::to_string(participants[i])});
        if (i < 6) dept.admin({"reported", id, "--date", date, "--ref", "№ 12-04/" + std::to_string(100 + i)});
        else if (i < 9) dept.admin({"reported", id});
    }
    dept.admin({"cancel", past[11]["id"].get<std::string>(), "--reason", "карантин"});
    // March's first event moves a week or two on (to the first working day the daemon accepts).
    auto later = dept.events({"--from", "2027-03-01", "--to", "2027-03-31"});
    REQUIRE_FALSE(later.empty());
    bool postponed = false;
    for (const char* to : {"2027-04-06", "2027-04-07", "2027-04-08", "2027-04-13"})
        if (!postponed) postponed = dept.ctl({"postpone", later[0]["id"].get<std::string>(), "--to", to, "--reason", "зал бос емес"}).exit_code == 0;
    REQUIRE(postponed);

    // Without --format: the table as before, and the reply stays without the report's detail.
    auto plain = dept.ctl({"compliance", "--json"});
    REQUIRE(plain.exit_code == 0);
    auto plain_json = json::parse(plain.out);
    CHECK_FALSE(plain_json.contains("groupings"));
    CHECK(plain_json["total"]["reported_late"] == 3);
    CHECK(dept.ctl({"compliance", "--lang", "en"}).out.rfind("CENTRE", 0) == 0);
    // In pages: two centres and the cursor, the hint on stderr; --all follows the cursors.
    auto first_page = dept.ctl({"compliance", "--limit", "2", "--json"});
    REQUIRE(first_page.exit_code == 0);
    const auto first_json = json::parse(first_page.out);
    CHECK(first_json["groups"].size() == 2);
    CHECK(first_json["groups_total"] == plain_json["groups"].size());
    CHECK(first_json["next"] == first_json["groups"][1]["id"]);
    const auto hint = dept.ctl({"compliance", "--limit", "2", "--lang", "kk"}).err;
    CHECK(hint.find("--after " + first_json["next"].get<std::string>()) != std::string::npos);
    auto every = dept.ctl({"compliance", "--limit", "2", "--all", "--json"});
    REQUIRE(every.exit_code == 0);
    CHECK(json::parse(every.out)["groups"] == plain_json["groups"]);

    // The files, written by taratctl itself: a new file gets 0666 less the umask.
    const auto html_path = dept.dir / "report.html", csv_path = dept.dir / "report.csv";
    auto html_run = dept.ctl({"compliance", "--format", "html", "-o", html_path.string()});
    INFO(html_run.err);
    REQUIRE(html_run.exit_code == 0);
    CHECK(html_run.out.empty());
    REQUIRE(dept.ctl({"compliance", "--format", "csv", "-o", csv_path.string()}).exit_code == 0);
    struct stat st {};
    REQUIRE(::stat(html_path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0002) == 0);
    const auto html = read_file(html_path), csv = read_file(csv_path);
    CHECK(contains(html, "<html lang=\"kk\">"));  // Kazakh by default
    CHECK_FALSE(contains(html, "<script"));
    auto md = dept.ctl({"compliance", "--format", "md", "--lang", "ru"});
    CHECK(md.exit_code == 0);
    CHECK(md.out.rfind("# Отчёт об исполнении плана мероприятий\n", 0) == 0);
    CHECK(dept.ctl({"compliance", "-o", "x.html"}).exit_code == 64);              // -o needs --format
    CHECK(dept.ctl({"compliance", "--format", "pdf"}).exit_code == 64);
    CHECK(dept.ctl({"compliance", "--format", "csv", "-o", "/nonexistent/dir/r.csv"}).exit_code == 73);

    // Keep the page and its screenshot where the closing note can point at them.
    std::filesystem::create_directories(kKeptDir);
    const auto kept_html = kKeptDir / "report.html", screenshot = kKeptDir / "report-screenshot.png";
    std::filesystem::copy_file(html_path, kept_html, std::filesystem::copy_options::overwrite_existing);
    std::filesystem::remove(screenshot);
    chromium(dept.dir, {"--window-size=794,1123", "--screenshot=" + screenshot.string(), "file://" + kept_html.string()});
    REQUIRE(std::filesystem::exists(screenshot));
    auto stats = run({"/usr/bin/python3", kPngCheck, screenshot.string()}, dept.dir.path());
    INFO(stats.err);
    REQUIRE(stats.exit_code == 0);
    int width = 0, height = 0, colours = 0, inked = 0;
    std::istringstream(stats.out) >> width >> height >> colours >> inked;
    CHECK(width == 794);
    CHECK(height == 1123);
    CHECK(colours > 20);  // text, table rules, figures: far from a blank page
    CHECK(inked >= 3);
    std::cout << "report screenshot: " << screenshot.string() << " (" << width << "x" << height << ", " << colours
              << " colours, " << inked << "% inked)\n";

    // No horizontal overflow: A4 at 96 dpi on screen (794 px) and its printable width (186 mm = 703 px).
    std::cout << overflow_at(dept.dir, html, 794) << "\n" << overflow_at(dept.dir, html, 703) << "\n";
    // Printed, every page is A4 (595 × 842 pt), and the report takes a few of them, not dozens.
    const int pages = printed_a4_pages(dept.dir, kept_html);
    CHECK(pages >= 1);
    CHECK(pages <= 6);
    std::cout << "printed: " << pages << " A4 pages\n";

    // The numbers Chromium shows are the CSV's: every group's measures, the total, the overdue days.
    auto dom = chromium(dept.dir, {"--dump-dom", "file://" + html_path.string()});
    std::map<std::string, std::string> shown;  // "centre:erkemai/planned" → "3"
    const std::regex cell(R"re(data-group="([^"]+)" data-key="([^"]+)">([^<]*)<)re");
    for (std::sregex_iterator it(dom.begin(), dom.end(), cell), end; it != end; ++it) {
        const std::string text = (*it)[3];  // "50 %" (a narrow space), "—" when no report was due
        std::string value;
        for (char c : text)
            if (c >= '0' && c <= '9') value += c;
        if (contains(text, "—")) value = "—";
        shown[(*it)[1].str() + "/" + (*it)[2].str()] = value;
    }
    auto rows = parse_csv(csv, ';');
    REQUIRE(rows.size() > 10);
    const auto& header = rows[0];
    const std::vector<std::string> keys{"planned", "held", "held_on_planned_date", "postponed", "cancelled", "not_held",
                                        "reported_on_time", "reported_late", "report_missing", "participants",
                                        "on_time_percent"};
    const std::map<std::string, std::string> sections{
        {"Орталық", "centre"}, {"Аудан", "district"}, {"Түрі", "form"}, {"Барлығы", "total"}};
    size_t compared = 0, overdue_rows = 0;
    std::map<std::string, std::string> csv_total;
    for (size_t r = 1; r < rows.size(); ++r) {
        const auto& row = rows[r];
        REQUIRE(row.size() == header.size());
        if (row[0] == "Мерзімі өткендер") {
            ++overdue_rows;
            CHECK(std::regex_match(row[15], std::regex(R"(\d{4}-\d{2}-\d{2})")));  // ISO dates
            CHECK(contains(dom, "<tr data-event=\"" + row[1] + "\"><td class=\"n late\">" + row[17] + "</td>"));
            continue;
        }
        REQUIRE(sections.count(row[0]));
        const std::string group = sections.at(row[0]) == "total" ? "total" : sections.at(row[0]) + ":" + row[1];
        for (size_t k = 0; k < keys.size(); ++k) {
            const std::string csv_value = row[4 + k].empty() ? "—" : row[4 + k];
            INFO(group << " " << keys[k]);
            REQUIRE(shown.count(group + "/" + keys[k]));
            CHECK(shown[group + "/" + keys[k]] == csv_value);
            ++compared;
            if (group == "total") csv_total[keys[k]] = csv_value;
        }
    }
    CHECK(compared == keys.size() * (4 + 4 + 3 + 1));  // centres, districts, forms, total
    CHECK(overdue_rows >= 7);                           // the unconfirmed ones and the missing reports
    // And they are what happened.
    CHECK(csv_total["held"] == "11");
    CHECK(csv_total["held_on_planned_date"] == "10");
    CHECK(csv_total["reported_on_time"] == "6");
    CHECK(csv_total["reported_late"] == "3");
    CHECK(csv_total["report_missing"] == "2");
    CHECK(csv_total["cancelled"] == "1");
    CHECK(csv_total["postponed"] == "1");
    CHECK(csv_total["participants"] == "325");
    CHECK(csv_total["on_time_percent"] == "55");  // 6 of 11

    // F16: held a week before its planned day, its report missing: the overdue row shows the day it
    // was held, so its report's due date never seems to come before the event.
    auto february = dept.events({"--from", "2027-02-03", "--to", "2027-02-12"});
    REQUIRE_FALSE(february.empty());
    const std::string early = february[0]["id"];
    dept.admin({"held", early, "--date", "2027-02-01"});
    const auto ru_path = dept.dir / "report-ru.html";
    REQUIRE(dept.ctl({"compliance", "--format", "html", "--lang", "ru", "-o", ru_path.string()}).exit_code == 0);
    const auto ru = read_file(ru_path);
    const auto row_at = ru.find("<tr data-event=\"" + early + "\">");
    REQUIRE(row_at != std::string::npos);
    const std::string row = ru.substr(row_at, ru.find("</tr>", row_at) - row_at);
    // Its last two cells: the date, then the due date (DD.MM.YYYY in Russian).
    const std::string number_cell = "<td class=\"n\">";
    const auto due_at = row.rfind(number_cell), date_at = row.rfind(number_cell, due_at - 1);
    const std::string shown_day = row.substr(date_at + number_cell.size(), 10), due = row.substr(due_at + number_cell.size(), 10);
    auto sortable = [](const std::string& d) { return d.substr(6, 4) + d.substr(3, 2) + d.substr(0, 2); };
    CHECK(shown_day == "01.02.2027");
    CHECK(sortable(shown_day) <= sortable(due));
    // The department heads the page; who prepared it and when closes it.
    CHECK(contains(ru, "<p class=\"department\">Ақтөбе облыстық білім басқармасы</p>"));
    CHECK(contains(ru, "Подготовил(а): <b>Д.Жаманбаева</b>"));
    CHECK(contains(ru, "<b data-prepared=\"date\">15.02.2027</b>"));
    // Every key figure in Russian, none left in English.
    CHECK(contains(ru, "data-figure=\"held\">12</b>Проведено</div>"));
    CHECK(contains(ru, "</b>Отменено</div>"));
    // No heading breaks inside a word («Просрочк/а»), in Russian or Kazakh, on screen or printed.
    for (const auto* page : {&ru, &html})
        for (int width : {794, 703}) {
            auto probe = *page;
            probe.insert(probe.rfind("</body>"), R"(<script>
const broken = [];
for (const th of document.querySelectorAll('th')) {
  const walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const words = /[^\s-]+/g;  // a break after a hyphen ("бөбекжай-/бақшасы") is the writer's
    for (let m = words.exec(node.textContent); m; m = words.exec(node.textContent)) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      if (new Set(Array.from(range.getClientRects(), r => Math.round(r.top))).size > 1) broken.push(m[0]);
    }
  }
}
const p = document.createElement('pre');
p.textContent = 'BROKEN[' + broken.join('|') + ']';
document.body.appendChild(p);
</script>)");
            auto file = dept.dir.write("words-" + std::to_string(width) + (page == &ru ? "-ru" : "-kk") + ".html", probe);
            auto dom = chromium(dept.dir, {"--window-size=" + std::to_string(width) + ",1123", "--virtual-time-budget=5000",
                                           "--dump-dom", "file://" + file.string()});
            const auto found = dom.rfind("BROKEN[");
            INFO("width " << width << (page == &ru ? " ru" : " kk") << ": "
                          << (found == std::string::npos ? "no probe" : dom.substr(found, dom.find(']', found) - found + 1)));
            CHECK(contains(dom, "BROKEN[]"));
        }
    // In black and white: outcomes whose colours print as near greys differ by their pattern.
    struct Shade {
        std::string name, marks;
        double grey;
    };
    std::vector<Shade> shades;  // <pattern id="outcome-NAME" …><rect … fill="#RRGGBB"/>MARKS</pattern>
    for (auto at = ru.find("<pattern id=\"outcome-"); at != std::string::npos; at = ru.find("<pattern id=\"outcome-", at + 1)) {
        const std::string pattern = ru.substr(at, ru.find("</pattern>", at) - at);
        const auto name_at = pattern.find('-') + 1, fill_at = pattern.find("fill=\"#") + 7;
        const int rgb = std::stoi(pattern.substr(fill_at, 6), nullptr, 16);
        shades.push_back({pattern.substr(name_at, pattern.find('"', name_at) - name_at),
                          pattern.substr(pattern.find("/>", fill_at) + 2),
                          0.299 * (rgb >> 16) + 0.587 * ((rgb >> 8) & 255) + 0.114 * (rgb & 255)});
    }
    CHECK(shades.size() == 7);
    for (const auto& a : shades)
        for (const auto& b : shades)
            if (&a != &b && std::abs(a.grey - b.grey) < 60) {
                INFO(a.name << " and " << b.name << " print as greys " << a.grey << " and " << b.grey);
                CHECK(a.marks != b.marks);
            }
    CHECK(contains(ru, "fill=\"url(#outcome-report_missing)\""));
    // And a grayscale screenshot to look at, kept beside the colour one.
    auto grey_page = ru;
    grey_page.insert(grey_page.find("</head>"), "<style>html { filter: grayscale(1); }</style>");
    const auto kept_bw = kKeptDir / "report-bw.html", screenshot_bw = kKeptDir / "report-screenshot-bw.png";
    { std::ofstream(kept_bw, std::ios::binary | std::ios::trunc) << grey_page; }
    std::filesystem::remove(screenshot_bw);
    chromium(dept.dir, {"--window-size=794,1123", "--screenshot=" + screenshot_bw.string(), "file://" + kept_bw.string()});
    REQUIRE(std::filesystem::exists(screenshot_bw));
    auto bw_stats = run({"/usr/bin/python3", kPngCheck, screenshot_bw.string()}, dept.dir.path());
    REQUIRE(bw_stats.exit_code == 0);
    std::cout << "black and white: " << screenshot_bw.string() << " (" << bw_stats.out.substr(0, bw_stats.out.find('\n'))
              << ")\n";
    std::cout << "regenerate: ctest --test-dir " << TARAT_BINARY_DIR << " -R report-e2e\n";
}
