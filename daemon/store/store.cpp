#include "store/store.hpp"

#include "store/internal.hpp"
#include "store/write_transaction.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <cstdint>

namespace tarat {

using store_internal::Reused;
using store_internal::count_of;
namespace {
using store_internal::guarded;
using store_internal::instant_from_unix_seconds;
using store_internal::unix_seconds;

// taratctl's admin commands and a second taratd may hold the write lock for a moment.
constexpr int kBusyTimeoutMs = 5000;
constexpr int kSynchronousFull = 2;

std::string query_text(const SQLite::Database& db, const char* sql) {
    SQLite::Statement query(db, sql);
    if (!query.executeStep()) throw StoreError(std::string("no answer to ") + sql);
    return query.getColumn(0).getString();
}

int query_int(const SQLite::Database& db, const char* sql) {
    SQLite::Statement query(db, sql);
    if (!query.executeStep()) throw StoreError(std::string("no answer to ") + sql);
    return query.getColumn(0).getInt();
}

int read_user_version(const SQLite::Database& db) { return query_int(db, "PRAGMA user_version"); }

StoreSettings read_settings(const SQLite::Database& db) {
    StoreSettings in_force;
    in_force.journal_mode = query_text(db, "PRAGMA journal_mode");
    in_force.synchronous = query_int(db, "PRAGMA synchronous");
    in_force.foreign_keys = query_int(db, "PRAGMA foreign_keys") != 0;
    in_force.busy_timeout_ms = query_int(db, "PRAGMA busy_timeout");
    return in_force;
}

void refuse_if_newer(int version) {
    if (version > Store::latest_schema_version())
        throw StoreError("schema version " + std::to_string(version) + " is newer than this tarat knows (" +
                         std::to_string(Store::latest_schema_version()) +
                         "); run the tarat that wrote it or restore a backup");
}

std::string text_or_empty(const SQLite::Column& column) { return column.isNull() ? std::string{} : column.getString(); }

Date stored_date(const SQLite::Column& column) {
    std::string text = column.getString();
    if (auto day = parse_date(text)) return *day;
    throw StoreError("column " + std::string(column.getName()) + " holds '" + text + "', not a YYYY-MM-DD date");
}

std::optional<Date> stored_optional_date(const SQLite::Column& column) {
    if (column.isNull()) return std::nullopt;
    return stored_date(column);
}

void bind_optional_date(SQLite::Statement& statement, int index, const std::optional<Date>& day) {
    if (day) statement.bind(index, format_date(*day));
    else statement.bind(index);
}

// Column order shared by every query that returns StoredEvent rows; read_event() follows it.
constexpr const char* kEventColumns =
    "id, centre, district, form, title, audience, responsible, date, start_minutes, end_minutes, source, "
    "pinned, in_plan, state, held_date, participants, reported_date, report_ref, cancel_reason, "
    "postponed_from, sequence";
constexpr const char* kEventOrder = " ORDER BY date, start_minutes, id";

StoredEvent read_event(const SQLite::Statement& row) {
    StoredEvent stored;
    ScheduledEvent& e = stored.event;
    e.id = row.getColumn(0).getString();
    e.centre = row.getColumn(1).getString();
    e.district = row.getColumn(2).getString();
    e.form = row.getColumn(3).getString();
    e.title = row.getColumn(4).getString();
    e.audience = row.getColumn(5).getString();
    e.responsible = text_or_empty(row.getColumn(6));
    e.date = stored_date(row.getColumn(7));
    e.start_minutes = row.getColumn(8).getInt();
    e.end_minutes = row.getColumn(9).getInt();
    e.source = row.getColumn(10).getString();
    e.pinned = row.getColumn(11).getInt() != 0;
    stored.in_plan = row.getColumn(12).getInt() != 0;
    std::string state = row.getColumn(13).getString();
    auto parsed_state = parse_state(state);
    if (!parsed_state) throw StoreError("event " + e.id + " has unknown state '" + state + "'");
    stored.state = *parsed_state;
    stored.held_date = stored_optional_date(row.getColumn(14));
    if (!row.getColumn(15).isNull()) stored.participants = row.getColumn(15).getInt();
    stored.reported_date = stored_optional_date(row.getColumn(16));
    stored.report_ref = text_or_empty(row.getColumn(17));
    stored.cancel_reason = text_or_empty(row.getColumn(18));
    stored.postponed_from = stored_optional_date(row.getColumn(19));
    stored.sequence = row.getColumn(20).getInt();
    return stored;
}

std::vector<StoredEvent> read_events(SQLite::Statement& query) {
    std::vector<StoredEvent> events;
    while (query.executeStep()) events.push_back(read_event(query));
    return events;
}

}  // namespace

// The rows a `SELECT id, at, actor, action, subject, detail FROM history …` query yields.
static std::vector<HistoryRow> history_rows(SQLite::Statement& query) {
    std::vector<HistoryRow> rows;
    while (query.executeStep()) {
        HistoryRow& row = rows.emplace_back();
        row.id = query.getColumn(0).getInt64();
        row.at = instant_from_unix_seconds(query.getColumn(1).getInt64());
        row.actor = query.getColumn(2).getString();
        row.action = query.getColumn(3).getString();
        row.subject = query.getColumn(4).getString();
        row.detail = query.getColumn(5).getString();
    }
    return rows;
}

Store::Store(std::filesystem::path file, std::unique_ptr<SQLite::Database> db)
    : file_(std::move(file)), db_(std::move(db)) {}

Store::~Store() = default;

namespace store_internal {

Reused::Reused(const Store& store, const std::string& sql) {
    auto found = store.prepared_.find(sql);
    if (found == store.prepared_.end()) {
        if (store.prepared_.size() >= 256) std::erase_if(store.prepared_, [](const auto& p) { return !p.second.leased; });
        found = store.prepared_.emplace(sql, Store::Prepared{std::make_unique<SQLite::Statement>(*store.db_, sql), false}).first;
    }
    if (found->second.leased) {
        own_ = std::make_unique<SQLite::Statement>(*store.db_, sql);
        statement_ = own_.get();
        return;
    }
    slot_ = &found->second;
    slot_->leased = true;
    statement_ = slot_->statement.get();
    statement_->reset();
    statement_->clearBindings();
}

Reused::~Reused() {
    if (!slot_) return;
    try {
        statement_->reset();
    } catch (...) {
    }
    slot_->leased = false;
}

}  // namespace store_internal

long long Store::total_changes() const { return db_->getTotalChanges(); }

int Store::latest_schema_version() { return static_cast<int>(store_internal::schema_migrations().size()); }

namespace {

// A connection without SQLite's locks: each is used by one thread at a time (the daemon's loop;
// the dispatcher's threads only send). The locks and SQLite's memory statistics took a tenth of
// a national preview; the statistics are switched off before SQLite's first use, else refused.
std::unique_ptr<SQLite::Database> connect(const std::filesystem::path& file, int flags, int busy_timeout_ms = 0) {
    static const int statistics_off = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    (void)statistics_off;
    return std::make_unique<SQLite::Database>(file.string(), flags | SQLite::OPEN_NOMUTEX, busy_timeout_ms);
}

// The file, created if missing. Before anything writes to it: a newer tarat's database is left
// exactly as it is.
std::unique_ptr<SQLite::Database> open_for_writing(const std::filesystem::path& db_file) {
    auto db = connect(db_file, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, kBusyTimeoutMs);
    refuse_if_newer(read_user_version(*db));
    return db;
}

}  // namespace

std::unique_ptr<Store> Store::open(const std::filesystem::path& db_file) {
    return guarded(db_file, "cannot open the database", [&] {
        std::unique_ptr<Store> store(new Store(db_file, open_for_writing(db_file)));
        store->configure_connection();
        store->migrate();
        return store;
    });
}

std::unique_ptr<Store> Store::open_scratch(const std::filesystem::path& db_file) {
    return guarded(db_file, "cannot open the scratch database",
                   [&] { return throw_away(db_file, open_for_writing(db_file)); });
}

std::unique_ptr<Store> Store::open_in_memory() {
    const std::filesystem::path name = ":memory:";
    return guarded(name, "cannot open a database in memory",
                   [&] { return throw_away(name, connect(name, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE)); });
}

std::unique_ptr<Store> Store::throw_away(const std::filesystem::path& file, std::unique_ptr<SQLite::Database> db) {
    std::unique_ptr<Store> store(new Store(file, std::move(db)));
    store->configure_connection(/*durable=*/false);
    store->migrate();
    return store;
}

std::unique_ptr<Store> Store::open_read_only(const std::filesystem::path& db_file) {
    return guarded(db_file, "cannot open the database for reading", [&] {
        auto db = connect(db_file, SQLite::OPEN_READONLY, kBusyTimeoutMs);
        int version = read_user_version(*db);
        refuse_if_newer(version);
        if (version < latest_schema_version())
            throw StoreError("schema version " + std::to_string(version) + " is older than this taratd's " +
                             std::to_string(latest_schema_version()) + "; start taratd once to migrate it");
        return std::unique_ptr<Store>(new Store(db_file, std::move(db)));
    });
}

void Store::configure_connection(bool durable) {
    db_->exec("PRAGMA foreign_keys = ON");
    // Every row written, by table, for events_generation(): one name compared a row.
    sqlite3_update_hook(
        db_->getHandle(),
        [](void* store, int, const char*, const char* table, sqlite3_int64) {
            const std::string_view name(table);
            if (name == "event" || name == "centre" || name == "district" || name == "form")
                static_cast<Store*>(store)->events_written_ = true;
        },
        this);
    if (!durable) {
        db_->exec("PRAGMA journal_mode = MEMORY");
        db_->exec("PRAGMA synchronous = OFF");
        // Nobody else opens it: no lock taken and no check that another wrote, at each transaction.
        db_->exec("PRAGMA locking_mode = EXCLUSIVE");
        // Read over and over, never kept: pages in memory rather than a pread each (64 MiB at most).
        db_->exec("PRAGMA cache_size = -65536");
        if (!read_settings(*db_).foreign_keys) throw StoreError("foreign keys could not be switched on");
        return;
    }
    // WAL lets readers (taratctl) run beside the writer; FULL makes each commit survive power loss.
    db_->exec("PRAGMA journal_mode = WAL");
    db_->exec("PRAGMA synchronous = FULL");
    // Both pragmas fail silently (a filesystem without shared memory, a build without FK support),
    // so read them back.
    StoreSettings in_force = read_settings(*db_);
    if (in_force.journal_mode != "wal")
        throw StoreError("journal_mode is '" + in_force.journal_mode + "' after asking for WAL");
    if (in_force.synchronous != kSynchronousFull)
        throw StoreError("synchronous is " + std::to_string(in_force.synchronous) + " after asking for FULL (2)");
    if (!in_force.foreign_keys) throw StoreError("foreign keys could not be switched on");
}

void Store::migrate() {
    auto migrations = store_internal::schema_migrations();
    if (read_user_version(*db_) == latest_schema_version()) return;
    for (;;) {
        WriteTransaction transaction(*db_);
        // Read again under the write lock: another process may have migrated while we waited.
        int version = read_user_version(*db_);
        refuse_if_newer(version);
        if (version == latest_schema_version()) return;
        db_->exec(std::string(migrations[static_cast<size_t>(version)]));
        db_->exec("PRAGMA user_version = " + std::to_string(version + 1));
        transaction.commit();
    }
}

int Store::schema_version() const {
    return guarded(file_, "cannot read the schema version", [&] { return read_user_version(*db_); });
}

StoreSettings Store::settings() const {
    return guarded(file_, "cannot read the settings", [&] { return read_settings(*db_); });
}

std::optional<StoredPlanInfo> Store::plan_info() const {
    return guarded(file_, "cannot read the plan", [&]() -> std::optional<StoredPlanInfo> {
        Reused query_lease(*this, "SELECT id, title, basis, timezone, period_from, period_to, overseer, coordinator, "
                                "changed_at FROM plan LIMIT 1");
        auto& query = *query_lease;
        if (!query.executeStep()) return std::nullopt;
        StoredPlanInfo info;
        info.id = query.getColumn(0).getString();
        info.title = query.getColumn(1).getString();
        info.basis = query.getColumn(2).getString();
        info.timezone = query.getColumn(3).getString();
        info.from = stored_date(query.getColumn(4));
        info.to = stored_date(query.getColumn(5));
        info.overseer = text_or_empty(query.getColumn(6));
        info.coordinator = text_or_empty(query.getColumn(7));
        info.changed_at = instant_from_unix_seconds(query.getColumn(8).getInt64());
        return info;
    });
}

std::vector<StoredCentre> Store::centres() const {
    if (centres_cache_ && centres_cache_->first == plan_generation_) return centres_cache_->second;
    return guarded(file_, "cannot read the centres", [&] {
        Reused query_lease(*this, "SELECT c.id, c.name, c.district, d.name, c.director, c.in_plan, count(e.id) "
                                "FROM centre c JOIN district d ON d.id = c.district "
                                "LEFT JOIN event e ON e.centre = c.id "
                                "GROUP BY c.id ORDER BY c.district, c.id");
        auto& query = *query_lease;
        std::vector<StoredCentre> centres;
        while (query.executeStep()) {
            StoredCentre& centre = centres.emplace_back();
            centre.id = query.getColumn(0).getString();
            centre.name = query.getColumn(1).getString();
            centre.district = query.getColumn(2).getString();
            centre.district_name = query.getColumn(3).getString();
            centre.director = text_or_empty(query.getColumn(4));
            centre.in_plan = query.getColumn(5).getInt() != 0;
            centre.event_count = static_cast<std::size_t>(query.getColumn(6).getInt64());
        }
        centres_cache_.emplace(plan_generation_, centres);
        return centres;
    });
}

namespace {

// A filter's conditions in SQL, only those set, so that the planner can use the centre's,
// district's or form's index: `?1 IS NULL OR centre = ?1` made it scan every event by date (140 ms
// for one centre of 200,000 events, 1 ms by its index). One cached statement per combination.
struct FilterSql {
    std::string where;  // "" or " WHERE … AND …"
    std::vector<std::string> values;  // bound as ?1, ?2… in order

