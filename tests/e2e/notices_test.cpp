// F10 end to end: the real taratd at a pretended moment, the real taratctl, the real state file.
// Each case is a path a user met on the shipped plan where the notices went wrong.
#include "support/checkout.hpp"
#include "support/test_server.hpp"
#include "core/time.hpp"

#include <catch2/catch.hpp>
#include <SQLiteCpp/SQLiteCpp.h>

#include <fstream>
#include <string>

using namespace tarat::testing;
namespace fs = std::filesystem;

namespace {

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

// ── F11: closing the loop in Telegram ────────────────────────────────────────────────────────────
// The real taratd with the telegram channel receiving from the fake Bot API (tests/servers/
// telegram_server.py): people link their chats by code and answer the notices' buttons.

namespace {

const std::string kBotToken = "123456789:AAH-tarat-e2e";

// The shipped etc/ with the telegram channel receiving from `api`; the Erkemai and Bolashak
// directors have the plan's chat ids 111 and 222.
void receive_from(const Checkout& co, const FakeBotApi& api) {
    fs::create_directories(co.state);
    std::ofstream(co.state / "telegram.token") << kBotToken << "\n";
    fs::permissions(co.state / "telegram.token", fs::perms::owner_read | fs::perms::owner_write);
    replace_in_file(co.config(), "channels = [\"log\", \"file\"]", "channels = [\"log\", \"file\", \"telegram\"]");
    std::ofstream(co.config(), std::ios::app) << "\n[channel.telegram]\nplugin = \"telegram\"\ntoken_file = \"telegram.token\"\n"
                                                 "api_url = \"" << api.url() << "\"\ninbound = true\npoll_timeout = 1\n"
                                                 "bot_username = \"tarat_test_bot\"\n";
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
    CHECK(co.ctl_json({"links"})["links"].size() == 1);
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
}
