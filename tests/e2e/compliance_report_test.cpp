// End to end: `taratctl compliance --format html|csv|md -o FILE` against the real taratd with the shipped
// plan on a pretended 2027-02-15, after held (reports on time, late, missing), postponed and cancelled
// events; the HTML rendered by headless Chromium: a screenshot that is not blank, no horizontal
// overflow on A4, A4 pages when printed, and the same numbers as the CSV.
//
// The screenshot stays at build/tests/report-screenshot.png (and the page at build/tests/report.html).
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
#include <iostream>
#include <map>
#include <regex>
#include <sstream>

using namespace tarat::testing;
using nlohmann::json;

namespace {

const std::string kTaratd = TARATD_PATH;
const std::string kTaratctl = TARATCTL_PATH;
const std::filesystem::path kEtc = TARAT_SOURCE_DIR "/etc";
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
    std::cout << "regenerate: ctest --test-dir " << TARAT_BINARY_DIR << " -R report-e2e\n";
}