    explicit FilterSql(const EventFilter& filter) {
        const std::pair<const char*, std::optional<std::string>> conditions[]{
            {"centre = ?", filter.centre},
            {"district = ?", filter.district},
            {"form = ?", filter.form},
            {"state = ?", filter.state ? std::optional<std::string>(state_name(*filter.state)) : std::nullopt},
            {"date >= ?", filter.from ? std::optional(format_date(*filter.from)) : std::nullopt},
            {"date <= ?", filter.to ? std::optional(format_date(*filter.to)) : std::nullopt},
        };
        for (const auto& [sql, value] : conditions)
            if (value) {
                (where += where.empty() ? " WHERE " : " AND ") += sql;
                values.push_back(*value);
            }
    }
    // " WHERE …" or " AND …" for one more condition.
    std::string and_also(const char* condition) const {
        return (where.empty() ? " WHERE " : where + " AND ") + condition;
    }
    int bind(SQLite::Statement& query) const {
        int index = 0;
        for (const auto& value : values) query.bind(++index, value);
        return index;
    }
};

}  // namespace

std::vector<StoredEvent> Store::events(const EventFilter& filter) const {
    return guarded(file_, "cannot read the events", [&] {
        const FilterSql where(filter);
        Reused query_lease(*this, std::string("SELECT ") + kEventColumns + " FROM event" + where.where + kEventOrder);
        auto& query = *query_lease;
        where.bind(query);
        return read_events(query);
    });
}

std::optional<EventPage> Store::events_page(const EventFilter& filter, const std::optional<std::string>& after,
                                            std::size_t limit) const {
    return guarded(file_, "cannot read the events", [&]() -> std::optional<EventPage> {
        // Read from where the cursor's event stands in the order (date, start, id), through the
        // date index: a page costs its rows, not every event before it.
        const FilterSql where(filter);
        EventPage page;
        page.total = count_of(*this, "SELECT count(*) FROM event" + where.where,
                              [&](SQLite::Statement& count) { where.bind(count); });
        std::optional<std::pair<std::string, int>> from;  // the cursor's date and start
        if (after) {
            Reused cursor_lease(*this, "SELECT date, start_minutes FROM event" + where.and_also("id = ?"));
            auto& cursor = *cursor_lease;
            cursor.bind(where.bind(cursor) + 1, *after);
            if (!cursor.executeStep()) return std::nullopt;
            from.emplace(cursor.getColumn(0).getString(), cursor.getColumn(1).getInt());
        }
        Reused query_lease(*this, std::string("SELECT ") + kEventColumns + " FROM event" +
                                      (from ? where.and_also("(date, start_minutes, id) > (?, ?, ?)") : where.where) +
                                      kEventOrder + " LIMIT ?");
        auto& query = *query_lease;
        int index = where.bind(query);
        if (from) {
            query.bind(++index, from->first);
            query.bind(++index, from->second);
            query.bind(++index, *after);
        }
        query.bind(++index, static_cast<std::int64_t>(limit) + 1);  // one more says whether more come
        page.events = read_events(query);
        page.more = page.events.size() > limit;
        if (page.more) page.events.pop_back();
        return page;
    });
}

std::optional<Instant> Store::latest_moment() const {
    return guarded(file_, "cannot read the history", [&]() -> std::optional<Instant> {
        Reused query_lease(*this, "SELECT max(m) FROM (SELECT max(at) AS m FROM history "
                                      "UNION ALL SELECT max(sent_at) FROM notice)");
        auto& query = *query_lease;
        if (!query.executeStep() || query.getColumn(0).isNull()) return std::nullopt;
        return store_internal::instant_from_unix_seconds(query.getColumn(0).getInt64());
    });
}

std::vector<StoredEvent> Store::events_except_planned_from(Date day) const {
    return guarded(file_, "cannot read the events", [&] {
        Reused query_lease(*this, std::string("SELECT ") + kEventColumns +
                                          " FROM event WHERE state <> 'planned' OR date < ?1" + kEventOrder);
        auto& query = *query_lease;
        query.bind(1, format_date(day));
        return read_events(query);
    });
}

std::vector<StoredEvent> Store::events_held_back_before(Instant horizon) const {
    return guarded(file_, "cannot read the events", [&] {
        Reused query_lease(*this, std::string("SELECT ") + kEventColumns +
                                          " FROM event WHERE notices_beyond < ?1 ORDER BY notices_beyond, id");
        auto& query = *query_lease;
        query.bind(1, store_internal::unix_seconds(horizon));
        return read_events(query);
    });
}

std::vector<StoredEvent> Store::planned_between(Date from, Date to) const {
    return guarded(file_, "cannot read the events", [&] {
        Reused query_lease(*this, std::string("SELECT ") + kEventColumns +
                                          " FROM event WHERE state = 'planned' AND date >= ?1 AND date < ?2" +
                                          kEventOrder);
        auto& query = *query_lease;
        query.bind(1, format_date(from));
        query.bind(2, format_date(to));
        return read_events(query);
    });
}

void Store::set_notices_beyond(const std::string& event_id, std::optional<Instant> due) {
    guarded(file_, "cannot store where the notices of " + event_id + " stop", [&] {
        // Unchanged, it matches no row and writes nothing.
        Reused update_lease(*this, "UPDATE event SET notices_beyond = ?2 WHERE id = ?1 AND notices_beyond IS NOT ?2");
        auto& update = *update_lease;
        update.bind(1, event_id);
        if (due) update.bind(2, store_internal::unix_seconds(*due));
        else update.bind(2);
        update.exec();
    });
}

std::optional<StoredEvent> Store::event(const std::string& id) const {
    const bool kept = open_scopes_ > 0 && last_event_ && last_event_->event.event.id == id &&
                      last_event_->changes == total_changes() && last_event_->undone == plan_generation_;
    if (kept) return last_event_->event;
    return guarded(file_, "cannot read event " + id, [&]() -> std::optional<StoredEvent> {
        Reused query_lease(*this, std::string("SELECT ") + kEventColumns + " FROM event WHERE id = ?1");
        auto& query = *query_lease;
        query.bind(1, id);
        if (!query.executeStep()) return std::nullopt;
        StoredEvent read = read_event(query);
        if (open_scopes_ > 0) last_event_ = EventRead{total_changes(), plan_generation_, read};
        return read;
    });
}

std::vector<StoredEvent> Store::upcoming(Date from, std::size_t limit) const {
    return guarded(file_, "cannot read the upcoming events", [&] {
        Reused query_lease(*this, std::string("SELECT ") + kEventColumns +
                                          " FROM event WHERE state = 'planned' AND date >= ?1" + kEventOrder +
                                          " LIMIT ?2");
        auto& query = *query_lease;
        query.bind(1, format_date(from));
        query.bind(2, static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX)));
        return read_events(query);
    });
}

