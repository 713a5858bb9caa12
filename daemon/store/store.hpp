#pragma once
// The daemon's durable truth: one SQLite file holding the plan, the dated events, their execution
// state, the notice outbox and the audit history.
#include "core/event.hpp"
#include "core/notice.hpp"
#include "core/plan.hpp"
#include "core/time.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace SQLite {
class Database;
class Statement;
}

namespace tarat {
namespace store_internal {
struct Access;
class Reused;
}

// Every failure the store reports; the message names the database file and SQLite's words.
class StoreError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// What a plan load did, table by table in the plan's order. `changes` holds one line per
// difference, worded as in the history, for the first kListedChanges of them (the history keeps
// every one; a national plan's first load makes ~200,000, which as lines would cost more memory
// than the plan); `change_count` counts all.
struct PlanLoadResult {
    static constexpr std::size_t kListedChanges = 1000;
    bool changed = false;
    std::size_t change_count = 0;
    std::vector<std::string> changes;
    // Moves the plan asked for but the store refused (the event is pinned or no longer planned).
    // Not history: the same plan reports them again on every load.
    std::vector<std::string> refused;
};

struct StoredPlanInfo {
    std::string id;
    std::string title;
    std::string basis;
    std::string timezone;
    Date from{};
    Date to{};
    std::string overseer;     // person id
    std::string coordinator;  // person id
    Instant changed_at{};     // the last plan load that changed anything
};

struct StoredCentre {
    std::string id;
    std::string name;
    std::string district;
    std::string district_name;
    std::string director;  // person id
    bool in_plan = true;   // false: dropped by the plan, kept because events still point at it
    std::size_t event_count = 0;  // events of any state
};

struct StoredEvent {
    ScheduledEvent event;
    EventState state = EventState::planned;
    bool in_plan = true;  // false: dropped by the plan, kept because it is pinned or under way
    std::optional<Date> held_date;
    std::optional<int> participants;
    std::optional<Date> reported_date;
    std::string report_ref;
    std::string cancel_reason;
    std::optional<Date> postponed_from;
    int sequence = 0;  // revision counter, bumped whenever a plan load changes the event
};

// Every field narrows the result; dates are inclusive.
struct EventFilter {
    std::optional<std::string> centre;
    std::optional<std::string> district;
    std::optional<std::string> form;
    std::optional<EventState> state;
    std::optional<Date> from;
    std::optional<Date> to;
};

struct EventPage {
    std::vector<StoredEvent> events;
    std::size_t total = 0;  // every event the filter matches
    bool more = false;      // some come after this page
};

struct HistoryRow {
    std::int64_t id = 0;
    Instant at{};
    std::string actor;
    std::string action;   // e.g. "plan.change"
    std::string subject;  // e.g. "centre:erkemai"
    std::string detail;
};

struct HistoryPage {
    std::vector<HistoryRow> rows;
    std::size_t total = 0;
    bool more = false;  // rows come after this page (forward pages only)
};

// A person linked to their chat on a channel (F11): notices to them on that channel go to `chat`.
struct ChannelLink {
    std::string person;
    std::string channel;
    std::string chat;
    std::string user;    // the channel's id for the person (a Telegram user id)
    std::string locale;  // chosen in the chat (/lang); "" = the plan's
    Instant linked_at{};
};

// The durability settings as SQLite reports them back, for `status` and for tests.
struct StoreSettings {
    std::string journal_mode;  // "wal"
    int synchronous = 0;       // 2 = FULL
    bool foreign_keys = false;
    int busy_timeout_ms = 0;
};

// One row of the outbox.
struct OutboxRow {
    Notice notice;
    NoticeState state = NoticeState::pending;
    int attempts = 0;         // channel calls so far: every mark_sent, mark_retry and mark_dead counts one
    // Pending: when the dispatcher tries next. Any other state: when the row stopped being pending.
    Instant next_attempt_at{};
    std::string last_error;   // the last refusal; cleared by mark_sent
    std::string subject;      // as sent (empty until then)
    std::string body;
    Instant created_at{};
    std::optional<Instant> sent_at;
    bool late = false;        // sent more than the grace after it was due (downtime, retries)
};

// Every set field narrows the result. `event_id` = "" selects the notices about no event (digests);
// `from` is inclusive and `to` exclusive, both on the due time.
struct NoticeFilter {
    std::optional<NoticeState> state;
    std::optional<std::string> event_id;
    std::optional<std::string> recipient;
    std::optional<NoticeKind> kind;
    std::optional<Instant> from;
    std::optional<Instant> to;
    std::size_t limit = 0;  // 0 = all
};

struct NoticePage {
    std::vector<OutboxRow> rows;
    std::size_t total = 0;  // every notice the filter matches
    bool more = false;      // some come after this page
};

// What sync_notices did. added + kept = the distinct keys derived.
struct SyncResult {
    std::size_t added = 0;       // new pending rows
    std::size_t superseded = 0;  // pending rows no longer derived
    std::size_t kept = 0;        // derived keys already in the outbox, in whatever state
};

// Events alike in everything their compliance outcome and report deadline depend on (state, date,
// form, held and reported dates), and how many there are: `status` counts outcomes over these
// groups, from one query, instead of over every event.
struct EventGroup {
    StoredEvent like;  // only event.date, event.form, state, held_date and reported_date are set
    std::size_t count = 0;
};

struct NoticeCounts {
    std::size_t pending = 0;
    std::size_t sent = 0;
    std::size_t dead = 0;
    std::size_t superseded = 0;
    std::size_t expired = 0;
};

// One mark_sent, for mark_sent_batch.
struct SentMark {
    std::string key;
    Instant at{};
    std::string subject;
    std::string body;
    bool late = false;
};

// One connection; use it from one thread at a time.
class Store {
public:
    // Creates the file if missing, checks WAL + synchronous=FULL took, migrates the schema.
    static std::unique_ptr<Store> open(const std::filesystem::path& db_file);
    // A throw-away database (`preview`): the same schema and code, but nothing is made durable
    // (synchronous=OFF, the rollback journal in memory): a crash loses it, and nothing needs it.
    static std::unique_ptr<Store> open_scratch(const std::filesystem::path& db_file);
    // The same, held in memory only (`preview` from an empty store): no file, no write to one.
    static std::unique_ptr<Store> open_in_memory();
    // For offline readers (`taratd schedule`): writes nothing, migrates nothing; refuses a
    // database whose schema is not this build's.
    static std::unique_ptr<Store> open_read_only(const std::filesystem::path& db_file);
    static int latest_schema_version();

    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    int schema_version() const;
    StoreSettings settings() const;
    // The bytes of a consistent copy of the database as committed now (SQLite's online backup API
    // on a connection of its own), ready to be written as a database file. Throws StoreError.
    std::string backup_image() const;
    const std::filesystem::path& file() const { return file_; }

