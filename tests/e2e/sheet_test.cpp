// F15 end to end: `taratd import` of sheets as Excel, openpyxl and LibreOffice write them into a plan
// `taratd check` takes; every problem of a bad sheet at its cell, nothing written; the shipped plan
// exported by `taratctl plan --format xlsx|csv|html` imports back to the same events; the HTML plan
// rendered by headless Chromium on A4; `reload --dry-run` and `check --diff` list the changes and
// leave the database as it was.
#include "support/paths.hpp"
#include "support/chromium.hpp"
#include "support/csv.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <iostream>
#include <set>
#include <sstream>

using namespace tarat::testing;
using nlohmann::json;

namespace {

const std::string kMakeSheets = TARAT_SOURCE_DIR "/tests/e2e/make_sheets.py";
const std::string kPngCheck = TARAT_SOURCE_DIR "/tests/e2e/png_check.py";

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A copy of the shipped etc/ to import into.
struct Workspace {
    TempDir dir;
    std::filesystem::path etc = dir / "etc";
    std::filesystem::path state = dir / "state", socket = dir / "run/tarat.sock";
    std::unique_ptr<Child> daemon;
    Workspace() { std::filesystem::copy(kEtc, etc, std::filesystem::copy_options::recursive); }
    ~Workspace() {
        if (daemon && daemon->running()) {
            daemon->signal(SIGTERM);
            daemon->wait();
        }
    }

    // taratd on etc/ two months before the plan starts: every event placed, nothing pinned yet.
    void start_daemon() {
        daemon = std::make_unique<Child>(
            std::vector<std::string>{kTaratd, "run", "--config", (etc / "tarat.toml").string(), "--state-dir",
                                     state.string(), "--socket", socket.string(), "--plugin-dir", TARAT_PLUGIN_BUILD_DIR,
                                     "--pretend-now", "2026-10-01T10:00:00+05:00"},
            dir.path(), "taratd");
        REQUIRE(eventually([&] { return ctl({"status"}).exit_code == 0 || !daemon->running(); }));
        REQUIRE(daemon->running());
    }
    RunResult ctl(std::vector<std::string> args) const {
        args.insert(args.begin(), {kTaratctl, "--socket", socket.string()});
        return run(args, dir.path(), {"LANG=C", "LC_ALL=C"});
    }

    RunResult import(const std::filesystem::path& sheet, const std::filesystem::path& output,
                     std::vector<std::string> more = {}) const {
        std::vector<std::string> argv{kTaratd, "import", sheet.string(), "-o", output.string(), "--base",
                                      (kEtc / "plan.toml").string()};
        argv.insert(argv.end(), more.begin(), more.end());
        return run(argv, dir.path());
    }
    std::filesystem::path make(const std::string& kind, const std::string& name) const {
        auto file = dir / name;
        auto r = run({"/usr/bin/python3", kMakeSheets, kind, file.string()}, dir.path());
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        return file;
    }
    // Imports into etc/plan.toml and checks the whole setup; the plan's text.
    std::string import_checked(const std::filesystem::path& sheet) const {
        auto r = import(sheet, etc / "plan.toml");
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        auto check = run({kTaratd, "check", "--config", (etc / "tarat.toml").string()}, dir.path());
        INFO(check.err);
        REQUIRE(check.exit_code == 0);
        return read_file(etc / "plan.toml");
    }
    // The fixed events of the plan in etc/, by id: `taratd schedule --json`.
    std::map<std::string, json> fixed_events() const {
        auto r = run({kTaratd, "schedule", "--json", "--config", (etc / "tarat.toml").string()}, dir.path());
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        std::map<std::string, json> events;
        const json schedule = json::parse(r.out);
        for (const auto& e : schedule["events"])
            if (e["source"] == "fixed") events[e["id"].get<std::string>()] = e;
        return events;
    }
};

// An event as people see it: what the round trip must keep.
std::string seen(const json& e) {
    std::ostringstream out;
    for (const char* key : {"id", "date", "start", "end", "centre", "form", "title", "audience", "responsible", "source"})
        out << key << "=" << (e.contains(key) ? e[key].dump() : "-") << " ";
    return out.str();
}

}  // namespace

