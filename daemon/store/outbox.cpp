// The notice outbox: rows derived in the same transaction as the change that causes them, and
// the dispatcher's reads and marks.
#include "store/internal.hpp"
#include "store/store.hpp"

#include "core/notice_json.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <utility>

namespace tarat {

using store_internal::Reused;
using store_internal::count_of;
namespace {
using store_internal::guarded;
using store_internal::instant_from_unix_seconds;
using store_internal::unix_seconds;

// Column order shared by every query that returns OutboxRow; read_row() follows it.
constexpr const char* kNoticeColumns =
    "key, event_id, kind, recipient, channel, due_at, facts, state, attempts, next_attempt_at, last_error, "
    "subject, body, created_at, sent_at, late";

std::string text_or_empty(const SQLite::Column& column) { return column.isNull() ? std::string{} : column.getString(); }

NoticeState read_state(const SQLite::Column& column, const std::string& key) {
    std::string name = column.getString();
    auto state = parse_notice_state(name);
    if (!state) throw StoreError("notice '" + key + "' has unknown state '" + name + "'");
    return *state;
}

OutboxRow read_row(const SQLite::Statement& row) {
    OutboxRow out;
    Notice& n = out.notice;
    n.key = row.getColumn(0).getString();
    n.event_id = text_or_empty(row.getColumn(1));
    std::string kind = row.getColumn(2).getString();
    auto parsed_kind = parse_kind(kind);
    if (!parsed_kind) throw StoreError("notice '" + n.key + "' has unknown kind '" + kind + "'");
    n.kind = *parsed_kind;
    n.recipient = row.getColumn(3).getString();
    n.channel = row.getColumn(4).getString();
    n.due = instant_from_unix_seconds(row.getColumn(5).getInt64());
    try {
        n.facts = notice_facts_from_json(nlohmann::json::parse(row.getColumn(6).getString()));
    } catch (const std::exception& e) {
        throw StoreError("notice '" + n.key + "' has unreadable facts: " + e.what());
    }
    out.state = read_state(row.getColumn(7), n.key);
    out.attempts = row.getColumn(8).getInt();
    out.next_attempt_at = instant_from_unix_seconds(row.getColumn(9).getInt64());
    out.last_error = text_or_empty(row.getColumn(10));
    out.subject = row.getColumn(11).getString();
    out.body = row.getColumn(12).getString();
    out.created_at = instant_from_unix_seconds(row.getColumn(13).getInt64());
    if (!row.getColumn(14).isNull()) out.sent_at = instant_from_unix_seconds(row.getColumn(14).getInt64());
    out.late = row.getColumn(15).getInt() != 0;
    return out;
}

std::vector<OutboxRow> read_rows(SQLite::Statement& query) {
    std::vector<OutboxRow> rows;
    while (query.executeStep()) rows.push_back(read_row(query));
    return rows;
}

// SQLite's LIMIT: -1 is none.
std::int64_t sql_limit(std::size_t limit) {
    return limit == 0 ? -1 : static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX));
}

// The scope's event_id column value: NULL for the notices about no event.
std::optional<std::string> scope_of(const std::optional<std::string>& event_id) {
    if (!event_id || event_id->empty()) return std::nullopt;
    return event_id;
}

void bind_scope(SQLite::Statement& statement, int index, const std::optional<std::string>& scope) {
    if (scope) statement.bind(index, *scope);
    else statement.bind(index);
}

std::string quoted_scope(const std::optional<std::string>& scope) {
    return scope ? "event '" + *scope + "'" : std::string("no event");
}

void require_in_scope(const Notice& notice, const std::optional<std::string>& scope) {
    if (scope_of(notice.event_id) != scope)
        throw StoreError("notice '" + notice.key + "' is about " + quoted_scope(scope_of(notice.event_id)) + ", not " +
                         quoted_scope(scope));
}

// The event a stored notice is about ("" for none).
std::string stored_event_of(SQLite::Database& db, const std::string& key) {
    SQLite::Statement query(db, "SELECT coalesce(event_id, '') FROM notice WHERE key = ?1");
    query.bind(1, key);
    return query.executeStep() ? query.getColumn(0).getString() : std::string();
}

