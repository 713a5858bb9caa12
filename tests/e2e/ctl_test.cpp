// End to end: every taratctl command against the real taratd, its input checks, rights and limits.
#include "support/paths.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_server.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cstdlib>
#include <cstring>
#include <set>
#include <thread>

using namespace tarat::testing;
using nlohmann::json;

namespace {


// The shipped etc/ with the plan starting in November, so that on the pretended 2026-12-01 some
// events are past: erkemai-open-class-0 (2026-11-20) and balausa-seminar-0 (2026-11-24) are fixed
// ones. The overseer's notices also go to a channel that rejects everything: dead notices.
struct Checkout {
    TempDir dir;
    std::filesystem::path etc = dir / "etc";
    std::filesystem::path state = dir / "state";
    std::filesystem::path socket = dir / "run/tarat.sock";
    std::filesystem::path plugins = dir / "plugins";

    explicit Checkout(const std::string& admin_group = "tarat-admin") {
        std::filesystem::copy(kEtc, etc, std::filesystem::copy_options::recursive);
        std::filesystem::create_directories(plugins);
        for (const char* name : {"tarat-log.so", "tarat-file.so", "tarat-smtp.so"})
            std::filesystem::create_symlink(std::filesystem::path(TARAT_PLUGIN_BUILD_DIR) / name, plugins / name);
        std::filesystem::create_symlink(std::filesystem::path(TARAT_BROKEN_PLUGIN_DIR) / "tarat-flaky.so",
                                        plugins / "tarat-flaky.so");
        replace_in_file(config(), "admin_group = \"tarat-admin\"", "admin_group = \"" + admin_group + "\"");
        std::ofstream(config(), std::ios::app) << "\n[channel.reject]\nplugin = \"flaky\"\nfinal_status = 2\n";
        replace_in_file(plan(), "from = 2026-12-01", "from = 2026-11-01");
        replace_in_file(plan(), "email = \"bertleuova@example.org\"",
                        "email = \"bertleuova@example.org\"\nchannels = [\"log\", \"reject\"]");
        replace_in_file(plan(), "[[event]]\nid = \"erkemai-seminar-1\"", R"([[event]]
id = "erkemai-open-class-0"
form = "open-class"
centre = "erkemai"
date = 2026-11-20
start = "10:00"
title = "Күзгі ашық оқу қызметі"
audience = "педагогтер"

[[event]]
id = "balausa-seminar-0"
form = "seminar"
centre = "balausa"
date = 2026-11-24
start = "10:00"
title = "Семинар: ойын арқылы оқыту"
audience = "педагогтер"

[[event]]
id = "erkemai-seminar-1")");
    }
    std::filesystem::path config() const { return etc / "tarat.toml"; }
    std::filesystem::path plan() const { return etc / "plan.toml"; }

    std::vector<std::string> daemon_args() const {
        return {kTaratd, "run", "--config", config(), "--state-dir", state, "--socket", socket,
                "--plugin-dir", plugins, "--pretend-now", "2026-12-01T09:00:00+05:00"};
    }
    RunResult ctl(std::vector<std::string> args, std::vector<std::string> env = {}) const {
        args.insert(args.begin(), {kTaratctl, "--socket", socket.string()});
        return run(args, dir.path(), std::move(env));
    }
    // taratctl as uid/gid 65534 with no supplementary groups.
    RunResult ctl_as_nobody(std::vector<std::string> args) const {
        args.insert(args.begin(), {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", kTaratctl,
                                   "--socket", socket.string()});
        return run(args, dir.path());
    }
    json ctl_json(std::vector<std::string> args) const {
        args.push_back("--json");
        auto r = ctl(args);
        INFO(args[0] << ": " << r.err);
        REQUIRE(r.exit_code == 0);
        return json::parse(r.out);
    }
    // One array of the reply, by value: safe in a range-for (a member of a temporary is not).
    json ctl_list(std::vector<std::string> args, const char* key) const { return ctl_json(std::move(args))[key]; }
    bool answers() const { return ctl({"status", "--json"}).exit_code == 0; }
};

// A running daemon on a checkout, answering before the test goes on.
struct Running {
    Checkout& co;
    Child daemon;
    explicit Running(Checkout& checkout)
        : co(checkout), daemon(checkout.daemon_args(), checkout.dir.path(), "taratd") {
        REQUIRE(eventually([&] { return co.answers() || !daemon.running(); }));
        INFO(daemon.err());
        REQUIRE(daemon.running());
    }
};

std::set<std::string> keys_of(const json& object) {
    std::set<std::string> keys;
    for (const auto& [key, value] : object.items()) keys.insert(key);
    return keys;
}

json find_event(const json& events, const std::string& id) {
    for (const auto& e : events)
        if (e["id"] == id) return e;
    return json();
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// ---- raw socket clients ----

int connect_raw(const std::filesystem::path& path) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    return fd;
}

bool send_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n <= 0) return false;
        data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
}

// One reply line, or "" when the connection ends or nothing comes within 10 s.
std::string read_line(int fd) {
    std::string line;
    char c;
    while (true) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 10000) <= 0) return "";
        if (::recv(fd, &c, 1, 0) != 1) return "";
        if (c == '\n') return line;
        line += c;
    }
}

json ask_raw(int fd, const std::string& line) {
    REQUIRE(send_all(fd, line));
    auto reply = read_line(fd);
    REQUIRE_FALSE(reply.empty());
    return json::parse(reply);
}

// Every row of a rendered table (up to the first blank line) has its columns start at the header's
// column starts, counted in characters (all of this text is one cell wide per character).
void check_columns_line_up(const std::string& table) {
    std::vector<std::u32string> lines;
    std::u32string current;
    for (size_t i = 0; i < table.size();) {
        auto c = static_cast<unsigned char>(table[i]);
        int extra = c < 0x80 ? 0 : c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1;
        char32_t cp = extra == 0 ? c : c & (0x3F >> extra);
        for (int k = 1; k <= extra; ++k) cp = (cp << 6) | (static_cast<unsigned char>(table[i + k]) & 0x3F);
        i += 1 + extra;
        if (cp != U'\n') {
            current += cp;
            continue;
        }
        if (current.empty()) break;  // the table ends at the first blank line
        lines.push_back(std::exchange(current, {}));
    }
    REQUIRE(lines.size() >= 2);
    std::vector<size_t> starts;
    const auto& header = lines[0];
    for (size_t i = 2; i < header.size(); ++i)
        if (header[i] != U' ' && header[i - 1] == U' ' && header[i - 2] == U' ') starts.push_back(i);
    REQUIRE(starts.size() >= 3);
    for (size_t row = 1; row < lines.size(); ++row) {
        const auto& line = lines[row];
        for (size_t k = 0; k < starts.size(); ++k) {
            const size_t start = starts[k];
            INFO("row " << row << ", column at " << start);
            REQUIRE(line.size() > start);
            CHECK(line[start - 1] == U' ');
            // A cell starts right there, or the whole cell is empty.
            const size_t next = k + 1 < starts.size() ? starts[k + 1] : line.size();
            const bool empty_cell = line.find_first_not_of(U' ', start) >= next;
            CHECK((line[start] != U' ' || empty_cell));
        }
    }
}

}  // namespace