std::vector<EventGroup> Store::event_groups() const {
    return guarded(file_, "cannot count the events", [&] {
        Reused query_lease(*this, "SELECT state, date, form, held_date, reported_date, count(*) FROM event "
                                "GROUP BY state, date, form, held_date, reported_date");
        auto& query = *query_lease;
        std::vector<EventGroup> groups;
        while (query.executeStep()) {
            EventGroup& group = groups.emplace_back();
            std::string state = query.getColumn(0).getString();
            auto parsed = parse_state(state);
            if (!parsed) throw StoreError("an event has unknown state '" + state + "'");
            group.like.state = *parsed;
            group.like.event.date = stored_date(query.getColumn(1));
            group.like.event.form = query.getColumn(2).getString();
            group.like.held_date = stored_optional_date(query.getColumn(3));
            group.like.reported_date = stored_optional_date(query.getColumn(4));
            group.count = static_cast<std::size_t>(query.getColumn(5).getInt64());
        }
        return groups;
    });
}

std::vector<HistoryRow> Store::history(std::optional<Instant> since) const {
    return guarded(file_, "cannot read the history", [&] {
        // Two statements: "?1 IS NULL OR at >= ?1" would keep the planner from history_by_at, and
        // the digest asks for last week's rows of a history as long as the plan's.
        Reused query_lease(*this, since ? "SELECT id, at, actor, action, subject, detail FROM history WHERE at >= ?1 ORDER BY id"
                                        : "SELECT id, at, actor, action, subject, detail FROM history ORDER BY id");
        auto& query = *query_lease;
        if (since) query.bind(1, unix_seconds(*since));
        return history_rows(query);
    });
}