std::optional<NoticeState> state_of(SQLite::Database& db, const std::string& key) {
    SQLite::Statement query(db, "SELECT state FROM notice WHERE key = ?1");
    query.bind(1, key);
    if (!query.executeStep()) return std::nullopt;
    return read_state(query.getColumn(0), key);
}

// How one answer moves a row. The UPDATE (key bound as ?1) matches only the states the answer may
// come from; when it matched nothing, the row's state says whether that is a harmless race or an
// error.
struct Transition {
    std::string_view verb;                 // "mark sent", for the message
    std::optional<NoticeState> no_op_from;  // a state in which the answer changes nothing
    std::string_view expected;              // "pending", for the message
};

constexpr Transition kSent{"marked sent", NoticeState::sent, "pending"};
constexpr Transition kRetry{"given a retry", NoticeState::superseded, "pending"};
constexpr Transition kDead{"marked dead", NoticeState::superseded, "pending"};
constexpr Transition kExpired{"marked expired", NoticeState::superseded, "pending"};
constexpr Transition kRequeue{"requeued", std::nullopt, "dead"};
constexpr Transition kDeferred{"deferred", NoticeState::superseded, "pending"};

void apply(SQLite::Database& db, SQLite::Statement& update, const std::string& key, const Transition& transition) {
    if (update.exec() > 0) return;
    auto state = state_of(db, key);
    if (!state) throw StoreError("notice '" + key + "' is not in the outbox");
    if (state == transition.no_op_from) return;
    throw StoreError("notice '" + key + "' is " + std::string(state_name(*state)) + ": only a " +
                     std::string(transition.expected) + " notice can be " + std::string(transition.verb));
}

constexpr const char* kMarkSentSql =
    "UPDATE notice SET state = 'sent', sent_at = ?2, next_attempt_at = ?2, subject = ?3, body = ?4, late = ?5, "
    "attempts = attempts + 1, last_error = NULL WHERE key = ?1 AND state IN ('pending', 'superseded')";

void mark_one_sent(SQLite::Database& db, SQLite::Statement& update, const std::string& key, Instant at,
                   const std::string& subject, const std::string& body, bool late) {
    update.reset();
    update.bind(1, key);
    update.bind(2, unix_seconds(at));
    update.bind(3, subject);
    update.bind(4, body);
    update.bind(5, late ? 1 : 0);
    apply(db, update, key, kSent);
}

}  // namespace

