// End to end: the real taratd as a child process, queried by the real taratctl.
#include "support/paths.hpp"
#include "support/text.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "core/time.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <SQLiteCpp/SQLiteCpp.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>
#include <map>
#include <set>

using namespace tarat::testing;
using nlohmann::json;

namespace {


// A copy of the shipped etc/ in a temp dir, with state and socket beside it.
struct Checkout {
    TempDir dir;
    std::filesystem::path etc = dir / "etc";
    std::filesystem::path state = dir / "state";
    std::filesystem::path socket = dir / "run/tarat.sock";

    Checkout() {
        std::filesystem::copy(kEtc, etc, std::filesystem::copy_options::recursive);
    }
    std::filesystem::path config() const { return etc / "tarat.toml"; }
    std::filesystem::path plan() const { return etc / "plan.toml"; }

    std::vector<std::string> daemon_args() const {
        return {kTaratd, "run", "--config", config(), "--state-dir", state, "--socket", socket,
                "--plugin-dir", TARAT_PLUGIN_BUILD_DIR, "--pretend-now", "2026-12-01T09:00:00+05:00"};
    }
    RunResult ctl(std::vector<std::string> args) const {
        args.insert(args.begin(), {kTaratctl, "--socket", socket.string()});
        return run(args, dir.path());
    }
    json status_json() const {
        auto r = ctl({"status", "--json"});
        REQUIRE(r.exit_code == 0);
        return json::parse(r.out);
    }
    bool answers() const { return ctl({"status", "--json"}).exit_code == 0; }
};

}  // namespace

// `taratd check` on the shipped configuration exits 0 with a summary of the four centres.
TEST_CASE("check passes on the shipped config") {
    Checkout co;
    auto r = run({kTaratd, "check", "--config", co.config()}, co.dir.path());
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("4 centres") != std::string::npos);
    CHECK(r.out.find("erkemai") != std::string::npos);
    CHECK(r.out.find("configuration OK") != std::string::npos);
}

// `taratd check` prints every error with file:line:col and exits 78.
TEST_CASE("check reports every error and exits 78") {
    Checkout co;
    replace_in_file(co.plan(), "district = \"shalkar\"", "district = \"shalkr\"");
    replace_in_file(co.plan(), "timezone = \"Asia/Aqtobe\"", "timezone = \"Asia/Aqtob\"");
    auto r = run({kTaratd, "check", "--config", co.config()}, co.dir.path());
    CHECK(r.exit_code == 78);
    CHECK(r.err.find("plan.toml:") != std::string::npos);
    CHECK(r.err.find("error: unknown district 'shalkr' (did you mean 'shalkar'?) [centre.erkemai.district]") != std::string::npos);
    CHECK(r.err.find("error: unknown time zone 'Asia/Aqtob'") != std::string::npos);
    CHECK(r.err.find("2 error(s)") != std::string::npos);
}

// taratctl says in one line that the daemon is not running, naming the path, and exits 69.
TEST_CASE("taratctl without a daemon exits 69") {
    Checkout co;
    auto r = co.ctl({"status"});
    CHECK(r.exit_code == 69);
    CHECK(r.err == "taratctl: taratd is not running at " + co.socket.string() + " (No such file or directory)\n");
    // TARAT_SOCKET is used when --socket is absent.
    auto env = run({kTaratctl, "status"}, co.dir.path(), {"TARAT_SOCKET=" + co.socket.string()});
    CHECK(env.exit_code == 69);
    CHECK(env.err.find(co.socket.string()) != std::string::npos);
}