HistoryPage Store::history_page(std::optional<Instant> since, std::optional<std::int64_t> after,
                                std::size_t limit) const {
    return guarded(file_, "cannot read the history", [&] {
        // By the row id's key: a page costs its rows, where reading the whole history for each page
        // made a national plan's `history --all` take 105 s.
        std::string where;
        if (since) where += " WHERE at >= ?";
        if (after) where += since ? " AND id > ?" : " WHERE id > ?";
        auto bind = [&](SQLite::Statement& query) {
            int index = 0;
            if (since) query.bind(++index, unix_seconds(*since));
            if (after) query.bind(++index, *after);
            return index;
        };
        HistoryPage page;
        page.total = count_of(*this, "SELECT count(*) FROM history" + where, bind);
        // Forward from the cursor, oldest first; without one, the newest `limit`.
        Reused query_lease(*this, "SELECT id, at, actor, action, subject, detail FROM history" + where +
                                      (after ? " ORDER BY id LIMIT ?" : " ORDER BY id DESC LIMIT ?"));
        auto& query = *query_lease;
        query.bind(bind(query) + 1, static_cast<std::int64_t>(after ? limit + 1 : limit));
        page.rows = history_rows(query);
        if (after) {
            page.more = page.rows.size() > limit;
            if (page.more) page.rows.pop_back();
        } else {
            std::reverse(page.rows.begin(), page.rows.end());
        }
        return page;
    });
}