    // Makes the stored plan, people, districts, centres, forms and events equal to these, in one
    // transaction, recording each difference in the history. Execution state is never touched;
    // a pinned or no-longer-planned event is never deleted and keeps its date, time and centre.
    PlanLoadResult apply_plan(const Plan& plan, const std::vector<ScheduledEvent>& events, Instant now,
                              std::string_view actor);
    // The same with the events handed over one by one, in the schedule's order (place_each). Into
    // an empty event table (a first load) each goes in as it comes and none is held: a national
    // plan's 200,000 are ~80 MB as ScheduledEvents. Otherwise they are gathered and compared.
    using EventSink = std::function<void(const ScheduledEvent&)>;
    using EventSource = std::function<void(const EventSink&)>;
    PlanLoadResult apply_plan(const Plan& plan, const EventSource& events, Instant now, std::string_view actor);

    std::optional<StoredPlanInfo> plan_info() const;
    std::vector<StoredCentre> centres() const;  // by district, then id
    std::vector<StoredEvent> events(const EventFilter& filter) const;  // by date, start, id
    // At most `limit` of those, after the event `after` (none: from the first) and how many match
    // in all; nullopt when `after` is not (any more) among them.
    std::optional<EventPage> events_page(const EventFilter& filter, const std::optional<std::string>& after,
                                         std::size_t limit) const;
    std::vector<StoredEvent> upcoming(Date from, std::size_t limit) const;  // planned only
    std::vector<EventGroup> event_groups() const;
    // Every event but the planned ones dated `day` or later, by date, start, id: a weekly digest
    // reads those and only counts the others.
    std::vector<StoredEvent> events_except_planned_from(Date day) const;
    // Moving the notice horizon (F14). The events whose notices stop before `horizon` (their first
    // notice held back is due before it), by that due; the planned events dated in [from, to), by date.
    std::vector<StoredEvent> events_held_back_before(Instant horizon) const;
    std::vector<StoredEvent> planned_between(Date from, Date to) const;
    // Where the event's derived notices stop: the due of its first notice the horizon held back
    // (nullopt: none). Written in the caller's transaction with the notices derived.
    void set_notices_beyond(const std::string& event_id, std::optional<Instant> due);
    std::optional<StoredEvent> event(const std::string& id) const;