// A CSV saved by Excel ("CSV UTF-8": a BOM, ';', CRLF) with Kazakh names for form, centre and person,
// a text date in DD.MM.YYYY and one in ISO, and an empty row, becomes a plan `taratd check` takes:
// the base's rules and people stay, its events give way to the sheet's, each noting its row.
TEST_CASE("import: an Excel CSV with a BOM and semicolons") {
    Workspace ws;
    auto sheet = ws.dir.write("жоспар.csv",
                              "\xEF\xBB\xBF"
                              "Атауы;Түрі;Орталық;Күні;Басталуы;Жауапты;Аудитория\r\n"
                              "\"Ойын арқылы оқыту; тәжірибе\";Семинар;«Еркемай»;13.01.2027;11:00;Д.Жаманбаева;педагогтер\r\n"
                              ";;;;;;\r\n"
                              "STEAM шеберлік сыныбы;master-class;bolashak;2027-02-24;;;\r\n");
    const auto plan = ws.import_checked(sheet);
    CHECK(contains(plan, "# жоспар.csv row 2"));
    CHECK(contains(plan, "# жоспар.csv row 4"));
    CHECK(contains(plan, "[[rule]]"));
    CHECK(contains(plan, "[person.kuzembayeva]"));
    CHECK_FALSE(contains(plan, "erkemai-seminar-1"));  // the base's own events are replaced
    auto events = ws.fixed_events();
    REQUIRE(events.size() == 2);
    const auto& seminar = events.at("erkemai-seminar-2027-01-13");
    CHECK(seminar["title"] == "Ойын арқылы оқыту; тәжірибе");
    CHECK(seminar["start"] == "11:00");
    CHECK(seminar["end"] == "14:00");
    CHECK(seminar["responsible"] == "zhamanbayeva");
    CHECK(seminar["audience"] == "педагогтер");
    const auto& master = events.at("bolashak-master-class-2027-02-24");
    CHECK(master["start"] == "10:00");  // no start: the one the form's rules use (there are none: 10:00)
    CHECK(master["responsible"] == "director-bolashak");
}

// A workbook from python3-openpyxl (an Excel-like writer): a merged title row, a two-row header with
// merged cells («Уақыты» over start and end), an empty row, a date cell and a text date, time cells.
TEST_CASE("import: an openpyxl workbook with merged header cells") {
    Workspace ws;
    ws.import_checked(ws.make("openpyxl", "plan.xlsx"));
    auto events = ws.fixed_events();
    REQUIRE(events.size() == 2);
    const auto& seminar = events.at("erkemai-seminar-2027-01-13");
    CHECK(seminar["start"] == "11:00");
    CHECK(seminar["responsible"] == "zhamanbayeva");
    CHECK(seminar["title"] == "Ойын арқылы оқыту: тәжірибе алмасу");
    const auto& master = events.at("bolashak-master-class-2027-02-24");
    CHECK(master["start"] == "14:00");
}

// An .ods as LibreOffice lays it out (a million repeated empty rows, a date and a time cell, Russian
// headers, a centre named by part of its name).
TEST_CASE("import: a LibreOffice .ods") {
    Workspace ws;
    auto plan = ws.import_checked(ws.make("ods", "plan.ods"));
    CHECK(contains(plan, "# plan.ods:План row 4"));
    auto events = ws.fixed_events();
    REQUIRE(events.size() == 1);
    const auto& e = events.at("karlygash-open-class-2027-03-17");
    CHECK(e["start"] == "10:30");
    CHECK(e["title"] == "Открытое занятие по развитию речи");
}

