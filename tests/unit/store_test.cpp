#include "store/store.hpp"
#include "store/write_transaction.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <catch2/catch.hpp>

#include <stdlib.h>  // mkdtemp

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <utility>

using namespace tarat;
using namespace date::literals;
namespace fs = std::filesystem;

namespace {

// A fresh directory under the system temp dir for each test, removed afterwards.
class TempDir {
public:
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "tarat-store-test-XXXXXX").string();
        if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    fs::path db() const { return path_ / "tarat.db"; }
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

Instant instant(const char* iso) {
    auto at = parse_instant(iso);
    if (!at) throw std::invalid_argument(iso);
    return *at;
}

const Instant kFirstLoad = instant("2026-09-01T04:00:00Z");
const Instant kSecondLoad = instant("2026-10-01T04:00:00Z");
const Instant kThirdLoad = instant("2026-11-01T04:00:00Z");
constexpr std::string_view kActor = "test";

const std::string kErkemaiName = "«Еркемай» бөбекжай-бақшасы» МКҚК";
const std::string kShalqarName = "Шалқар ауданы";
const std::string kMethodologistName = "Бертлеуова Н.";

Person person(std::string id, std::string name, std::string position) {
    Person p;
    p.id = std::move(id);
    p.name = std::move(name);
    p.position = std::move(position);
    return p;
}

Plan sample_plan() {
    Plan plan;
    plan.id = "shalqar-2026-27";
    plan.title = "2026–2027 оқу жылына арналған әдістемелік жұмыс жоспары";
    plan.basis = "Шалқар аудандық білім бөлімінің бұйрығы №45";
    plan.from = Date{2026_y / 9 / 1};
    plan.to = Date{2027_y / 5 / 31};
    plan.overseer = "kudaibergenov";
    plan.coordinator = "bertleuova";

    Person methodologist = person("bertleuova", kMethodologistName, "әдіскер");
    methodologist.email = "bertleuova@example.kz";
    methodologist.channels = {"email", "file"};
    plan.people = {methodologist, person("kudaibergenov", "Құдайбергенов Е.", "бөлім басшысы"),
                   person("akhmetova", "Ахметова Г.С.", "меңгеруші"), person("sarsenova", "Сәрсенова Ә.", "меңгеруші")};
    plan.districts = {District{"shalqar", kShalqarName, "kudaibergenov", {}}};
    plan.centres = {Centre{"erkemai", kErkemaiName, "shalqar", "Шалқар қ., Әйтеке би к-сі, 12", "akhmetova", {}},
                    Centre{"balapan", "«Балапан» бөбекжай-бақшасы", "shalqar", "", "sarsenova", {}}};

    Form seminar;
    seminar.id = "seminar";
    seminar.name = {"Семинар", "Семинар", "Seminar"};
    seminar.duration_minutes = 120;
    seminar.reminders = {Span{Span::Unit::days, 10}, Span{Span::Unit::days, 1}};
    Form open_class;
    open_class.id = "open-class";
    open_class.name = {"Ашық оқу қызметі", "Открытое занятие", "Open class"};
    open_class.duration_minutes = 45;
    plan.forms = {seminar, open_class};
    return plan;
}

ScheduledEvent event(std::string id, std::string centre, std::string form, Date day, int start, int end) {
    ScheduledEvent e;
    e.id = std::move(id);
    e.centre = std::move(centre);
    e.district = "shalqar";
    e.form = std::move(form);
    e.title = "Ойын арқылы дамыту";
    e.audience = "тәрбиешілер";
    e.responsible = e.centre == "erkemai" ? "akhmetova" : "sarsenova";
    e.date = day;
    e.start_minutes = start;
    e.end_minutes = end;
    e.source = "fixed";
    return e;
}

std::vector<ScheduledEvent> sample_events() {
    return {event("erkemai-seminar-1", "erkemai", "seminar", Date{2026_y / 12 / 8}, 600, 720),
            event("balapan-open-1", "balapan", "open-class", Date{2027_y / 1 / 20}, 600, 645),
            event("erkemai-open-1", "erkemai", "open-class", Date{2027_y / 2 / 10}, 660, 705)};
}

ScheduledEvent* find_event(std::vector<ScheduledEvent>& events, std::string_view id) {
    auto it = std::find_if(events.begin(), events.end(), [&](const ScheduledEvent& e) { return e.id == id; });
    return it == events.end() ? nullptr : &*it;
}

std::optional<StoredEvent> stored_event(const Store& store, std::string_view id) {
    for (auto& e : store.events({}))
        if (e.event.id == id) return e;
    return std::nullopt;
}

std::optional<StoredCentre> stored_centre(const Store& store, std::string_view id) {
    for (auto& c : store.centres())
        if (c.id == id) return c;
    return std::nullopt;
}

// Stands in for the future `held` command: execution columns written behind the store's back.
void mark_held(const fs::path& db_file, const std::string& event_id) {
    SQLite::Database raw(db_file.string(), SQLite::OPEN_READWRITE);
    SQLite::Statement update(raw, "UPDATE event SET state = 'held', held_date = date, participants = 25 WHERE id = ?1");
    update.bind(1, event_id);
    REQUIRE(update.exec() == 1);
}

std::vector<std::pair<std::string, std::string>> actions_and_subjects(const std::vector<HistoryRow>& rows) {
    std::vector<std::pair<std::string, std::string>> pairs;
    for (const auto& row : rows) pairs.emplace_back(row.action, row.subject);
    return pairs;
}

}  // namespace

// A new file gets every migration and runs in WAL with synchronous=FULL and foreign keys on.
TEST_CASE("a new database migrates to the latest schema with WAL and FULL") {
    TempDir dir;
    auto store = Store::open(dir.db());
    CHECK(store->schema_version() == Store::latest_schema_version());
    CHECK(Store::latest_schema_version() >= 1);
    StoreSettings settings = store->settings();
    CHECK(settings.journal_mode == "wal");
    CHECK(settings.synchronous == 2);
    CHECK(settings.foreign_keys);
    CHECK(settings.busy_timeout_ms > 0);
    CHECK_FALSE(store->plan_info());

    store.reset();
    auto reopened = Store::open(dir.db());
    CHECK(reopened->schema_version() == Store::latest_schema_version());
}