    // Rows at or after `since` (all without it), oldest first.
    std::vector<HistoryRow> history(std::optional<Instant> since = std::nullopt) const;
    // Rows at or after `since`: with `after`, at most `limit` of those after that row id, oldest
    // first, `total` counting those after it; without, the newest `limit`, `total` counting all.
    HistoryPage history_page(std::optional<Instant> since, std::optional<std::int64_t> after,
                             std::size_t limit) const;
    // People were told this date (a notice went out, or the coordinator confirmed it): re-planning
    // never moves it again. True when it was not pinned before.
    bool pin_event(const std::string& event_id);
    // Records where an event stands (held on …, reported on …). Callers sync its notices in the
    // same transaction.
    void set_event_state(const std::string& event_id, EventState state, std::optional<Date> held_date,
                         std::optional<Date> reported_date);
    void add_history(Instant at, std::string_view actor, std::string_view action, std::string_view subject,
                     std::string_view detail);
    // The latest moment anything was recorded (a history row, a notice sent), if any.
    std::optional<Instant> latest_moment() const;
    // The rows about one subject ("event:erkemai-seminar-1"), oldest first.
    std::vector<HistoryRow> history_about(const std::string& subject) const;

    // ---- execution, as taratctl's admin commands record it ----
    // Each throws StoreError for an unknown id. Callers check that the step makes sense, write the
    // history and sync the event's notices in the same transaction.
    // Held on `held_date` by `participants` people (nullopt: not counted).
    void record_held(const std::string& event_id, Date held_date, std::optional<int> participants);
    // Reported on `reported_date`; `report_ref` names the report (a document number, a link).
    void record_report(const std::string& event_id, Date reported_date, const std::string& report_ref);
    // Moves a planned event: the old date becomes postponed_from, sequence + 1, and it stays pinned
    // (people are told the new date; re-planning must not move it again).
    void postpone_event(const std::string& event_id, Date new_date, int start_minutes, int end_minutes);
    // State cancelled with the reason; sequence + 1 (a cancellation is a revision, as in iCalendar).
    void cancel_event(const std::string& event_id, const std::string& reason);
    // Corrects what was recorded of a held or reported event (`taratctl amend`); the state stays.
    void amend_execution(const std::string& event_id, Date held_date, std::optional<int> participants,
                         std::optional<Date> reported_date, const std::string& report_ref);
    // One step back (`taratctl reopen`): reported → held (the report's date and reference cleared),
    // held → planned (the held date and participants cleared), cancelled → planned (the reason
    // cleared; sequence + 1, and pinned: people are told the date again). A planned event throws.
    void reopen_event(const std::string& event_id);

