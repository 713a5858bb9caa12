// F10 end to end: the real taratd at a pretended moment, the real taratctl, the real state file.
// Each case is a path a user met on the shipped plan where the notices went wrong.
#include "support/checkout.hpp"
#include "support/test_server.hpp"
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
    // Қарлығаш's quarter seminar written on 09.02.2027 (the rules now put theirs in January, where
    // every escalation round would be over before this week).
    replace_in_file(co.plan(), "# February 2027\n", R"(# February 2027

[[event]]
id = "karlygash-seminar-q1"
form = "seminar"
centre = "karlygash"
date = 2027-02-09
start = "11:00"
title = "Құзыреттілік орталығының тоқсан сайынғы облыстық семинары"
)");
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
    const std::string event = "karlygash-seminar-q1";
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
    const auto kk = co.ctl({"status", "--lang", "kk"}).out;
    CHECK(contains(kk, "Іс-шаралар: алда: "));
    // People by name, dates as Kazakh writes them.
    CHECK(contains(kk, "01.12.2026 … 31.05.2027"));
    CHECK(contains(kk, "Н. Бертлеуова"));
    const std::string at_local = last["at_local"];  // "2027-03-01 09:00"
    CHECK(contains(kk, at_local.substr(8, 2) + "." + at_local.substr(5, 2) + "." + at_local.substr(0, 4) +
                           at_local.substr(10) + ", signal:SIGHUP"));
    CHECK_FALSE(contains(kk, "bertleuova"));
    stop(daemon);
}

// ── F11: closing the loop in Telegram ────────────────────────────────────────────────────────────
// The real taratd with the telegram channel receiving from the fake Bot API (tests/servers/
// telegram_server.py): people link their chats by code and answer the notices' buttons.