// The whole life: serve status, survive a broken plan on SIGHUP, take a good one, stop on SIGTERM.
TEST_CASE("daemon serves, reloads and stops cleanly") {
    Checkout co;
    Child daemon(co.daemon_args(), co.dir.path(), "taratd");
    REQUIRE(eventually([&] { return co.answers() || !daemon.running(); }));
    INFO(daemon.err());
    REQUIRE(daemon.running());

    auto status = co.status_json();
    CHECK(status["plan"]["id"] == "order-553-2026-27");
    CHECK(status["today"] == "2026-12-01");
    REQUIRE(status["centres"].size() == 4);
    std::set<std::string> ids;
    for (const auto& c : status["centres"]) ids.insert(c["id"].get<std::string>());
    CHECK(ids == std::set<std::string>{"erkemai", "bolashak", "balausa", "karlygash"});
    REQUIRE_FALSE(status["next_events"].empty());
    CHECK(status["next_events"][0]["date"].get<std::string>() >= "2026-12-01");

    auto text = co.ctl({"status"});
    CHECK(text.exit_code == 0);
    CHECK(text.out.find("«Еркемай» бөбекжай-бақшасы» МКҚК") != std::string::npos);
    CHECK(text.out.find("Шалқар ауданы") != std::string::npos);

    // A broken plan is refused; the old one is still served.
    replace_in_file(co.plan(), "district = \"shalkar\"", "district = \"nowhere\"");
    daemon.signal(SIGHUP);
    REQUIRE(eventually([&] { return daemon.err().find("the new plan was refused") != std::string::npos; }));
    CHECK(daemon.err().find("plan.toml:") != std::string::npos);  // errors logged with positions
    CHECK(co.status_json()["centres"].size() == 4);
    CHECK(co.status_json()["plan"]["id"] == "order-553-2026-27");

    // A valid edit is taken.
    replace_in_file(co.plan(), "district = \"nowhere\"", "district = \"shalkar\"");
    replace_in_file(co.plan(), "id = \"order-553-2026-27\"", "id = \"order-553-edited\"");
    daemon.signal(SIGHUP);
    REQUIRE(eventually([&] { return co.status_json()["plan"]["id"] == "order-553-edited"; }));

    daemon.signal(SIGTERM);
    auto code = daemon.wait();
    REQUIRE(code);
    CHECK(*code == 0);
    CHECK_FALSE(std::filesystem::exists(co.socket));
}

// A second daemon on the same state dir refuses with a clear message; the first keeps serving.
TEST_CASE("second instance on the same state dir refuses") {
    Checkout co;
    Child first(co.daemon_args(), co.dir.path(), "first");
    REQUIRE(eventually([&] { return co.answers(); }));
    auto args = co.daemon_args();
    args[7] = (co.dir / "other.sock").string();  // a different socket, the same state dir
    auto second = run(args, co.dir.path());
    CHECK(second.exit_code == 75);
    CHECK(second.err.find("another taratd (pid " + std::to_string(first.pid()) + ") is already running on state dir") !=
          std::string::npos);
    CHECK(co.answers());
}

// A socket file left behind by a crash does not stop a new start.
TEST_CASE("stale socket file is replaced") {
    Checkout co;
    std::filesystem::create_directories(co.socket.parent_path());
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, co.socket.c_str(), sizeof addr.sun_path - 1);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    ::close(fd);  // bound, never listened, never unlinked: what a crash leaves
    REQUIRE(std::filesystem::exists(co.socket));

    Child daemon(co.daemon_args(), co.dir.path(), "taratd");
    REQUIRE(eventually([&] { return co.answers() || !daemon.running(); }));
    INFO(daemon.err());
    CHECK(co.answers());
}

// Killed with SIGKILL and started again, the daemon serves the same state.
TEST_CASE("restart after kill -9 keeps the state") {
    Checkout co;
    {
        Child daemon(co.daemon_args(), co.dir.path(), "taratd");
        REQUIRE(eventually([&] { return co.answers(); }));
        daemon.signal(SIGKILL);
        REQUIRE(daemon.wait() == 128 + SIGKILL);
    }
    Child again(co.daemon_args(), co.dir.path(), "again");
    REQUIRE(eventually([&] { return co.answers() || !again.running(); }));
    INFO(again.err());
    CHECK(co.status_json()["centres"].size() == 4);
    CHECK(again.err().find("unchanged") != std::string::npos);  // the same plan: nothing rewritten
}

// `taratd schedule --json` places the shipped plan completely, the same bytes every run, and writes nothing.
TEST_CASE("schedule prints the complete shipped schedule") {
    Checkout co;
    auto first = run({kTaratd, "schedule", "--config", co.config(), "--state-dir", co.state, "--json"}, co.dir.path());
    auto second = run({kTaratd, "schedule", "--config", co.config(), "--state-dir", co.state, "--json"}, co.dir.path());
    INFO(first.err);
    REQUIRE(first.exit_code == 0);
    CHECK(first.out == second.out);
    CHECK_FALSE(std::filesystem::exists(co.state));
    auto j = json::parse(first.out);
    CHECK(j["unplaced"].empty());
    std::map<std::string, int> per_centre;
    for (const auto& e : j["events"]) {
        for (const char* field : {"id", "centre", "district", "form", "title", "date", "start", "end", "source", "pinned"})
            CHECK(e.contains(field));
        ++per_centre[e["centre"].get<std::string>()];
    }
    CHECK(per_centre.size() == 4);
    for (const auto& [centre, count] : per_centre) CHECK(count >= 6 + 2);  // monthly open classes + quarterly seminars

    auto one = run({kTaratd, "schedule", "--config", co.config(), "--centre", "balausa", "--from", "2027-01-01", "--to",
                    "2027-01-31"},
                   co.dir.path());
    CHECK(one.exit_code == 0);
    CHECK(one.out.find("balausa") != std::string::npos);
    CHECK(one.out.find("erkemai") == std::string::npos);
    CHECK(one.out.find(".01.2027") != std::string::npos);
    CHECK(one.out.find(".12.2026") == std::string::npos);
}