SyncResult Store::sync_notices(const std::optional<std::string>& event_id, const std::vector<Notice>& derived,
                               Instant now, std::optional<NoticeKind> kept_kind) {
    const std::optional<std::string> scope = scope_of(event_id);
    return guarded(file_, "cannot store the notices for " + quoted_scope(scope), [&] {
        SyncResult result;
        TransactionScope transaction(*this);

        struct Stored {
            NoticeState state;
            std::string facts;
            bool kept;  // of kept_kind
        };
        std::map<std::string, Stored> stored;
        {
            Reused query_lease(*this, "SELECT key, state, facts, kind FROM notice WHERE event_id IS ?1");
            auto& query = *query_lease;
            bind_scope(query, 1, scope);
            while (query.executeStep()) {
                std::string key = query.getColumn(0).getString();
                NoticeState state = read_state(query.getColumn(1), key);
                const bool kept = kept_kind && query.getColumn(3).getString() == kind_name(*kept_kind);
                stored.emplace(std::move(key), Stored{state, query.getColumn(2).getString(), kept});
            }
        }

        Reused insert_lease(*this, "INSERT INTO notice (key, event_id, kind, recipient, channel, due_at, facts, "
                                 "next_attempt_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?6, ?8)");
        auto& insert = *insert_lease;
        Reused refresh_lease(*this, "UPDATE notice SET facts = ?2 WHERE key = ?1 AND state = 'pending'");
        auto& refresh = *refresh_lease;
        // True again before it went out: pending once more, due as derived (F10: postponed and back).
        Reused revive_lease(*this, "UPDATE notice SET state = 'pending', facts = ?2, next_attempt_at = due_at "
                                 "WHERE key = ?1 AND state = 'superseded'");
        auto& revive = *revive_lease;
        std::set<std::string> wanted;
        for (const Notice& notice : derived) {
            if (notice.key.empty()) throw StoreError("a derived notice has no key");
            require_in_scope(notice, scope);
            if (!wanted.insert(notice.key).second) continue;
            const std::string facts = to_json(notice.facts).dump();
            auto found = stored.find(notice.key);
            if (found != stored.end() && found->second.state == NoticeState::superseded) {
                revive.reset();
                revive.bind(1, notice.key);
                revive.bind(2, facts);
                revive.exec();
                ++result.added;
                continue;
            }
            if (found != stored.end()) {
                ++result.kept;
                if (found->second.state == NoticeState::pending && found->second.facts != facts) {
                    refresh.reset();
                    refresh.bind(1, notice.key);
                    refresh.bind(2, facts);
                    refresh.exec();
                }
                continue;
            }
            insert.reset();
            insert.bind(1, notice.key);
            bind_scope(insert, 2, scope);
            insert.bind(3, std::string(kind_name(notice.kind)));
            insert.bind(4, notice.recipient);
            insert.bind(5, notice.channel);
            insert.bind(6, unix_seconds(notice.due));
            insert.bind(7, facts);
            insert.bind(8, unix_seconds(now));
            try {
                insert.exec();
            } catch (const SQLite::Exception& e) {
                if (e.getExtendedErrorCode() == SQLITE_CONSTRAINT_PRIMARYKEY)
                    throw StoreError("notice '" + notice.key + "' is already in the outbox under another event");
                throw;
            }
            ++result.added;
        }

        Reused supersede_lease(*this, "UPDATE notice SET state = 'superseded', next_attempt_at = ?2 "
                                    "WHERE key = ?1 AND state = 'pending'");
        auto& supersede = *supersede_lease;
        for (const auto& [key, row] : stored) {
            if (row.state != NoticeState::pending || row.kept || wanted.contains(key)) continue;
            supersede.reset();
            supersede.bind(1, key);
            supersede.bind(2, unix_seconds(now));
            supersede.exec();
            ++result.superseded;
        }

        transaction.commit();
        return result;
    });
}

void Store::add_notices(const std::optional<std::string>& event_id, const std::vector<Notice>& notices, Instant now) {
    if (notices.empty()) return;
    const std::optional<std::string> scope = scope_of(event_id);
    guarded(file_, "cannot store the notices for " + quoted_scope(scope), [&] {
        TransactionScope transaction(*this);
        // A superseded row is true again (pending, due as derived), as sync_notices revives it; one
        // already sent, dead or expired stays so.
        Reused upsert_lease(*this, "INSERT INTO notice (key, event_id, kind, recipient, channel, due_at, facts, "
                                 "next_attempt_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?6, ?8) "
                                 "ON CONFLICT (key) DO UPDATE SET facts = excluded.facts, "
                                 "next_attempt_at = iif(state = 'superseded', due_at, next_attempt_at), "
                                 "state = 'pending' WHERE state IN ('pending', 'superseded') AND event_id IS excluded.event_id");
        auto& upsert = *upsert_lease;
        for (const Notice& notice : notices) {
            require_in_scope(notice, scope);
            upsert.reset();
            upsert.bind(1, notice.key);
            bind_scope(upsert, 2, scope);
            upsert.bind(3, std::string(kind_name(notice.kind)));
            upsert.bind(4, notice.recipient);
            upsert.bind(5, notice.channel);
            upsert.bind(6, unix_seconds(notice.due));
            upsert.bind(7, to_json(notice.facts).dump());
            upsert.bind(8, unix_seconds(now));
            if (upsert.exec() == 0 && stored_event_of(*db_, notice.key) != scope.value_or(""))
                throw StoreError("notice '" + notice.key + "' is already in the outbox under another event");
        }
        transaction.commit();
    });
}