// Every read command answers; events and event carry schedule --json's fields plus state; filters,
// unknown ids and malformed dates are refused in one line with the closest names suggested.
TEST_CASE("read commands") {
    Checkout co;
    Running running(co);

    auto status = co.ctl({"status"});
    CHECK(status.exit_code == 0);
    CHECK(contains(status.out, "order-553-2026-27"));

    // events: the fields of `taratd schedule --json` plus state.
    auto events = co.ctl_json({"events"})["events"];
    REQUIRE(events.size() > 40);
    auto schedule = run({kTaratd, "schedule", "--config", co.config(), "--json"}, co.dir.path());
    REQUIRE(schedule.exit_code == 0);
    auto scheduled = json::parse(schedule.out)["events"];
    auto expected_keys = keys_of(scheduled[0]);
    expected_keys.insert("state");
    for (const auto& e : events) CHECK(keys_of(e) == expected_keys);
    auto seminar = find_event(events, "erkemai-seminar-1");
    auto planned_seminar = find_event(scheduled, "erkemai-seminar-1");
    for (const char* field : {"centre", "district", "form", "title", "date", "start", "end", "source"})
        CHECK(seminar[field] == planned_seminar[field]);
    CHECK(seminar["state"] == "planned");

    auto filtered = co.ctl_json({"events", "--centre", "erkemai", "--form", "seminar", "--from", "2026-12-01",
                                 "--to", "2027-03-31", "--state", "planned"})["events"];
    REQUIRE_FALSE(filtered.empty());
    for (const auto& e : filtered) {
        CHECK(e["centre"] == "erkemai");
        CHECK(e["form"] == "seminar");
        CHECK(e["date"] >= "2026-12-01");
        CHECK(e["date"] <= "2027-03-31");
    }
    CHECK(co.ctl_json({"events", "--district", "temir"})["events"].size() ==
          co.ctl_json({"events", "--centre", "balausa"})["events"].size());
    auto unknown_centre = co.ctl({"events", "--centre", "erkemay"});
    CHECK(unknown_centre.exit_code == 65);
    CHECK(unknown_centre.err == "taratctl: no centre 'erkemay'; did you mean 'erkemai'?\n");
    auto bad_state = co.ctl({"events", "--state", "done"});
    CHECK(bad_state.exit_code == 65);
    CHECK(contains(bad_state.err, "unknown state 'done'"));
    auto bad_date = co.ctl({"events", "--from", "2026-12-1"});
    CHECK(bad_date.exit_code == 65);
    CHECK(bad_date.err == "taratctl: argument 'from' of 'events' must be a date (YYYY-MM-DD), not \"2026-12-1\"\n");
    CHECK(co.ctl({"events", "--from", "2027-01-01", "--to", "2026-12-01"}).exit_code == 65);

    // event: everything about one, the same fields again, plus its history and notices.
    auto one = co.ctl_json({"event", "erkemai-seminar-1"});
    CHECK(keys_of(one["event"]) == expected_keys);
    CHECK(one["details"]["report_due"] == "2026-12-14");
    CHECK_FALSE(one["history"].empty());  // the plan load that added it
    CHECK_FALSE(one["notices"].empty());
    auto shown = co.ctl({"event", "erkemai-seminar-1"});
    CHECK(shown.exit_code == 0);
    CHECK(contains(shown.out, "Ойын арқылы оқыту"));
    CHECK(contains(shown.out, "plan.add"));
    auto unknown = co.ctl({"event", "erkemai-seminar-2"});
    CHECK(unknown.exit_code == 65);
    CHECK(contains(unknown.err, "taratctl: no event 'erkemai-seminar-2'; did you mean 'erkemai-seminar-1'"));
    CHECK(co.ctl({"event"}).exit_code == 64);  // the id is required

    // notices: past-due ones went out at start; the overseer's copies on the rejecting channel died.
    REQUIRE(eventually([&] { return !co.ctl_json({"notices", "--dead"})["notices"].empty(); }));
    REQUIRE(eventually([&] { return !co.ctl_json({"notices", "--sent", "--event", "erkemai-seminar-1"})["notices"].empty(); }));
    for (const auto& n : co.ctl_list({"notices", "--dead"}, "notices")) {
        CHECK(n["state"] == "dead");
        CHECK(n["recipient"] == "bertleuova");
        CHECK(n["channel"] == "reject");
        CHECK(n["last_error"] == "final status 2");
    }
    for (const auto& n : co.ctl_list({"notices", "--pending", "--person", "zhamanbayeva"}, "notices")) {
        CHECK(n["state"] == "pending");
        CHECK(n["recipient"] == "zhamanbayeva");
    }
    for (const auto& n : co.ctl_list({"notices", "--failed"}, "notices")) CHECK(n["failed"] == true);
    auto table = co.ctl({"notices", "--event", "erkemai-seminar-1"});
    CHECK(table.exit_code == 0);
    CHECK(contains(table.out, "reminder"));
    CHECK(co.ctl({"notices", "--sent", "--dead"}).exit_code == 64);
    CHECK(co.ctl({"call", "notices", R"({"sent":true,"dead":true})"}).exit_code == 65);
    CHECK(contains(co.ctl({"notices", "--person", "bertleuva"}).err, "did you mean 'bertleuova'?"));

    // compliance: every centre, district or form, with the counts as of today.
    auto by_centre = co.ctl_json({"compliance"});
    CHECK(by_centre["by"] == "centre");
    REQUIRE(by_centre["groups"].size() == 4);
    int planned = 0;
    for (const auto& g : by_centre["groups"]) {
        for (const char* field : {"planned", "held", "held_on_planned_date", "postponed", "cancelled",
                                  "reported_on_time", "reported_late", "report_missing", "participants"})
            CHECK(g.contains(field));
        planned += g["planned"].get<int>();
    }
    CHECK(planned == static_cast<int>(events.size()));
    CHECK(by_centre["total"]["not_held"].get<int>() >= 2);  // November's events: nobody said they were held
    CHECK(co.ctl_json({"compliance", "--by", "district"})["groups"].size() == 4);
    auto by_form = co.ctl_json({"compliance", "--by", "form", "--from", "2026-12-01", "--to", "2026-12-31"});
    CHECK(by_form["groups"].size() == 3);
    CHECK(co.ctl({"compliance", "--by", "month"}).exit_code == 65);
    CHECK(co.ctl({"compliance", "--lang", "ru"}).exit_code == 0);

    // calendar: days off and transferred working days with their status.
    auto year = co.ctl_json({"calendar", "--year", "2026"});
    bool independence = false;
    for (const auto& d : year["days"])
        if (d["date"] == "2026-12-16") {
            independence = true;
            CHECK(d["day_off"] == true);
            CHECK(d["status"] == "verified");
            CHECK(d["name"]["kk"] == "Тәуелсіздік күні");
        }
    CHECK(independence);
    CHECK(co.ctl_json({"calendar"})["year"] == 2026);  // this (pretended) year
    auto calendar_kk = co.ctl({"calendar", "--year", "2027", "--lang", "kk"});
    CHECK(calendar_kk.exit_code == 0);
    CHECK(contains(calendar_kk.out, "Жаңа жыл"));
    CHECK(co.ctl({"calendar", "--year", "twenty"}).exit_code == 65);
    CHECK(co.ctl({"calendar", "--year", "1066"}).exit_code == 65);

    // history, list-commands and help.
    auto history = co.ctl_json({"history", "--since", "2026-11-01"})["history"];
    REQUIRE_FALSE(history.empty());
    CHECK(history[0]["action"] == "plan.add");
    CHECK(co.ctl_json({"history", "--limit", "3"})["history"].size() == 3);
    CHECK(co.ctl_json({"history", "--since", "2030-01-01T00:00:00Z"})["history"].empty());
    CHECK(co.ctl({"history", "--since", "yesterday"}).exit_code == 65);
    auto listed = co.ctl_json({"list-commands"})["commands"];
    std::set<std::string> names;
    for (const auto& c : listed) names.insert(c["name"].get<std::string>());
    CHECK(names == std::set<std::string>{"status", "events", "event", "notices", "compliance", "calendar", "plan", "history",
                                         "list-commands", "help", "held", "reported", "postpone", "cancel",
                                         "confirm", "amend", "reopen", "retry", "reload", "test-notice", "ics",
                                         "backup", "link", "links", "unlink", "web-login"});
    auto help = co.ctl({"help", "postpone"});
    CHECK(help.exit_code == 0);
    CHECK(contains(help.out, "postpone (admin)"));
    // Flags as the user types them (F9), not the request's field names.
    CHECK(contains(help.out, "usage: taratctl postpone ID --to DATE [--start HH:MM] --reason TEXT"));
    CHECK(contains(help.out, "--to DATE"));
    CHECK_FALSE(contains(help.out, "to: date, required"));
    CHECK(co.ctl({"help"}).exit_code == 0);
    CHECK(co.ctl({"list-commands"}).exit_code == 0);

    // Unknown commands and arguments, through taratctl's raw `call`.
    auto unknown_command = co.ctl({"call", "evnets"});
    CHECK(unknown_command.exit_code == 64);
    CHECK(contains(unknown_command.err, "unknown command 'evnets'; did you mean 'events'?"));
    auto unknown_argument = co.ctl({"call", "events", R"({"center":"erkemai"})"});
    CHECK(unknown_argument.exit_code == 65);
    CHECK(contains(unknown_argument.err, "unknown argument 'center' for 'events'; did you mean 'centre'?"));
    CHECK(co.ctl({"call", "events", "[1]"}).exit_code == 64);
    CHECK(co.ctl({"nonsense"}).exit_code == 64);
}

