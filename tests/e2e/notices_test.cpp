// F10 end to end: the real taratd at a pretended moment, the real taratctl, the real state file.
// Each case is a path a user met on the shipped plan where the notices went wrong.
#include "support/checkout.hpp"
#include "core/time.hpp"

#include <catch2/catch.hpp>
#include <SQLiteCpp/SQLiteCpp.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

using namespace tarat::testing;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The stored state of a notice by its key, or "missing".
std::string notice_state(const Checkout& co, const std::string& key) {
    SQLite::Database db(co.database().string(), SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT state FROM notice WHERE key = ?1");
    q.bind(1, key);
    return q.executeStep() ? q.getColumn(0).getString() : std::string("missing");
}

// How many notices of this kind about this event wait to go out.
int pending_count(const Checkout& co, const std::string& event, const std::string& kind) {
    SQLite::Database db(co.database().string(), SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT count(*) FROM notice WHERE event_id = ?1 AND kind = ?2 AND state = 'pending'");
    q.bind(1, event);
    q.bind(2, kind);
    q.executeStep();
    return q.getColumn(0).getInt();
}

void start_and_wait(const Checkout& co, std::optional<Child>& daemon) {
    daemon.emplace(co.daemon_args(), co.dir.path(), "taratd");
    REQUIRE(eventually([&] { return co.answers(); }));
}

void stop(std::optional<Child>& daemon) {
    daemon->signal(SIGTERM);
    REQUIRE(daemon->wait() == 0);
    daemon.reset();
}

}  // namespace

// ── 1. Lost for good ─────────────────────────────────────────────────────────────────────────────
// Postponed and moved back, or removed from the plan and restored: the event's reminders are
// pending again, and stay so across a restart.
TEST_CASE("an event postponed and moved back is reminded again, after a restart too") {
    Checkout co;
    std::optional<Child> daemon;
    start_and_wait(co, daemon);
    const std::string three_days = "reminder:erkemai-seminar-1:bashanov:file:2026-12-04T04:00:00Z";
    const std::string day_before = "reminder:erkemai-seminar-1:bashanov:file:2026-12-08T04:00:00Z";
    REQUIRE(notice_state(co, three_days) == "pending");

    REQUIRE(co.ctl({"postpone", "erkemai-seminar-1", "--to", "2026-12-15", "--reason", "зал жөнделуде"}).exit_code == 0);
    CHECK(notice_state(co, three_days) == "superseded");
    REQUIRE(co.ctl({"postpone", "erkemai-seminar-1", "--to", "2026-12-09", "--reason", "зал дайын"}).exit_code == 0);
    CHECK(notice_state(co, three_days) == "pending");
    CHECK(notice_state(co, day_before) == "pending");

    stop(daemon);
    start_and_wait(co, daemon);
    CHECK(notice_state(co, three_days) == "pending");
    CHECK(notice_state(co, day_before) == "pending");
}

TEST_CASE("an event removed from the plan and restored is reminded again") {
    Checkout co;
    std::optional<Child> daemon;
    start_and_wait(co, daemon);
    const int reminders = pending_count(co, "balausa-seminar-1", "reminder");
    REQUIRE(reminders > 0);
    const std::string plan = read_file(co.plan());

    replace_in_file(co.plan(), "id = \"balausa-seminar-1\"", "id = \"balausa-seminar-one\"");
    REQUIRE(co.ctl({"reload", "--wait"}).exit_code == 0);
    CHECK(pending_count(co, "balausa-seminar-1", "reminder") == 0);
    CHECK(pending_count(co, "balausa-seminar-one", "reminder") == reminders);

    std::ofstream(co.plan(), std::ios::binary | std::ios::trunc) << plan;
    REQUIRE(co.ctl({"reload", "--wait"}).exit_code == 0);
    CHECK(pending_count(co, "balausa-seminar-1", "reminder") == reminders);
    CHECK(pending_count(co, "balausa-seminar-one", "reminder") == 0);

    stop(daemon);
    start_and_wait(co, daemon);
    CHECK(pending_count(co, "balausa-seminar-1", "reminder") == reminders);
}

// ── 2. Catch-up floods ───────────────────────────────────────────────────────────────────────────
namespace {

// Unix seconds of an ISO instant with its offset, as the daemon was told to pretend.
std::int64_t unix_seconds(const std::string& iso) {
    auto instant = tarat::parse_instant(iso);
    REQUIRE(instant.has_value());
    return std::chrono::duration_cast<std::chrono::seconds>(instant->time_since_epoch()).count();
}

// Waits until nothing due at `start` is still pending: what the daemon does at start is done.
void wait_for_catch_up(const Checkout& co, std::int64_t start) {
    SQLite::Database db(co.database().string(), SQLite::OPEN_READONLY);
    REQUIRE(eventually([&] {
        SQLite::Statement q(db, "SELECT count(*) FROM notice WHERE state = 'pending' AND next_attempt_at <= ?1");
        q.bind(1, start);
        q.executeStep();
        return q.getColumn(0).getInt() == 0;
    }, std::chrono::seconds(60)));
}

// The largest number of sent notices sharing what `group` names (SQL column list).
int most_sent_per(const Checkout& co, const std::string& kinds, const std::string& group) {
    SQLite::Database db(co.database().string(), SQLite::OPEN_READONLY);
    return db.execAndGet("SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM notice WHERE state = 'sent' "
                         "AND kind IN (" + kinds + ") GROUP BY " + group + ")").getInt();
}

int sent_count(const Checkout& co, const std::string& where = "1") {
    SQLite::Database db(co.database().string(), SQLite::OPEN_READONLY);
    return db.execAndGet("SELECT count(*) FROM notice WHERE state = 'sent' AND " + where).getInt();
}

}  // namespace

// Started on 22 Feb 2027 with nothing confirmed since December: one digest per recipient and
// channel, one compliance notice (the overdue notice or its latest escalation round) and one held
// check per event, recipient and channel — and every one of them sent inside working hours.
TEST_CASE("a daemon started late sends the latest of each kind, not the backlog") {
    Checkout co("2027-02-22T10:00:00+05:00");
    const auto start = unix_seconds(co.now);
    Child daemon(co.daemon_args(), co.dir.path(), "taratd");
    REQUIRE(eventually([&] { return co.answers(); }));
    wait_for_catch_up(co, start);

    CHECK(most_sent_per(co, "'digest'", "recipient, channel") == 1);
    // The overdue notice and its escalation rounds are one series: the latest round only.
    CHECK(most_sent_per(co, "'overdue', 'escalation'", "event_id, recipient, channel") == 1);
    CHECK(most_sent_per(co, "'held_check'", "event_id, recipient, channel") == 1);
    CHECK(sent_count(co, "kind = 'escalation' AND recipient = 'bertleuova'") > 0);
    // 09:00–18:00 in Aktobe (UTC+5) is 04:00–13:00 UTC.
    CHECK(sent_count(co, "(sent_at % 86400) NOT BETWEEN 4 * 3600 AND 13 * 3600") == 0);
}

// Started on a Saturday with reminders overdue: nothing goes out before Monday's working hours.
TEST_CASE("a daemon started on a day off sends nothing until the next working morning") {
    Checkout co("2026-11-28T12:00:00+05:00");
    const auto start = unix_seconds(co.now);
    Child daemon(co.daemon_args(), co.dir.path(), "taratd");
    REQUIRE(eventually([&] { return co.answers(); }));
    wait_for_catch_up(co, start);

    CHECK(sent_count(co) == 0);
    SQLite::Database db(co.database().string(), SQLite::OPEN_READONLY);
    // Monday 30 November 09:00 in Aktobe is 04:00 UTC.
    const auto monday = unix_seconds("2026-11-30T09:00:00+05:00");
    CHECK(db.execAndGet("SELECT count(*) FROM notice WHERE state = 'pending' AND next_attempt_at = " +
                        std::to_string(monday)).getInt() > 0);
}

// ── 3. Wrong words ───────────────────────────────────────────────────────────────────────────────
// The texts say what is true when they go out. The real daemon on the shipped plan, started late
// (22.02.2027), a week of ordinary administration, then started again a week later (01.03.2027):
// what the deputy head (the overseer, Н. Бертлеуова) and the others read in the file channel.
namespace {

using nlohmann::json;

// The notices the file channel wrote, one JSON object a line.
std::vector<json> written(const Checkout& co) {
    std::vector<json> lines;
    std::istringstream in(read_file(co.state / "notices.jsonl"));
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) lines.push_back(json::parse(line));
    return lines;
}

// To one person, of one kind, about one event ("" for a digest), optionally due at one moment.
std::vector<json> written_to(const Checkout& co, const std::string& person, const std::string& kind,
                             const std::string& event, const std::string& due = "") {
    std::vector<json> out;
    for (auto& n : written(co)) {
        const std::string about = n["json"].contains("event") ? n["json"]["event"]["id"].get<std::string>() : "";
        if (n["recipient"] == person && n["kind"] == kind && about == event && (due.empty() || n["json"]["due"] == due))
            out.push_back(std::move(n));
    }
    return out;
}

// From a heading to the next blank line.
std::string section(const std::string& body, const std::string& heading) {
    const size_t at = body.find(heading);
    if (at == std::string::npos) return "";
    const size_t end = body.find("\n\n", at);
    return body.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Every id a person, centre or district has: the recipients the file saw and the events' places.
std::set<std::string> ids_in_use(const Checkout& co) {
    std::set<std::string> ids;
    for (const auto& n : written(co)) ids.insert(n["recipient"].get<std::string>());
    const json events = co.ctl_json({"events", "--all"});
    for (const auto& e : events["events"]) {
        ids.insert(e["centre"].get<std::string>());
        ids.insert(e["district"].get<std::string>());
    }
    return ids;
}

}  // namespace

TEST_CASE("the deputy head reads the truth: outcomes in the digest, escalations for her information") {
    Checkout co("2027-02-22T10:00:00+05:00");  // Monday, months into the plan, nothing ever confirmed
    co.ran_once_at("2026-11-30T08:00:00+05:00");     // placed before the plan began, then down
    std::optional<Child> daemon;
    start_and_wait(co, daemon);
    wait_for_catch_up(co, unix_seconds(co.now));
    // A week of ordinary administration.
    auto ctl = [&](std::vector<std::string> args) {
        auto r = co.ctl(args);
        INFO(args[0] << ": " << r.err);
        REQUIRE(r.exit_code == 0);
    };
    ctl({"held", "bolashak-seminar-1"});  // its report never comes
    ctl({"held", "erkemai-seminar-1"});
    ctl({"reported", "erkemai-seminar-1", "--ref", "№ 12-04/118"});  // today: two months late
    ctl({"cancel", "open-class-monthly.karlygash.2027-03", "--reason", "карантин"});
    ctl({"postpone", "balausa-open-class-1", "--to", "2027-03-12", "--reason", "зал жөнделуде"});
    // Nobody had been reminded of the cancelled event yet: the deputy head hears of it all the same,
    // with the reason. The postponement goes to those told, and nobody was.
    REQUIRE(eventually([&] { return !written_to(co, "bertleuova", "change", "open-class-monthly.karlygash.2027-03").empty(); }));
    const auto cancelled = written_to(co, "bertleuova", "change", "open-class-monthly.karlygash.2027-03").front();
    CHECK(has(cancelled["subject"], "Іс-шараның күші жойылды"));
    CHECK(has(cancelled["body"], "Себебі: карантин"));
    CHECK(written_to(co, "zhamanbayeva", "change", "open-class-monthly.karlygash.2027-03").size() == 1);
    CHECK(pending_count(co, "balausa-open-class-1", "change") == 0);
    CHECK(written_to(co, "bertleuova", "change", "balausa-open-class-1").empty());
    stop(daemon);

    co.now = "2027-03-01T10:00:00+05:00";  // a week later
    start_and_wait(co, daemon);
    wait_for_catch_up(co, unix_seconds(co.now));
    const std::set<std::string> ids = ids_in_use(co);

    // The digest: each event under its outcome, the figures saying what they are of.
    const auto digests = written_to(co, "bertleuova", "digest", "", "2027-03-01T04:00:00Z");
    REQUIRE(digests.size() == 1);
    const std::string digest = digests[0]["body"];
    INFO(digest);
    const std::string never = "09.02.2027, Семинар, «Қарлығаш» бөбекжай- бақшасы» МКҚК";  // never confirmed
    const std::string bolashak = "Мектепке дейінгі ұйымда STEAM-тәсілді енгізу";           // held, no report
    const std::string not_confirmed = section(digest, "Өткізілгені расталмаған іс-шаралар:");
    const std::string missing = section(digest, "Есебі тапсырылмаған іс-шаралар: 1");
    CHECK(has(not_confirmed, never));
    CHECK_FALSE(has(missing, never));
    CHECK(has(missing, bolashak));
    CHECK_FALSE(has(not_confirmed, bolashak));
    CHECK(has(section(digest, "Өткен аптада кешігіп тапсырылған есептер: 1"), "Ойын арқылы оқыту"));
    const std::string changed = section(digest, "Өткен аптада кейінге қалдырылған және күші жойылған іс-шаралар: 2");
    CHECK(has(changed, "кейінге қалдырылды: 11.03.2027 → 12.03.2027"));
    CHECK(has(changed, "себебі: карантин"));
    CHECK(has(section(digest, "Алдағы екі аптадағы іс-шаралар:"), "12.03.2027"));
    // The figures: the events due by then, "of N in the whole plan", and every centre's row adding up.
    int due_by_then = 0, in_plan = 0;
    const json events = co.ctl_json({"events", "--all"});
    for (const auto& e : events["events"]) {
        if (e["state"] == "cancelled") continue;
        ++in_plan;
        if (e["date"].get<std::string>() < "2027-03-01") ++due_by_then;
    }
    std::smatch m;
    REQUIRE(std::regex_search(digest, m, std::regex(R"(– 01\.03\.2027 дейін өтуі тиіс болғаны: (\d+) \(бүкіл жоспарда (\d+)\))")));
    CHECK(std::stoi(m[1]) == due_by_then);
    CHECK(std::stoi(m[2]) == in_plan);
    const std::regex row(R"(өтуі тиіс болғаны (\d+), өткізілгені (\d+) \(есебі мерзімінде (\d+), кешігіп (\d+), тапсырылмаған (\d+), мерзімі келмеген (\d+)\), расталмағаны (\d+))");
    int rows = 0, planned_sum = 0;
    const std::string centres = section(digest, "Орталықтар бойынша");
    for (std::sregex_iterator it(centres.begin(), centres.end(), row), end; it != end; ++it, ++rows) {
        const auto& r = *it;
        CHECK(std::stoi(r[1]) == std::stoi(r[2]) + std::stoi(r[7]));
        CHECK(std::stoi(r[2]) == std::stoi(r[3]) + std::stoi(r[4]) + std::stoi(r[5]) + std::stoi(r[6]));
        planned_sum += std::stoi(r[1]);
    }
    CHECK(rows == 4);
    CHECK(planned_sum == due_by_then);
    CHECK_FALSE(std::regex_search(digest, std::regex(R"(\d{4}-\d{2}-\d{2})")));
    for (const auto& id : ids) CHECK_FALSE(std::regex_search(digest, std::regex("(^|[^a-z0-9_-])" + id + "($|[^a-z0-9_-])")));

    // Her escalation informs her, says the round and how often the others were reminded: last week's
    // start sent the held check (11.02) and round 1 (18.02), which made the overdue notice (15.02)
    // redundant; round 2 was missed while taratd was stopped, so round 3 is the one that goes.
    const std::string event = "seminar-quarterly.karlygash.2027-Q1";
    const auto hers = written_to(co, "bertleuova", "escalation", event, "2027-02-26T04:00:00Z");
    REQUIRE(hers.size() == 1);
    const std::string her_subject = hers[0]["subject"], her_body = hers[0]["body"];
    INFO(her_subject << "\n" << her_body);
    CHECK(has(her_subject, "Мәлімет үшін – Қайталама хабарлама № 3"));
    CHECK(has(her_body, "(«Қарлығаш» меңгерушісі) және облыстық әдістемелік орталықтың директорына (Д.Жаманбаева) бұл туралы бұған дейін 2 рет еске салынды"));
    CHECK_FALSE(has(her_body, "шұғыл шара"));
    const std::string footer = "Іс-шара коды: " + event;
    CHECK(has(her_body, footer));
    std::string her_text = her_subject + "\n" + her_body;
    her_text.erase(her_text.find(footer), footer.size());
    CHECK_FALSE(std::regex_search(her_text, std::regex(R"(\d{4}-\d{2}-\d{2})")));
    for (const auto& id : ids) CHECK_FALSE(std::regex_search(her_text, std::regex("(^|[^a-z0-9_-])" + id + "($|[^a-z0-9_-])")));
    // The director's (in Russian) asks for action.
    const auto directors = written_to(co, "director-karlygash", "escalation", event, "2027-02-26T04:00:00Z");
    REQUIRE(directors.size() == 1);
    const std::string director_body = directors[0]["body"];
    INFO(director_body);
    CHECK(has(directors[0]["subject"], "Повторное уведомление № 3"));
    CHECK(has(director_body, "Ранее об этом напоминали 2 раза."));
    CHECK(has(director_body, "принять срочные меры"));

    // A reminder that went out late says the working days really left: 5 were configured before
    // 03.03.2027 (due 24.02, while taratd was stopped); on 01.03 there are 2.
    const auto reminders = written_to(co, "amanzhol", "reminder", "karlygash-master-class-1", "2027-02-24T04:00:00Z");
    REQUIRE(reminders.size() == 1);
    const std::string reminder = reminders[0]["body"];
    INFO(reminder);
    CHECK(has(reminder, "Іс-шараға 2 жұмыс күні қалды."));
    CHECK(has(reminder, "Өткізу күні мен уақыты: 03.03.2027, 14:30–16:30"));
}

// ── 4. Reload surprises (F10 item 4: safe reloads) ───────────────────────────────────────────────
// Late in the plan (2027-03-01): a reload keeps what has an outcome, places nothing in the past,
// says where it meets a postponement, and refuses a plan cut short.
namespace {

constexpr const char* kLate = "2027-03-01T09:00:00+05:00";

// Drops one [[event]] block from the plan, by its id.
void drop_event_block(const Checkout& co, const std::string& id) {
    auto text = read_file(co.plan());
    auto at = text.find("[[event]]\nid = \"" + id + "\"");
    REQUIRE(at != std::string::npos);
    auto next = text.find("\n[[", at + 1);
    text.erase(at, next == std::string::npos ? std::string::npos : next + 1 - at);
    std::ofstream(co.plan(), std::ios::binary | std::ios::trunc) << text;
}

std::set<std::string> event_ids(const Checkout& co) {
    std::set<std::string> ids;
    const auto reply = co.ctl_json({"events", "--all"});
    for (const auto& e : reply["events"]) ids.insert(e["id"].get<std::string>());
    return ids;
}

// Held checks, overdue notices and escalations about events not in `known`, in any state.
int compliance_notices_outside(const Checkout& co, const std::set<std::string>& known) {
    SQLite::Database db(co.database().string(), SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT event_id FROM notice WHERE kind IN ('held_check', 'overdue', 'escalation')");
    int count = 0;
    while (q.executeStep()) count += !known.contains(q.getColumn(0).getString());
    return count;
}

}  // namespace

TEST_CASE("a reported event removed from the plan brings no event in the past and no burst of notices") {
    Checkout co(kLate);
    std::optional<Child> daemon;
    start_and_wait(co, daemon);
    REQUIRE(co.ctl({"held", "erkemai-seminar-1", "--participants", "40"}).exit_code == 0);
    REQUIRE(co.ctl({"reported", "erkemai-seminar-1", "--ref", "№ 12-04/118"}).exit_code == 0);
    const auto before = event_ids(co);

    drop_event_block(co, "erkemai-seminar-1");
    auto reload = co.ctl_json({"reload", "--wait"});
    CHECK(reload["taken"] == true);

    const auto after = event_ids(co);
    const auto until_yesterday = co.ctl_json({"events", "--all", "--to", "2027-02-28"});
    for (const auto& e : until_yesterday["events"]) CHECK(before.contains(e["id"].get<std::string>()));  // nothing new
    CHECK(compliance_notices_outside(co, before) == 0);
    CHECK(after.contains("erkemai-seminar-1"));
    auto kept = co.ctl_json({"event", "erkemai-seminar-1"})["event"];
    CHECK(kept["state"] == "reported");
    CHECK(kept["date"] == "2026-12-09");
    REQUIRE(reload["kept"].size() == 1);
    CHECK(reload["kept"][0]["id"] == "erkemai-seminar-1");
}

TEST_CASE("a plan edit to a postponed event keeps the postponed date and says so") {
    Checkout co(kLate);
    std::optional<Child> daemon;
    start_and_wait(co, daemon);
    REQUIRE(co.ctl({"postpone", "karlygash-seminar-1", "--to", "2027-04-14", "--reason", "зал бос емес"}).exit_code == 0);

    replace_in_file(co.plan(), "date = 2027-04-07", "date = 2027-04-21");
    auto reload = co.ctl_json({"reload", "--wait"});
    CHECK(reload["taken"] == true);
    REQUIRE(reload["conflicts"].size() == 1);
    const auto& c = reload["conflicts"][0];
    CHECK(c["id"] == "karlygash-seminar-1");
    CHECK(c["plan_date"] == "2027-04-21");
    CHECK(c["stored_date"] == "2027-04-14");
    CHECK_THAT(c["postponed_by"].get<std::string>(), Catch::Contains("uid " + std::to_string(::getuid())));
    CHECK(c["apply"] == "taratctl postpone karlygash-seminar-1 --to 2027-04-21 --reason \"…\"");
    CHECK(co.ctl_json({"event", "karlygash-seminar-1"})["event"]["date"] == "2027-04-14");

    // In words, and in the log.
    auto words = co.ctl({"reload", "--wait", "--lang", "en"});
    CHECK(words.exit_code == 0);
    CHECK_THAT(words.out, Catch::Contains("karlygash-seminar-1: the plan says 2027-04-21 10:30; stays on 2027-04-14 10:30"));
    CHECK(eventually([&] { return daemon->err().find("conflict: the plan moves karlygash-seminar-1") != std::string::npos; }));
}

TEST_CASE("a plan cut in half passes check with a warning, and its reload is refused unless allowed") {
    Checkout co(kLate);
    std::optional<Child> daemon;
    start_and_wait(co, daemon);
    const auto before = event_ids(co);
    auto text = read_file(co.plan());
    std::ofstream(co.plan(), std::ios::binary | std::ios::trunc) << text.substr(0, text.find("# ── Forms of events"));

    auto check = co.taratd({"check", "--config", co.config().string()});
    CHECK(check.exit_code == 0);
    CHECK_THAT(check.err, Catch::Contains("warning: the plan has no [[event]] and no [[rule]]"));

    auto refused = co.ctl({"reload", "--wait"});
    CHECK(refused.exit_code != 0);
    CHECK_THAT(refused.err, Catch::Contains("the new plan would remove") && Catch::Contains("more than half") &&
                                Catch::Contains("--allow-shrink"));
    CHECK(event_ids(co) == before);

    daemon->signal(SIGHUP);  // a signal never shrinks the plan either
    REQUIRE(eventually([&] { return daemon->err().find("more than half: refused") != std::string::npos; }));
    CHECK(event_ids(co) == before);

    auto allowed = co.ctl({"reload", "--wait", "--allow-shrink"});
    CHECK(allowed.exit_code == 0);
    CHECK(event_ids(co).size() < before.size());
}

// ── 5. Impossible records ────────────────────────────────────────────────────────────────────────
TEST_CASE("postpone outside the plan's period and held on a day off are refused, the latter unless forced") {
    Checkout co("2026-12-21T10:00:00+05:00");
    Child daemon(co.daemon_args(), co.dir.path(), "taratd");
    REQUIRE(eventually([&] { return co.answers(); }));

    auto summer = co.ctl({"postpone", "balausa-seminar-1", "--to", "2027-06-15", "--reason", "жаз"});
    CHECK(summer.exit_code == 65);
    CHECK(summer.err.find("2026-12-01 – 2027-05-31") != std::string::npos);

    auto independence_day = co.ctl({"held", "erkemai-seminar-1", "--date", "2026-12-16"});
    CHECK(independence_day.exit_code == 65);
    CHECK(independence_day.err.find("day off") != std::string::npos);
    auto before_plan = co.ctl({"held", "erkemai-seminar-1", "--date", "2026-11-05", "--force"});
    CHECK(before_plan.exit_code == 65);
    CHECK(before_plan.err.find("before the plan's start") != std::string::npos);
    CHECK(co.ctl_json({"event", "erkemai-seminar-1"})["event"]["state"] == "planned");

    REQUIRE(co.ctl({"held", "erkemai-seminar-1", "--date", "2026-12-16", "--force"}).exit_code == 0);
    auto history = co.ctl({"history"});
    CHECK(history.out.find("forced: 2026-12-16 is a day off") != std::string::npos);
}

// ── Corrections (F10): amend, reopen and status counts ──────────────────────────────────────────
// A cancelled event reopened tells everyone who was told of its cancellation and is reminded again;
// a held date amended moves its report reminder; `status` counts follow, and name the last reload.
namespace {

// How many notices of this kind about this event are in this state.
int notice_count(const Checkout& co, const std::string& event, const std::string& kind, const std::string& state) {
    SQLite::Database db(co.database().string(), SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT count(*) FROM notice WHERE event_id = ?1 AND kind = ?2 AND state = ?3");
    q.bind(1, event);
    q.bind(2, kind);
    q.bind(3, state);
    q.executeStep();
    return q.getColumn(0).getInt();
}

std::set<std::string> told_of_cancellation(const Checkout& co, const std::string& event) {
    SQLite::Database db(co.database().string(), SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT DISTINCT recipient FROM notice WHERE event_id = ?1 AND kind = 'change' "
                            "AND state = 'sent' AND json_extract(facts, '$.cancelled')");
    q.bind(1, event);
    std::set<std::string> people;
    while (q.executeStep()) people.insert(q.getColumn(0).getString());
    return people;
}

// The people the file channel told that the event takes place after all.
std::set<std::string> told_restored(const Checkout& co, const std::string& event) {
    std::set<std::string> people;
    std::istringstream lines(read_file(co.state / "notices.jsonl"));
    for (std::string line; std::getline(lines, line);) {
        auto n = nlohmann::json::parse(line);
        if (n["kind"] != "change" || n["json"]["event"]["id"] != event) continue;
        const std::string subject = n["subject"];
        if (subject.starts_with("Іс-шара өткізіледі") || subject.starts_with("Мероприятие состоится") ||
            subject.starts_with("Event reinstated"))
            people.insert(n["recipient"].get<std::string>());
    }
    return people;
}

nlohmann::json counts(const Checkout& co) { return co.ctl_json({"status"})["counts"]; }

}  // namespace

TEST_CASE("a cancelled event reopened: those told of its cancellation hear it is restored, and it is reminded again") {
    Checkout co;  // 2026-12-01 09:00: erkemai-seminar-1 is on 09.12, its first reminder already due
    std::optional<Child> daemon;
    start_and_wait(co, daemon);
    const std::string id = "erkemai-seminar-1";
    const std::string three_days = "reminder:erkemai-seminar-1:bashanov:file:2026-12-04T04:00:00Z";
    REQUIRE(eventually([&] { return notice_count(co, id, "reminder", "sent") > 0; }));
    const int upcoming = counts(co)["upcoming"];

    REQUIRE(co.ctl({"cancel", id, "--reason", "карантин"}).exit_code == 0);
    REQUIRE(eventually([&] {
        return notice_count(co, id, "change", "sent") > 0 && notice_count(co, id, "change", "pending") == 0;
    }));
    CHECK(notice_state(co, three_days) == "superseded");
    CHECK(counts(co)["upcoming"] == upcoming - 1);
    const auto told = told_of_cancellation(co, id);
    REQUIRE_FALSE(told.empty());
    CHECK(told_restored(co, id).empty());

    auto r = co.ctl({"reopen", id, "--reason", "карантин аяқталды"});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(contains(r.out, "restored: planned for 2026-12-09 11:00; " + std::to_string(told.size()) +
                              " people told of its cancellation get a change notice"));
    CHECK(notice_state(co, three_days) == "pending");
    CHECK(pending_count(co, id, "held_check") > 0);
    CHECK(counts(co)["upcoming"] == upcoming);
    CHECK(co.ctl_json({"event", id})["event"]["state"] == "planned");
    CHECK(eventually([&] { return told_restored(co, id) == told; }));

    // Nothing more to take back: refused with exit 65, and in the audit.
    auto again = co.ctl({"reopen", id, "--reason", "тағы"});
    CHECK(again.exit_code == 65);
    CHECK(contains(again.err + again.out, "only a held, reported or cancelled event can be reopened"));
    stop(daemon);
}

TEST_CASE("an amended held date moves the report reminder, and status counts and names the last reload") {
    // erkemai-seminar-1 took place this morning; its report is due in 3 working days (14.12).
    Checkout co("2026-12-09T15:00:00+05:00");
    std::optional<Child> daemon;
    start_and_wait(co, daemon);
    const std::string id = "erkemai-seminar-1";
    auto human = co.ctl({"status", "--lang", "en"});
    CHECK(contains(human.out, "Last reload: no reload since start"));
    CHECK(co.ctl_json({"status"})["last_reload"].is_null());
    const auto before = counts(co);
    REQUIRE(co.ctl({"held", id, "--participants", "30"}).exit_code == 0);
    CHECK(counts(co)["upcoming"] == before["upcoming"].get<int>() - 1);  // today's, not yet held, counted ahead
    auto report_due = [&] {
        std::set<std::string> keys;
        const auto listed = co.ctl_json({"notices", "--event", id, "--pending"});
        for (const auto& n : listed["notices"])
            if (n["kind"] == "report_due") keys.insert(n["key"].get<std::string>());
        return keys;
    };
    const auto due_before = report_due();
    REQUIRE(due_before.size() > 0);

    auto future = co.ctl({"amend", id, "--held-date", "2026-12-10", "--reason", "қате"});
    CHECK(future.exit_code == 65);
    auto saturday = co.ctl({"amend", id, "--held-date", "2026-12-05", "--reason", "қате"});
    CHECK(saturday.exit_code == 65);
    CHECK(contains(saturday.err + saturday.out, "--force"));
    CHECK(co.ctl({"amend", id, "--participants", "31"}).exit_code != 0);  // --reason is required
    CHECK(report_due() == due_before);  // refusals changed nothing

    auto amended = co.ctl({"amend", id, "--held-date", "2026-12-08", "--participants", "32", "--reason", "күні қате"});
    INFO(amended.out << amended.err);
    REQUIRE(amended.exit_code == 0);
    CHECK(contains(amended.out, "held date 2026-12-09 → 2026-12-08; participants 30 → 32"));
    const auto due_after = report_due();
    CHECK_FALSE(due_after.empty());
    CHECK(due_after != due_before);
    for (const auto& key : due_before) CHECK(notice_state(co, key) == "superseded");
    const auto event = co.ctl_json({"event", id});
    CHECK(event["event"]["state"] == "held");
    bool recorded = false;
    for (const auto& h : event["history"])
        recorded |= h["action"] == "event.amended" &&
                    h["detail"].get<std::string>().find("reason: күні қате") != std::string::npos;
    CHECK(recorded);

    // Reloads, taken (taratctl) and refused (SIGHUP with a broken plan), as status tells them.
    REQUIRE(co.ctl({"reload", "--wait"}).exit_code == 0);
    auto last = co.ctl_json({"status"})["last_reload"];
    CHECK(last["taken"] == true);
    CHECK(contains(last["by"].get<std::string>(), " (uid "));
    std::ofstream(co.plan(), std::ios::app) << "\n[[[ broken\n";
    daemon->signal(SIGHUP);
    REQUIRE(eventually([&] { return co.ctl_json({"status"})["last_reload"]["taken"] == false; }));
    last = co.ctl_json({"status"})["last_reload"];
    CHECK(last["by"] == "signal:SIGHUP");
    CHECK(contains(last["text"].get<std::string>(), "refused"));
    human = co.ctl({"status", "--lang", "en"});
    CHECK(contains(human.out, "Last reload: " + last["at_local"].get<std::string>() + ", signal:SIGHUP, refused: "));
    CHECK(contains(human.out, "Events: upcoming: "));
    CHECK(contains(human.out, "Notices: pending: "));
    CHECK(contains(co.ctl({"status", "--lang", "kk"}).out, "Іс-шаралар: алда: "));
    stop(daemon);
}