std::optional<Instant> Store::next_attempt_due() const {
    return guarded(file_, "cannot read the outbox", [&]() -> std::optional<Instant> {
        // ORDER BY … LIMIT 1 rather than min(): the planner reads it off the partial index.
        Reused query_lease(*this, "SELECT next_attempt_at FROM notice WHERE state = 'pending' "
                                "ORDER BY next_attempt_at LIMIT 1");
        auto& query = *query_lease;
        if (!query.executeStep()) return std::nullopt;
        return instant_from_unix_seconds(query.getColumn(0).getInt64());
    });
}

std::vector<OutboxRow> Store::due_notices(Instant now, std::size_t limit) const {
    return guarded(file_, "cannot read the due notices", [&] {
        Reused query_lease(*this, std::string("SELECT ") + kNoticeColumns +
                                          " FROM notice WHERE state = 'pending' AND next_attempt_at <= ?1"
                                          " ORDER BY next_attempt_at, key LIMIT ?2");
        auto& query = *query_lease;
        query.bind(1, unix_seconds(now));
        query.bind(2, sql_limit(limit));
        return read_rows(query);
    });
}

void Store::mark_sent(const std::string& key, Instant at, const std::string& subject, const std::string& body,
                      bool late) {
    guarded(file_, "cannot mark notice '" + key + "' sent", [&] {
        TransactionScope transaction(*this);
        Reused update_lease(*this, kMarkSentSql);
        auto& update = *update_lease;
        mark_one_sent(*db_, update, key, at, subject, body, late);
        transaction.commit();
    });
}

void Store::mark_sent_batch(const std::vector<SentMark>& marks) {
    if (marks.empty()) return;
    guarded(file_, "cannot mark " + std::to_string(marks.size()) + " notices sent", [&] {
        TransactionScope transaction(*this);
        Reused update_lease(*this, kMarkSentSql);
        auto& update = *update_lease;
        for (const SentMark& mark : marks) mark_one_sent(*db_, update, mark.key, mark.at, mark.subject, mark.body, mark.late);
        transaction.commit();
    });
}

void Store::mark_retry(const std::string& key, Instant next_attempt_at, const std::string& error) {
    guarded(file_, "cannot schedule a retry of notice '" + key + "'", [&] {
        TransactionScope transaction(*this);
        Reused update_lease(*this, "UPDATE notice SET attempts = attempts + 1, next_attempt_at = ?2, last_error = ?3 "
                                 "WHERE key = ?1 AND state = 'pending'");
        auto& update = *update_lease;
        update.bind(1, key);
        update.bind(2, unix_seconds(next_attempt_at));
        update.bind(3, error);
        apply(*db_, update, key, kRetry);
        transaction.commit();
    });
}

void Store::mark_dead(const std::string& key, Instant at, const std::string& error) {
    guarded(file_, "cannot mark notice '" + key + "' dead", [&] {
        TransactionScope transaction(*this);
        Reused update_lease(*this, "UPDATE notice SET state = 'dead', attempts = attempts + 1, next_attempt_at = ?2, "
                                 "last_error = ?3 WHERE key = ?1 AND state = 'pending'");
        auto& update = *update_lease;
        update.bind(1, key);
        update.bind(2, unix_seconds(at));
        update.bind(3, error);
        apply(*db_, update, key, kDead);
        transaction.commit();
    });
}

void Store::mark_expired(const std::string& key, Instant at) {
    guarded(file_, "cannot mark notice '" + key + "' expired", [&] {
        TransactionScope transaction(*this);
        Reused update_lease(*this, "UPDATE notice SET state = 'expired', next_attempt_at = ?2 "
                                 "WHERE key = ?1 AND state = 'pending'");
        auto& update = *update_lease;
        update.bind(1, key);
        update.bind(2, unix_seconds(at));
        apply(*db_, update, key, kExpired);
        transaction.commit();
    });
}

void Store::defer(const std::string& key, Instant until) {
    guarded(file_, "cannot defer notice '" + key + "'", [&] {
        TransactionScope transaction(*this);
        Reused update_lease(*this, "UPDATE notice SET next_attempt_at = ?2 WHERE key = ?1 AND state = 'pending'");
        auto& update = *update_lease;
        update.bind(1, key);
        update.bind(2, unix_seconds(until));
        apply(*db_, update, key, kDeferred);
        transaction.commit();
    });
}