// Every problem of a sheet at once, each one line at its cell; exit 65 and nothing written.
TEST_CASE("import: every problem at its cell, nothing written") {
    Workspace ws;
    auto sheet = ws.dir.write("bad.csv",
                              "Коды;Атауы;Түрі;Орталық;Күні;Басталуы;Аяқталуы;Жауапты\n"
                              "a-1;Бір;Семинар;erkemai;08.03.2027;10:00;;\n"
                              "a-2;Екі;Вебинар;erkemai;10.03.2027;10:00;;\n"
                              "a-3;Үш;seminar;Болашак;31.02.2027;25:00;;\n"
                              "a-3;Төрт;seminar;balausa;11.03.2027;10:00;12:00;Иванов\n");
    const auto output = ws.dir / "out.toml";
    auto r = ws.import(sheet, output);
    CHECK(r.exit_code == 65);
    CHECK_FALSE(std::filesystem::exists(output));
    INFO(r.err);
    CHECK(contains(r.err, "bad.csv:E2: error: 08.03.2027 is a day off"));
    CHECK(contains(r.err, "nearest working days: 05.03.2027 and 09.03.2027"));
    CHECK(contains(r.err, "bad.csv:C3: error: unknown form 'Вебинар'"));
    CHECK(contains(r.err, "bad.csv:D4: error: unknown centre 'Болашак' (did you mean"));
    CHECK(contains(r.err, "bad.csv:E4: error: '31.02.2027' is not a date: February 2027 has 28 days"));
    CHECK(contains(r.err, "bad.csv:F4: error: '25:00' is not a time"));
    CHECK(contains(r.err, "bad.csv:G5: error: ends at 12:00, but a Seminar lasts 3 h 0 min"));
    CHECK(contains(r.err, "bad.csv:H5: error: unknown person 'Иванов'"));
    CHECK(contains(r.err, "7 error(s) in"));
}

// The shipped plan, placed by a daemon and exported as XLSX and as CSV, imports back with --base to
// the same events: the fixed ones as they were, the rules' ones left to the rules.
TEST_CASE("plan export: xlsx and csv import back to the same events, and html on A4 in chromium") {
    Workspace ws;
    ws.start_daemon();
    auto ctl = [&](std::vector<std::string> args) { return ws.ctl(std::move(args)); };
    const auto original = ws.fixed_events();
    REQUIRE(original.size() == 12);

    for (const std::string format : {"xlsx", "csv"}) {
        const auto exported = ws.dir / ("plan." + format);
        auto r = ctl({"plan", "--format", format, "-o", exported.string()});
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        Workspace back;
        auto imported = back.import(exported, back.etc / "plan.toml");
        INFO(imported.err);
        REQUIRE(imported.exit_code == 0);
        CHECK(contains(imported.out, "12 events"));
        auto check = run({kTaratd, "check", "--config", (back.etc / "tarat.toml").string()}, back.dir.path());
        INFO(check.err);
        REQUIRE(check.exit_code == 0);
        auto again = back.fixed_events();
        REQUIRE(again.size() == original.size());
        for (const auto& [id, e] : original) {
            REQUIRE(again.count(id));
            CHECK(seen(again.at(id)) == seen(e));
        }
        // And the whole schedule, rules' events included, is the same.
        auto all = [](const Workspace& w) {
            auto s = run({kTaratd, "schedule", "--json", "--config", (w.etc / "tarat.toml").string()}, w.dir.path());
            std::set<std::string> out;
            const json schedule = json::parse(s.out);
            for (const auto& e : schedule["events"]) out.insert(seen(e));
            return out;
        };
        CHECK(all(back) == all(ws));
    }

    // The XLSX as openpyxl reads it: a frozen header, real date cells, Kazakh headers.
    const auto xlsx = ws.dir / "plan.xlsx";
    auto probe = run({"/usr/bin/python3", "-c",
                      "import sys, openpyxl, datetime\n"
                      "ws = openpyxl.load_workbook(sys.argv[1]).active\n"
                      "print(ws.title, ws.freeze_panes, ws['C3'].value, ws['G3'].value, type(ws['G4'].value).__name__,"
                      " ws['G4'].value.date().isoformat(), ws.column_dimensions['C'].width > 30)\n",
                      xlsx.string()},
                     ws.dir.path());
    INFO(probe.err);
    REQUIRE(probe.exit_code == 0);
    // G4: the plan's first event (the daemon's first by date), as a real date.
    auto first = ctl({"events", "--limit", "1", "--json"});
    REQUIRE(first.exit_code == 0);
    const std::string first_date = json::parse(first.out)["events"][0]["date"].get<std::string>();
    CHECK(probe.out == "Жоспар A4 Атауы Күні datetime " + first_date + " True\n");

    // The HTML plan: the approval block and the signature line, rendered on A4 without overflow.
    const auto html_path = ws.dir / "plan.html";
    auto r = ctl({"plan", "--format", "html", "-o", html_path.string()});
    REQUIRE(r.exit_code == 0);
    const auto html = read_file(html_path);
    CHECK(contains(html, "БЕКІТЕМІН"));
    CHECK(contains(html, "Н. Бертлеуова"));
    CHECK(contains(html, "Құрастырған"));
    CHECK(contains(html, "Д.Жаманбаева"));
    CHECK(contains(html, "09.12.2026"));
    auto ru = ctl({"plan", "--format", "html", "--lang", "ru"});
    INFO(ru.err);
    CHECK(contains(ru.out, "УТВЕРЖДАЮ"));
    const auto screenshot = ws.dir / "plan.png";
    chromium(ws.dir, {"--window-size=794,1123", "--screenshot=" + screenshot.string(), "file://" + html_path.string()});
    auto stats = run({"/usr/bin/python3", kPngCheck, screenshot.string()}, ws.dir.path());
    REQUIRE(stats.exit_code == 0);
    int width = 0, height = 0, colours = 0, inked = 0;
    std::istringstream(stats.out) >> width >> height >> colours >> inked;
    CHECK(colours > 20);
    CHECK(inked >= 3);
    std::cout << overflow_at(ws.dir, html, 794) << "\n" << overflow_at(ws.dir, html, 703) << "\n";
    const int pages = printed_a4_pages(ws.dir, html_path);
    CHECK(pages >= 1);
    CHECK(pages <= 8);

    // --from, --to and --centre narrow the table.
    auto some = ctl({"plan", "--format", "csv", "--centre", "erkemai", "--from", "2027-01-01", "--to", "2027-03-31"});
    REQUIRE(some.exit_code == 0);
    auto rows = parse_csv(some.out.substr(3), ';');
    REQUIRE(rows.size() >= 2);
    for (size_t i = 1; i < rows.size(); ++i) {
        CHECK(contains(rows[i][4], "Еркемай"));
        CHECK(rows[i][6].substr(6) == "2027");
    }
    ws.daemon->signal(SIGTERM);
    CHECK(ws.daemon->wait() == 0);
}