void Store::add_history(Instant at, std::string_view actor, std::string_view action, std::string_view subject,
                        std::string_view detail) {
    guarded(file_, "cannot write the history", [&] {
        TransactionScope transaction(*this);
        bookkeeping([&] {
            Reused insert_lease(*this, "INSERT INTO history (at, actor, action, subject, detail) VALUES (?1, ?2, ?3, ?4, ?5)");
            auto& insert = *insert_lease;
            insert.bind(1, unix_seconds(at));
            insert.bind(2, std::string(actor));
            insert.bind(3, std::string(action));
            insert.bind(4, std::string(subject));
            insert.bind(5, std::string(detail));
            insert.exec();
        });
        transaction.commit();
    });
}

std::vector<HistoryRow> Store::history_about(const std::string& subject) const {
    return guarded(file_, "cannot read the history of " + subject, [&] {
        // An event a first load added begins with that load's one row for them all (added_in).
        Reused query_lease(*this, "SELECT id, at, actor, action, subject, detail FROM history WHERE subject = ?1 "
                                  "UNION ALL SELECT h.id, h.at, h.actor, h.action, ?1, '' FROM event AS e "
                                  "JOIN history AS h ON h.id = e.added_in WHERE e.id = ?2 ORDER BY 1");
        auto& query = *query_lease;
        query.bind(1, subject);
        constexpr std::string_view kEvent = "event:";
        if (subject.starts_with(kEvent)) query.bind(2, subject.substr(kEvent.size()));
        else query.bind(2);  // NULL: no event
        return history_rows(query);
    });
}