// A rule that finds no day is named in the reader's language: the rule by its title, the centre by
// name, the period and the reason in words; --json keeps the ids and placement's English reason.
TEST_CASE("schedule explains an unplaced event in Kazakh and Russian") {
    Checkout co;
    {
        std::ofstream plan(co.plan(), std::ios::app);
        plan << "\n[[rule]]\nid = \"sunday-visit\"\nform = \"open-class\"\ncentres = [\"balausa\"]\nevery = \"quarter\"\n"
                "weekdays = [\"sun\"]\nstart = \"10:00\"\ntitle = \"Жексенбілік сапар\"\n";
    }
    auto kk = run({kTaratd, "schedule", "--config", co.config(), "--lang", "kk"}, co.dir.path());
    INFO(kk.out << kk.err);
    REQUIRE(kk.exit_code == 0);
    CHECK(contains(kk.out, "орналастырылмады"));
    CHECK(contains(kk.out, "  «Жексенбілік сапар», «Балауса» бөбекжай-балабақшасы» МКҚК, 2027 ж. II тоқсан: кезеңдегі әр "
                           "жексенбі күні демалыс (маусым–тамыз алынбайды)\n"));
    auto ru = run({kTaratd, "schedule", "--config", co.config(), "--lang", "ru"}, co.dir.path());
    CHECK(contains(ru.out, "«Жексенбілік сапар», «Балауса» бөбекжай-балабақшасы» МКҚК, II квартал 2027 г.: в этом периоде "
                           "каждый день (воскресенье) — выходной (июнь–август не берутся)\n"));
    CHECK_FALSE(contains(ru.out, "sunday-visit"));
    auto j = json::parse(run({kTaratd, "schedule", "--config", co.config(), "--json"}, co.dir.path()).out);
    bool listed = false;
    for (const auto& u : j["unplaced"])
        if (u["rule"] == "sunday-visit" && u["period"] == "2027-Q2") {
            listed = true;
            CHECK(u["centre"] == "balausa");
            CHECK(u["reason"] == "every Sun in the period outside June–August is a day off");
        }
    CHECK(listed);
}

namespace {
size_t count_lines(const std::filesystem::path& file) {
    auto text = read_file(file);
    return size_t(std::count(text.begin(), text.end(), '\n'));
}
}  // namespace

// The running daemon writes due notices to the file channel. Killed with SIGKILL again and again in
// the middle of dispatching, then restarted: every notice arrives, none twice, the database stays sound.
TEST_CASE("kill -9 while dispatching loses nothing and doubles nothing") {
    Checkout co;
    // After the plan's end every notice is due at once; more escalation rounds make over a thousand.
    replace_in_file(co.config(), "escalation_max = 3", "escalation_max = 8");
    replace_in_file(co.config(), "catch_up = \"latest\"", "catch_up = \"every\"");  // the whole backlog, as load
    auto args = co.daemon_args();
    {  // The plan placed while it was all ahead (a rule places no new event in the past), then stopped.
        Child placing(args, co.dir.path(), "taratd-placing");
        REQUIRE(eventually([&] { return co.answers(); }));
        placing.signal(SIGTERM);
        REQUIRE(placing.wait() == 0);
    }
    args.back() = "2027-07-01T10:00:00+05:00";
    const auto notices_file = co.state / "notices.jsonl";
    size_t kills = 0;
    for (size_t last = 0; kills < 12; ++kills) {
        Child daemon(args, co.dir.path(), "taratd-" + std::to_string(kills));
        size_t goal = last + 40;
        bool grew = eventually([&] { return count_lines(notices_file) >= goal || !daemon.running(); });
        REQUIRE(daemon.running());
        if (!grew) break;
        daemon.signal(SIGKILL);
        REQUIRE(daemon.wait() == 128 + SIGKILL);
        last = count_lines(notices_file);
        if (co.answers()) FAIL("a killed daemon still answers");
    }
    CHECK(kills >= 5);
    // The last run finishes the work and stops cleanly.
    {
        Child daemon(args, co.dir.path(), "taratd-final");
        REQUIRE(eventually([&] { return co.answers(); }));
        // WAL lets this reader watch the outbox while the daemon writes it.
        SQLite::Database watch((co.state / "tarat.db").string(), SQLite::OPEN_READONLY);
        REQUIRE(eventually([&] {
            return watch.execAndGet("SELECT count(*) FROM notice WHERE state = 'pending'").getInt() == 0;
        }, std::chrono::seconds(60)));
        daemon.signal(SIGTERM);
        REQUIRE(daemon.wait() == 0);
    }
    SQLite::Database db((co.state / "tarat.db").string(), SQLite::OPEN_READONLY);
    CHECK(db.execAndGet("PRAGMA integrity_check").getString() == "ok");
    std::set<std::string> sent;
    SQLite::Statement q(db, "SELECT key FROM notice WHERE channel = 'file' AND state = 'sent'");
    while (q.executeStep()) sent.insert(q.getColumn(0).getString());
    CHECK(db.execAndGet("SELECT count(*) FROM notice WHERE state = 'pending' AND channel = 'file'").getInt() == 0);

    std::istringstream lines(read_file(notices_file));
    std::set<std::string> written;
    size_t total = 0;
    for (std::string line; std::getline(lines, line); ++total) written.insert(json::parse(line)["key"].get<std::string>());
    CHECK(total == written.size());  // none twice
    CHECK(written == sent);          // every sent notice is in the file, and nothing else
    CHECK(total > 1000);
}