// held and reported: the state, its history row and re-derived notices commit together; every
// input check refuses in one line and changes nothing; a second held is not an error.
TEST_CASE("held and reported") {
    Checkout co;
    Running running(co);
    const std::string id = "erkemai-open-class-0";
    // Its past-due notices go out at start, and a sent notice pins the event: wait for that first.
    REQUIRE(eventually([&] { return co.ctl_json({"event", id})["event"]["pinned"] == true; }));
    auto before = co.ctl_json({"event", id});
    CHECK(before["event"]["state"] == "planned");

    auto refused = [&](std::vector<std::string> args, int code, const std::string& text) {
        auto r = co.ctl(args);
        INFO(args[0] << ": " << r.err);
        CHECK(r.exit_code == code);
        CHECK(contains(r.err, text));
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    };
    refused({"held", "erkemai-open-class-9"}, 65, "no event 'erkemai-open-class-9'; did you mean 'erkemai-open-class-0'");
    refused({"held", "erkemai-seminar-1"}, 65, "erkemai-seminar-1 is planned for 2026-12-09 11:00, which is still ahead");
    refused({"held", id, "--participants", "-3"}, 65, "participants must be a number from 0 to 100000, not -3");
    refused({"held", id, "--participants", "many"}, 65, "argument 'participants' of 'held' must be an integer");
    refused({"held", id, "--date", "20.11.2026"}, 65, "argument 'date' of 'held' must be a date (YYYY-MM-DD)");
    refused({"held", id, "--date", "2026-12-02"}, 65, "the held date 2026-12-02 is in the future (today is 2026-12-01)");
    refused({"reported", id}, 65, "erkemai-open-class-0 is planned for 2026-11-20 10:00, not held: mark it held before its report");
    CHECK(co.ctl_json({"event", id})["event"] == before["event"]);  // nothing changed

    auto held = co.ctl({"held", id, "--participants", "25", "--note", "ата-аналар да келді"});
    INFO(held.err);
    CHECK(held.exit_code == 0);
    CHECK(held.out == id + " held on 2026-11-20, 25 participants; note: ата-аналар да келді\n");
    auto after = co.ctl_json({"event", id});
    CHECK(after["event"]["state"] == "held");
    CHECK(after["details"]["held_date"] == "2026-11-20");
    CHECK(after["details"]["participants"] == 25);
    bool report_due = false, held_check_pending = false;
    for (const auto& n : after["notices"]) {
        if (n["kind"] == "report_due" && n["state"] != "superseded") report_due = true;
        if (n["kind"] == "held_check" && n["state"] == "pending") held_check_pending = true;
    }
    CHECK(report_due);
    CHECK_FALSE(held_check_pending);
    bool history_row = false;
    for (const auto& h : after["history"])
        if (h["action"] == "event.held") history_row = contains(h["detail"].get<std::string>(), "25 participants");
    CHECK(history_row);

    // Idempotent: a second held is reported as such and changes nothing.
    auto again = co.ctl({"held", id, "--participants", "30"});
    CHECK(again.exit_code == 0);
    CHECK(contains(again.out, "is already held on 2026-11-20; nothing changed"));
    CHECK(co.ctl_json({"event", id})["details"]["participants"] == 25);

    refused({"reported", id, "--date", "2026-11-19"}, 65, "the report date 2026-11-19 is before the event was held (2026-11-20)");
    refused({"reported", id, "--date", "2026-12-05"}, 65, "is in the future");
    auto reported = co.ctl({"reported", id, "--date", "2026-11-24", "--ref", "№ 12-04/118"});
    CHECK(reported.exit_code == 0);
    CHECK(contains(reported.out, "reported on 2026-11-24, on time (due 2026-11-24)"));
    auto done = co.ctl_json({"event", id});
    CHECK(done["event"]["state"] == "reported");
    CHECK(done["details"]["report_ref"] == "№ 12-04/118");
    for (const auto& n : done["notices"]) CHECK(n["state"] != "pending");  // nothing more to ask of it
    CHECK(contains(co.ctl({"reported", id}).out, "nothing changed"));

    // A report after its due date counts as late.
    CHECK(co.ctl({"held", "balausa-seminar-0", "--date", "2026-11-24"}).exit_code == 0);
    CHECK(contains(co.ctl({"reported", "balausa-seminar-0"}).out, "reported on 2026-12-01, late (due 2026-11-27)"));
    auto compliance = co.ctl_json({"compliance", "--from", "2026-11-01", "--to", "2026-11-30"});
    CHECK(compliance["total"]["held"] == 2);
    CHECK(compliance["total"]["held_on_planned_date"] == 2);
    CHECK(compliance["total"]["reported_on_time"] == 1);
    CHECK(compliance["total"]["reported_late"] == 1);
    CHECK(compliance["total"]["participants"] == 25);
    for (const auto& g : compliance["groups"])
        if (g["id"] == "erkemai") CHECK(g["reported_on_time"] == 1);

    // Every attempt is in the audit history, the refused ones too.
    auto history = co.ctl_json({"history"})["history"];
    int audited = 0, refusals = 0;
    for (const auto& h : history) {
        if (h["action"].get<std::string>().rfind("ctl.", 0) != 0) continue;
        ++audited;
        if (contains(h["detail"].get<std::string>(), "result 5 bad request")) ++refusals;
        CHECK(contains(h["actor"].get<std::string>(), "root (uid 0, pid "));
    }
    CHECK(audited == 15);
    CHECK(refusals >= 8);
}