namespace {

// Runs one UPDATE of an event (the id bound as ?1 by the caller) inside its own transaction level;
// an id that matches nothing is a StoreError.
template <class Bind>
void update_event(const Store& store, const std::filesystem::path& file, const std::string& event_id, const char* sql,
                  Bind bind) {
    guarded(file, "cannot change event " + event_id, [&] {
        Reused update_lease(store, sql);
        auto& update = *update_lease;
        update.bind(1, event_id);
        bind(update);
        if (update.exec() == 0) throw StoreError("no event " + event_id);
    });
}

}  // namespace

void Store::record_held(const std::string& event_id, Date held_date, std::optional<int> participants) {
    TransactionScope transaction(*this, /*name_the_file=*/true);
    update_event(*this, file_, event_id,
                 "UPDATE event SET state = 'held', held_date = ?2, participants = ?3 WHERE id = ?1",
                 [&](SQLite::Statement& update) {
                     update.bind(2, format_date(held_date));
                     if (participants) update.bind(3, *participants);
                     else update.bind(3);
                 });
    transaction.commit();
}

void Store::record_report(const std::string& event_id, Date reported_date, const std::string& report_ref) {
    TransactionScope transaction(*this, /*name_the_file=*/true);
    update_event(*this, file_, event_id,
                 "UPDATE event SET state = 'reported', reported_date = ?2, report_ref = ?3 WHERE id = ?1",
                 [&](SQLite::Statement& update) {
                     update.bind(2, format_date(reported_date));
                     if (report_ref.empty()) update.bind(3);
                     else update.bind(3, report_ref);
                 });
    transaction.commit();
}