// preview's empty store: the latest schema with its keys enforced, nothing durable, each one its
// own database, and no file written anywhere.
TEST_CASE("a database in memory has the schema and checks, and is its own") {
    TempDir dir;
    const fs::path cwd = fs::current_path();
    fs::current_path(dir.path());  // a ":memory:" taken for a file name would land here
    auto one = Store::open_in_memory();
    auto other = Store::open_in_memory();
    fs::current_path(cwd);
    CHECK(one->schema_version() == Store::latest_schema_version());
    const StoreSettings settings = one->settings();
    CHECK(settings.journal_mode == "memory");
    CHECK(settings.synchronous == 0);
    CHECK(settings.foreign_keys);

    one->apply_plan(sample_plan(), sample_events(), kFirstLoad, kActor);
    CHECK(one->events({}).size() == sample_events().size());
    CHECK(other->events({}).empty());
    std::vector<ScheduledEvent> orphan{event("orphan-1", "nowhere", "seminar", Date{2027_y / 3 / 3}, 600, 720)};
    CHECK_THROWS_WITH(other->apply_plan(sample_plan(), orphan, kFirstLoad, kActor), Catch::Contains("FOREIGN KEY"));
    CHECK(fs::is_empty(dir.path()));
}

// A database written by a newer tarat is refused with a clear message and left as it was.
TEST_CASE("a database from a newer schema is refused untouched") {
    TempDir dir;
    {
        SQLite::Database raw(dir.db().string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        raw.exec("PRAGMA user_version = " + std::to_string(Store::latest_schema_version() + 1));
    }
    try {
        Store::open(dir.db());
        FAIL("open succeeded");
    } catch (const StoreError& e) {
        std::string message = e.what();
        CHECK(message.find(dir.db().string()) != std::string::npos);
        CHECK(message.find("newer") != std::string::npos);
    }
    SQLite::Database raw(dir.db().string(), SQLite::OPEN_READONLY);
    SQLite::Statement mode(raw, "PRAGMA journal_mode");
    REQUIRE(mode.executeStep());
    CHECK(mode.getColumn(0).getString() == "delete");
}

// Files SQLite cannot use are reported with the path and SQLite's own words.
TEST_CASE("an unusable file is refused with the path and SQLite's words") {
    TempDir dir;
    fs::path garbage = dir.path() / "garbage.db";
    std::ofstream(garbage) << "this is not an SQLite database, just some text that is long enough to matter\n";
    CHECK_THROWS_WITH(Store::open(garbage), Catch::Contains(garbage.string()) && Catch::Contains("not a database"));

    fs::path nowhere = dir.path() / "missing-dir" / "tarat.db";
    CHECK_THROWS_WITH(Store::open(nowhere), Catch::Contains(nowhere.string()) && Catch::Contains("unable to open"));
}

// Loading the same plan again, even after reopening the file, writes nothing.
TEST_CASE("loading the same plan twice changes nothing") {
    TempDir dir;
    auto store = Store::open(dir.db());
    PlanLoadResult first = store->apply_plan(sample_plan(), sample_events(), kFirstLoad, kActor);
    CHECK(first.changed);
    // 4 people, 1 district, 2 centres, 2 forms, the plan, 3 events
    CHECK(first.changes.size() == 13);
    const size_t history_after_first = store->history().size();
    CHECK(history_after_first == 11);  // the 3 events' in one row

    PlanLoadResult again = store->apply_plan(sample_plan(), sample_events(), kSecondLoad, kActor);
    CHECK_FALSE(again.changed);
    CHECK(again.changes.empty());
    CHECK(again.refused.empty());
    CHECK(store->history().size() == history_after_first);

    store.reset();
    store = Store::open(dir.db());
    CHECK_FALSE(store->apply_plan(sample_plan(), sample_events(), kThirdLoad, kActor).changed);
    CHECK(store->history().size() == history_after_first);
    REQUIRE(store->plan_info());
    CHECK(store->plan_info()->changed_at == kFirstLoad);
}

// A renamed centre, a removed event and an added person are recorded as exactly three differences.
TEST_CASE("a changed plan records exactly its differences") {
    TempDir dir;
    auto store = Store::open(dir.db());
    store->apply_plan(sample_plan(), sample_events(), kFirstLoad, kActor);
    const size_t history_before = store->history().size();

    Plan changed = sample_plan();
    changed.centres[0].name = "«Еркемай» бөбекжай-бақшасы";
    changed.people.push_back(person("zhaksylykova", "Жақсылықова А.", "тәрбиеші"));
    std::vector<ScheduledEvent> events = sample_events();
    events.erase(events.begin() + 1);  // balapan-open-1

    PlanLoadResult result = store->apply_plan(changed, events, kSecondLoad, "uid 1000");
    CHECK(result.changed);
    REQUIRE(result.changes.size() == 3);
    CHECK(result.changes[0] == "person:zhaksylykova added: name \"Жақсылықова А.\"; position \"тәрбиеші\"; locale \"kk\"");
    CHECK(result.changes[1] == "centre:erkemai changed: name \"" + kErkemaiName + "\" → \"«Еркемай» бөбекжай-бақшасы\"");
    CHECK(result.changes[2] == "event:balapan-open-1 removed");

    auto history = store->history(kSecondLoad);
    // And the start of the removed event's history, dated as it was: see the test of a first load.
    REQUIRE(store->history().size() == history_before + 4);
    CHECK(actions_and_subjects(history) ==
          std::vector<std::pair<std::string, std::string>>{{"plan.add", "person:zhaksylykova"},
                                                           {"plan.change", "centre:erkemai"},
                                                           {"plan.remove", "event:balapan-open-1"}});
    CHECK(history[1].actor == "uid 1000");
    CHECK(history[1].at == kSecondLoad);
    CHECK_FALSE(stored_event(*store, "balapan-open-1"));
    CHECK(store->plan_info()->changed_at == kSecondLoad);
}

// Pinned and held events keep their date, time and execution columns whatever the plan says, and
// the store keeps them when the plan drops them; the refused moves do not count as changes.
TEST_CASE("pinned and held events survive a plan that drops or moves them") {
    TempDir dir;
    auto store = Store::open(dir.db());
    std::vector<ScheduledEvent> events = sample_events();
    events.push_back(event("balapan-seminar-1", "balapan", "seminar", Date{2026_y / 11 / 17}, 600, 720));
    find_event(events, "erkemai-seminar-1")->pinned = true;  // pinned, will be dropped
    find_event(events, "erkemai-open-1")->pinned = true;     // pinned, will be moved
    store->apply_plan(sample_plan(), events, kFirstLoad, kActor);
    mark_held(dir.db(), "balapan-open-1");     // held, will be moved and retitled
    mark_held(dir.db(), "balapan-seminar-1");  // held, will be dropped

    std::vector<ScheduledEvent> replanned;
    ScheduledEvent held_moved = *find_event(events, "balapan-open-1");
    held_moved.date = Date{2027_y / 1 / 27};
    held_moved.title = "Жаңа тақырып";
    ScheduledEvent pinned_moved = *find_event(events, "erkemai-open-1");
    pinned_moved.date = Date{2027_y / 2 / 17};
    pinned_moved.start_minutes = 600;
    pinned_moved.end_minutes = 645;
    pinned_moved.pinned = false;  // a plan load never clears a pin
    replanned = {held_moved, pinned_moved};

    PlanLoadResult result = store->apply_plan(sample_plan(), replanned, kSecondLoad, kActor);
    CHECK(result.changed);
    CHECK(result.refused.size() == 2);

    auto pinned_dropped = stored_event(*store, "erkemai-seminar-1");
    REQUIRE(pinned_dropped);
    CHECK_FALSE(pinned_dropped->in_plan);
    CHECK(pinned_dropped->event.pinned);
    CHECK(pinned_dropped->event.date == Date{2026_y / 12 / 8});

    auto held_dropped = stored_event(*store, "balapan-seminar-1");
    REQUIRE(held_dropped);
    CHECK_FALSE(held_dropped->in_plan);
    CHECK(held_dropped->state == EventState::held);

    auto held = stored_event(*store, "balapan-open-1");
    REQUIRE(held);
    CHECK(held->event.date == Date{2027_y / 1 / 20});
    CHECK(held->event.title == "Жаңа тақырып");
    CHECK(held->state == EventState::held);
    CHECK(held->held_date == Date{2027_y / 1 / 20});
    CHECK(held->participants == 25);
    CHECK(held->sequence == 1);

    auto pinned = stored_event(*store, "erkemai-open-1");
    REQUIRE(pinned);
    CHECK(pinned->event.date == Date{2027_y / 2 / 10});
    CHECK(pinned->event.start_minutes == 660);
    CHECK(pinned->event.end_minutes == 705);
    CHECK(pinned->event.pinned);
    CHECK(pinned->sequence == 0);

    const size_t history_after = store->history().size();
    PlanLoadResult again = store->apply_plan(sample_plan(), replanned, kThirdLoad, kActor);
    CHECK_FALSE(again.changed);
    CHECK(again.refused == result.refused);
    CHECK(store->history().size() == history_after);
}

// A centre the plan drops stays (out of the plan) while a held event still points at it.
TEST_CASE("a dropped centre stays while a kept event refers to it") {
    TempDir dir;
    auto store = Store::open(dir.db());
    store->apply_plan(sample_plan(), sample_events(), kFirstLoad, kActor);
    mark_held(dir.db(), "balapan-open-1");

    Plan without_balapan = sample_plan();
    without_balapan.centres.erase(without_balapan.centres.begin() + 1);
    std::vector<ScheduledEvent> events = sample_events();
    events.erase(events.begin() + 1);

    PlanLoadResult result = store->apply_plan(without_balapan, events, kSecondLoad, kActor);
    CHECK(result.changes ==
          std::vector<std::string>{"event:balapan-open-1 removed: kept because it is held",
                                   "centre:balapan removed: kept because kept events still refer to it"});
    auto balapan = stored_centre(*store, "balapan");
    REQUIRE(balapan);
    CHECK_FALSE(balapan->in_plan);
    CHECK(balapan->event_count == 1);
    CHECK_FALSE(store->apply_plan(without_balapan, events, kThirdLoad, kActor).changed);

    // Back in the plan: the centre returns, recorded as an addition.
    PlanLoadResult back = store->apply_plan(sample_plan(), events, kThirdLoad, kActor);
    CHECK(std::find(back.changes.begin(), back.changes.end(), "centre:balapan added: back in the plan") !=
          back.changes.end());
    CHECK(stored_centre(*store, "balapan")->in_plan);
}

// A load lists its first 1,000 changes as lines and counts all of them.
TEST_CASE("a large load lists its first changes and counts them all") {
    TempDir dir;
    auto store = Store::open(dir.db());
    auto events = sample_events();
    for (int i = 0; i < 1100; ++i)
        events.push_back(event("bulk-" + std::to_string(i), "erkemai", "seminar", Date{2027_y / 3 / 3}, 600, 720));
    PlanLoadResult result = store->apply_plan(sample_plan(), events, kFirstLoad, kActor);
    CHECK(result.change_count == 13 + 1100);
    REQUIRE(result.changes.size() == PlanLoadResult::kListedChanges);
    CHECK_THAT(result.changes.front(), Catch::StartsWith("person:bertleuova added: name \"Бертлеуова Н.\""));
    CHECK_THAT(result.changes.back(), Catch::StartsWith("event:bulk-"));
    CHECK(store->history().size() == 10 + 1);  // the events' in one row, as the table was empty
    CHECK(store->events({}).size() == events.size());
}

// An added event's values are listed for the caller but not copied into the history: they are the
// stored row, and the history records each later change to it as before → after. Other rows keep
// their values in the history, as the plan's people and centres are few.
TEST_CASE("the history of an added event holds its later changes, not a copy of its row") {
    TempDir dir;
    auto store = Store::open(dir.db());
    PlanLoadResult first = store->apply_plan(sample_plan(), sample_events(), kFirstLoad, kActor);
    const std::string listed = "event:erkemai-seminar-1 added: centre \"erkemai\"";
    CHECK(std::any_of(first.changes.begin(), first.changes.end(),
                      [&](const std::string& line) { return line.rfind(listed, 0) == 0; }));

    auto moved = sample_events();
    const std::string was = format_date(find_event(moved, "erkemai-seminar-1")->date);
    find_event(moved, "erkemai-seminar-1")->date = Date{2026_y / 12 / 10};
    store->apply_plan(sample_plan(), moved, kSecondLoad, kActor);

    auto rows = store->history_about("event:erkemai-seminar-1");
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].action == "plan.add");
    CHECK(rows[0].detail.empty());
    CHECK(rows[1].action == "plan.change");
    CHECK(rows[1].detail == "date \"" + was + "\" → \"2026-12-10\"");
    auto person = store->history_about("person:bertleuova");
    REQUIRE(person.size() == 1);
    CHECK_THAT(person[0].detail, Catch::StartsWith("name \"Бертлеуова Н.\""));
}