namespace {

const std::string kBotToken = "123456789:AAH-tarat-e2e";

// The shipped etc/ with the telegram channel receiving from `api`; the Erkemai and Bolashak
// directors have the plan's chat ids 111 and 222. Without `named`, the config leaves out bot_username.
void receive_from(const Checkout& co, const FakeBotApi& api, bool named = true) {
    fs::create_directories(co.state);
    std::ofstream(co.state / "telegram.token") << kBotToken << "\n";
    fs::permissions(co.state / "telegram.token", fs::perms::owner_read | fs::perms::owner_write);
    replace_in_file(co.config(), "channels = [\"log\", \"file\"]", "channels = [\"log\", \"file\", \"telegram\"]");
    std::ofstream(co.config(), std::ios::app) << "\n[channel.telegram]\nplugin = \"telegram\"\ntoken_file = \"telegram.token\"\n"
                                                 "api_url = \"" << api.url() << "\"\ninbound = true\npoll_timeout = 1\n"
                                              << (named ? "bot_username = \"tarat_test_bot\"\n" : "");
    replace_in_file(co.plan(), "email = \"director-erkemai@example.org\"",
                    "email = \"director-erkemai@example.org\"\ntelegram = \"111\"");
    replace_in_file(co.plan(), "email = \"director-bolashak@example.org\"",
                    "email = \"director-bolashak@example.org\"\ntelegram = \"222\"");
}

// The messages the bot sent to `chat`, in order.
std::vector<nlohmann::json> sent_to(const FakeBotApi& api, long long chat) {
    std::vector<nlohmann::json> found;
    for (auto& m : api.calls("sendMessage"))
        if (m["chat_id"] == chat) found.push_back(m);
    return found;
}

// How many history rows about `subject` have this action.
int history_count(const Checkout& co, const std::string& subject, const std::string& action) {
    SQLite::Database db(co.database().string(), SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT count(*) FROM history WHERE subject = ?1 AND action = ?2");
    q.bind(1, subject);
    q.bind(2, action);
    q.executeStep();
    return q.getColumn(0).getInt();
}

// The data of a button on a message, by its label.
std::string button_data(const nlohmann::json& message, const std::string& label) {
    for (auto& row : message["reply_markup"]["inline_keyboard"])
        for (auto& b : row)
            if (b["text"] == label) return b["callback_data"];
    FAIL("no button " << label << " on " << message.dump());
    return "";
}

}  // namespace

// Without bot_username, `taratctl link` names the bot that getMe reported to the plugin (ABI 1.3).
TEST_CASE("telegram: the deep link names the bot getMe reports when the config names none") {
    Checkout co("2026-12-01T10:00:00+05:00");
    TempDir api_dir;
    FakeBotApi api(api_dir, kBotToken);
    receive_from(co, api, false);
    std::optional<Child> daemon;
    start_and_wait(co, daemon);
    nlohmann::json link;
    REQUIRE(eventually([&] {
        link = co.ctl_json({"link", "director-erkemai"});
        return link["url"] != "";
    }));
    CHECK(link["url"] == "https://t.me/tarat_test_bot?start=" + link["code"].get<std::string>());
    CHECK(api.calls("getMe").size() == 1);
    stop(daemon);
}

// Link by code; the held check goes to the linked chat with its buttons; held with participants,
// the daemon killed between applying the answer and answering (applied once); a stale button; an
// unlinked chat; another centre's director refused; a stale button; `taratctl event` and `links`.
TEST_CASE("telegram: link by code, held with participants, killed mid-answer, stale button, refusals") {
    Checkout co("2026-12-01T10:00:00+05:00");
    TempDir api_dir;
    FakeBotApi api(api_dir, kBotToken, "", {"--stall", "editMessageText:30"});
    receive_from(co, api);
    std::optional<Child> daemon;
    start_and_wait(co, daemon);

    auto link = co.ctl_json({"link", "director-erkemai"});
    const std::string code = link["code"];
    CHECK(link["url"] == "https://t.me/tarat_test_bot?start=" + code);
    CHECK(co.ctl({"link", "nobody-at-all"}).exit_code != 0);
    api.enqueue(tg_text(555, "/start " + code, "ru"));
    REQUIRE(eventually([&] { return !sent_to(api, 555).empty(); }));
    CHECK_THAT(sent_to(api, 555)[0]["text"].get<std::string>(), Catch::StartsWith("«Еркемай» меңгерушісі, бұл чат сізге тіркелді"));
    auto links = co.ctl_json({"links"})["links"];
    REQUIRE(links.size() == 1);
    CHECK(links[0]["person"] == "director-erkemai");
    CHECK(links[0]["chat"] == "555");
    auto bolashak = co.ctl_json({"link", "director-bolashak"});
    api.enqueue(tg_text(556, "/start " + bolashak["code"].get<std::string>(), "kk"));
    REQUIRE(eventually([&] { return !sent_to(api, 556).empty(); }));
    // A chat nobody linked: the polite refusal, audited.
    api.enqueue(tg_text(999, "сәлем", "kk"));
    REQUIRE(eventually([&] { return !sent_to(api, 999).empty(); }));
    CHECK_THAT(sent_to(api, 999)[0]["text"].get<std::string>(), Catch::StartsWith("Кешіріңіз, бұл чат тіркелмеген"));
    CHECK(history_count(co, "channel:telegram", "inbound.refused") == 1);
    stop(daemon);

    // Ten days on: the held check, derived before the link, goes to the linked chat with buttons.
    co.now = "2026-12-11T10:00:00+05:00";
    start_and_wait(co, daemon);
    nlohmann::json check;
    REQUIRE(eventually([&] {
        for (auto& m : sent_to(api, 555))
            if (m.contains("reply_markup") && m["text"].get<std::string>().find("Іс-шараның өткізілгенін растаңыз") == 0 &&
                m["text"].get<std::string>().find("09.12.2026") != std::string::npos)
                check = m;
        return !check.is_null();
    }));
    for (auto& m : sent_to(api, 111))
        CHECK(m["text"].get<std::string>().find("Іс-шараның өткізілгенін растаңыз") == std::string::npos);

    // The coordinator has no chat id in the plan: her notices went to the fallback. Linked now, what
    // is still to come for her goes to her chat too, and the held check she already had is not repeated.
    // Her notices of `kind` on `channel` about events, both LIKE patterns, in `states` (an SQL list).
    auto rows_for = [&](const std::string& channel, const std::string& kind, const std::string& event,
                        const std::string& states) {
        SQLite::Database db(co.database().string(), SQLite::OPEN_READONLY);
        SQLite::Statement q(db, "SELECT count(*) FROM notice WHERE recipient = 'zhamanbayeva' AND channel = ?1 AND "
                                "kind LIKE ?2 AND event_id LIKE ?3 AND state IN (" + states + ")");
        q.bind(1, channel);
        q.bind(2, kind);
        q.bind(3, event);
        q.executeStep();
        return q.getColumn(0).getInt();
    };
    REQUIRE(eventually([&] { return rows_for("log", "held_check", "erkemai-seminar-1", "'sent'") == 1; }));
    CHECK(rows_for("telegram", "%", "%", "'pending', 'sent'") == 0);
    const std::string coordinator_code = co.ctl_json({"link", "zhamanbayeva"})["code"];
    api.enqueue(tg_text(558, "/start " + coordinator_code, "ru"));
    REQUIRE(eventually([&] { return !sent_to(api, 558).empty(); }));
    CHECK(rows_for("telegram", "%", "%", "'pending'") > 0);
    CHECK(rows_for("telegram", "held_check", "erkemai-seminar-1", "'pending', 'sent'") == 0);
    const std::string held = button_data(check, "Өтті");
    CHECK(held.size() <= 64);
    int check_message = 0;  // the fake API's message_id: its place among the delivered
    REQUIRE(eventually([&] {
        auto delivered = api.seen()["delivered"];
        for (std::size_t i = 0; i < delivered.size(); ++i)
            if (delivered[i] == check) check_message = int(i + 1);
        return check_message > 0;
    }));

    // Another centre's director presses the same button: refused, nothing changes.
    api.enqueue(tg_button(556, held, check_message, "kk"));
    REQUIRE(eventually([&] { return history_count(co, "event:erkemai-seminar-1", "inbound.refused") == 1; }));
    CHECK(co.ctl_json({"event", "erkemai-seminar-1"})["event"]["state"] == "planned");

    // Held, 25 people; taratd is killed while the answer is on its way (the fake API stalls the edit).
    api.enqueue(tg_button(555, held, check_message, "kk"));
    REQUIRE(eventually([&] { return sent_to(api, 555).back()["text"].get<std::string>().find("неше адам қатысты") != std::string::npos; }));
    const long long answer_id = api.enqueue(tg_text(555, "25", "kk"))[0];
    REQUIRE(eventually([&] { return !api.calls("editMessageText").empty(); }));
    CHECK(api.calls("editMessageText")[0]["message_id"] == check_message);
    CHECK_THAT(api.calls("editMessageText")[0]["text"].get<std::string>(),
               Catch::StartsWith("✅ Өтті: «Ойын арқылы оқыту") && Catch::Contains("25 👥") && Catch::Contains("«Еркемай» меңгерушісі"));
    daemon->signal(SIGKILL);
    daemon->wait();
    daemon.reset();
    CHECK(history_count(co, "event:erkemai-seminar-1", "event.held") == 1);
    start_and_wait(co, daemon);
    // Polling resumes after the applied update: held once, no second answer.
    REQUIRE(eventually([&] {
        auto offsets = api.seen()["offsets"];
        return !offsets.empty() && offsets.back().get<long long>() == answer_id + 1;
    }));
    CHECK(history_count(co, "event:erkemai-seminar-1", "event.held") == 1);
    auto event = co.ctl_json({"event", "erkemai-seminar-1"});
    CHECK(event["event"]["state"] == "held");
    auto shown = co.ctl({"event", "erkemai-seminar-1"});
    CHECK_THAT(shown.out, Catch::Contains("person director-erkemai via channel telegram (chat 555)"));
    CHECK_THAT(shown.out, Catch::Contains("Confirmed by:") && Catch::Contains("«Еркемай» меңгерушісі via channel telegram (chat 555)"));
    CHECK(event["details"]["participants"] == 25);

    // The old button is out of date now.
    const std::size_t before = sent_to(api, 555).size();
    api.enqueue(tg_button(555, held, check_message, "kk"));
    REQUIRE(eventually([&] {
        auto sent = sent_to(api, 555);
        for (std::size_t i = before; i < sent.size(); ++i)
            if (sent[i]["text"].get<std::string>().find("Бұл хабарлама ескірген") == 0) return true;
        return false;
    }));

    CHECK(api.calls("answerCallbackQuery").size() >= 3);

    // Unlinked, the Bolashak director's chat is a stranger again.
    CHECK(co.ctl({"unlink", "director-bolashak"}).exit_code == 0);
    CHECK(co.ctl({"unlink", "director-bolashak"}).exit_code == 65);
    CHECK(co.ctl_json({"links"})["links"].size() == 2);  // Erkemai's director and the coordinator
    api.enqueue(tg_text(556, "/status", "kk"));
    REQUIRE(eventually([&] { return history_count(co, "channel:telegram", "inbound.refused") == 2; }));
    stop(daemon);
}

// A reminder's Postpone button: a holiday is answered with the nearest working days as buttons,
// one of them is pressed, the reason given, and the event moves (through the lifecycle, as the person).
TEST_CASE("telegram: postpone onto a holiday, then a good date") {
    Checkout co("2026-11-20T10:00:00+05:00");
    TempDir api_dir;
    FakeBotApi api(api_dir, kBotToken);
    receive_from(co, api);
    std::optional<Child> daemon;
    start_and_wait(co, daemon);
    const std::string code = co.ctl_json({"link", "director-erkemai"})["code"];
    api.enqueue(tg_text(555, "/start " + code, "kk"));
    REQUIRE(eventually([&] { return !sent_to(api, 555).empty(); }));
    stop(daemon);

    co.now = "2026-11-25T10:00:00+05:00";  // the 10-working-day reminder of erkemai-seminar-1 is due
    start_and_wait(co, daemon);
    nlohmann::json reminder;
    REQUIRE(eventually([&] {
        for (auto& m : sent_to(api, 555))
            if (m.contains("reply_markup") && m["text"].get<std::string>().find("09.12.2026") != std::string::npos)
                reminder = m;
        return !reminder.is_null();
    }));
    api.enqueue(tg_button(555, button_data(reminder, "Ауыстыру"), 1, "kk"));
    REQUIRE(eventually([&] { return sent_to(api, 555).back()["text"].get<std::string>().find("КК.АА.ЖЖЖЖ") != std::string::npos; }));
    api.enqueue(tg_text(555, "16.12.2026", "kk"));
    REQUIRE(eventually([&] { return sent_to(api, 555).back()["text"].get<std::string>().find("демалыс күні") != std::string::npos; }));
    auto holiday = sent_to(api, 555).back();
    CHECK(holiday["text"] == "16.12.2026 — демалыс күні. Жақын жұмыс күндері:");
    CHECK(button_data(holiday, "17.12.2026") == "d:2026-12-17");
    api.enqueue(tg_button(555, "d:2026-12-17", 1, "kk"));
    REQUIRE(eventually([&] { return sent_to(api, 555).back()["text"].get<std::string>().find("себебін") != std::string::npos; }));
    api.enqueue(tg_text(555, "зал жөнделуде", "kk"));
    REQUIRE(eventually([&] { return co.ctl_json({"event", "erkemai-seminar-1"})["event"]["date"] == "2026-12-17"; }));
    auto event = co.ctl_json({"event", "erkemai-seminar-1"});
    bool postponed_by_person = false;
    for (auto& row : event["history"])
        if (row["action"] == "event.postponed")
            postponed_by_person = row["actor"] == "person director-erkemai via channel telegram (chat 555)";
    CHECK(postponed_by_person);
    std::string outcome;  // the answer; the change notice to the same chat may come before or after it
    REQUIRE(eventually([&] {
        for (auto& m : sent_to(api, 555))
            if (m["text"].get<std::string>().find("📅 Ауыстырылды") == 0) outcome = m["text"];
        return !outcome.empty();
    }));
    CHECK_THAT(outcome, Catch::Contains("09.12.2026 → 17.12.2026") && Catch::Contains("«Еркемай» меңгерушісі"));
    stop(daemon);
    // Kept to read: the whole conversation as the fake Bot API delivered and recorded it.
    std::ofstream(TARAT_BINARY_DIR "/tests/telegram-conversation.json") << api.seen().dump(1);
}