void Store::requeue(const std::string& key, Instant now) {
    guarded(file_, "cannot requeue notice '" + key + "'", [&] {
        TransactionScope transaction(*this);
        Reused update_lease(*this, "UPDATE notice SET state = 'pending', attempts = 0, next_attempt_at = ?2 "
                                 "WHERE key = ?1 AND state = 'dead'");
        auto& update = *update_lease;
        update.bind(1, key);
        update.bind(2, unix_seconds(now));
        apply(*db_, update, key, kRequeue);
        transaction.commit();
    });
}

namespace {

// A filter's set fields as conditions (named parameters), so the planner can use the indexes.
struct NoticeWhere {
    std::string sql;  // "" or " WHERE …"
    const NoticeFilter& filter;

    explicit NoticeWhere(const NoticeFilter& f) : filter(f) {
        // The state as a literal, so that the partial indexes of pending and of dead rows serve.
        if (filter.state) also("state = '" + std::string(state_name(*filter.state)) + "'");
        if (filter.event_id) also("event_id IS :event");
        if (filter.recipient) also("recipient = :recipient");
        if (filter.kind) also("kind = :kind");
        if (filter.from) also("due_at >= :from");
        if (filter.to) also("due_at < :to");
    }
    void also(const std::string& condition) { (sql += sql.empty() ? " WHERE " : " AND ") += condition; }
    void bind(SQLite::Statement& query) const {
        if (filter.event_id) bind_scope(query, query.getIndex(":event"), scope_of(filter.event_id));
        if (filter.recipient) query.bind(":recipient", *filter.recipient);
        if (filter.kind) query.bind(":kind", std::string(kind_name(*filter.kind)));
        if (filter.from) query.bind(":from", unix_seconds(*filter.from));
        if (filter.to) query.bind(":to", unix_seconds(*filter.to));
    }
};

}  // namespace

std::vector<OutboxRow> Store::notices(const NoticeFilter& filter) const {
    return guarded(file_, "cannot read the notices", [&] {
        const NoticeWhere where(filter);
        Reused query_lease(*this, std::string("SELECT ") + kNoticeColumns + " FROM notice" + where.sql +
                                          " ORDER BY due_at, key LIMIT :limit");
        auto& query = *query_lease;
        where.bind(query);
        query.bind(":limit", sql_limit(filter.limit));
        return read_rows(query);
    });
}

std::optional<NoticePage> Store::notices_page(const NoticeFilter& filter, const std::optional<std::string>& after,
                                              std::size_t limit) const {
    return guarded(file_, "cannot read the notices", [&]() -> std::optional<NoticePage> {
        // From the cursor's place in (due, key): a page costs its rows, where reading every notice
        // of a national outbox (127,000) for each page took 0.6 s of the loop.
        NoticeWhere where(filter);
        NoticePage page;
        page.total = count_of(*this, "SELECT count(*) FROM notice" + where.sql,
                              [&](SQLite::Statement& count) { where.bind(count); });
        std::optional<std::int64_t> due;  // the cursor's
        if (after) {
            NoticeWhere cursor_where(filter);
            cursor_where.also("key = :key");
            Reused cursor_lease(*this, "SELECT due_at FROM notice" + cursor_where.sql);
            auto& cursor = *cursor_lease;
            cursor_where.bind(cursor);
            cursor.bind(":key", *after);
            if (!cursor.executeStep()) return std::nullopt;
            due = cursor.getColumn(0).getInt64();
            where.also("(due_at, key) > (:after_due, :after_key)");
        }
        Reused query_lease(*this, std::string("SELECT ") + kNoticeColumns + " FROM notice" + where.sql +
                                          " ORDER BY due_at, key LIMIT :limit");
        auto& query = *query_lease;
        where.bind(query);
        if (after) {
            query.bind(":after_due", *due);
            query.bind(":after_key", *after);
        }
        query.bind(":limit", static_cast<std::int64_t>(limit) + 1);  // one more says whether more come
        page.rows = read_rows(query);
        page.more = page.rows.size() > limit;
        if (page.more) page.rows.pop_back();
        return page;
    });
}