// Every table, index and constraint, as SQLite keeps them.
std::vector<std::string> schema_of(const std::filesystem::path& db_file) {
    SQLite::Database db(db_file.string(), SQLite::OPEN_READONLY);
    SQLite::Statement query(db, "SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_schema ORDER BY name");
    std::vector<std::string> objects;
    while (query.executeStep()) objects.push_back(query.getColumn(0).getString());
    return objects;
}

// A first load fills the empty tables and then makes their indexes, which it set aside; a first
// load that fails gives them back as they were.
TEST_CASE("a first load leaves every index as the schema made it, whether it fails or not") {
    TempDir dir;
    auto store = Store::open(dir.db());
    const auto fresh = schema_of(dir.db());
    REQUIRE(std::count_if(fresh.begin(), fresh.end(), [](const std::string& o) { return o.rfind("index event_by_", 0) == 0; }) == 6);

    std::vector<ScheduledEvent> orphaned = sample_events();
    orphaned.push_back(event("orphan-1", "nowhere", "seminar", Date{2027_y / 3 / 3}, 600, 720));
    CHECK_THROWS_WITH(store->apply_plan(sample_plan(), orphaned, kFirstLoad, kActor), Catch::Contains("event:orphan-1"));
    CHECK(schema_of(dir.db()) == fresh);
    CHECK(store->events({}).empty());

    store->apply_plan(sample_plan(), sample_events(), kFirstLoad, kActor);
    CHECK(schema_of(dir.db()) == fresh);
    SQLite::Database db(dir.db().string(), SQLite::OPEN_READONLY);
    CHECK(db.execAndGet("PRAGMA integrity_check").getString() == "ok");
    // Each index holds every row: counted through it, as the planner reads it.
    for (const char* index : {"event_by_id", "event_by_date", "event_by_centre", "event_by_district", "event_by_responsible"})
        CHECK(db.execAndGet(std::string("SELECT count(*) FROM event INDEXED BY ") + index).getInt() ==
              int(sample_events().size()));
    CHECK(db.execAndGet("SELECT count(*) FROM history INDEXED BY history_by_subject").getInt() ==
          int(store->history().size()));
    // The rows lie in the order they are given, the schedule's by date, which is how the whole plan
    // is read: a national plan read by date from rows in id order took five times as long.
    auto ids = [&](const char* order) {
        SQLite::Statement query(db, std::string("SELECT id FROM event ORDER BY ") + order);
        std::vector<std::string> out;
        while (query.executeStep()) out.push_back(query.getColumn(0).getString());
        return out;
    };
    std::vector<std::string> given;
    for (const auto& e : sample_events()) given.push_back(e.id);
    CHECK(ids("rowid") == given);
    CHECK(ids("date, start_minutes, id") == given);
}