// A plan of more than a thousand events comes to taratctl in pages; its table is written as they
// come, and holds every event once, in the plan's order, numbered on across the pages. `--all
// --json` is written page by page too, as dump(2) writes the whole.
TEST_CASE("plan export: a table of several pages is written whole and in order") {
    Workspace ws;
    auto generated = run({"/usr/bin/python3", TARAT_SOURCE_DIR "/tests/bench/gen_national_plan.py", ws.etc.string(),
                          "--centres", "400", "--districts", "200", "--years", "1"},
                         ws.dir.path());
    INFO(generated.err);
    REQUIRE(generated.exit_code == 0);
    ws.start_daemon();
    auto whole = ws.ctl({"plan", "--format", "csv", "--json"});  // every page gathered into one reply
    REQUIRE(whole.exit_code == 0);
    const json rows = json::parse(whole.out)["rows"];
    REQUIRE(rows.size() > 2000);  // three pages

    const auto csv_file = ws.dir / "plan.csv";
    auto written = ws.ctl({"plan", "--format", "csv", "-o", csv_file.string()});
    INFO(written.err);
    REQUIRE(written.exit_code == 0);
    const auto table = parse_csv(read_file(csv_file).substr(3), ';');
    REQUIRE(table.size() == rows.size() + 1);  // and the header, once
    CHECK(table[0][0] == "№");
    for (size_t i = 0; i < rows.size(); ++i) {
        CHECK(table[i + 1][0] == std::to_string(i + 1));
        CHECK(table[i + 1][1] == rows[i]["id"].get<std::string>());
    }
    auto to_stdout = ws.ctl({"plan", "--format", "csv"});
    CHECK(to_stdout.out == read_file(csv_file));

    const auto xlsx = ws.dir / "plan.xlsx";
    REQUIRE(ws.ctl({"plan", "--format", "xlsx", "-o", xlsx.string()}).exit_code == 0);
    auto probe = run({"/usr/bin/python3", "-c",
                      "import sys, openpyxl\n"
                      "ws = openpyxl.load_workbook(sys.argv[1], read_only=True).active\n"
                      "rows = list(ws.iter_rows(min_row=4, values_only=True))\n"
                      "print(len(rows), rows[0][0], rows[0][1], rows[-1][0], rows[-1][1])\n",
                      xlsx.string()},
                     ws.dir.path());
    INFO(probe.err);
    REQUIRE(probe.exit_code == 0);
    CHECK(probe.out == std::to_string(rows.size()) + " 1 " + rows.front()["id"].get<std::string>() + " " +
                           std::to_string(rows.size()) + " " + rows.back()["id"].get<std::string>() + "\n");
    for (const auto& e : std::filesystem::directory_iterator(ws.dir.path()))
        CHECK_FALSE(e.path().filename().string().starts_with(".plan."));  // no scratch file left

    auto listed = ws.ctl({"events", "--all", "--json"});  // fourteen pages of 200
    REQUIRE(listed.exit_code == 0);
    const json events = json::parse(listed.out);
    CHECK(listed.out == events.dump(2) + "\n");
    CHECK(events["next"].is_null());
    CHECK(events["total"] == rows.size());
    REQUIRE(events["events"].size() == rows.size());
    for (size_t i = 0; i < rows.size(); ++i) CHECK(events["events"][i]["id"] == rows[i]["id"]);
}