// postpone and cancel: checked first; then the new date, postponed_from, sequence, pin and history,
// the old date's reminders superseded and change notices to the people already told, together.
TEST_CASE("postpone, cancel and confirm") {
    Checkout co;
    // A master class two days ahead: its reminders go out at start (a rule's event is never placed that close).
    replace_in_file(co.plan(), "date = 2027-01-13", "date = 2026-12-03");
    Running running(co);
    const std::string id = "erkemai-seminar-1";
    // Its first reminder (10 working days before) was due on 2026-11-25: it goes out at start.
    REQUIRE(eventually([&] { return !co.ctl_json({"notices", "--sent", "--event", id})["notices"].empty(); }));
    auto before = co.ctl_json({"event", id});

    auto refused = [&](std::vector<std::string> args, const std::string& text) {
        auto r = co.ctl(args);
        INFO(args[0] << ": " << r.err);
        CHECK(r.exit_code == 65);
        CHECK(contains(r.err, text));
    };
    refused({"postpone", id, "--to", "2026-12-16", "--reason", "зал бос емес"},
            "2026-12-16 is a day off (Independence Day); the nearest working days are 2026-12-15 and 2026-12-17");
    refused({"postpone", id, "--to", "2026-12-12", "--reason", "x"},
            "2026-12-12 is a day off (Saturday); the nearest working days are 2026-12-11 and 2026-12-14");
    refused({"postpone", id, "--to", "2026-11-30", "--reason", "x"}, "2026-11-30 11:00 is in the past (today is 2026-12-01)");
    refused({"postpone", id, "--to", "2026-12-23", "--start", "25:00", "--reason", "x"}, "--start '25:00' is not a time HH:MM");
    refused({"postpone", id, "--to", "23.12.2026", "--reason", "x"}, "must be a date (YYYY-MM-DD)");
    refused({"postpone", id, "--to", "2026-12-23", "--reason", ""}, "give the reason");
    refused({"postpone", "erkemai-seminar", "--to", "2026-12-23", "--reason", "x"},
            "no event 'erkemai-seminar'; did you mean 'erkemai-seminar-1'");
    CHECK(co.ctl({"postpone", id, "--to", "2026-12-23"}).exit_code == 64);  // --reason is required
    CHECK(co.ctl_json({"event", id})["event"] == before["event"]);

    auto moved = co.ctl({"postpone", id, "--to", "2026-12-23", "--start", "10:00", "--reason", "зал бос емес"});
    INFO(moved.err);
    REQUIRE(moved.exit_code == 0);
    CHECK(contains(moved.out, id + " postponed from 2026-12-09 11:00 to 2026-12-23 10:00"));
    auto after = co.ctl_json({"event", id});
    CHECK(after["event"]["date"] == "2026-12-23");
    CHECK(after["event"]["start"] == "10:00");
    CHECK(after["event"]["end"] == "13:00");
    CHECK(after["event"]["pinned"] == true);
    CHECK(after["event"]["state"] == "planned");
    CHECK(after["details"]["postponed_from"] == "2026-12-09");
    CHECK(after["details"]["sequence"].get<int>() == before["details"]["sequence"].get<int>() + 1);
    std::set<std::string> pending_before;
    for (const auto& n : before["notices"])
        if (n["state"] == "pending") pending_before.insert(n["key"].get<std::string>());
    REQUIRE_FALSE(pending_before.empty());
    int changes = 0, new_reminders = 0, superseded = 0;
    for (const auto& n : after["notices"]) {
        const std::string key = n["key"];
        if (n["kind"] == "change") {
            ++changes;
            CHECK(n["detail"] == "2026-12-09 → 2026-12-23");
            CHECK(n["state"] != "superseded");
        }
        if (pending_before.count(key) && n["state"] == "superseded") ++superseded;
        // The old date's notices are superseded, except where the new date derives the same key: the
        // 1-working-day reminder before 2026-12-09 is due when the 10-day one before 2026-12-23 is.
        if (pending_before.count(key) && n["state"] == "pending") {
            CHECK(n["kind"] == "reminder");
            CHECK(n["due"] == "2026-12-08T04:00:00Z");
            CHECK(n["detail"] == "10 working days");
        }
        if (n["kind"] == "reminder" && n["state"] == "pending" && !pending_before.count(key)) ++new_reminders;
    }
    CHECK(changes >= 1);
    CHECK(superseded >= 10);
    CHECK(new_reminders >= 1);
    bool history_row = false;
    for (const auto& h : after["history"])
        if (h["action"] == "event.postponed")
            history_row = h["detail"] == "2026-12-09 11:00 → 2026-12-23 10:00; reason: зал бос емес";
    CHECK(history_row);
    refused({"held", id}, "still ahead");

    // cancel: reminders superseded, the people told get "cancelled"; a second cancel changes nothing.
    const std::string other = "bolashak-master-class-1";
    REQUIRE(eventually([&] { return !co.ctl_json({"notices", "--sent", "--event", other})["notices"].empty(); }));
    refused({"cancel", other, "--reason", "line one\nline two"}, "one line without control characters");
    auto cancelled = co.ctl({"cancel", other, "--reason", "карантин"});
    REQUIRE(cancelled.exit_code == 0);
    auto gone = co.ctl_json({"event", other});
    CHECK(gone["event"]["state"] == "cancelled");
    CHECK(gone["details"]["cancel_reason"] == "карантин");
    int cancel_notices = 0;
    for (const auto& n : gone["notices"]) {
        if (n["kind"] == "change" && n["detail"] == "cancelled") ++cancel_notices;
        if (n["kind"] != "change") CHECK(n["state"] != "pending");
    }
    CHECK(cancel_notices >= 1);
    CHECK(contains(co.ctl({"cancel", other, "--reason", "карантин"}).out, "nothing changed"));
    refused({"held", other}, other + " was cancelled (карантин); a cancelled event cannot be held");
    refused({"postpone", other, "--to", "2026-12-23", "--reason", "x"}, "only a planned event can be postponed");

    // confirm pins; a second time says so.
    const std::string later = "karlygash-seminar-1";
    CHECK(co.ctl_json({"event", later})["event"]["pinned"] == false);
    CHECK(co.ctl({"confirm", later}).exit_code == 0);
    CHECK(co.ctl_json({"event", later})["event"]["pinned"] == true);
    CHECK(contains(co.ctl({"confirm", later}).out, "already confirmed"));
    refused({"confirm", "karlygash-seminar-"}, "did you mean 'karlygash-seminar-1'");

    // compliance counts them.
    auto totals = co.ctl_json({"compliance"})["total"];
    CHECK(totals["postponed"] == 1);
    CHECK(totals["cancelled"] == 1);
}