void Store::postpone_event(const std::string& event_id, Date new_date, int start_minutes, int end_minutes) {
    TransactionScope transaction(*this, /*name_the_file=*/true);
    update_event(*this, file_, event_id,
                 "UPDATE event SET postponed_from = date, date = ?2, start_minutes = ?3, end_minutes = ?4, "
                 "sequence = sequence + 1, pinned = 1 WHERE id = ?1",
                 [&](SQLite::Statement& update) {
                     update.bind(2, format_date(new_date));
                     update.bind(3, start_minutes);
                     update.bind(4, end_minutes);
                 });
    transaction.commit();
}

void Store::cancel_event(const std::string& event_id, const std::string& reason) {
    TransactionScope transaction(*this, /*name_the_file=*/true);
    update_event(*this, file_, event_id,
                 "UPDATE event SET state = 'cancelled', cancel_reason = ?2, sequence = sequence + 1 WHERE id = ?1",
                 [&](SQLite::Statement& update) { update.bind(2, reason); });
    transaction.commit();
}

void Store::amend_execution(const std::string& event_id, Date held_date, std::optional<int> participants,
                            std::optional<Date> reported_date, const std::string& report_ref) {
    TransactionScope transaction(*this, /*name_the_file=*/true);
    update_event(*this, file_, event_id,
                 "UPDATE event SET held_date = ?2, participants = ?3, reported_date = ?4, report_ref = ?5 "
                 "WHERE id = ?1 AND state IN ('held', 'reported')",
                 [&](SQLite::Statement& update) {
                     update.bind(2, format_date(held_date));
                     if (participants) update.bind(3, *participants);
                     else update.bind(3);
                     bind_optional_date(update, 4, reported_date);
                     if (report_ref.empty()) update.bind(5);
                     else update.bind(5, report_ref);
                 });
    transaction.commit();
}

void Store::reopen_event(const std::string& event_id) {
    TransactionScope transaction(*this, /*name_the_file=*/true);
    // Every expression reads the row as it was: `state` is the state being left.
    update_event(*this, file_, event_id,
                 "UPDATE event SET state = CASE state WHEN 'reported' THEN 'held' ELSE 'planned' END, "
                 "held_date = CASE state WHEN 'reported' THEN held_date END, "
                 "participants = CASE state WHEN 'reported' THEN participants END, "
                 "reported_date = NULL, report_ref = NULL, cancel_reason = NULL, "
                 "sequence = sequence + (state = 'cancelled'), pinned = pinned OR state = 'cancelled' "
                 "WHERE id = ?1 AND state IN ('held', 'reported', 'cancelled')",
                 [](SQLite::Statement&) {});
    transaction.commit();
}