namespace {

// Every table but the history, row by row: what a dry run must leave as it was.
std::string database_rows(const std::filesystem::path& db_file) {
    SQLite::Database db(db_file.string(), SQLite::OPEN_READONLY);
    std::vector<std::string> tables;
    SQLite::Statement list(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");
    while (list.executeStep()) tables.push_back(list.getColumn(0).getString());
    std::string out;
    for (const auto& table : tables) {
        if (table == "history") continue;
        SQLite::Statement rows(db, "SELECT * FROM \"" + table + "\" ORDER BY 1");
        out += "== " + table + "\n";
        while (rows.executeStep()) {
            for (int i = 0; i < rows.getColumnCount(); ++i) out += rows.getColumn(i).getString() + "|";
            out += "\n";
        }
    }
    SQLite::Statement history(db, "SELECT count(*) FROM history WHERE action NOT LIKE 'ctl.%'");
    history.executeStep();
    return out + "history rows that are no command's audit: " + history.getColumn(0).getString() + "\n";
}

}  // namespace

// A changed plan seen before it is applied: `taratctl reload --dry-run` and `taratd check --diff`
// list the events it would add, remove, move and leave in conflict (a postponed one), with reasons,
// and the database stays as it was; the real reload then does what the dry run said.
TEST_CASE("reload --dry-run and check --diff list the changes and change nothing") {
    Workspace ws;
    ws.start_daemon();
    const auto state = ws.state;
    auto ctl = [&](std::vector<std::string> args) { return ws.ctl(std::move(args)); };
    auto postponed = ctl({"postpone", "balausa-seminar-1", "--to", "2027-01-21", "--reason", "зал бос емес"});
    INFO(postponed.err);
    REQUIRE(postponed.exit_code == 0);

    const auto plan = ws.etc / "plan.toml";
    replace_in_file(plan, "date = 2026-12-09", "date = 2026-12-10");                            // move
    replace_in_file(plan, "id = \"bolashak-master-class-1\"", "id = \"bolashak-steam-lego\"");  // remove + add
    replace_in_file(plan, "date = 2027-01-20", "date = 2027-01-26");                            // conflict
    const auto before = database_rows(state / "tarat.db");

    auto dry = ctl({"reload", "--dry-run"});
    INFO(dry.out << dry.err);
    REQUIRE(dry.exit_code == 0);
    CHECK(contains(dry.out, "dry run: plan order-553-2026-27 would add"));
    CHECK(contains(dry.out, "nothing changed"));
    CHECK(contains(dry.out, "Would add:\n"));
    CHECK(contains(dry.out, "2027-01-13 14:00  bolashak-steam-lego  a new event in the plan"));
    CHECK(contains(dry.out, "Would remove:\n  2027-01-13 14:00  bolashak-master-class-1  no longer in the plan"));
    CHECK(contains(dry.out, "2026-12-09 11:00 → 2026-12-10 11:00  erkemai-seminar-1  the plan's date or time changed"));
    CHECK(contains(dry.out, "2027-01-21 10:00 → 2027-01-26 10:00  balausa-seminar-1  postponed by"));
    // The methodologist reads it in her language: headings, dates and reasons.
    auto in_russian = ctl({"--lang", "ru", "reload", "--dry-run"});
    INFO(in_russian.out);
    CHECK(contains(in_russian.out, "пробный прогон: всего изменений — 4; ничего не изменено"));
    CHECK(contains(in_russian.out, "Будут добавлены:\n  13.01.2027 14:00  bolashak-steam-lego  новое мероприятие в плане"));
    CHECK(contains(in_russian.out, "10.12.2026 11:00  erkemai-seminar-1  в плане изменилась дата или время"));
    CHECK(contains(in_russian.out, "balausa-seminar-1  перенёс: root"));
    CHECK(contains(in_russian.out, "дата переноса сохраняется; чтобы принять дату плана: taratctl postpone"));
    CHECK(!contains(in_russian.out, "a new event"));
    auto as_json = ctl({"reload", "--dry-run", "--json"});
    auto reply = json::parse(as_json.out);
    CHECK(reply["dry_run"] == true);
    CHECK(reply["diff"].size() >= 4);
    for (const auto& d : reply["diff"]) CHECK(!d["why"].get<std::string>().empty());

    auto offline = run({kTaratd, "check", "--diff", "--config", (ws.etc / "tarat.toml").string(), "--state-dir",
                        state.string(), "--pretend-now", "2026-10-01T10:00:00+05:00"},
                       ws.dir.path());
    INFO(offline.err);
    REQUIRE(offline.exit_code == 0);
    CHECK(contains(offline.out, "move  erkemai-seminar-1  2026-12-09 11:00 → 2026-12-10 11:00  the plan's date or time changed"));
    CHECK(contains(offline.out, "remove  bolashak-master-class-1  2027-01-13 14:00  no longer in the plan"));
    CHECK(contains(offline.out, "add  bolashak-steam-lego  2027-01-13 14:00  a new event in the plan"));
    CHECK(contains(offline.out, "conflict  balausa-seminar-1  2027-01-21 10:00 → 2027-01-26 10:00  postponed by"));
    CHECK(contains(offline.out, "nothing changed"));
    CHECK(database_rows(state / "tarat.db") == before);
    auto status = json::parse(ctl({"status", "--json"}).out);
    CHECK(status["last_reload"].is_null());  // a dry run is no reload

    // The real reload does what the dry run listed.
    auto taken = ctl({"reload", "--wait"});
    INFO(taken.out << taken.err);
    REQUIRE(taken.exit_code == 0);
    CHECK(database_rows(state / "tarat.db") != before);
    auto moved = json::parse(ctl({"event", "erkemai-seminar-1", "--json"}).out);
    CHECK(moved["event"]["date"] == "2026-12-10");
    ws.daemon->signal(SIGTERM);
    CHECK(ws.daemon->wait() == 0);
}

// The template shipped in etc/ is what the column table makes today, and the .xlsx template (with
// its instructions sheet) carries the same headers; both import as an empty plan.
TEST_CASE("the import template in etc/ comes from the column table") {
    Workspace ws;
    const auto csv = ws.dir / "template.csv", xlsx = ws.dir / "template.xlsx";
    REQUIRE(run({kTaratd, "template", "-o", csv.string()}, ws.dir.path()).exit_code == 0);
    CHECK(read_file(csv) == read_file(kEtc / "plan-template.csv"));
    REQUIRE(run({kTaratd, "template", "-o", xlsx.string()}, ws.dir.path()).exit_code == 0);
    auto probe = run({"/usr/bin/python3", "-c",
                      "import sys, openpyxl\n"
                      "b = openpyxl.load_workbook(sys.argv[1])\n"
                      "print(';'.join(c.value for c in b['Жоспар'][1]), b.sheetnames[1], b['Жоспар'].freeze_panes)\n",
                      xlsx.string()},
                     ws.dir.path());
    INFO(probe.err);
    CHECK(probe.out == "Коды;Атауы *;Түрі *;Орталық *;Күні *;Басталуы;Аяқталуы;Жауапты;Аудитория Нұсқаулық A2\n");
    for (const auto& sheet : {csv, xlsx}) {
        auto r = ws.import(sheet, ws.dir / "empty.toml");
        INFO(r.err);
        CHECK(r.exit_code == 0);
        CHECK(contains(r.out, "0 events"));
    }
}