// retry requeues a dead notice by key; reload --wait says whether the new plan was taken and why not.
TEST_CASE("retry and reload") {
    Checkout co;
    Running running(co);
    REQUIRE(eventually([&] { return !co.ctl_json({"notices", "--dead"})["notices"].empty(); }));
    const std::string key = co.ctl_json({"notices", "--dead"})["notices"][0]["key"];
    auto retried = co.ctl({"retry", key});
    INFO(retried.err);
    CHECK(retried.exit_code == 0);
    CHECK(retried.out == "notice '" + key + "' requeued\n");
    bool logged = false;
    for (const auto& h : co.ctl_list({"history"}, "history"))
        if (h["action"] == "notice.requeued" && h["subject"] == "notice:" + key) logged = true;
    CHECK(logged);
    // It fails again on the same channel; a notice that is not dead cannot be retried.
    REQUIRE(eventually([&] { return co.ctl({"retry", key}).exit_code == 0; }));
    const std::string sent = co.ctl_json({"notices", "--sent"})["notices"][0]["key"];
    auto not_dead = co.ctl({"retry", sent});
    CHECK(not_dead.exit_code == 65);
    CHECK(contains(not_dead.err, "is sent; only a dead notice can be retried"));
    auto unknown = co.ctl({"retry", "no-such-key"});
    CHECK(unknown.exit_code == 65);
    CHECK(contains(unknown.err, "no notice 'no-such-key'"));

    auto same = co.ctl({"reload", "--wait"});
    CHECK(same.exit_code == 0);
    CHECK(same.out == "plan order-553-2026-27 taken: no changes\n");
    replace_in_file(co.plan(), "district = \"shalkar\"", "district = \"shalkr\"");
    auto broken = co.ctl({"reload", "--wait"});
    CHECK(broken.exit_code == 65);
    CHECK(contains(broken.err, "taratctl: the new plan was refused (1 errors); still serving plan order-553-2026-27"));
    CHECK(contains(broken.err, "error: unknown district 'shalkr' (did you mean 'shalkar'?)"));
    auto json_reply = co.ctl({"reload"});
    CHECK(json_reply.exit_code == 65);
    CHECK_FALSE(contains(json_reply.err, "shalkr"));  // the diagnostics only with --wait
    replace_in_file(co.plan(), "district = \"shalkr\"", "district = \"shalkar\"");
    replace_in_file(co.plan(), "title = \"Күзгі ашық оқу қызметі\"", "title = \"Күзгі ашық сабақ\"");
    auto taken = co.ctl({"reload", "--wait"});
    CHECK(taken.exit_code == 0);
    CHECK(contains(taken.out, "plan order-553-2026-27 taken: 1 changes"));
    CHECK(contains(taken.out, "event:erkemai-open-class-0 changed"));
    CHECK(co.ctl_json({"event", "erkemai-open-class-0"})["event"]["title"] == "Күзгі ашық сабақ");
    replace_in_file(co.plan(), "title = \"Күзгі ашық сабақ\"", "title = \"Күзгі ашық оқу қызметі\"");
    auto back = co.ctl_json({"reload", "--wait"});
    CHECK(back["changes"].size() == 1);
    CHECK(back["changes_total"] == 1);  // beside the list, which stops at 1,000
}

