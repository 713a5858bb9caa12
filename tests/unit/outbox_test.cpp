#include "store/internal.hpp"
#include "store/store.hpp"
#include "support/temp_dir.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

using namespace tarat;
using namespace date::literals;
using namespace std::chrono_literals;
using tarat::testing::TempDir;

namespace {

Instant instant(const char* iso) {
    auto at = parse_instant(iso);
    if (!at) throw std::invalid_argument(iso);
    return *at;
}

const Instant kLoad = instant("2026-11-02T04:00:00Z");
const Instant kTenDaysBefore = instant("2026-11-24T04:00:00Z");
const Instant kDayBefore = instant("2026-12-07T04:00:00Z");
const Instant kEventStart = instant("2026-12-08T05:00:00Z");
const Instant kAfterEvent = instant("2026-12-09T04:00:00Z");
constexpr const char* kEvent = "erkemai-seminar-1";

Notice make_notice(NoticeKind kind, std::string event_id, std::string recipient, Instant due,
                   std::string channel = "file", NoticeFacts facts = {}) {
    Notice n;
    n.kind = kind;
    n.key = notice_key(kind, event_id, recipient, channel, due);
    n.event_id = std::move(event_id);
    n.recipient = std::move(recipient);
    n.channel = std::move(channel);
    n.due = due;
    n.facts = std::move(facts);
    return n;
}

NoticeFacts digest_of(int y, unsigned m, unsigned d) {
    NoticeFacts f;
    f.day = Date{date::year{y} / m / d};
    return f;
}

Notice reminder(const std::string& recipient, Instant due, NoticeFacts facts = {}) {
    return make_notice(NoticeKind::reminder, kEvent, recipient, due, "file", std::move(facts));
}

// The reminders a seminar on 2026-12-08 gives two people, 10 days and 1 day before.
NoticeFacts lead(int days) {
    NoticeFacts f;
    f.lead = Span{Span::Unit::days, days};
    return f;
}

std::vector<Notice> seminar_reminders() {
    return {reminder("akhmetova", kTenDaysBefore, lead(10)), reminder("akhmetova", kDayBefore, lead(1)),
            reminder("bertleuova", kTenDaysBefore, lead(10)), reminder("bertleuova", kDayBefore, lead(1))};
}

std::optional<OutboxRow> row_of(const Store& store, const std::string& key) {
    for (auto& row : store.notices({}))
        if (row.notice.key == key) return row;
    return std::nullopt;
}

NoticeState state_of(const Store& store, const std::string& key) {
    auto row = row_of(store, key);
    if (!row) throw std::logic_error("no notice " + key);
    return row->state;
}

std::vector<std::string> keys_of(const std::vector<OutboxRow>& rows) {
    std::vector<std::string> keys;
    for (const auto& row : rows) keys.push_back(row.notice.key);
    return keys;
}

// The smallest plan with one event, so that an event's state can change beside its notices.
Plan one_event_plan() {
    Plan plan;
    plan.id = "shalqar-2026-27";
    plan.title = "Әдістемелік жұмыс жоспары";
    plan.timezone = "Asia/Aqtobe";
    plan.from = Date{2026_y / 9 / 1};
    plan.to = Date{2027_y / 5 / 31};
    Person director;
    director.id = "akhmetova";
    director.name = "Ахметова Г.С.";
    plan.people = {director};
    plan.districts = {District{"shalqar", "Шалқар ауданы", "", {}}};
    plan.centres = {Centre{"erkemai", "«Еркемай» бөбекжай-бақшасы", "shalqar", "", "akhmetova", {}}};
    Form seminar;
    seminar.id = "seminar";
    seminar.duration_minutes = 120;
    plan.forms = {seminar};
    return plan;
}

std::vector<ScheduledEvent> one_event() {
    ScheduledEvent e;
    e.id = kEvent;
    e.centre = "erkemai";
    e.district = "shalqar";
    e.form = "seminar";
    e.responsible = "akhmetova";
    e.date = Date{2026_y / 12 / 8};
    e.start_minutes = 600;
    e.end_minutes = 720;
    e.source = "fixed";
    return {e};
}

std::string event_state(Store& store) {
    return store_internal::Access::connection(store)
        .execAndGet(std::string("SELECT state FROM event WHERE id = '") + kEvent + "'")
        .getString();
}

// Counts the COMMITs on a connection while alive.
class CommitCounter {
public:
    explicit CommitCounter(Store& store) : handle_(store_internal::Access::connection(store).getHandle()) {
        sqlite3_commit_hook(handle_, &CommitCounter::on_commit, this);
    }
    ~CommitCounter() { sqlite3_commit_hook(handle_, nullptr, nullptr); }
    CommitCounter(const CommitCounter&) = delete;
    CommitCounter& operator=(const CommitCounter&) = delete;
    int commits() const { return commits_; }

private:
    static int on_commit(void* self) {
        ++static_cast<CommitCounter*>(self)->commits_;
        return 0;  // let it commit
    }
    sqlite3* handle_;
    int commits_ = 0;
};

std::vector<std::string> notice_columns(SQLite::Database& db) {
    std::vector<std::string> names;
    SQLite::Statement query(db, "SELECT name FROM pragma_table_info('notice')");
    while (query.executeStep()) names.push_back(query.getColumn(0).getString());
    return names;
}

std::string query_plan(SQLite::Database& db, const std::string& sql) {
    SQLite::Statement explain(db, "EXPLAIN QUERY PLAN " + sql);
    std::string plan;
    while (explain.executeStep()) plan += explain.getColumn(3).getString() + "\n";
    return plan;
}

bool contains(const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

// A new file reaches schema 3: the notice table has typed facts (no text detail) and late, and the
// pending index serves due_notices' order by itself.
TEST_CASE("a new database migrates to schema 3 with the outbox columns") {
    TempDir dir;
    auto store = Store::open(dir / "tarat.db");
    CHECK(Store::latest_schema_version() >= 3);
    CHECK(store->schema_version() == Store::latest_schema_version());
    auto& db = store_internal::Access::connection(*store);
    auto columns = notice_columns(db);
    CHECK(contains(columns, "facts"));
    CHECK_FALSE(contains(columns, "detail"));
    CHECK(contains(columns, "late"));
    auto plan = query_plan(db,
                           "SELECT key FROM notice WHERE state = 'pending' AND next_attempt_at <= 0 "
                           "ORDER BY next_attempt_at, key LIMIT 5");
    CHECK_THAT(plan, Catch::Contains("notice_pending_by_time"));
    CHECK_THAT(plan, !Catch::Contains("TEMP B-TREE"));
}

// A version 1 file, with a notice in it, is migrated to the latest on open and the notice keeps everything.
TEST_CASE("a version 1 database migrates to the latest keeping its notices") {
    TempDir dir;
    const auto file = dir / "tarat.db";
    const std::string key = notice_key(NoticeKind::reminder, kEvent, "akhmetova", "file", kDayBefore);
    {
        SQLite::Database raw(file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        raw.exec(std::string(store_internal::schema_migrations()[0]));
        raw.exec("PRAGMA user_version = 1");
        SQLite::Statement insert(raw,
                                 "INSERT INTO notice (key, event_id, kind, recipient, channel, due_at, state, attempts, "
                                 "next_attempt_at, last_error, subject, body, created_at, sent_at) "
                                 "VALUES (?1, ?2, 'reminder', 'akhmetova', 'file', ?3, 'sent', 1, ?3, NULL, "
                                 "'Ертең семинар', 'Құрметті Гүлнар Серікқызы!', ?4, ?3)");
        insert.bind(1, key);
        insert.bind(2, kEvent);
        insert.bind(3, store_internal::unix_seconds(kDayBefore));
        insert.bind(4, store_internal::unix_seconds(kLoad));
        insert.exec();
        CHECK_FALSE(contains(notice_columns(raw), "detail"));
    }
    auto store = Store::open(file);
    CHECK(store->schema_version() == Store::latest_schema_version());
    auto row = row_of(*store, key);
    REQUIRE(row);
    CHECK(row->state == NoticeState::sent);
    CHECK(row->notice.facts == NoticeFacts{});
    CHECK_FALSE(row->late);
    CHECK(row->subject == "Ертең семинар");
    CHECK(row->body == "Құрметті Гүлнар Серікқызы!");
    CHECK(row->sent_at == kDayBefore);
    CHECK(row->created_at == kLoad);
    CHECK(store->notice_counts().sent == 1);
}

// Every row of a table as text, NULLs marked, in key order: what a rebuild must keep.
std::vector<std::string> rows_of(SQLite::Database& db, const std::string& table) {
    std::vector<std::string> rows;
    SQLite::Statement query(db, "SELECT * FROM " + table + " ORDER BY 1");
    while (query.executeStep()) {
        std::string row;
        for (int i = 0; i < query.getColumnCount(); ++i)
            row += (query.getColumn(i).isNull() ? std::string("NULL") : query.getColumn(i).getString()) + "|";
        rows.push_back(row);
    }
    return rows;
}

std::vector<std::string> indexes_of(SQLite::Database& db) {
    std::vector<std::string> names;
    SQLite::Statement query(db, "SELECT name || ' ' || coalesce(sql, '') FROM sqlite_schema WHERE type = 'index' "
                                "AND tbl_name IN ('event', 'notice') ORDER BY name");
    while (query.executeStep()) names.push_back(query.getColumn(0).getString());
    return names;
}

// SQLite 3.40 checks an IN list of three values or more with a temporary b-tree built for each row.
bool builds_temporary_btree(SQLite::Database& db, const std::string& sql) {
    SQLite::Statement explain(db, "EXPLAIN " + sql);
    while (explain.executeStep())
        if (explain.getColumn(1).getString() == "OpenEphemeral") return true;
    return false;
}

// Whether SQLite sorts the rows of `sql` itself rather than reading them in order from an index.
bool sorts_rows(SQLite::Database& db, const std::string& sql) {
    SQLite::Statement plan(db, "EXPLAIN QUERY PLAN " + sql);
    while (plan.executeStep())
        if (plan.getColumn(3).getString().find("TEMP B-TREE FOR ORDER BY") != std::string::npos) return true;
    return false;
}

// A version 7 file is built again at version 8: the same rows, columns and indexes, the same states
// refused, and writing a state no longer builds a b-tree per row; then at version 9, without the
// form's index.
TEST_CASE("a version 7 database keeps every event and notice when its state checks are rewritten") {
    TempDir dir;
    const auto file = dir / "tarat.db";
    const std::string set_state = "UPDATE notice SET state = 'sent' WHERE key = 'k'";
    const std::string new_event = "INSERT INTO event (id, centre, district, form, date, start_minutes, end_minutes, "
                                  "source) VALUES ('x', 'erkemai', 'shalqar', 'seminar', '2027-01-01', 0, 60, 'fixed')";
    const std::string page_of_form = "SELECT id FROM event WHERE form = 'seminar' ORDER BY date, start_minutes, id LIMIT 50";
    std::vector<std::string> events, notices, indexes;
    {
        SQLite::Database raw(file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        for (int v = 0; v < 7; ++v) raw.exec(std::string(store_internal::schema_migrations()[static_cast<size_t>(v)]));
        raw.exec("PRAGMA user_version = 7");
        raw.exec(R"sql(
            INSERT INTO person (id, name) VALUES ('akhmetova', 'Ахметова Г.');
            INSERT INTO district (id, name, head) VALUES ('shalqar', 'Шалқар', 'akhmetova');
            INSERT INTO centre (id, name, district, director) VALUES ('erkemai', 'Еркемай', 'shalqar', 'akhmetova');
            INSERT INTO form (id, duration_minutes, report_due) VALUES ('seminar', 120, '3 working days');
            INSERT INTO event VALUES ('erkemai-seminar-1', 'erkemai', 'shalqar', 'seminar', 'Ертегі', 'тәрбиешілер',
                'akhmetova', '2026-12-08', 600, 720, 'rule-1', 1, 1, 'reported', '2026-12-08', 25, '2026-12-10',
                '№ 12', NULL, '2026-12-01', 3, 1796000000);
            INSERT INTO event (id, centre, district, form, date, start_minutes, end_minutes, source, state,
                cancel_reason) VALUES ('erkemai-seminar-2', 'erkemai', 'shalqar', 'seminar', '2027-02-08', 600, 720,
                'fixed', 'cancelled', 'карантин');
            INSERT INTO notice VALUES ('k', 'erkemai-seminar-1', 'reminder', 'akhmetova', 'file', 1796000000,
                'pending', 2, 1796000600, 'timeout', '', '', 1795000000, NULL, 0, '{"lead":"1 day"}');
            INSERT INTO notice VALUES ('d', NULL, 'digest', 'akhmetova', 'email', 1796000000, 'dead', 9,
                1796000000, 'refused', 'Апта', 'Мәтін', 1795000000, NULL, 1, '{}');
        )sql");
        events = rows_of(raw, "event");
        notices = rows_of(raw, "notice");
        indexes = indexes_of(raw);
        CHECK(builds_temporary_btree(raw, set_state));
        CHECK(builds_temporary_btree(raw, new_event));
        CHECK(sorts_rows(raw, page_of_form));
    }
    // Version 9 drops the form's index: a page of one form is read in order through the date index.
    // Version 10 keeps an event's id unique by an index of its own instead of the primary key's.
    std::erase_if(indexes, [](const std::string& index) {
        return index.starts_with("event_by_form ") || index.starts_with("sqlite_autoindex_event_");
    });
    indexes.insert(indexes.begin(), "event_by_id CREATE UNIQUE INDEX event_by_id ON event(id)");
    std::sort(indexes.begin(), indexes.end());
    CHECK(indexes.size() == 10);
    REQUIRE(events.size() == 2);
    for (auto& row : events) row += "NULL|";  // version 11's added_in: their additions are rows of their own
    REQUIRE(notices.size() == 2);
    Store::open(file).reset();

    SQLite::Database raw(file.string(), SQLite::OPEN_READWRITE);
    CHECK(raw.execAndGet("PRAGMA user_version").getInt() == Store::latest_schema_version());
    CHECK(rows_of(raw, "event") == events);
    CHECK(rows_of(raw, "notice") == notices);
    CHECK(indexes_of(raw) == indexes);
    CHECK_FALSE(builds_temporary_btree(raw, set_state));
    CHECK_FALSE(builds_temporary_btree(raw, new_event));
    CHECK_FALSE(sorts_rows(raw, page_of_form));
    // An event's id stays unique and present.
    CHECK_THROWS_WITH(raw.exec("UPDATE event SET id = 'erkemai-seminar-1' WHERE id = 'erkemai-seminar-2'"),
                      Catch::Contains("UNIQUE"));
    CHECK_THROWS_WITH(raw.exec("UPDATE event SET id = NULL WHERE id = 'erkemai-seminar-2'"), Catch::Contains("NOT NULL"));
    CHECK_THROWS_WITH(raw.exec("UPDATE notice SET state = 'lost' WHERE key = 'k'"), Catch::Contains("CHECK"));
    CHECK_THROWS_WITH(raw.exec("UPDATE event SET state = 'moved' WHERE id = 'erkemai-seminar-2'"),
                      Catch::Contains("CHECK"));
    raw.exec("UPDATE notice SET state = 'expired' WHERE key = 'k'");
    raw.exec("UPDATE event SET state = 'held' WHERE id = 'erkemai-seminar-2'");
    SQLite::Statement broken_keys(raw, "PRAGMA foreign_key_check");
    CHECK_FALSE(broken_keys.executeStep());
}

// When fn throws, the event's state change and the notices derived from it are both undone.
TEST_CASE("in_transaction rolls back a state change and its notices together") {
    TempDir dir;
    auto store = Store::open(dir / "tarat.db");
    store->apply_plan(one_event_plan(), one_event(), kLoad, "test");
    store->sync_notices(kEvent, seminar_reminders(), kLoad);
    const auto before = store->notices({});
    const size_t history_before = store->history().size();

    // "held": the reminders are superseded and a report reminder takes their place, then it fails.
    auto held_then_fail = [&] {
        store->in_transaction([&] {
            CHECK(store->in_transaction());
            store_internal::Access::connection(*store).exec(
                std::string("UPDATE event SET state = 'held', held_date = date WHERE id = '") + kEvent + "'");
            auto result = store->sync_notices(
                kEvent, {make_notice(NoticeKind::report_due, kEvent, "akhmetova", kAfterEvent)}, kDayBefore);
            CHECK(result.superseded == 4);
            store->add_history(kDayBefore, "uid 1000", "held", std::string("event:") + kEvent, "");
            throw std::runtime_error("the reply could not be written");
        });
    };
    CHECK_THROWS_WITH(held_then_fail(), "the reply could not be written");

    CHECK_FALSE(store->in_transaction());
    CHECK(event_state(*store) == "planned");
    auto after = store->notices({});
    REQUIRE(keys_of(after) == keys_of(before));
    for (const auto& row : after) CHECK(row.state == NoticeState::pending);
    CHECK(store->history().size() == history_before);

    // The same work without the failure commits as one.
    CommitCounter counter(*store);
    store->in_transaction([&] {
        store_internal::Access::connection(*store).exec(
            std::string("UPDATE event SET state = 'held' WHERE id = '") + kEvent + "'");
        store->sync_notices(kEvent, {make_notice(NoticeKind::report_due, kEvent, "akhmetova", kAfterEvent)},
                            kDayBefore);
    });
    CHECK(counter.commits() == 1);
    CHECK(event_state(*store) == "held");
    CHECK(store->notice_counts().superseded == 4);
    CHECK(store->notice_counts().pending == 1);
}

// Calls inside an open transaction join it: one COMMIT for all, values pass through, and a nested
// failure the caller catches undoes only the nested part.
TEST_CASE("nested transactions join the outer one") {
    TempDir dir;
    auto store = Store::open(dir / "tarat.db");
    store->sync_notices(kEvent, seminar_reminders(), kLoad);
    const auto keys = keys_of(store->notices({}));
    CommitCounter counter(*store);

    int answer = store->in_transaction([&] {
        store->mark_retry(keys[0], kTenDaysBefore + 5min, "timeout");
        int inner = store->in_transaction([&] {
            store->mark_dead(keys[1], kTenDaysBefore, "no such mailbox");
            store->add_history(kTenDaysBefore, "taratd", "notice.dead", keys[1], "no such mailbox");
            return 41;
        });
        // A nested part that fails and is caught: its writes are undone, the rest stays.
        try {
            store->in_transaction([&] {
                store->mark_expired(keys[2], kTenDaysBefore);
                throw std::runtime_error("changed my mind");
            });
        } catch (const std::runtime_error&) {
        }
        // A write method that fails inside undoes its own part only.
        CHECK_THROWS_AS(store->mark_sent_batch({{keys[3], kDayBefore, "s", "b", false}, {"no-such-key", kDayBefore, "", "", false}}),
                        StoreError);
        CHECK(counter.commits() == 0);
        return inner + 1;
    });
    CHECK(answer == 42);
    CHECK(counter.commits() == 1);
    CHECK(row_of(*store, keys[0])->attempts == 1);
    CHECK(state_of(*store, keys[1]) == NoticeState::dead);
    CHECK(state_of(*store, keys[2]) == NoticeState::pending);
    CHECK(state_of(*store, keys[3]) == NoticeState::pending);
    CHECK(store->history().size() == 1);
    CHECK_FALSE(store->in_transaction());
}

// After SQLite itself rolled the transaction back (disk full), a caller that swallowed the error
// can neither go on writing nor commit as if the transaction were still open.
TEST_CASE("writes after SQLite rolled the transaction back are refused") {
    TempDir dir;
    auto store = Store::open(dir / "tarat.db");
    auto& db = store_internal::Access::connection(*store);
    // As SQLite does after SQLITE_FULL, IOERR or NOMEM: the whole transaction is gone.
    auto write_after_rollback = [&] {
        store->in_transaction([&] {
            store->add_history(kLoad, "test", "first", "", "");
            db.exec("ROLLBACK");
            store->add_history(kLoad, "test", "second", "", "");
        });
    };
    CHECK_THROWS_WITH(write_after_rollback(), Catch::Contains("already rolled back"));
    CHECK_FALSE(store->in_transaction());
    CHECK(store->history().empty());
    auto commit_after_rollback = [&] { store->in_transaction([&] { db.exec("ROLLBACK"); }); };
    CHECK_THROWS_WITH(commit_after_rollback(), Catch::Contains("rolled back after an error before it could commit"));

    // The real thing on this SQLite: a full disk inside a caught write.
    const int pages = db.execAndGet("PRAGMA page_count").getInt();
    db.exec("PRAGMA max_page_count = " + std::to_string(pages + 2));
    const std::string big(64 * 1024, 'x');
    auto swallow_then_write = [&] {
        store->in_transaction([&] {
            try {
                store->add_history(kLoad, "test", "big", "", big);
            } catch (const StoreError&) {
            }
            store->add_history(kLoad, "test", "small", "", "");
        });
    };
    CHECK_THROWS_WITH(swallow_then_write(), Catch::Contains("already rolled back"));
    CHECK_FALSE(store->in_transaction());
    db.exec("PRAGMA max_page_count = 1073741823");
    store->add_history(kLoad, "test", "small", "", "");
    CHECK(store->history().size() == 1);
}

// sync adds what is new, supersedes pending rows no longer derived, keeps the rest, and the same
// derivation twice changes nothing.
TEST_CASE("sync_notices adds, supersedes and keeps, idempotently") {
    TempDir dir;
    auto store = Store::open(dir / "tarat.db");
    auto reminders = seminar_reminders();
    auto first = store->sync_notices(kEvent, reminders, kLoad);
    CHECK(first.added == 4);
    CHECK(first.superseded == 0);
    CHECK(first.kept == 0);

    auto again = store->sync_notices(kEvent, reminders, kLoad + 1h);
    CHECK(again.added == 0);
    CHECK(again.superseded == 0);
    CHECK(again.kept == 4);

    auto row = row_of(*store, reminders[0].key);
    REQUIRE(row);
    CHECK(row->notice == reminders[0]);
    CHECK(row->state == NoticeState::pending);
    CHECK(row->attempts == 0);
    CHECK(row->next_attempt_at == kTenDaysBefore);
    CHECK(row->created_at == kLoad);  // not touched by the second sync
    CHECK_FALSE(row->sent_at);

    // bertleuova drops out and a reminder changes its facts: one superseded, one refreshed.
    std::vector<Notice> fewer = {reminders[0], reminders[1]};
    fewer[1].facts.lead = Span{Span::Unit::working_days, 2};
    auto narrowed = store->sync_notices(kEvent, fewer, kLoad + 2h);
    CHECK(narrowed.added == 0);
    CHECK(narrowed.superseded == 2);
    CHECK(narrowed.kept == 2);
    CHECK(row_of(*store, reminders[1].key)->notice.facts.lead == Span{Span::Unit::working_days, 2});
    auto dropped = row_of(*store, reminders[2].key);
    CHECK(dropped->state == NoticeState::superseded);
    CHECK(dropped->next_attempt_at == kLoad + 2h);

    // A key derived twice in one call counts once.
    auto twice = store->sync_notices(kEvent, {reminders[0], reminders[0], reminders[1]}, kLoad + 3h);
    CHECK(twice.added == 0);
    CHECK(twice.kept == 2);
    CHECK(store->notice_counts().pending == 2);
}

// A re-derivation keeps the event's pending change notice (commands make those, not its state),
// and supersedes it once it is not kept.
TEST_CASE("sync_notices leaves pending rows of the kept kind alone") {
    TempDir dir;
    auto store = Store::open(dir / "tarat.db");
    auto reminders = seminar_reminders();
    const Notice change = make_notice(NoticeKind::change, kEvent, "kudaibergenov", kLoad + 1h);
    std::vector<Notice> all = reminders;
    all.push_back(change);
    REQUIRE(store->sync_notices(kEvent, all, kLoad).added == 5);

    auto kept = store->sync_notices(kEvent, {reminders[0]}, kLoad + 2h, NoticeKind::change);
    CHECK(kept.superseded == 3);
    CHECK(row_of(*store, change.key)->state == NoticeState::pending);
    CHECK(row_of(*store, reminders[1].key)->state == NoticeState::superseded);

    auto not_kept = store->sync_notices(kEvent, {reminders[0]}, kLoad + 3h);
    CHECK(not_kept.superseded == 1);
    CHECK(row_of(*store, change.key)->state == NoticeState::superseded);
}

// F10: a notice that was superseded before it went out comes back when it is true again (an event
// postponed and moved back, removed from the plan and restored); a sent one is never sent again.
TEST_CASE("sync_notices brings a superseded key back, never a sent one") {
    TempDir dir;
    auto store = Store::open(dir / "tarat.db");
    auto reminders = seminar_reminders();
    store->sync_notices(kEvent, reminders, kLoad);
    store->mark_sent(reminders[0].key, kTenDaysBefore, "s", "b", false);
    store->sync_notices(kEvent, {reminders[0]}, kLoad + 1h);  // supersedes 1, 2, 3
    CHECK(state_of(*store, reminders[1].key) == NoticeState::superseded);

    auto back = store->sync_notices(kEvent, reminders, kLoad + 2h);
    CHECK(back.added == 3);
    CHECK(back.superseded == 0);
    CHECK(back.kept == 1);
    CHECK(state_of(*store, reminders[0].key) == NoticeState::sent);
    for (size_t i = 1; i < reminders.size(); ++i) {
        auto row = row_of(*store, reminders[i].key);
        CHECK(row->state == NoticeState::pending);
        CHECK(row->next_attempt_at == reminders[i].due);  // due as derived, not when it came back
    }
    CHECK(store->notice_counts().pending == 3);
    CHECK(store->next_attempt_due() == kTenDaysBefore);  // bertleuova's, as derived

    store->sync_notices(kEvent, {reminders[0]}, kLoad + 3h);
    CHECK(store->notice_counts().pending == 0);
    // An empty derivation supersedes nothing that is not pending.
    auto none = store->sync_notices(kEvent, {}, kLoad + 4h);
    CHECK(none.superseded == 0);
    CHECK(state_of(*store, reminders[0].key) == NoticeState::sent);
}

// add_notices (a horizon moved on, F14) adds what is new, makes a superseded row pending again due
// as derived, refreshes a pending row's facts, leaves a sent one sent, and refuses a key stored
// under another event; it supersedes nothing.
TEST_CASE("add_notices adds and revives, never resends nor supersedes") {
    TempDir dir;
    auto store = Store::open(dir / "tarat.db");
    auto reminders = seminar_reminders();
    store->sync_notices(kEvent, {reminders[0], reminders[1]}, kLoad);
    store->mark_sent(reminders[0].key, kTenDaysBefore, "s", "b", false);
    store->sync_notices(kEvent, {reminders[0]}, kLoad + 1h);  // supersedes 1
    REQUIRE(state_of(*store, reminders[1].key) == NoticeState::superseded);

    Notice refreshed = reminders[1];
    refreshed.facts = lead(2);
    store->add_notices(kEvent, {reminders[0], refreshed, reminders[2]}, kLoad + 2h);
    CHECK(state_of(*store, reminders[0].key) == NoticeState::sent);
    auto revived = row_of(*store, reminders[1].key);
    CHECK(revived->state == NoticeState::pending);
    CHECK(revived->next_attempt_at == reminders[1].due);
    CHECK(revived->notice.facts == lead(2));
    CHECK(state_of(*store, reminders[2].key) == NoticeState::pending);
    store->add_notices(kEvent, {reminders[3]}, kLoad + 3h);
    CHECK(store->notice_counts().pending == 3);  // nothing superseded by what was not given

    Notice elsewhere = reminders[3];
    elsewhere.event_id = "balapan-open-1";
    CHECK_THROWS_WITH(store->add_notices("balapan-open-1", {elsewhere}, kLoad + 4h),
                      Catch::Contains("already in the outbox under another event"));
    CHECK_THROWS_AS(store->add_notices("balapan-open-1", {reminders[3]}, kLoad + 4h), StoreError);
    CHECK(store->notice_counts().pending == 3);
}

// Scopes are separate: a digest sync touches no event's rows, an event sync no digest; a notice
// from another scope is refused.
TEST_CASE("sync_notices keeps to its scope") {
    TempDir dir;
    auto store = Store::open(dir / "tarat.db");
    store->sync_notices(kEvent, seminar_reminders(), kLoad);
    Notice digest = make_notice(NoticeKind::digest, "", "bertleuova", kTenDaysBefore, "email", digest_of(2026, 11, 30));
    CHECK(store->sync_notices(std::nullopt, {digest}, kLoad).added == 1);
    auto other = make_notice(NoticeKind::reminder, "balapan-open-1", "sarsenova", kDayBefore);
    CHECK(store->sync_notices(std::string("balapan-open-1"), {other}, kLoad).added == 1);

    CHECK(store->sync_notices(std::string(""), {}, kLoad + 1h).superseded == 1);  // "" = no event
    CHECK(state_of(*store, digest.key) == NoticeState::superseded);
    CHECK(store->notice_counts().pending == 5);
    CHECK(store->sync_notices(std::string("balapan-open-1"), {}, kLoad + 1h).superseded == 1);
    CHECK(store->notice_counts().pending == 4);

    CHECK_THROWS_WITH(store->sync_notices(std::nullopt, {seminar_reminders()[0]}, kLoad),
                      Catch::Contains("is about event '" + std::string(kEvent) + "', not no event"));
    Notice keyless = digest;
    keyless.key.clear();
    CHECK_THROWS_AS(store->sync_notices(std::nullopt, {keyless}, kLoad), StoreError);
    CHECK(store->notice_counts().pending == 4);
}

// The dispatcher's timer follows the earliest pending row: retries move it, finished rows drop out.
TEST_CASE("next_attempt_due follows retries and uses the partial index") {
    TempDir dir;
    auto store = Store::open(dir / "tarat.db");
    CHECK_FALSE(store->next_attempt_due());
    auto reminders = seminar_reminders();
    store->sync_notices(kEvent, reminders, kLoad);
    CHECK(store->next_attempt_due() == kTenDaysBefore);

    store->mark_retry(reminders[0].key, kTenDaysBefore + 1min, "connection refused");
    CHECK(store->next_attempt_due() == kTenDaysBefore);  // bertleuova's is still due then
    store->mark_sent(reminders[2].key, kTenDaysBefore, "s", "b", false);
    CHECK(store->next_attempt_due() == kTenDaysBefore + 1min);
    store->mark_retry(reminders[0].key, kDayBefore + 1h, "connection refused");
    CHECK(store->next_attempt_due() == kDayBefore);
    store->mark_dead(reminders[1].key, kDayBefore, "rejected");
    store->mark_expired(reminders[3].key, kEventStart);
    CHECK(store->next_attempt_due() == kDayBefore + 1h);
    store->mark_sent(reminders[0].key, kDayBefore + 1h, "s", "b", false);
    CHECK_FALSE(store->next_attempt_due());

    auto plan = query_plan(store_internal::Access::connection(*store),
                           "SELECT next_attempt_at FROM notice WHERE state = 'pending' ORDER BY next_attempt_at LIMIT 1");
    CHECK_THAT(plan, Catch::Contains("notice_pending_by_time"));
}

// Due rows come by next attempt, then key, up to the limit (0 = all); later ones wait.
TEST_CASE("due_notices orders by next attempt then key and honours the limit") {
    TempDir dir;
    auto store = Store::open(dir / "tarat.db");
    auto reminders = seminar_reminders();
    store->sync_notices(kEvent, reminders, kLoad);
    CHECK(store->due_notices(kTenDaysBefore - 1s, 0).empty());

    auto due = store->due_notices(kTenDaysBefore, 0);
    REQUIRE(keys_of(due) == std::vector<std::string>{reminders[0].key, reminders[2].key});  // same time: by key
    CHECK(due[0].notice == reminders[0]);

    store->mark_retry(reminders[0].key, kDayBefore, "busy");  // now ties with the day-before ones
    auto all = store->due_notices(kDayBefore, 0);
    std::vector<std::string> expected = {reminders[2].key, reminders[0].key, reminders[1].key, reminders[3].key};
    std::sort(expected.begin() + 1, expected.end());
    CHECK(keys_of(all) == expected);
    CHECK(keys_of(store->due_notices(kDayBefore, 2)) == std::vector<std::string>(expected.begin(), expected.begin() + 2));
    CHECK(store->due_notices(kAfterEvent, 1).size() == 1);
}

// Each mark moves a pending row as documented; a missing key or a wrong state is a StoreError.
TEST_CASE("mark_sent, mark_retry, mark_dead and mark_expired move rows and refuse wrong ones") {
    TempDir dir;
    auto store = Store::open(dir / "tarat.db");
    auto reminders = seminar_reminders();
    store->sync_notices(kEvent, reminders, kLoad);
    const auto& a = reminders[0].key;
    const auto& b = reminders[1].key;
    const auto& c = reminders[2].key;
    const auto& d = reminders[3].key;

    store->mark_retry(a, kTenDaysBefore + 2min, "SMTP 451");
    auto retried = row_of(*store, a);
    CHECK(retried->state == NoticeState::pending);
    CHECK(retried->attempts == 1);
    CHECK(retried->next_attempt_at == kTenDaysBefore + 2min);
    CHECK(retried->last_error == "SMTP 451");

    store->mark_sent(a, kTenDaysBefore + 2min, "Еске салу", "Семинар 10 күннен кейін", true);
    auto sent = row_of(*store, a);
    CHECK(sent->state == NoticeState::sent);
    CHECK(sent->attempts == 2);
    CHECK(sent->sent_at == kTenDaysBefore + 2min);
    CHECK(sent->last_error.empty());
    CHECK(sent->late);
    CHECK(sent->subject == "Еске салу");

    store->mark_dead(b, kDayBefore, "550 no such user");
    auto dead = row_of(*store, b);
    CHECK(dead->state == NoticeState::dead);
    CHECK(dead->attempts == 1);
    CHECK(dead->last_error == "550 no such user");
    CHECK(dead->next_attempt_at == kDayBefore);
    CHECK_FALSE(dead->sent_at);

    store->mark_expired(d, kEventStart);
    auto expired = row_of(*store, d);
    CHECK(expired->state == NoticeState::expired);
    CHECK(expired->attempts == 0);
    CHECK(expired->next_attempt_at == kEventStart);

    CHECK_THROWS_WITH(store->mark_sent("no-such-key", kDayBefore, "", "", false),
                      Catch::Contains("no-such-key") && Catch::Contains("not in the outbox"));
    CHECK_THROWS_AS(store->mark_retry("no-such-key", kDayBefore, ""), StoreError);
    CHECK_THROWS_AS(store->mark_dead("no-such-key", kDayBefore, ""), StoreError);
    CHECK_THROWS_AS(store->mark_expired("no-such-key", kDayBefore), StoreError);
    CHECK_THROWS_WITH(store->mark_sent(b, kDayBefore, "", "", false),
                      Catch::Contains("is dead: only a pending notice can be marked sent"));
    CHECK_THROWS_WITH(store->mark_sent(d, kDayBefore, "", "", false), Catch::Contains("is expired"));
    CHECK_THROWS_WITH(store->mark_retry(a, kDayBefore, "x"), Catch::Contains("is sent"));
    CHECK_THROWS_AS(store->mark_dead(a, kDayBefore, "x"), StoreError);
    CHECK_THROWS_AS(store->mark_expired(b, kDayBefore), StoreError);
    CHECK_THROWS_AS(store->mark_retry(d, kDayBefore, "x"), StoreError);
    CHECK(state_of(*store, c) == NoticeState::pending);
}

// A repeated mark_sent keeps the first record; answers for a row superseded while in flight are
// recorded (sent) or dropped (retry, dead, expired).
TEST_CASE("mark_sent is idempotent and in-flight answers for superseded rows are safe") {
    TempDir dir;
    auto store = Store::open(dir / "tarat.db");
    auto reminders = seminar_reminders();
    store->sync_notices(kEvent, reminders, kLoad);
    store->mark_sent(reminders[0].key, kTenDaysBefore, "first", "body", false);
    store->mark_sent(reminders[0].key, kTenDaysBefore + 1h, "second", "other", true);
    auto sent = row_of(*store, reminders[0].key);
    CHECK(sent->subject == "first");
    CHECK(sent->sent_at == kTenDaysBefore);
    CHECK(sent->attempts == 1);
    CHECK_FALSE(sent->late);

    // The event was postponed while these four were with the channel.
    store->sync_notices(kEvent, {}, kTenDaysBefore);
    store->mark_sent(reminders[2].key, kTenDaysBefore + 1s, "s", "b", false);
    CHECK(state_of(*store, reminders[2].key) == NoticeState::sent);
    store->mark_retry(reminders[1].key, kDayBefore, "busy");
    store->mark_dead(reminders[3].key, kDayBefore, "rejected");
    store->mark_expired(reminders[3].key, kDayBefore);
    CHECK(state_of(*store, reminders[1].key) == NoticeState::superseded);
    CHECK(row_of(*store, reminders[1].key)->attempts == 0);
    CHECK(state_of(*store, reminders[3].key) == NoticeState::superseded);
    CHECK(store->recipients_told(kEvent) == std::vector<std::string>{"akhmetova", "bertleuova"});
}

// requeue gives a dead row a fresh start now, keeping its error until the next attempt; other
// states are refused.
TEST_CASE("requeue brings a dead notice back") {
    TempDir dir;
    auto store = Store::open(dir / "tarat.db");
    auto reminders = seminar_reminders();
    store->sync_notices(kEvent, reminders, kLoad);
    const auto& key = reminders[0].key;
    store->mark_retry(key, kTenDaysBefore + 1min, "timeout");
    store->mark_dead(key, kTenDaysBefore + 1min, "550 mailbox unavailable");

    store->requeue(key, kDayBefore - 1h);
    auto row = row_of(*store, key);
    CHECK(row->state == NoticeState::pending);
    CHECK(row->attempts == 0);
    CHECK(row->next_attempt_at == kDayBefore - 1h);
    CHECK(row->last_error == "550 mailbox unavailable");
    CHECK(keys_of(store->due_notices(kDayBefore - 1h, 0)) ==
          std::vector<std::string>{reminders[2].key, reminders[0].key});

    store->mark_retry(key, kDayBefore, "timeout again");
    CHECK(row_of(*store, key)->last_error == "timeout again");

    CHECK_THROWS_WITH(store->requeue(key, kDayBefore), Catch::Contains("is pending: only a dead notice"));
    CHECK_THROWS_WITH(store->requeue("no-such-key", kDayBefore), Catch::Contains("not in the outbox"));
    store->mark_sent(key, kDayBefore, "s", "b", false);
    CHECK_THROWS_AS(store->requeue(key, kDayBefore), StoreError);
}

// Counts add up per state.
TEST_CASE("notice_counts counts every state") {
    TempDir dir;
    auto store = Store::open(dir / "tarat.db");
    NoticeCounts empty = store->notice_counts();
    CHECK(empty.pending + empty.sent + empty.dead + empty.superseded + empty.expired == 0);

    auto reminders = seminar_reminders();
    reminders.push_back(reminder("kudaibergenov", kDayBefore));
    store->sync_notices(kEvent, reminders, kLoad);
    store->mark_sent(reminders[0].key, kTenDaysBefore, "", "", false);
    store->mark_dead(reminders[1].key, kDayBefore, "x");
    store->mark_expired(reminders[2].key, kEventStart);
    store->sync_notices(kEvent, {reminders[0], reminders[1], reminders[2], reminders[3]}, kLoad + 1h);
    NoticeCounts counts = store->notice_counts();
    CHECK(counts.pending == 1);
    CHECK(counts.sent == 1);
    CHECK(counts.dead == 1);
    CHECK(counts.expired == 1);
    CHECK(counts.superseded == 1);
}

// Every filter field narrows; `to` is exclusive; "" means digests; results by due, then key.
TEST_CASE("notices filters and orders") {
    TempDir dir;
    auto store = Store::open(dir / "tarat.db");
    auto reminders = seminar_reminders();
    store->sync_notices(kEvent, reminders, kLoad);
    Notice digest = make_notice(NoticeKind::digest, "", "bertleuova", kTenDaysBefore, "email", digest_of(2026, 11, 30));
    store->sync_notices(std::nullopt, {digest}, kLoad);
    store->mark_dead(reminders[3].key, kDayBefore, "x");

    auto all = store->notices({});
    REQUIRE(all.size() == 5);
    for (size_t i = 1; i < all.size(); ++i)
        CHECK(std::make_pair(all[i - 1].notice.due, all[i - 1].notice.key) <
              std::make_pair(all[i].notice.due, all[i].notice.key));

    NoticeFilter dead;
    dead.state = NoticeState::dead;
    CHECK(keys_of(store->notices(dead)) == std::vector<std::string>{reminders[3].key});

    NoticeFilter for_bertleuova;
    for_bertleuova.recipient = "bertleuova";
    CHECK(store->notices(for_bertleuova).size() == 3);
    for_bertleuova.kind = NoticeKind::reminder;
    CHECK(store->notices(for_bertleuova).size() == 2);
    for_bertleuova.event_id = "";
    for_bertleuova.kind.reset();
    CHECK(keys_of(store->notices(for_bertleuova)) == std::vector<std::string>{digest.key});

    NoticeFilter of_event;
    of_event.event_id = kEvent;
    CHECK(store->notices(of_event).size() == 4);
    of_event.from = kTenDaysBefore + 1s;
    CHECK(store->notices(of_event).size() == 2);
    of_event.from = kTenDaysBefore;
    of_event.to = kDayBefore;  // exclusive
    CHECK(store->notices(of_event).size() == 2);
    of_event.to.reset();
    of_event.limit = 3;
    CHECK(store->notices(of_event).size() == 3);
}

// Only people with a sent reminder or change notice for this event count as told, once each.
TEST_CASE("recipients_told lists who heard about the event") {
    TempDir dir;
    auto store = Store::open(dir / "tarat.db");
    CHECK(store->recipients_told(kEvent).empty());
    auto reminders = seminar_reminders();
    Notice report = make_notice(NoticeKind::report_due, kEvent, "sarsenova", kAfterEvent);
    Notice change = make_notice(NoticeKind::change, kEvent, "kudaibergenov", kDayBefore);
    std::vector<Notice> derived = reminders;
    derived.push_back(report);
    derived.push_back(change);
    store->sync_notices(kEvent, derived, kLoad);
    Notice elsewhere = make_notice(NoticeKind::reminder, "balapan-open-1", "sarsenova", kDayBefore);
    store->sync_notices(std::string("balapan-open-1"), {elsewhere}, kLoad);

    store->mark_sent(reminders[2].key, kTenDaysBefore, "", "", false);  // bertleuova
    store->mark_sent(reminders[3].key, kDayBefore, "", "", false);      // bertleuova again
    store->mark_dead(reminders[0].key, kTenDaysBefore, "x");            // akhmetova: not told
    store->mark_sent(report.key, kAfterEvent, "", "", false);           // not about the date
    store->mark_sent(change.key, kDayBefore, "", "", false);
    store->mark_sent(elsewhere.key, kDayBefore, "", "", false);         // another event
    CHECK(store->recipients_told(kEvent) == std::vector<std::string>{"bertleuova", "kudaibergenov"});
}

// Kazakh subject, body, facts and error come back byte for byte after reopening the file.
TEST_CASE("Kazakh text in the outbox round-trips byte for byte") {
    TempDir dir;
    const std::string subject = "Еске салу: «Ойын арқылы дамыту» семинары — 8 желтоқсан";
    const std::string body = "Құрметті Гүлнар Серікқызы!\nСеминар 2026 жылғы 8 желтоқсанда сағат 10:00-де өтеді.\n"
                             "Орны: «Еркемай» бөбекжай-бақшасы, Шалқар қ., Әйтеке би к-сі, 12. ҚҰӨҮҺІ әңғүұқөһі";
    NoticeFacts facts;
    facts.reason = "зал бос емес «Еркемай»";
    const std::string error = "Сервер жауап бермеді";
    Notice n = reminder("akhmetova", kTenDaysBefore, facts);
    Notice other = reminder("bertleuova", kTenDaysBefore);
    {
        auto store = Store::open(dir / "tarat.db");
        store->sync_notices(kEvent, {n, other}, kLoad);
        store->mark_sent(n.key, kTenDaysBefore, subject, body, false);
        store->mark_dead(other.key, kTenDaysBefore, error);
    }
    auto store = Store::open(dir / "tarat.db");
    auto row = row_of(*store, n.key);
    REQUIRE(row);
    CHECK(row->subject == subject);
    CHECK(row->body == body);
    CHECK(row->notice.facts == facts);
    CHECK(row_of(*store, other.key)->last_error == error);
}

// A thousand marks go in one COMMIT; a bad key anywhere in a batch leaves all of it pending.
TEST_CASE("mark_sent_batch marks a thousand notices in one transaction") {
    TempDir dir;
    auto store = Store::open(dir / "tarat.db");
    std::vector<Notice> derived;
    for (int i = 0; i < 1000; ++i)
        derived.push_back(reminder("person-" + std::to_string(i), kTenDaysBefore + std::chrono::seconds(i)));
    CHECK(store->sync_notices(kEvent, derived, kLoad).added == 1000);

    std::vector<SentMark> marks;
    for (const auto& n : derived)
        marks.push_back({n.key, n.due + 1s, "Еске салу", "Семинар: " + n.recipient, false});

    std::vector<SentMark> with_bad_key = marks;
    with_bad_key.push_back({"no-such-key", kDayBefore, "", "", false});
    CHECK_THROWS_WITH(store->mark_sent_batch(with_bad_key), Catch::Contains("no-such-key"));
    CHECK(store->notice_counts().pending == 1000);

    CommitCounter counter(*store);
    store->mark_sent_batch(marks);
    CHECK(counter.commits() == 1);
    CHECK(store->notice_counts().sent == 1000);
    CHECK(store->notice_counts().pending == 0);
    auto last = row_of(*store, derived.back().key);
    CHECK(last->body == "Семинар: person-999");
    CHECK(last->sent_at == derived.back().due + 1s);

    store->mark_sent_batch(marks);  // again: changes nothing
    store->mark_sent_batch({});
    CHECK(counter.commits() == 2);
    CHECK(store->notice_counts().sent == 1000);
}

// A version 2 file keeps each notice's facts as the line the policy wrote for its kind; the
// migration to 3 turns every kind's line into typed facts once, and drops the text column.
TEST_CASE("a version 2 database's notice lines become typed facts") {
    TempDir dir;
    const auto file = dir / "tarat.db";
    struct Old {
        NoticeKind kind;
        const char* detail;
    };
    const std::vector<Old> old = {{NoticeKind::reminder, "10 working days"},
                                  {NoticeKind::held_check, ""},
                                  {NoticeKind::report_due, "2026-12-14"},
                                  {NoticeKind::overdue, "held 2026-12-14"},
                                  {NoticeKind::escalation, "report 2026-12-14 3"},
                                  {NoticeKind::change, "2026-12-08 → 2026-12-15"},
                                  {NoticeKind::change, "cancelled"},
                                  {NoticeKind::digest, "2026-12-07"}};
    std::vector<std::string> keys;
    {
        SQLite::Database raw(file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        raw.exec(std::string(store_internal::schema_migrations()[0]));
        raw.exec(std::string(store_internal::schema_migrations()[1]));
        raw.exec("PRAGMA user_version = 2");
        for (std::size_t i = 0; i < old.size(); ++i) {
            keys.push_back(notice_key(old[i].kind, "e" + std::to_string(i), "akhmetova", "file", kDayBefore));
            SQLite::Statement insert(raw,
                                     "INSERT INTO notice (key, event_id, kind, recipient, channel, due_at, detail, "
                                     "next_attempt_at, created_at) VALUES (?1, ?2, ?3, 'akhmetova', 'file', 0, ?4, 0, 0)");
            insert.bind(1, keys.back());
            insert.bind(2, "e" + std::to_string(i));
            insert.bind(3, std::string(kind_name(old[i].kind)));
            insert.bind(4, old[i].detail);
            insert.exec();
        }
    }
    auto store = Store::open(file);
    REQUIRE(store->schema_version() == Store::latest_schema_version());
    auto facts = [&](std::size_t i) { return row_of(*store, keys[i])->notice.facts; };
    CHECK(facts(0).lead == Span{Span::Unit::working_days, 10});
    CHECK(facts(1) == NoticeFacts{});
    CHECK(facts(2).due_date == parse_date("2026-12-14"));
    CHECK(facts(3).missing == NoticeFacts::Missing::held);
    CHECK(facts(3).due_date == parse_date("2026-12-14"));
    CHECK(facts(4).missing == NoticeFacts::Missing::report);
    CHECK(facts(4).round == 3);
    CHECK(facts(5).previous_date == parse_date("2026-12-08"));
    CHECK(facts(5).new_date == parse_date("2026-12-15"));
    CHECK(facts(6).cancelled);
    CHECK(facts(7).day == parse_date("2026-12-07"));
    // Shown as before: the line is made from the facts.
    for (std::size_t i = 0; i < old.size(); ++i) CHECK(describe(old[i].kind, facts(i)) == old[i].detail);
}

// Notices in pages from the cursor's place in (due, key), ties on the same moment included: the
// pages make up the filter's whole list, each counting it all; a cursor outside it is refused.
TEST_CASE("notices read in pages follow the order of the whole list") {
    TempDir dir;
    auto store = Store::open(dir / "tarat.db");
    auto reminders = seminar_reminders();  // two pairs due at the same moments
    store->sync_notices(kEvent, reminders, kLoad);
    store->mark_sent(reminders[1].key, kDayBefore, "s", "b", false);
    NoticeFilter to_akhmetova;
    to_akhmetova.recipient = "akhmetova";
    NoticeFilter pending;
    pending.state = NoticeState::pending;
    for (const NoticeFilter& filter : {NoticeFilter{}, to_akhmetova, pending}) {
        const auto whole = keys_of(store->notices(filter));
        REQUIRE(whole.size() >= 2);
        for (std::size_t limit : {std::size_t{1}, std::size_t{2}, whole.size()}) {
            INFO("limit " << limit << ", " << whole.size() << " notices");
            std::vector<std::string> keys;
            std::optional<std::string> after;
            for (int pages = 0; pages < 10; ++pages) {
                auto page = store->notices_page(filter, after, limit);
                REQUIRE(page);
                CHECK(page->total == whole.size());
                for (const auto& key : keys_of(page->rows)) keys.push_back(key);
                if (!page->more) break;
                after = page->rows.back().notice.key;
            }
            CHECK(keys == whole);
        }
    }
    CHECK_FALSE(store->notices_page(pending, reminders[1].key, 5));  // sent
    CHECK_FALSE(store->notices_page({}, std::string("no-such-key"), 5));
}
