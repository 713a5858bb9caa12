#pragma once
// The one home of an event's life: held, reported, postponed, cancelled, confirmed. Every front end
// (the socket's commands, `preview`, Telegram, the web) calls these; none writes event rows itself.
// Each step checks its input first (a refusal changes nothing), then makes the change, its history
// row and the notices it causes in ONE transaction.
#include "config/setup.hpp"
#include "core/time.hpp"
#include "lifecycle/actor.hpp"
#include "lifecycle/wording.hpp"
#include "notify/notices.hpp"
#include "schedule/placement.hpp"
#include "store/store.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tarat {

struct LifecycleResult {
    enum class Status {
        changed,    // stored, with its history row and notices
        unchanged,  // already so: nothing to do, not an error
        not_found,  // no such event; `did_you_mean` has the closest ids
        refused,    // the step makes no sense now; `text` says why
    };
    Status status = Status::refused;
    std::string text;                       // one line, English (the daemon's answers are)
    std::optional<StoredEvent> event;       // as stored after the step (changed, unchanged)
    std::vector<std::string> did_you_mean;  // not_found
    std::int64_t revision = 0;              // the event's revision after the step (changed, unchanged)
    Refusal why;                            // refused: the reason as a code, for other languages than `text`'s

    bool ok() const { return status == Status::changed || status == Status::unchanged; }
};

// What the caller read before asking for a change (`--if-revision N`): a step on an event whose
// revision is no longer N is refused, so of two admins acting at once the second hears of the first.
struct Expectation {
    std::optional<std::int64_t> revision;
};

struct HeldInput {
    std::optional<Date> date;  // default: the planned date
    std::optional<std::int64_t> participants;
    std::string note;
    bool force = false;  // a day off, or a date over 30 days before the planned one (recorded)
};

struct ReportedInput {
    std::optional<Date> date;  // default: today
    std::string ref;
    std::string file;  // the report file stored with it (a web upload), named in the same history row
};

struct PostponeInput {
    Date to{};
    std::optional<int> start_minutes;  // default: unchanged
    std::string reason;
};

// A plan edit that meets a postponement: the plan now puts the event on a date it never had, but
// someone postponed it, so the postponed date stays until someone postpones it to the plan's.
struct PlanConflict {
    std::string event_id;
    Date plan_date{};  // where the plan now puts it
    int plan_start = 0;
    Date stored_date{};  // where it stays
    int stored_start = 0;
    std::string postponed_by;  // the actor of its last postponement, as the history has it
    Instant postponed_at{};
    // The command that takes the plan's date, or "" when that date has gone by.
    std::string how_to_apply;
};

struct PlanOptions {
    // false: refuse a plan that would remove more than half of the planned events still ahead.
    bool allow_shrink = true;
    // Place and compare, store nothing (the store's changes are made and rolled back): what a
    // reload would do, for `reload --dry-run` and `taratd check --diff`.
    bool dry_run = false;
    // Into an empty store, only the events dated in these days (placement still sees the whole
    // plan): for a preview that reads no other (Notices::events_read_between).
    std::optional<DayRange> store_only;
    // false: the diff is not worked out, for a caller that shows none (the daemon at start, a
    // preview): into an empty store it is one line for each of a national plan's 200,000 events.
    bool diff = true;
};

// One event a plan would add, remove, move, or leave in conflict (stays where it is against the
// plan), with the reason in one line.
struct PlanDiffEntry {
    enum class Kind { add, remove, move, conflict };
    Kind kind = Kind::add;
    std::string id;
    Date date{};  // where it is (add: where the plan puts it)
    int start = 0;
    std::optional<Date> to_date;  // move, conflict: where the plan puts it
    int to_start = 0;
    std::string reason;  // English, one line
    // The reason as a code, for other languages: new, back, rule_placed, rule_moved, plan_moved,
    // removed, kept_pinned, kept, postponed, pinned; `detail` the rule, state or who postponed it,
    // `how` the command that takes the plan's date.
    std::string why, detail, how;
};
std::string_view diff_kind_name(PlanDiffEntry::Kind kind);  // "add", "remove", "move", "conflict"
// "move  erkemai-seminar-1  2026-12-09 11:00 → 2026-12-10 11:00  the plan's date changed"
std::string diff_line(const PlanDiffEntry& entry);

// What applying a plan did (the store's changes), or why it was refused (nothing stored).
struct PlanApplied : PlanLoadResult {
    bool taken = true;
    std::string refusal;                  // one line when not taken
    std::size_t future_events = 0;        // planned, dated today or later, before the load
    std::size_t future_removed = 0;       // of those, how many this plan removes
    std::vector<ScheduledEvent> removed;  // planned and unpinned, no longer produced: deleted
    std::vector<StoredEvent> kept;        // no longer produced, kept for their outcome or pin
    std::vector<PlanConflict> conflicts;
    std::vector<PlanDiffEntry> diff;      // by kind, then date
};

// What `amend` corrects in a held or reported event's record; a field not given stays as it is.
struct AmendInput {
    std::optional<std::int64_t> participants;
    std::optional<Date> held_date;
    std::optional<Date> report_date;  // reported events only
    std::optional<std::string> ref;   // reported events only
    std::string reason;               // required: the history keeps it with the old and new values
    bool force = false;  // a held date on a day off, or over 30 days before the planned one (recorded)
};

// `reopen`: one step back. reported → held, held → planned, cancelled → planned at its date.
struct ReopenInput {
    std::string reason;
    std::optional<Date> to;  // a cancelled event only: restored on this working day instead
};

class EventLifecycle {
public:
    static constexpr std::int64_t kMaxParticipants = 100000;