// SO_PEERCRED decides: an unprivileged user reads but is refused admin commands (exit 77), and
// the refusal is in the history; a member of the admin group may change state.
TEST_CASE("rights") {
    SECTION("an unprivileged user") {
        Checkout co;
        Running running(co);
        REQUIRE(::chmod(co.socket.c_str(), 0666) == 0);
        auto read = co.ctl_as_nobody({"events", "--centre", "erkemai"});
        INFO(read.err);
        CHECK(read.exit_code == 0);
        auto held = co.ctl_as_nobody({"held", "erkemai-open-class-0"});
        CHECK(held.exit_code == 77);
        CHECK(held.err == "taratctl: 'held' needs admin rights; user nobody (uid 65534) has none\n");
        CHECK(co.ctl_as_nobody({"reload", "--wait"}).exit_code == 77);
        CHECK(co.ctl_as_nobody({"cancel", "erkemai-seminar-1", "--reason", "x"}).exit_code == 77);
        CHECK(co.ctl_json({"event", "erkemai-open-class-0"})["event"]["state"] == "planned");
        int refusals = 0;
        for (const auto& h : co.ctl_list({"history"}, "history")) {
            const std::string actor = h["actor"], detail = h["detail"];
            if (contains(actor, "nobody (uid 65534, pid ") && contains(detail, "result 4 forbidden")) ++refusals;
            if (h["action"] == "ctl.held" && contains(actor, "nobody"))
                CHECK(detail == "result 4 forbidden: 'held' needs admin rights; user nobody (uid 65534) has none; "
                                "arguments {\"id\":\"erkemai-open-class-0\"}");
        }
        CHECK(refusals == 3);
    }
    SECTION("a member of the admin group") {
        Checkout co("nogroup");
        Running running(co);
        REQUIRE(::chmod(co.socket.c_str(), 0666) == 0);
        auto confirmed = co.ctl_as_nobody({"confirm", "erkemai-seminar-1"});
        INFO(confirmed.err);
        CHECK(confirmed.exit_code == 0);
        CHECK(co.ctl_json({"event", "erkemai-seminar-1"})["event"]["pinned"] == true);
    }
}

// 300 connections held open by one user do not stop another user's answers (the per-uid limit),
// and the daemon serves the first user again once they close.
TEST_CASE("300 open connections") {
    rlimit files{};
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &files) == 0);
    files.rlim_cur = files.rlim_max;
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &files) == 0);
    REQUIRE(files.rlim_cur >= 400);
    Checkout co;
    Running running(co);
    REQUIRE(::chmod(co.socket.c_str(), 0666) == 0);
    std::vector<int> held;
    for (int i = 0; i < 300; ++i) held.push_back(connect_raw(co.socket));
    auto other = co.ctl_as_nobody({"status", "--json"});
    INFO(other.err);
    CHECK(other.exit_code == 0);
    CHECK(json::parse(other.out)["today"] == "2026-12-01");
    auto same_user = co.ctl({"status"});
    CHECK(same_user.exit_code == 65);
    CHECK(same_user.err == "taratctl: too many connections\n");
    for (int fd : held) ::close(fd);
    CHECK(eventually([&] { return co.answers(); }));
    CHECK(running.daemon.running());
}

// A 10 MB line, invalid UTF-8, JSON nested deeper than 32 and unknown commands or arguments on a
// raw socket are refused, and other clients (and the same connection, for a bad line) still get answers.
TEST_CASE("hostile requests") {
    Checkout co;
    Running running(co);

    int flood = connect_raw(co.socket);
    std::thread writer([&] {
        std::string chunk(64 * 1024, 'a');
        for (int i = 0; i < 160; ++i)  // 10 MB without a newline
            if (!send_all(flood, chunk)) break;
    });
    CHECK(co.answers());
    writer.join();
    auto flood_reply = read_line(flood);
    ::close(flood);
    REQUIRE_FALSE(flood_reply.empty());  // the refusal, sent before the daemon closed the connection
    auto refusal = json::parse(flood_reply);
    CHECK(refusal["result"] == 5);
    CHECK(refusal["text"] == "request line exceeds 65536 bytes");

    int fd = connect_raw(co.socket);
    auto bad_utf8 = ask_raw(fd, "{\"command\":\"events\",\"arguments\":{\"centre\":\"\xff\xfe\"}}\n");
    CHECK(bad_utf8["result"] == 5);
    CHECK(contains(bad_utf8["text"].get<std::string>(), "UTF-8"));
    std::string deep = "{\"command\":\"status\",\"arguments\":";
    for (int i = 0; i < 40; ++i) deep += "{\"a\":";
    deep += "1" + std::string(40, '}') + "}\n";
    auto too_deep = ask_raw(fd, deep);
    CHECK(too_deep["result"] == 5);
    CHECK(ask_raw(fd, "{\"command\":\"drop-tables\"}\n")["result"] == 2);
    CHECK(ask_raw(fd, "{\"command\":\"held\",\"arguments\":{\"id\":\"x\",\"file\":\"/etc/passwd\"}}\n")["result"] == 5);
    CHECK(ask_raw(fd, "not json\n")["result"] == 5);
    auto still = ask_raw(fd, "{\"command\":\"status\"}\n");  // the same connection still answers
    CHECK(still["result"] == 0);
    CHECK(still["arguments"]["today"] == "2026-12-01");
    ::close(fd);
    CHECK(co.answers());
    CHECK(running.daemon.running());
}