// A first load fills the empty event table: one history row records the addition of all its
// events, and each event's own history begins with it, as if it were the event's. A national
// plan's 200,000 rows of "added" were a third of its database and 0.3 s of its first load.
TEST_CASE("a first load records its events' addition in one row, with which each event's history begins") {
    TempDir dir;
    auto store = Store::open(dir.db());
    const auto events = sample_events();
    PlanLoadResult first = store->apply_plan(sample_plan(), events, kFirstLoad, kActor);
    CHECK(first.change_count == 13);  // still listed one by one for the caller
    std::vector<HistoryRow> about_events;
    for (const auto& row : store->history())
        if (row.subject.starts_with("event:")) about_events.push_back(row);
    REQUIRE(about_events.size() == 1);
    const HistoryRow& all = about_events[0];
    CHECK(all.subject == "event:*");
    CHECK(all.action == "plan.add");
    CHECK(all.detail == std::to_string(events.size()) + " events");
    CHECK(store->history().size() == 10 + 1);  // people, district, centres, forms, plan; the events'

    for (const auto& e : events) {
        const auto rows = store->history_about("event:" + e.id);
        REQUIRE(rows.size() == 1);
        CHECK(rows[0].id == all.id);
        CHECK(rows[0].subject == "event:" + e.id);
        CHECK(rows[0].action == "plan.add");
        CHECK(rows[0].actor == kActor);
        CHECK(rows[0].at == kFirstLoad);
        CHECK(rows[0].detail.empty());
    }
    CHECK(store->history_about("person:erkemai-seminar-1").empty());  // an event's id, another subject

    // Later rows follow it; a later load's additions have rows of their own.
    store->add_history(kSecondLoad, "uid 1000", "event.held", "event:erkemai-seminar-1", "");
    auto more = events;
    more.push_back(event("erkemai-seminar-2", "erkemai", "seminar", Date{2027_y / 3 / 3}, 600, 720));
    store->apply_plan(sample_plan(), more, kSecondLoad, kActor);
    auto held = store->history_about("event:erkemai-seminar-1");
    REQUIRE(held.size() == 2);
    CHECK(held[0].id == all.id);
    CHECK(held[1].action == "event.held");
    auto added = store->history_about("event:erkemai-seminar-2");
    REQUIRE(added.size() == 1);
    CHECK(added[0].subject == "event:erkemai-seminar-2");
    CHECK(added[0].id > all.id);

    // An event the plan drops keeps the start of its history: recorded as its own before it goes.
    auto fewer = more;
    std::erase_if(fewer, [](const ScheduledEvent& e) { return e.id == "balapan-open-1"; });
    store->apply_plan(sample_plan(), fewer, kThirdLoad, kActor);
    REQUIRE_FALSE(stored_event(*store, "balapan-open-1"));
    auto gone = store->history_about("event:balapan-open-1");
    REQUIRE(gone.size() == 2);
    CHECK(gone[0].action == "plan.add");
    CHECK(gone[0].at == kFirstLoad);
    CHECK(gone[0].actor == kActor);
    CHECK(gone[1].action == "plan.remove");
    CHECK(gone[1].at == kThirdLoad);
}