// Once a notice about an event went out its date is pinned: a plan edit that would move it leaves it
// where people were told, and the daemon and `taratd schedule` say where it would have gone.
TEST_CASE("pinned events stay when the plan changes") {
    Checkout co;
    const std::string id = "seminar-quarterly.bolashak.2026-Q4";
    std::string date;
    {  // 2026-12-01: the plan is placed, the seminar at bolashak where its first reminder can go out.
        Child placing(co.daemon_args(), co.dir.path(), "taratd-placing");
        REQUIRE(eventually([&] { return co.answers(); }));
        auto event = co.ctl({"event", id, "--json"});
        REQUIRE(event.exit_code == 0);
        date = json::parse(event.out)["event"]["date"].get<std::string>();
        placing.signal(SIGTERM);
        REQUIRE(placing.wait() == 0);
    }
    // Its morning: the reminders are due and go out, which pins it.
    auto args = co.daemon_args();
    args.back() = date + "T09:30:00+05:00";
    Child daemon(args, co.dir.path(), "taratd");
    REQUIRE(eventually([&] { return co.answers(); }));
    const auto notices_file = co.state / "notices.jsonl";
    REQUIRE(eventually([&] { return read_file(notices_file).find(id) != std::string::npos; }));
    auto find = [](const json& schedule, const std::string& id) {
        for (const auto& e : schedule["events"])
            if (e["id"] == id) return e;
        return json();
    };
    REQUIRE(eventually([&] {
        auto s = json::parse(run({kTaratd, "schedule", "--config", co.config(), "--state-dir", co.state, "--json"},
                                 co.dir.path()).out);
        return find(s, id)["pinned"] == true;
    }));

    // Seminars now on Mondays only: unpinned events move, the pinned one stays on its Tuesday.
    replace_in_file(co.plan(), "every = \"quarter\"\ncount = 1\nweekdays = [\"tue\", \"wed\", \"thu\"]",
                    "every = \"quarter\"\ncount = 1\nweekdays = [\"mon\"]");
    daemon.signal(SIGHUP);
    REQUIRE(eventually([&] { return daemon.err().find("reload: plan") != std::string::npos; }));
    CHECK(daemon.err().find("pinned " + id + " stays on " + date + "; unpinned it would move to") != std::string::npos);
    auto after = json::parse(run({kTaratd, "schedule", "--config", co.config(), "--state-dir", co.state, "--json"},
                                 co.dir.path()).out);
    CHECK(find(after, id)["date"] == date);
    CHECK(find(after, id)["pinned"] == true);
    // An event nobody was told about yet follows the new rule.
    auto later = find(after, "seminar-quarterly.bolashak.2027-Q2");
    REQUIRE(later.is_object());
    CHECK(date::weekday{*tarat::parse_date(later["date"].get<std::string>())} == date::Monday);
    CHECK_FALSE(after["drift"].empty());
}