// Tables line up in Kazakh and Russian; the language comes from --lang, else LC_ALL/LC_MESSAGES/LANG,
// and is English for C/POSIX or unset.
TEST_CASE("languages and tables") {
    Checkout co;
    Running running(co);
    auto kk = co.ctl({"events", "--centre", "erkemai", "--lang", "kk"});
    REQUIRE(kk.exit_code == 0);
    CHECK(kk.out.rfind("КҮНІ", 0) == 0);
    CHECK(contains(kk.out, "жоспарланған"));
    check_columns_line_up(kk.out);
    auto ru = co.ctl({"events", "--centre", "erkemai", "--lang", "ru"});
    CHECK(ru.out.rfind("ДАТА", 0) == 0);
    check_columns_line_up(ru.out);
    check_columns_line_up(co.ctl({"compliance", "--lang", "kk"}).out);
    auto status = co.ctl({"status", "--lang", "ru"}).out;
    REQUIRE(contains(status, "ЦЕНТР"));
    check_columns_line_up(status.substr(status.find("ЦЕНТР")));

    for (const char* name : {"LC_ALL", "LC_MESSAGES", "LANG"}) ::unsetenv(name);
    CHECK(co.ctl({"events"}).out.rfind("DATE", 0) == 0);
    CHECK(co.ctl({"events"}, {"LANG=ru_RU.UTF-8"}).out.rfind("ДАТА", 0) == 0);
    CHECK(co.ctl({"events"}, {"LANG=kk_KZ.UTF-8"}).out.rfind("КҮНІ", 0) == 0);
    CHECK(co.ctl({"events"}, {"LANG=C"}).out.rfind("DATE", 0) == 0);
    CHECK(co.ctl({"events"}, {"LANG=ru_RU.UTF-8", "LC_ALL=POSIX"}).out.rfind("DATE", 0) == 0);
    CHECK(co.ctl({"events", "--lang", "en"}, {"LANG=kk_KZ.UTF-8"}).out.rfind("DATE", 0) == 0);
    CHECK(co.ctl({"events", "--lang", "de"}).exit_code == 64);
}

// ---- test-notice ----

// A loopback port that takes connections (the kernel's backlog) and never says a word: an SMTP
// server that hangs before its greeting.
class SilentPort {
public:
    SilentPort() {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        REQUIRE(::listen(fd_, 8) == 0);
        socklen_t length = sizeof address;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
        port_ = ntohs(address.sin_port);
    }
    ~SilentPort() { ::close(fd_); }
    int port() const { return port_; }
    // Someone connected: a connection waits in the backlog (never accepted).
    bool knocked(int timeout_ms) const {
        pollfd p{fd_, POLLIN, 0};
        return ::poll(&p, 1, timeout_ms) == 1;
    }

private:
    int fd_ = -1;
    int port_ = 0;
};

// F5's "done means": the shipped config's mail channel, pointed at a local SMTP server, takes the
// administrator's test notice to the deputy head as a correctly encoded Kazakh e-mail.
TEST_CASE("test-notice: the shipped mail channel delivers a Kazakh e-mail to a local SMTP server") {
    Checkout co;
    MailServer mail(co.dir, {});
    replace_in_file(co.config(), "url = \"smtp://127.0.0.1:25\"", "url = \"" + mail.url() + "\"");
    Running running(co);
    // Checked at start, but not loaded until used: libcurl and its TLS stack stay out of an idle daemon.
    const auto maps = "/proc/" + std::to_string(running.daemon.pid()) + "/maps";
    CHECK_FALSE(contains(read_file(maps), "tarat-smtp.so"));
    CHECK_FALSE(contains(read_file(maps), "libcurl"));

    auto sent = co.ctl({"test-notice", "bertleuova", "--channel", "mail", "--lang", "kk"});
    INFO(sent.err);
    CHECK(sent.exit_code == 0);
    CHECK(contains(sent.out, "АРНА"));
    CHECK(contains(sent.out, "mail"));
    CHECK(contains(sent.out, "sent"));
    auto messages = mail.messages();
    REQUIRE(messages.size() == 1);
    auto m = mail.parsed(messages[0]);
    CHECK(m["subject"] == "tarat: сынақ хабарлама (mail)");
    CHECK(contains(m["body"].get<std::string>(), "Құрметті Н. Бертлеуова!"));
    CHECK(contains(m["body"].get<std::string>(), "«mail» арнасы арқылы"));
    CHECK(contains(m["to"].get<std::string>(), "bertleuova@example.org"));
    CHECK(m["charset"] == "utf-8");
    CHECK(contains(m["message_id"].get<std::string>(), "@"));
    CHECK(contains(read_file(maps), "tarat-smtp.so"));

    // An admin command like any other: in the audit history with its result.
    auto history = co.ctl_list({"history", "--since", "2026-11-01"}, "history");
    bool audited = false;
    for (const auto& h : history)
        audited = audited || (h["action"] == "ctl.test-notice" && contains(h.dump(), "bertleuova"));
    CHECK(audited);
    // Nothing entered the outbox: a test notice is sent once, now, or reported failed.
    for (const auto& n : co.ctl_list({"notices"}, "notices")) CHECK(n["kind"] != "test");
}

// Without --channel: every channel of the person, each with its own result; one failing makes the
// command fail (exit 65) but the others still go out. Bad input and missing rights change nothing.
TEST_CASE("test-notice: each channel's result, unknown names, rights") {
    Checkout co;
    Running running(co);
    auto both = co.ctl({"test-notice", "bertleuova"});  // channels log and reject (see Checkout)
    CHECK(both.exit_code == 65);
    CHECK(contains(both.out, "log"));
    CHECK(contains(both.out, "sent"));
    CHECK(contains(both.out, "rejected"));
    CHECK(contains(both.err, "reject rejected"));
    auto detail = co.ctl({"test-notice", "zhamanbayeva", "--json"});
    REQUIRE(detail.exit_code == 0);
    auto channels = json::parse(detail.out)["channels"];
    REQUIRE(channels.size() == 2);  // the defaults: log and file
    CHECK(channels[0]["channel"] == "log");
    CHECK(channels[1]["channel"] == "file");
    CHECK(channels[1]["status"] == "sent");
    CHECK(contains(read_file(co.state / "notices.jsonl"), "тестовое уведомление"));  // her locale is ru

    auto person = co.ctl({"test-notice", "bertleuva"});
    CHECK(person.exit_code == 65);
    CHECK(contains(person.err, "no person 'bertleuva'; did you mean 'bertleuova'"));
    auto channel = co.ctl({"test-notice", "bertleuova", "--channel", "mial"});
    CHECK(channel.exit_code == 65);
    CHECK(contains(channel.err, "did you mean 'mail'"));
    REQUIRE(::chmod(co.socket.c_str(), 0666) == 0);
    auto nobody = co.ctl_as_nobody({"test-notice", "bertleuova"});
    CHECK(nobody.exit_code == 77);
    CHECK(co.ctl({"test-notice"}).exit_code == 64);
}