// A first load checks the references of its rows once, after the last one, with the foreign keys
// set aside for its transaction only: a broken one is named as the row-by-row check names it, and
// the keys are in force again after the load, whether it failed or not.
TEST_CASE("a first load checks every reference at its end and leaves the foreign keys on") {
    TempDir dir;
    auto store = Store::open(dir.db());
    std::vector<ScheduledEvent> orphaned = sample_events();
    orphaned.push_back(event("orphan-1", "nowhere", "seminar", Date{2027_y / 3 / 3}, 600, 720));
    CHECK_THROWS_WITH(store->apply_plan(sample_plan(), orphaned, kFirstLoad, kActor),
                      Catch::Contains("event:orphan-1: FOREIGN KEY") && Catch::Contains("centre \"nowhere\""));
    CHECK(store->settings().foreign_keys);
    CHECK(store->events({}).empty());
    CHECK(store->centres().empty());
    // Each of an event's references, by the schema's foreign keys; a responsible may be none.
    for (auto [column, broken] : std::initializer_list<std::pair<std::string, void (*)(ScheduledEvent&)>>{
             {"centre", [](ScheduledEvent& e) { e.centre = "nowhere"; }},
             {"district", [](ScheduledEvent& e) { e.district = "nowhere"; }},
             {"form", [](ScheduledEvent& e) { e.form = "nowhere"; }},
             {"responsible", [](ScheduledEvent& e) { e.responsible = "nowhere"; }}}) {
        std::vector<ScheduledEvent> events = sample_events();
        broken(events.back());
        CHECK_THROWS_WITH(store->apply_plan(sample_plan(), events, kFirstLoad, kActor),
                          Catch::Contains("event:" + events.back().id + ": FOREIGN KEY") &&
                              Catch::Contains(column + " \"nowhere\" is not stored"));
        CHECK(store->events({}).empty());
    }
    Plan directorless = sample_plan();
    directorless.centres[0].director.clear();
    auto unassigned = sample_events();
    for (auto& e : unassigned) e.responsible.clear();
    store->apply_plan(directorless, unassigned, kFirstLoad, kActor);
    REQUIRE(store->events({}).size() == unassigned.size());
    store.reset();
    fs::remove(dir.db());
    store = Store::open(dir.db());

    Plan headless = sample_plan();
    headless.districts[0].head = "no-such-person";
    CHECK_THROWS_WITH(store->apply_plan(headless, sample_events(), kFirstLoad, kActor),
                      Catch::Contains("district:" + headless.districts[0].id) &&
                          Catch::Contains("head \"no-such-person\""));
    CHECK(store->settings().foreign_keys);

    store->apply_plan(sample_plan(), sample_events(), kFirstLoad, kActor);
    CHECK(store->settings().foreign_keys);
    CHECK(store->events({}).size() == sample_events().size());
    // The store is not empty now: the next load is checked row by row and still names the row.
    CHECK_THROWS_WITH(store->apply_plan(sample_plan(), orphaned, kSecondLoad, kActor),
                      Catch::Contains("event:orphan-1") && Catch::Contains("FOREIGN KEY"));
    CHECK(store->settings().foreign_keys);
}

// What is counted from the events is kept while events_generation() stays: it moves with the
// events and the plan's centres, and with a rollback, but not with the history or a sign-in.
TEST_CASE("the events' generation moves with the events and the centres only") {
    TempDir dir;
    auto store = Store::open(dir.db());
    const auto fresh = store->events_generation();
    store->apply_plan(sample_plan(), sample_events(), kFirstLoad, kActor);
    const auto loaded = store->events_generation();
    CHECK(loaded > fresh);

    const auto writes = store->generation();
    store->add_history(kSecondLoad, kActor, "ctl.status", "", "");
    store->add_web_session("hash", "bertleuova", kSecondLoad, kSecondLoad + std::chrono::hours(1));
    CHECK(store->generation() > writes);  // committed writes, of something else
    CHECK(store->events_generation() == loaded);
    CHECK_FALSE(store->apply_plan(sample_plan(), sample_events(), kSecondLoad, kActor).changed);
    CHECK(store->events_generation() == loaded);  // the same plan again writes nothing

    store->record_held("erkemai-seminar-1", Date{2026_y / 12 / 8}, 20);
    const auto held = store->events_generation();
    CHECK(held > loaded);
    CHECK_THROWS(store->record_held("no-such-event", Date{2026_y / 12 / 8}, 20));
    const auto undone = store->events_generation();
    CHECK(undone > held);  // a rollback: whatever was read within may be gone

    Plan renamed = sample_plan();
    renamed.centres[0].name = "«Еркемай» бөбекжай-бақшасы";
    store->apply_plan(renamed, sample_events(), kSecondLoad, kActor);
    CHECK(store->events_generation() > undone);
}

// A load that fails after some rows were written leaves the database exactly as before.
TEST_CASE("a load that fails midway leaves the database as it was") {
    TempDir dir;
    auto store = Store::open(dir.db());
    store->apply_plan(sample_plan(), sample_events(), kFirstLoad, kActor);
    const auto centres_before = store->centres();
    const auto history_before = store->history();
    const auto events_before = store->events({});

    Plan broken = sample_plan();
    broken.centres[0].name = "renamed";  // written before the events
    broken.people.push_back(person("new-person", "Жаңа адам", ""));
    std::vector<ScheduledEvent> events = sample_events();
    events.erase(events.begin());
    events.push_back(event("orphan-1", "nowhere", "seminar", Date{2027_y / 3 / 3}, 600, 720));  // no such centre

    CHECK_THROWS_WITH(store->apply_plan(broken, events, kSecondLoad, kActor),
                      Catch::Contains("event:orphan-1") && Catch::Contains("FOREIGN KEY"));

    auto centres_after = store->centres();
    REQUIRE(centres_after.size() == centres_before.size());
    for (size_t i = 0; i < centres_after.size(); ++i) CHECK(centres_after[i].name == centres_before[i].name);
    CHECK(store->history().size() == history_before.size());
    CHECK(store->events({}).size() == events_before.size());
    CHECK(store->plan_info()->changed_at == kFirstLoad);

    // The write lock was released: the next load goes through.
    CHECK(store->apply_plan(sample_plan(), sample_events(), kSecondLoad, kActor).changed == false);
}