bool Store::pin_event(const std::string& event_id) {
    return guarded(file_, "cannot pin event " + event_id, [&] {
        TransactionScope transaction(*this);
        Reused pin_lease(*this, "UPDATE event SET pinned = 1 WHERE id = ?1 AND pinned = 0");
        auto& pin = *pin_lease;
        pin.bind(1, event_id);
        bool changed = pin.exec() > 0;
        transaction.commit();
        return changed;
    });
}

void Store::set_event_state(const std::string& event_id, EventState state, std::optional<Date> held_date,
                            std::optional<Date> reported_date) {
    guarded(file_, "cannot change event " + event_id, [&] {
        TransactionScope transaction(*this);
        Reused update_lease(*this, "UPDATE event SET state = ?2, held_date = ?3, reported_date = ?4 WHERE id = ?1");
        auto& update = *update_lease;
        update.bind(1, event_id);
        update.bind(2, std::string(state_name(state)));
        bind_optional_date(update, 3, held_date);
        bind_optional_date(update, 4, reported_date);
        if (update.exec() == 0) throw StoreError("no event " + event_id);
        transaction.commit();
    });
}

// ---- transactions ----

namespace {
// One name serves every nesting level: ROLLBACK TO and RELEASE act on the innermost one.
constexpr const char* kSavepoint = "tarat_nested";

bool transaction_open(SQLite::Database& db) { return sqlite3_get_autocommit(db.getHandle()) == 0; }
}  // namespace

bool Store::in_transaction() const { return transaction_open(*db_); }

Store::TransactionScope::TransactionScope(Store& store, bool name_the_file)
    : store_(store), name_the_file_(name_the_file) {
    auto begin = [&] {
        SQLite::Database& db = *store_.db_;
        // SQLite ends a transaction by itself on SQLITE_FULL, IOERR or NOMEM. A caller that caught
        // that error and carried on must not see its later writes commit one by one.
        if (store_.open_scopes_ > 0 && !transaction_open(db))
            throw StoreError("the enclosing transaction was already rolled back after an earlier error");
        outermost_ = !transaction_open(db);
        // Prepared once: a preview begins and ends a transaction at every simulated moment.
        (*Reused(store_, outermost_ ? std::string("BEGIN IMMEDIATE") : std::string("SAVEPOINT ") + kSavepoint)).exec();
        if (outermost_) {
            store_.changes_at_begin_ = db.getTotalChanges(), store_.bookkeeping_changes_ = 0;
            store_.events_written_ = false;
        }
        ++store_.open_scopes_;
    };
    if (name_the_file_) guarded(store_.file_, "cannot begin a transaction", begin);
    else begin();
}

Store::TransactionScope::~TransactionScope() {
    if (finished_) return;
    if (--store_.open_scopes_ == 0) store_.last_event_.reset();
    SQLite::Database& db = *store_.db_;
    ++store_.plan_generation_;  // what was read within may be undone
    ++store_.events_generation_;
    // Never throws: when SQLite has already rolled back, there is nothing left to undo.
    if (!transaction_open(db)) return;
    if (outermost_) {
        db.tryExec("ROLLBACK");
    } else {
        db.tryExec(std::string("ROLLBACK TO ") + kSavepoint);
        db.tryExec(std::string("RELEASE ") + kSavepoint);
    }
}

void Store::TransactionScope::commit() {
    auto end = [&] {
        SQLite::Database& db = *store_.db_;
        if (!transaction_open(db))
            throw StoreError("the transaction was rolled back after an error before it could commit");
        (*Reused(store_, outermost_ ? std::string("COMMIT") : std::string("RELEASE ") + kSavepoint)).exec();
        if (outermost_) {
            ++store_.generation_;
            if (store_.events_written_) ++store_.events_generation_;
            // A part rolled back to its savepoint still counts as changed: a spare rise, never a missed one.
            if (db.getTotalChanges() - store_.changes_at_begin_ != store_.bookkeeping_changes_)
                ++store_.state_generation_;
        }
        finished_ = true;
        if (--store_.open_scopes_ == 0) store_.last_event_.reset();
    };
    if (name_the_file_) guarded(store_.file_, "cannot commit", end);
    else end();
}

}  // namespace tarat