    // ---- transactions ----
    // Runs fn inside ONE write transaction (BEGIN IMMEDIATE … COMMIT) and returns what it returns: a
    // state change and the notices it causes commit together or not at all. Every write method
    // below joins the transaction that is open on this connection and opens its own otherwise.
    // Anything fn throws rolls the whole transaction back and propagates unchanged. Called inside
    // an open transaction, in_transaction (like every write method) joins it through a SAVEPOINT,
    // so a nested failure that the caller catches undoes the nested part only.
    template <class Fn>
    auto in_transaction(Fn&& fn) -> std::invoke_result_t<Fn&>;
    bool in_transaction() const;  // a write transaction is open on this connection
    // Changes with every committed write on this connection: a cache of what was read is valid
    // while it stays the same (the daemon is the only writer).
    std::uint64_t generation() const { return generation_; }
    // Changes with every committed write that touched more than the bookkeeping (the history, the
    // channels' positions, the open conversations): what `status`, the feeds and systemd's STATUS=
    // show stays valid while it stays the same. A chat answered or refused leaves it alone.
    std::uint64_t state_generation() const { return state_generation_; }
    // Changes with every committed write to the events or to the centres, districts and forms
    // they are counted by (and with every rollback): what is counted from them — the compliance
    // groups — stays valid while it stays the same. A notice sent or a person signing in leaves it.
    std::uint64_t events_generation() const { return events_generation_; }

    // ---- the outbox ----
    // Makes the PENDING notices of one scope equal to `derived`. Scope: one event id, or nullopt
    // (or "") for the notices about no event (digests); every derived notice must belong to it.
    // A key not yet in the outbox becomes a pending row due at notice.due; a pending row whose key
    // is not derived becomes superseded; rows already sent, dead, expired or superseded are left as
    // they are (a sent key is never sent again); a superseded key that is derived again is pending again, due as
    // derived (an event postponed and moved back). A pending row
    // that is derived again takes the new facts. A key derived twice counts once (first wins).
    // Pending rows of `kept_kind` stay pending though not derived (change notices come from
    // commands, not from what the event's state derives).
    SyncResult sync_notices(const std::optional<std::string>& event_id, const std::vector<Notice>& derived,
                            Instant now, std::optional<NoticeKind> kept_kind = std::nullopt);
    // Adds one scope's notices to an outbox already in sync with the rest of them (a horizon moved
    // on): new rows, superseded ones pending again; nothing else is read or superseded.
    void add_notices(const std::optional<std::string>& event_id, const std::vector<Notice>& notices, Instant now);

    // The dispatcher's one timer: the earliest next_attempt_at among pending rows.
    std::optional<Instant> next_attempt_due() const;
    // Pending rows with next_attempt_at <= now, by next_attempt_at then key; limit 0 = all.
    std::vector<OutboxRow> due_notices(Instant now, std::size_t limit) const;

    // What the channel answered. Each is one durable transaction of its own unless a transaction
    // is open. A key that is not in the outbox throws StoreError, and so does a row in a state the
    // answer cannot come from (a logic error the dispatcher must notice). Two races are not errors:
    //  - mark_sent on a row already sent changes nothing (the first record stands), so a mark whose
    //    COMMIT outcome was unknown (an I/O error reported after the WAL frame was written) can be
    //    repeated safely, and a batch naming a key twice is harmless. The crash between the
    //    plugin's success and the commit is a different case: the row is still pending and goes out
    //    again (at-least-once); the idempotency key lets the receiver drop the copy.
    //  - a row superseded while its send was in flight: mark_sent records it as sent (people were
    //    told; recipients_told must know), mark_retry / mark_dead / mark_expired change nothing.
    void mark_sent(const std::string& key, Instant at, const std::string& subject, const std::string& body,
                   bool late);
    void mark_sent_batch(const std::vector<SentMark>& marks);  // one transaction, all or nothing
    void mark_retry(const std::string& key, Instant next_attempt_at, const std::string& error);  // stays pending
    void mark_dead(const std::string& key, Instant at, const std::string& error);
    void mark_expired(const std::string& key, Instant at);  // a reminder whose event had already begun
    // Pending, not tried: goes out at `until` instead (a notice due while taratd was down, found
    // outside working hours). The attempts and the last error stay as they are.
    void defer(const std::string& key, Instant until);
    // Dead → pending, due now, with a fresh count of attempts (`taratctl retry`: the cause was
    // fixed); the last error stays until the next attempt. Any other state throws StoreError.
    void requeue(const std::string& key, Instant now);