// An id given twice is refused before anything is written, whether the store has it or not.
TEST_CASE("a load that names an event twice is refused and changes nothing") {
    TempDir dir;
    auto store = Store::open(dir.db());
    store->apply_plan(sample_plan(), sample_events(), kFirstLoad, kActor);
    const auto history_before = store->history();
    const auto events_before = store->events({});
    for (const bool stored : {true, false}) {
        INFO((stored ? "a stored id" : "a new id"));
        std::vector<ScheduledEvent> events = sample_events();
        ScheduledEvent twice = stored ? events.back()
                                      : event("new-1", events.front().centre, "seminar", Date{2027_y / 3 / 3}, 600, 720);
        if (!stored) events.push_back(twice);
        twice.date = Date{2027_y / 3 / 4};
        events.push_back(twice);
        CHECK_THROWS_WITH(store->apply_plan(sample_plan(), events, kSecondLoad, kActor),
                          Catch::Contains("event:" + twice.id + ": appears twice"));
        CHECK(store->history().size() == history_before.size());
        CHECK(store->events({}).size() == events_before.size());
    }
}

// A first load finds an id given twice when it makes the ids' unique index, after the rows.
TEST_CASE("a first load that names an event twice is refused and stores nothing") {
    TempDir dir;
    auto store = Store::open(dir.db());
    std::vector<ScheduledEvent> events = sample_events();
    events.push_back(events.front());
    events.back().date = Date{2027_y / 3 / 4};
    CHECK_THROWS_WITH(store->apply_plan(sample_plan(), events, kFirstLoad, kActor),
                      Catch::Contains("event:" + events.front().id + ": appears twice"));
    CHECK(store->history().empty());
    CHECK(store->events({}).empty());
    CHECK(store->centres().empty());
    CHECK(store->apply_plan(sample_plan(), sample_events(), kFirstLoad, kActor).changed);
}

// Events handed over one by one are stored as the same events given at once: into an empty table
// as they come, each asked for once; later, gathered and compared with the stored ones.
TEST_CASE("events handed over one by one are stored as if given at once") {
    TempDir given_dir, handed_dir;
    auto given = Store::open(given_dir.db());
    auto handed = Store::open(handed_dir.db());
    int asked = 0;
    auto hand_over = [&asked](std::vector<ScheduledEvent> events) {
        return [&asked, events = std::move(events)](const Store::EventSink& each) {
            ++asked;
            for (const auto& e : events) each(e);
        };
    };
    auto moved = sample_events();
    find_event(moved, "erkemai-seminar-1")->date = Date{2026_y / 12 / 10};
    moved.pop_back();
    for (const auto& [events, at] : {std::pair{sample_events(), kFirstLoad}, std::pair{moved, kSecondLoad}}) {
        const auto from_given = given->apply_plan(sample_plan(), events, at, kActor);
        const auto from_handed = handed->apply_plan(sample_plan(), hand_over(events), at, kActor);
        CHECK(from_handed.changes == from_given.changes);
        CHECK(from_handed.change_count == from_given.change_count);
        auto rows = [](const Store& store) {
            std::vector<std::tuple<ScheduledEvent, int, bool>> out;
            for (const auto& e : store.events({})) out.emplace_back(e.event, e.sequence, e.in_plan);
            return out;
        };
        CHECK(rows(*handed) == rows(*given));
        CHECK(actions_and_subjects(handed->history()) == actions_and_subjects(given->history()));
    }
    CHECK(asked == 2);
}

// Kazakh and Russian text comes back byte for byte from every table and the history.
TEST_CASE("Kazakh and Russian text round-trips byte for byte") {
    TempDir dir;
    auto store = Store::open(dir.db());
    store->apply_plan(sample_plan(), sample_events(), kFirstLoad, kActor);
    store.reset();
    store = Store::open(dir.db());

    auto erkemai = stored_centre(*store, "erkemai");
    REQUIRE(erkemai);
    CHECK(erkemai->name == kErkemaiName);
    CHECK(erkemai->district_name == kShalqarName);
    CHECK(store->plan_info()->title == sample_plan().title);
    CHECK(stored_event(*store, "erkemai-seminar-1")->event.title == "Ойын арқылы дамыту");

    const std::string russian = "Семинар перенесён: «Ерекше» ясли-сад, Шалкарский район";
    store->add_history(kSecondLoad, kMethodologistName, "event.note", "event:erkemai-seminar-1", russian);
    auto rows = store->history(kSecondLoad);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].actor == kMethodologistName);
    CHECK(rows[0].detail == russian);

    bool person_recorded = false;
    for (const auto& row : store->history())
        if (row.subject == "person:bertleuova") person_recorded = row.detail.find(kMethodologistName) != std::string::npos;
    CHECK(person_recorded);
}

// Filters narrow events, and upcoming() lists planned events from a day on, in date order, up to a limit.
TEST_CASE("event queries filter and order") {
    TempDir dir;
    auto store = Store::open(dir.db());
    store->apply_plan(sample_plan(), sample_events(), kFirstLoad, kActor);
    mark_held(dir.db(), "erkemai-seminar-1");

    EventFilter at_erkemai;
    at_erkemai.centre = "erkemai";
    auto erkemai = store->events(at_erkemai);
    REQUIRE(erkemai.size() == 2);
    CHECK(erkemai[0].event.id == "erkemai-seminar-1");
    CHECK(erkemai[1].event.id == "erkemai-open-1");

    EventFilter held;
    held.state = EventState::held;
    REQUIRE(store->events(held).size() == 1);

    EventFilter january;
    january.from = Date{2027_y / 1 / 1};
    january.to = Date{2027_y / 1 / 31};
    january.form = "open-class";
    auto in_january = store->events(january);
    REQUIRE(in_january.size() == 1);
    CHECK(in_january[0].event.id == "balapan-open-1");

    auto upcoming = store->upcoming(Date{2026_y / 9 / 1}, 10);
    REQUIRE(upcoming.size() == 2);  // the held one is done
    CHECK(upcoming[0].event.id == "balapan-open-1");
    CHECK(upcoming[1].event.id == "erkemai-open-1");
    CHECK(store->upcoming(Date{2026_y / 9 / 1}, 1).size() == 1);
    CHECK(store->upcoming(Date{2027_y / 1 / 21}, 10).size() == 1);
    CHECK(upcoming[0].event == sample_events()[1]);
}