std::optional<OutboxRow> Store::notice(const std::string& key) const {
    return guarded(file_, "cannot read notice '" + key + "'", [&]() -> std::optional<OutboxRow> {
        Reused query_lease(*this, std::string("SELECT ") + kNoticeColumns + " FROM notice WHERE key = ?1");
        auto& query = *query_lease;
        query.bind(1, key);
        if (!query.executeStep()) return std::nullopt;
        return read_row(query);
    });
}

bool Store::pending_due_between(const std::string& event_id, const std::string& recipient, const std::string& channel,
                                NoticeKind kind, NoticeKind also, Instant after, Instant up_to) const {
    if (up_to <= after) return false;  // no moment between: most notices go out when they are due
    return guarded(file_, "cannot read the notices", [&] {
        Reused query_lease(*this, "SELECT 1 FROM notice WHERE event_id IS ?1 AND state = 'pending' AND recipient = ?2 "
                                  "AND channel = ?3 AND kind IN (?4, ?5) AND due_at > ?6 AND due_at <= ?7 LIMIT 1");
        auto& query = *query_lease;
        bind_scope(query, 1, scope_of(event_id));
        query.bind(2, recipient);
        query.bind(3, channel);
        query.bind(4, std::string(kind_name(kind)));
        query.bind(5, std::string(kind_name(also)));
        query.bind(6, unix_seconds(after));
        query.bind(7, unix_seconds(up_to));
        return query.executeStep();
    });
}

std::set<std::string> Store::events_with_pending_notices() const {
    return guarded(file_, "cannot read the outbox", [&] {
        // By the partial index of pending rows, not a scan of every row ever sent.
        Reused query_lease(*this, "SELECT DISTINCT event_id FROM notice INDEXED BY notice_pending_by_time "
                                      "WHERE state = 'pending'");
        auto& query = *query_lease;
        std::set<std::string> ids;
        while (query.executeStep()) ids.insert(text_or_empty(query.getColumn(0)));
        return ids;
    });
}

NoticeCounts Store::notice_counts() const {
    return guarded(file_, "cannot count the notices", [&] {
        NoticeCounts counts;
        Reused query_lease(*this, "SELECT state, count(*) FROM notice GROUP BY state");
        auto& query = *query_lease;
        while (query.executeStep()) {
            auto n = static_cast<std::size_t>(query.getColumn(1).getInt64());
            switch (read_state(query.getColumn(0), "(count)")) {
                case NoticeState::pending: counts.pending = n; break;
                case NoticeState::sent: counts.sent = n; break;
                case NoticeState::dead: counts.dead = n; break;
                case NoticeState::superseded: counts.superseded = n; break;
                case NoticeState::expired: counts.expired = n; break;
            }
        }
        return counts;
    });
}

std::vector<std::string> Store::recipients_told(const std::string& event_id) const {
    return guarded(file_, "cannot read who was told about event '" + event_id + "'", [&] {
        Reused query_lease(*this, "SELECT DISTINCT recipient FROM notice WHERE event_id = ?1 AND state = 'sent' "
                                "AND kind IN ('reminder', 'change') ORDER BY recipient");
        auto& query = *query_lease;
        query.bind(1, event_id);
        std::vector<std::string> recipients;
        while (query.executeStep()) recipients.push_back(query.getColumn(0).getString());
        return recipients;
    });
}

std::vector<std::string> Store::recipients_told_cancelled(const std::string& event_id) const {
    return guarded(file_, "cannot read who was told that event '" + event_id + "' was cancelled", [&] {
        Reused query_lease(*this, "SELECT DISTINCT recipient FROM notice n WHERE event_id = ?1 AND kind = 'change' "
                                "AND state = 'sent' AND json_extract(facts, '$.cancelled') "
                                "AND NOT EXISTS (SELECT 1 FROM notice later WHERE later.event_id = n.event_id "
                                "AND later.recipient = n.recipient AND later.kind = 'change' "
                                "AND later.state = 'sent' AND later.due_at > n.due_at) ORDER BY recipient");
        auto& query = *query_lease;
        query.bind(1, event_id);
        std::vector<std::string> recipients;
        while (query.executeStep()) recipients.push_back(query.getColumn(0).getString());
        return recipients;
    });
}

}  // namespace tarat
