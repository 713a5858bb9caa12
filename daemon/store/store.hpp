#pragma once
// The daemon's durable truth: one SQLite file holding the plan, the dated events, their execution
// state, the notice outbox and the audit history.
#include "core/event.hpp"
#include "core/plan.hpp"
#include "core/time.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace SQLite {
class Database;
}

namespace tarat {

// Every failure the store reports; the message names the database file and SQLite's words.
class StoreError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// What a plan load did. `changes` holds one line per difference, worded as in the history.
struct PlanLoadResult {
    bool changed = false;
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

struct HistoryRow {
    std::int64_t id = 0;
    Instant at{};
    std::string actor;
    std::string action;   // e.g. "plan.change"
    std::string subject;  // e.g. "centre:erkemai"
    std::string detail;
};

// The durability settings as SQLite reports them back, for `status` and for tests.
struct StoreSettings {
    std::string journal_mode;  // "wal"
    int synchronous = 0;       // 2 = FULL
    bool foreign_keys = false;
    int busy_timeout_ms = 0;
};

// One connection; use it from one thread at a time.
class Store {
public:
    // Creates the file if missing, checks WAL + synchronous=FULL took, migrates the schema.
    static std::unique_ptr<Store> open(const std::filesystem::path& db_file);
    static int latest_schema_version();

    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    int schema_version() const;
    StoreSettings settings() const;
    const std::filesystem::path& file() const { return file_; }

    // Makes the stored plan, people, districts, centres, forms and events equal to these, in one
    // transaction, recording each difference in the history. Execution state is never touched;
    // a pinned or no-longer-planned event is never deleted and keeps its date, time and centre.
    PlanLoadResult apply_plan(const Plan& plan, const std::vector<ScheduledEvent>& events, Instant now,
                              std::string_view actor);

    std::optional<StoredPlanInfo> plan_info() const;
    std::vector<StoredCentre> centres() const;  // by district, then id
    std::vector<StoredEvent> events(const EventFilter& filter) const;  // by date, start, id
    std::vector<StoredEvent> upcoming(Date from, std::size_t limit) const;  // planned only

    // Rows at or after `since` (all without it), oldest first.
    std::vector<HistoryRow> history(std::optional<Instant> since = std::nullopt) const;
    void add_history(Instant at, std::string_view actor, std::string_view action, std::string_view subject,
                     std::string_view detail);

private:
    Store(std::filesystem::path file, std::unique_ptr<SQLite::Database> db);
    void configure_connection();  // pragmas, read back
    void migrate();

    std::filesystem::path file_;
    std::unique_ptr<SQLite::Database> db_;
};

}  // namespace tarat