// A page of events starts after its cursor's place in the order (date, start, id), ties on the
// same day and hour included; its total counts every match; a cursor outside the filter is refused.
TEST_CASE("events read in pages follow the order of the whole list") {
    TempDir dir;
    auto store = Store::open(dir.db());
    auto events = sample_events();
    for (const char* id : {"tie-c", "tie-a", "tie-b"})  // same day and hour at two centres
        events.push_back(event(id, std::string(id) == "tie-b" ? "balapan" : "erkemai", "seminar",
                               Date{2027_y / 1 / 20}, 600, 700));
    store->apply_plan(sample_plan(), events, kFirstLoad, kActor);
    EventFilter at_erkemai;
    at_erkemai.centre = "erkemai";
    EventFilter from_january;
    from_january.from = Date{2027_y / 1 / 1};
    for (const EventFilter& filter : {EventFilter{}, at_erkemai, from_january}) {
        std::vector<std::string> whole;
        for (const auto& e : store->events(filter)) whole.push_back(e.event.id);
        REQUIRE(whole.size() >= 3);
        for (std::size_t limit : {std::size_t{1}, std::size_t{2}, whole.size(), whole.size() + 1}) {
            INFO("limit " << limit << ", " << whole.size() << " events");
            std::vector<std::string> paged;
            std::optional<std::string> after;
            for (int pages = 0; pages < 20; ++pages) {
                auto page = store->events_page(filter, after, limit);
                REQUIRE(page);
                CHECK(page->total == whole.size());
                CHECK(page->events.size() <= limit);
                for (const auto& e : page->events) paged.push_back(e.event.id);
                if (!page->more) break;
                after = page->events.back().event.id;
            }
            CHECK(paged == whole);
        }
    }
    CHECK_FALSE(store->events_page(at_erkemai, std::string("tie-b"), 5));  // balapan's
    CHECK_FALSE(store->events_page({}, std::string("no-such-event"), 5));
    const auto last = store->events_page({}, std::string("erkemai-open-1"), 5);  // the latest
    REQUIRE(last);
    CHECK(last->events.empty());
    CHECK_FALSE(last->more);
}

// history(since) returns the rows at or after an instant, oldest first.
TEST_CASE("history since an instant") {
    TempDir dir;
    auto store = Store::open(dir.db());
    store->add_history(kFirstLoad, "root", "reload", "", "");
    store->add_history(kSecondLoad, "uid 1000", "postpone", "event:a", "2026-12-08 → 2026-12-15");
    store->add_history(kThirdLoad, "uid 1000", "held", "event:a", "");
    CHECK(store->history().size() == 3);
    auto since = store->history(kSecondLoad);
    REQUIRE(since.size() == 2);
    CHECK(since[0].action == "postpone");
    CHECK(since[0].detail == "2026-12-08 → 2026-12-15");
    CHECK(since[1].at == kThirdLoad);
}

// History in pages by row id: forward from a cursor the pages make up the whole (since) list and
// count what is after the cursor; without one, the newest rows in order and the count of all.
TEST_CASE("history read in pages makes up the whole history") {
    TempDir dir;
    auto store = Store::open(dir.db());
    for (int i = 0; i < 7; ++i)
        store->add_history(i < 3 ? kFirstLoad : kSecondLoad, "root", "step", "event:" + std::to_string(i), "");
    for (std::optional<Instant> since : {std::optional<Instant>{}, std::optional<Instant>{kSecondLoad}}) {
        const auto whole = store->history(since);
        for (std::size_t limit : {std::size_t{1}, std::size_t{3}, whole.size()}) {
            INFO("limit " << limit << (since ? ", since" : ""));
            std::vector<std::int64_t> ids;
            std::int64_t after = 0;
            for (int pages = 0; pages < 20; ++pages) {
                const auto page = store->history_page(since, after, limit);
                std::size_t left = 0;
                for (const auto& row : whole) left += row.id > after;
                CHECK(page.total == left);
                for (const auto& row : page.rows) ids.push_back(row.id);
                if (!page.more) break;
                after = page.rows.back().id;
            }
            std::vector<std::int64_t> expected;
            for (const auto& row : whole) expected.push_back(row.id);
            CHECK(ids == expected);
        }
        const auto newest = store->history_page(since, std::nullopt, 2);
        CHECK(newest.total == whole.size());
        REQUIRE(newest.rows.size() == 2);
        CHECK(newest.rows[0].id == whole[whole.size() - 2].id);
        CHECK(newest.rows[1].id == whole.back().id);
        CHECK_FALSE(newest.more);
    }
}

// Centres come with their district's name and their event count; the plan with its period.
TEST_CASE("centres and plan info read back what was loaded") {
    TempDir dir;
    auto store = Store::open(dir.db());
    store->apply_plan(sample_plan(), sample_events(), kFirstLoad, kActor);
    auto centres = store->centres();
    REQUIRE(centres.size() == 2);
    CHECK(centres[0].id == "balapan");
    CHECK(centres[0].event_count == 1);
    CHECK(centres[1].id == "erkemai");
    CHECK(centres[1].director == "akhmetova");
    CHECK(centres[1].event_count == 2);
    auto info = store->plan_info();
    REQUIRE(info);
    CHECK(info->id == "shalqar-2026-27");
    CHECK(info->from == Date{2026_y / 9 / 1});
    CHECK(info->to == Date{2027_y / 5 / 31});
    CHECK(info->coordinator == "bertleuova");
    CHECK(info->timezone == "Asia/Aqtobe");
}