    std::vector<OutboxRow> notices(const NoticeFilter& filter) const;  // by due, then key
    // At most `limit` of those (filter.limit unused), after the notice `after` (none: from the
    // first), and how many match in all; nullopt when `after` is not (any more) among them.
    std::optional<NoticePage> notices_page(const NoticeFilter& filter, const std::optional<std::string>& after,
                                           std::size_t limit) const;
    std::optional<OutboxRow> notice(const std::string& key) const;
    // Whether a pending notice to `recipient` on `channel` about `event_id` ("" for none), of kind
    // `kind` or `also`, is due after `after` and no later than `up_to`: an answer without reading
    // the rows, asked once for every reminder sent.
    bool pending_due_between(const std::string& event_id, const std::string& recipient, const std::string& channel,
                             NoticeKind kind, NoticeKind also, Instant after, Instant up_to) const;
    // The events with a pending notice ("" for digests).
    std::set<std::string> events_with_pending_notices() const;
    NoticeCounts notice_counts() const;
    // ---- receiving channels (F11; store/links.cpp) ----
    // The last update applied from `channel`, 0 for none.
    std::int64_t channel_position(const std::string& channel) const;
    void set_channel_position(const std::string& channel, std::int64_t position);
    void add_link_code(const std::string& code, const std::string& person, const std::string& channel, Instant expires);
    // The person a code links on `channel`, used up now; nullopt when unknown, used or expired.
    std::optional<std::string> take_link_code(const std::string& code, const std::string& channel, Instant now);
    // Stores the link, replacing the person's earlier one on the channel and anyone's on the chat.
    void set_link(const ChannelLink& link);
    bool remove_link(const std::string& person, const std::string& channel);
    std::vector<ChannelLink> links() const;  // by channel, person
    std::optional<ChannelLink> link_for_chat(const std::string& channel, const std::string& chat) const;
    std::optional<ChannelLink> link_for_person(const std::string& person, const std::string& channel) const;
    // A short, stable number for an event (button tokens carry it), made on first use.
    std::int64_t event_ref(const std::string& event_id);
    std::optional<std::string> event_for_ref(std::int64_t ref) const;
    // The open conversation in a chat (a JSON object), "" for none; set "" to end it.
    std::string conversation(const std::string& channel, const std::string& chat) const;
    void set_conversation(const std::string& channel, const std::string& chat, const std::string& data, Instant now);

    // ---- web sessions (F12; store/web_sessions.cpp), by the SHA-256 of the cookie ----
    void add_web_session(const std::string& id_hash, const std::string& person, Instant now, Instant expires);
    // The session's person; nullopt when unknown or expired.
    std::optional<std::string> web_session_person(const std::string& id_hash, Instant now) const;
    void remove_web_session(const std::string& id_hash, Instant now);  // also drops expired ones

    // The distinct recipients who were told about this event's date (a reminder or a change notice
    // sent), by id: change notices go to them.
    std::vector<std::string> recipients_told(const std::string& event_id) const;
    // Those whose last sent change notice about this event said it was cancelled, by id: a restored
    // event tells them it takes place after all.
    std::vector<std::string> recipients_told_cancelled(const std::string& event_id) const;

private:
    friend struct store_internal::Access;