namespace {
json preview(const Checkout& co, std::vector<std::string> extra) {
    std::vector<std::string> args{kTaratd, "preview", "--config", co.config().string(), "--from", "2026-12-01", "--to",
                                  "2027-02-28", "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = run(args, co.dir.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return json::parse(r.out);
}
}  // namespace

// preview on the shipped plan: reminders, report reminders and digests, on working days inside
// working hours, the same bytes every run.
TEST_CASE("preview shows the season's notices inside working hours") {
    Checkout co;
    auto first = preview(co, {});
    CHECK(first == preview(co, {}));
    std::map<std::string, int> kinds;
    for (const auto& n : first["notices"]) {
        ++kinds[n["kind"].get<std::string>()];
        std::string at = n["at"];
        CHECK(at.substr(19) == "+05:00");
        int hour = std::stoi(at.substr(11, 2));
        CHECK(hour >= 9);
        CHECK(hour < 18);
        auto day = tarat::parse_date(at.substr(0, 10));
        REQUIRE(day);
        auto wd = date::weekday{*day};
        CHECK(wd != date::Saturday);
        CHECK(wd != date::Sunday);
        CHECK(at.substr(0, 10) != "2026-12-16");  // Independence Day
        CHECK(at.substr(0, 10) >= "2026-12-01");
        CHECK(at.substr(0, 10) <= "2027-02-28");
        for (const char* field : {"at", "kind", "event", "recipient", "channel", "subject", "key"}) CHECK(n.contains(field));
    }
    CHECK(kinds["reminder"] > 0);
    CHECK(kinds["report_due"] > 0);
    CHECK(kinds["digest"] > 0);
    CHECK(kinds["overdue"] == 0);  // everything held and reported on time
}

// Never held: held checks, then overdue and escalation notices to the deputy head.
TEST_CASE("preview with nothing held escalates to bertleuova") {
    Checkout co;
    auto notices = preview(co, {"--assume", "held=never"})["notices"];
    std::map<std::string, int> to_overseer;
    for (const auto& n : notices)
        if (n["recipient"] == "bertleuova") ++to_overseer[n["kind"].get<std::string>()];
    CHECK(to_overseer["overdue"] > 0);
    CHECK(to_overseer["escalation"] > 0);
    bool held_check = false;
    for (const auto& n : notices) held_check |= n["kind"] == "held_check";
    CHECK(held_check);
}

// Reports never submitted: overdue and escalations to bertleuova, and no held checks (events were held).
TEST_CASE("preview with reports never submitted") {
    Checkout co;
    auto notices = preview(co, {"--assume", "report=never"})["notices"];
    int overdue = 0, escalation = 0, held_check = 0;
    for (const auto& n : notices) {
        if (n["recipient"] == "bertleuova" && n["kind"] == "overdue") ++overdue;
        if (n["recipient"] == "bertleuova" && n["kind"] == "escalation") ++escalation;
        held_check += n["kind"] == "held_check";
    }
    CHECK(overdue > 0);
    CHECK(escalation > 0);
    CHECK(held_check == 0);
    auto bad = run({kTaratd, "preview", "--config", co.config(), "--from", "2026-12-01", "--to", "2027-02-28", "--assume",
                    "report=sometimes"},
                   co.dir.path());
    CHECK(bad.exit_code == 64);
    CHECK(bad.err.find("report=on-time|late|never") != std::string::npos);
}

// After downtime, of the reminders due at once for one event only the latest goes out; the rest expire.
TEST_CASE("catch-up sends only the latest due reminder of an event") {
    Checkout co;
    auto args = co.daemon_args();
    args.back() = "2026-12-07T10:00:00+05:00";  // the 10- and 3-day reminders for the 9 December seminar are both due
    Child daemon(args, co.dir.path(), "taratd");
    REQUIRE(eventually([&] { return co.answers(); }));
    SQLite::Database watch((co.state / "tarat.db").string(), SQLite::OPEN_READONLY);
    REQUIRE(eventually([&] {
        return watch.execAndGet("SELECT count(*) FROM notice WHERE state = 'pending' AND due_at <= 1796619600").getInt() == 0;
    }));
    auto state_of = [&](const char* key) {
        SQLite::Statement q(watch, "SELECT state FROM notice WHERE key = ?1");
        q.bind(1, key);
        return q.executeStep() ? q.getColumn(0).getString() : std::string("missing");
    };
    CHECK(state_of("reminder:erkemai-seminar-1:bashanov:file:2026-11-25T04:00:00Z") == "expired");
    CHECK(state_of("reminder:erkemai-seminar-1:bashanov:file:2026-12-04T04:00:00Z") == "sent");
    CHECK(state_of("reminder:erkemai-seminar-1:bashanov:file:2026-12-08T04:00:00Z") == "pending");
}