// The plugin's wait happens on a worker: while a mail server keeps the test notice hanging, every
// other client is answered at once.
TEST_CASE("test-notice: a hanging mail server delays nobody else") {
    Checkout co;
    SilentPort silent;
    replace_in_file(co.config(), "url = \"smtp://127.0.0.1:25\"",
                    "url = \"smtp://127.0.0.1:" + std::to_string(silent.port()) + "\"\ntimeout = 4");
    Running running(co);
    Child hanging({kTaratctl, "--socket", co.socket.string(), "test-notice", "bertleuova", "--channel", "mail"},
                  co.dir.path(), "test-notice");
    REQUIRE(silent.knocked(20000));
    auto status = co.ctl({"status", "--json"});
    CHECK(status.exit_code == 0);
    CHECK(hanging.running());  // still waiting for the silent server when status has answered
    auto code = hanging.wait(std::chrono::seconds(30));
    REQUIRE(code);
    CHECK(*code == 65);
    CHECK(contains(hanging.err(), "mail failed"));
}

// One description per command (F9): the daemon's list-commands, the generated bash completion and
// the generated taratctl(1) name the same commands; `call` is taratctl's own.
TEST_CASE("list-commands, the completion and the man page list the same commands") {
    Checkout co;
    Running running(co);
    std::set<std::string> daemon_lists;
    const auto listed = co.ctl_json({"list-commands"});
    for (const auto& c : listed["commands"]) daemon_lists.insert(c["name"].get<std::string>());
    daemon_lists.insert("call");

    // What bash offers after "taratctl ", through the real bash-completion.
    const std::string script = std::string(TARAT_BINARY_DIR) + "/packaging/taratctl.bash";
    auto completed = run({"/bin/bash", "-c",
                          "source /usr/share/bash-completion/bash_completion; source '" + script +
                              "'; COMP_WORDS=(taratctl ''); COMP_CWORD=1; COMP_LINE='taratctl '; COMP_POINT=9; "
                              "_taratctl; printf '%s\\n' \"${COMPREPLY[@]}\""},
                         co.dir.path());
    REQUIRE(completed.exit_code == 0);
    std::set<std::string> completion;
    std::istringstream words(completed.out);
    for (std::string w; std::getline(words, w);)
        if (!w.empty() && w[0] != '-') completion.insert(w);
    CHECK(completion == daemon_lists);

    // The man page as man(1) renders it: each command's synopsis starts a line in READING or CHANGING.
    auto page = run({"/bin/sh", "-c", "MANWIDTH=200 man -l '" + std::string(TARAT_BINARY_DIR) +
                                          "/doc/man/taratctl.1' | col -b"},
                    co.dir.path());
    REQUIRE(page.exit_code == 0);
    std::set<std::string> manual;
    bool in_commands = false;
    std::istringstream lines(page.out);
    for (std::string line; std::getline(lines, line);) {
        if (line == "READING" || line == "CHANGING") in_commands = true;
        else if (!line.empty() && std::isupper(static_cast<unsigned char>(line[0]))) in_commands = false;
        if (!in_commands || line.rfind("       ", 0) != 0 || line.size() < 8 || line[7] == ' ') continue;
        if (std::islower(static_cast<unsigned char>(line[7]))) manual.insert(line.substr(7, line.find(' ', 7) - 7));
    }
    CHECK(manual == daemon_lists);
}

// F13 paging through taratctl: one page says how to get the next; --all follows every cursor.
TEST_CASE("taratctl pages long lists, and --all fetches every page") {
    Checkout co;
    Running running(co);
    const auto every = co.ctl_json({"notices", "--limit", "1000"});
    const auto total = every["total"].get<std::size_t>();
    REQUIRE(total > 3);
    auto page = co.ctl({"notices", "--limit", "3"});
    CHECK(page.exit_code == 0);
    CHECK(contains(page.err, "--after "));
    const auto all = co.ctl_json({"notices", "--all", "--limit", "7"});
    CHECK(all["notices"].size() == total);
    CHECK(all["next"].is_null());
    const auto history = co.ctl_json({"history", "--all", "--limit", "5"});
    CHECK(history["history"].size() == co.ctl_json({"history", "--limit", "1000"})["total"].get<std::size_t>());
    // As a table, every page of five makes the same table as one page of all.
    const auto paged = co.ctl({"history", "--all", "--limit", "5"});
    CHECK(paged.exit_code == 0);
    CHECK(paged.out == co.ctl({"history", "--limit", "1000"}).out);
    CHECK(co.ctl({"notices", "--all", "--limit", "7"}).out == co.ctl({"notices", "--limit", "1000"}).out);
}

// F13, "audit flood": 2,000 refused requests carrying a 60 KB reason, pipelined on one connection,
// leave the state dir under +5 MB, the history reply small and the daemon answering.
TEST_CASE("2,000 refused 60 KB requests do not fill the state dir") {
    Checkout co;
    Running running(co);
    auto dir_bytes = [&] {
        std::uintmax_t bytes = 0;
        for (const auto& f : std::filesystem::directory_iterator(co.state))
            if (f.is_regular_file()) bytes += f.file_size();
        return bytes;
    };
    const auto before = dir_bytes();
    const std::string line = json{{"command", "cancel"},
                                  {"arguments", {{"id", "erkemai-seminar-1"}, {"reason", std::string(60 * 1024, 'x')}}}}
                                 .dump() + "\n";
    int fd = connect_raw(co.socket);
    for (int i = 0; i < 2000; ++i) {
        auto reply = ask_raw(fd, line);
        REQUIRE(reply["result"] == 5);
    }
    ::close(fd);
    CHECK(co.ctl({"status"}).exit_code == 0);
    const auto after = dir_bytes();
    INFO("state dir grew by " << (after - before) << " bytes");
    CHECK(after < before + 5 * 1024 * 1024);
    auto history = co.ctl({"history", "--json"});
    CHECK(history.exit_code == 0);
    CHECK(history.out.size() < 1024 * 1024);
}