    // One level of transaction: BEGIN IMMEDIATE when none is open, a SAVEPOINT inside one.
    // Destroyed without commit(), it rolls its level back.
    class TransactionScope {
    public:
        // name_the_file: errors become StoreError naming the file (for in_transaction's callers;
        // the write methods' own guard names it otherwise).
        explicit TransactionScope(Store& store, bool name_the_file = false);
        ~TransactionScope();  // never throws
        TransactionScope(const TransactionScope&) = delete;
        TransactionScope& operator=(const TransactionScope&) = delete;
        void commit();

    private:
        Store& store_;
        bool name_the_file_;
        bool outermost_ = false;
        bool finished_ = false;
    };

    Store(std::filesystem::path file, std::unique_ptr<SQLite::Database> db);
    static std::unique_ptr<Store> throw_away(const std::filesystem::path& file, std::unique_ptr<SQLite::Database> db);
    void configure_connection(bool durable = true);  // pragmas, read back
    void migrate();
    // apply_plan's: the events as `given`, or else from `source`.
    PlanLoadResult load_plan(const Plan& plan, const std::vector<ScheduledEvent>* given, const EventSource* source,
                             Instant now, std::string_view actor);

    friend class store_internal::Reused;

    std::filesystem::path file_;
    std::unique_ptr<SQLite::Database> db_;
    // Statements prepared once on this connection and reused by their SQL (store_internal::Reused):
    // preparing each anew was a tenth of a busy loop's time. After db_, so they go first.
    struct Prepared {
        std::unique_ptr<SQLite::Statement> statement;
        bool leased = false;
    };
    mutable std::map<std::string, Prepared, std::less<>> prepared_;
    int open_scopes_ = 0;
    std::uint64_t generation_ = 0;        // committed write transactions on this connection
    std::uint64_t state_generation_ = 0;  // those of them that wrote more than the bookkeeping
    std::uint64_t events_generation_ = 0;
    bool events_written_ = false;  // since the outermost BEGIN: set by SQLite's update hook
    // Moves with every plan stored (the only writer of centres and of events added or removed) and
    // every rollback: the centres and their event counts read at one value hold while it lasts. A
    // weekly digest at national scale counted 200,000 events for them.
    std::uint64_t plan_generation_ = 0;
    mutable std::optional<std::pair<std::uint64_t, std::vector<StoredCentre>>> centres_cache_;
    // The event last read inside a transaction, while nothing was written or undone since: the
    // dispatcher prepares each recipient's and channel's notice of one event in a row. Within a
    // write transaction no other connection writes; it is forgotten when the last scope closes.
    struct EventRead {
        long long changes;
        std::uint64_t undone;
        StoredEvent event;
    };
    mutable std::optional<EventRead> last_event_;
    // Rows changed since the outermost BEGIN (sqlite3_total_changes at BEGIN), and how many of them
    // were the bookkeeping's: a commit raises state_generation_ unless the two are equal.
    long long changes_at_begin_ = 0;
    long long bookkeeping_changes_ = 0;
    long long total_changes() const;  // rows changed on this connection since it opened
    // Runs fn, one of the bookkeeping writes, and counts the rows it changed as bookkeeping.
    template <class Fn>
    void bookkeeping(Fn&& fn) {
        const long long before = total_changes();
        fn();
        bookkeeping_changes_ += total_changes() - before;
    }
};

template <class Fn>
auto Store::in_transaction(Fn&& fn) -> std::invoke_result_t<Fn&> {
    using Result = std::invoke_result_t<Fn&>;
    TransactionScope scope(*this, /*name_the_file=*/true);
    if constexpr (std::is_void_v<Result>) {
        std::invoke(fn);
        scope.commit();
    } else {
        Result result = std::invoke(fn);
        scope.commit();
        return result;
    }
}

}  // namespace tarat