// The centres are read once per plan stored (a weekly digest at national scale counted every event
// for them): they still follow each plan stored, and not one stored in a transaction rolled back.
TEST_CASE("the centres read follow each plan stored, and not one rolled back") {
    TempDir dir;
    auto store = Store::open(dir.db());
    store->apply_plan(sample_plan(), sample_events(), kFirstLoad, kActor);
    REQUIRE(store->centres()[1].event_count == 2);

    std::vector<ScheduledEvent> fewer = sample_events();
    fewer.erase(std::find_if(fewer.begin(), fewer.end(), [](const auto& e) { return e.centre == "erkemai"; }));
    struct Undone {};
    CHECK_THROWS_AS(store->in_transaction([&] {
        store->apply_plan(sample_plan(), fewer, kSecondLoad, kActor);
        CHECK(store->centres()[1].event_count == 1);  // read inside, as it stands there
        throw Undone{};
    }), Undone);
    CHECK(store->centres()[1].event_count == 2);

    Plan renamed = sample_plan();
    for (auto& c : renamed.centres)
        if (c.id == "erkemai") c.name = "Жаңа атау";
    store->apply_plan(renamed, fewer, kSecondLoad, kActor);
    CHECK(store->centres()[1].event_count == 1);
    CHECK(store->centres()[1].name == "Жаңа атау");
}

// An event read twice in one transaction may come from the first read: never once it was written,
// its write undone, or the transaction ended and another connection wrote.
TEST_CASE("an event read again reads what is stored now") {
    TempDir dir;
    auto store = Store::open(dir.db());
    store->apply_plan(sample_plan(), sample_events(), kFirstLoad, kActor);
    const std::string id = sample_events().front().id;
    const Date day = sample_events().front().date;
    struct Undone {};
    store->in_transaction([&] {
        REQUIRE(store->event(id)->state == EventState::planned);
        store->record_held(id, day, 12);
        CHECK(store->event(id)->state == EventState::held);
        CHECK_THROWS_AS(store->in_transaction([&] {
            store->record_report(id, day, "№ 1");
            CHECK(store->event(id)->state == EventState::reported);
            throw Undone{};
        }), Undone);
        CHECK(store->event(id)->state == EventState::held);
        CHECK(store->event(id)->state == EventState::held);
    });
    store->in_transaction([&] { CHECK(store->event(id)->participants == 12); });
    {
        SQLite::Database other(dir.db().string(), SQLite::OPEN_READWRITE);
        other.exec("UPDATE event SET participants = 30 WHERE id = '" + id + "'");
    }
    store->in_transaction([&] { CHECK(store->event(id)->participants == 30); });
    CHECK(store->event(id)->participants == 30);
}

// A WriteTransaction undoes uncommitted work, and its destructor stays quiet when SQLite has
// already rolled back (explicitly, or after SQLITE_FULL).
TEST_CASE("a write transaction rolls back unless committed") {
    TempDir dir;
    SQLite::Database db(dir.db().string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("CREATE TABLE t (x BLOB)");
    auto count = [&] { return db.execAndGet("SELECT count(*) FROM t").getInt(); };

    {
        WriteTransaction transaction(db);
        db.exec("INSERT INTO t VALUES (1)");
    }
    CHECK(count() == 0);

    {
        WriteTransaction transaction(db);
        db.exec("INSERT INTO t VALUES (1)");
        db.exec("ROLLBACK");  // as SQLite itself may do
    }
    CHECK(count() == 0);

    {
        WriteTransaction transaction(db);
        db.exec("INSERT INTO t VALUES (1)");
        transaction.commit();
    }
    CHECK(count() == 1);

    // A file capped a few pages above its size fills up inside the transaction.
    const int pages = db.execAndGet("PRAGMA page_count").getInt();
    db.exec("PRAGMA max_page_count = " + std::to_string(pages + 4));
    auto fill = [&] {
        WriteTransaction transaction(db);
        for (int i = 0; i < 100; ++i) db.exec("INSERT INTO t VALUES (zeroblob(4096))");
        transaction.commit();
    };
    CHECK_THROWS_AS(fill(), SQLite::Exception);
    CHECK(count() == 1);
    {
        WriteTransaction transaction(db);
        db.exec("INSERT INTO t VALUES (2)");
        transaction.commit();
    }
    CHECK(count() == 2);
}

// A backup image is a committed snapshot taken on its own connection: a write still open on the
// store's connection is not in it, the image is a valid database file in rollback-journal mode
// (it opens without -wal and -shm files) and holds every committed row.
TEST_CASE("backup_image copies what is committed and nothing half-done") {
    TempDir dir;
    auto store = Store::open(dir.db());
    store->apply_plan(sample_plan(), sample_events(), kFirstLoad, kActor);
    store->add_history(kSecondLoad, kActor, "test.committed", "event:x", "before the backup");
    std::string image;
    store->in_transaction([&] {
        store->add_history(kSecondLoad, kActor, "test.uncommitted", "event:x", "open during the backup");
        image = store->backup_image();
    });
    REQUIRE(image.size() > 100);
    CHECK(image.compare(0, 16, std::string("SQLite format 3\0", 16)) == 0);
    CHECK(image[18] == 1);
    CHECK(image[19] == 1);
    const auto copy = dir.path() / "copy.db";
    std::ofstream(copy, std::ios::binary) << image;
    SQLite::Database db(copy.string(), SQLite::OPEN_READONLY);
    CHECK(db.execAndGet("PRAGMA integrity_check").getString() == "ok");
    CHECK(db.execAndGet("SELECT count(*) FROM history WHERE action = 'test.committed'").getInt() == 1);
    CHECK(db.execAndGet("SELECT count(*) FROM history WHERE action = 'test.uncommitted'").getInt() == 0);
    CHECK(db.execAndGet("SELECT count(*) FROM event").getInt() ==
          static_cast<int>(sample_events().size()));
    CHECK(db.execAndGet("PRAGMA user_version").getInt() == Store::latest_schema_version());
    CHECK_FALSE(fs::exists(dir.path() / "copy.db-wal"));
}