    EventLifecycle(Store& store, const Clock& clock, std::shared_ptr<const Setup> setup);

    // The plan, config and calendar in force, and the notices they derive; replaced by apply_plan.
    const Setup& setup() const { return *setup_; }
    const std::shared_ptr<const Setup>& setup_ptr() const { return setup_; }
    Notices& notices() { return *notices_; }
    const Notices& notices() const { return *notices_; }
    const Clock& clock() const { return clock_; }
    // No notice due at or after `horizon` is derived (Notices::set_horizon); kept across plan loads.
    void set_notice_horizon(std::optional<Instant> horizon);
    // Moves it on, deriving only what it reaches (Notices::extend_horizon); throws what the store throws.
    void extend_notice_horizon(Instant horizon, Instant now);
    Date today() const;

    // Places `setup`'s plan, stores it and syncs every notice in one transaction; on success the
    // setup is the one in force. Throws what the store throws (the old setup stays). Events with
    // an outcome (held, reported, cancelled), pinned ones and those already too close to move keep
    // their date; a rule places new events only where their first reminder can still go out.
    PlanApplied apply_plan(std::shared_ptr<const Setup> setup, const Actor& actor, const PlanOptions& options = {});

    // A repeat of what is already so (held again, cancelled again, postponed to its own date…) is
    // `unchanged`, "nothing changed", never refused.
    LifecycleResult held(const Actor& actor, const std::string& id, const HeldInput& input,
                         const Expectation& expect = {});
    LifecycleResult reported(const Actor& actor, const std::string& id, const ReportedInput& input,
                             const Expectation& expect = {});
    LifecycleResult postpone(const Actor& actor, const std::string& id, const PostponeInput& input,
                             const Expectation& expect = {});
    LifecycleResult cancel(const Actor& actor, const std::string& id, const std::string& reason,
                           const Expectation& expect = {});
    LifecycleResult confirm(const Actor& actor, const std::string& id, const Expectation& expect = {});
    // Corrections, both recorded with the old and the new values and the reason.
    LifecycleResult amend(const Actor& actor, const std::string& id, const AmendInput& input,
                          const Expectation& expect = {});
    LifecycleResult reopen(const Actor& actor, const std::string& id, const ReopenInput& input,
                           const Expectation& expect = {});

    // An event's revision: how many changes (plan loads and lifecycle steps) its history holds.
    std::int64_t revision(const std::string& id) const;
    // `actor` was shown `id` as it is now (taratctl event): a later step of theirs without an
    // expectation says so when the event changed in between.
    void note_read(const Actor& actor, const std::string& id);

    // Called after every step that changed something has committed (wake the dispatcher, rewrite
    // the feeds).
    std::function<void()> on_change;

    // Why a free-text argument cannot be kept (none when it can); `field` is note, reason or ref.
    static Refusal free_text_problem(const std::string& text, const std::string& field);

    // not_found naming the id, with the closest stored ids.
    LifecycleResult unknown_event(const std::string& id) const;

private:
    // The step's preamble: not_found, or refused when `expect` names a revision that is not the
    // event's; nullopt to go on.
    std::optional<LifecycleResult> check_expectation(const std::string& id, const Expectation& expect) const;
    // The step's answer (changed or unchanged) with the revision, and "changed since you read it"
    // when the actor read an older revision and gave no expectation.
    LifecycleResult answered(const Actor& actor, LifecycleResult result, const Expectation& expect);
    LifecycleResult changed(const std::string& id, std::string text);
    // Re-derives one event's notices from its stored state into the outbox, in the caller's
    // transaction; `changes`: the change notices this step causes.
    void sync_notices(const std::string& id, Instant now,
                      const std::optional<std::vector<Notice>>& changes = std::nullopt);
    Refusal day_off(Date day, Date today) const;
    // apply_plan into a store without events: placed and stored one event at a time.
    PlanApplied apply_first_plan(std::shared_ptr<const Setup> setup, const Actor& actor, const PlanOptions& options,
                                 const PlacementInput& input, Instant now);
    // Stores `setup`'s plan with `events` (a vector or a Store::EventSource) and syncs every
    // notice, in one transaction; then `setup` and its notices are the ones in force.
    template <class Events>
    PlanLoadResult store_plan(std::shared_ptr<const Setup> setup, const Events& events, const Actor& actor, Instant now);
    static void log_findings(const Schedule& schedule);
    std::vector<PlanDiffEntry> diff_of(const Schedule& schedule, const std::vector<StoredEvent>& stored,
                                       const PlanApplied& applied) const;
    std::vector<PlanConflict> conflicts_of(const Setup& setup, const Schedule& schedule,
                                           const std::vector<StoredEvent>& stored, Date today) const;
    // When this step's change notices are due: now, or a second after the event's latest change
    // notice. Their keys hold the moment to the second, and a cancellation and its reopening in
    // one second must be two notices, not the second taken for the first one already sent.
    Instant change_moment(const std::string& id, Instant now) const;
    // Why an event cannot be held on `held` (none when it can); `odd` says what only force lets through.
    Refusal held_date_problem(const ScheduledEvent& e, Date held, Date today, bool force, std::string& odd) const;
    // Why a planned event cannot move to `to` at `start` (none when it can).
    Refusal new_date_problem(const ScheduledEvent& e, Date to, int start) const;

    Store& store_;
    const Clock& clock_;
    std::shared_ptr<const Setup> setup_;
    std::unique_ptr<Notices> notices_;
    // Per reader (a local uid, a person on a channel): the revision of each event they last read.
    std::map<std::string, std::map<std::string, std::int64_t>> read_;
    std::optional<Instant> horizon_;
};

}  // namespace tarat
