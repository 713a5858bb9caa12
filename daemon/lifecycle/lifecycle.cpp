#include "lifecycle/lifecycle.hpp"

#include "core/text.hpp"
#include "schedule/placement.hpp"

#include <spdlog/spdlog.h>

#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <set>

namespace tarat {
namespace {

using Status = LifecycleResult::Status;

using Code = Refusal::Code;

LifecycleResult refused(Refusal why) {
    LifecycleResult result{Status::refused, why.text, std::nullopt, {}};
    result.why = std::move(why);
    return result;
}
LifecycleResult refused(std::string text) { return refused(Refusal{Code::other, std::move(text), {}, {}}); }

// A refusal about where the event stands: its state and the day that goes with it.
Refusal standing_refusal(Code code, const StoredEvent& s, std::string text) {
    return {code, std::move(text), {{"date", state_day(s)}}, {{"state", std::string(state_name(s.state))}}};
}

// The rows of an event's history that changed it (plan loads, lifecycle steps), oldest first: its
// revision is how many there are.
std::vector<HistoryRow> changes_of(const Store& store, const std::string& id) {
    auto rows = store.history_about("event:" + id);
    std::erase_if(rows, [](const HistoryRow& r) { return !r.action.starts_with("event.") && !r.action.starts_with("plan."); });
    return rows;
}

std::string change_text(const HistoryRow& row) {
    return row.action + " by " + row.actor + " at " + format_instant_utc(row.at);
}

// Whose reads are remembered: a local user by uid (each taratctl is another pid), a person per channel.
std::string reader_of(const Actor& actor) {
    switch (actor.kind) {
        case Actor::Kind::local_user: return "uid:" + std::to_string(actor.uid);
        case Actor::Kind::person: return "person:" + actor.person + "@" + actor.channel;
        case Actor::Kind::system: break;
    }
    return "";
}

LifecycleResult unchanged(const StoredEvent& stored, std::string text) {
    return {Status::unchanged, std::move(text), stored, {}};
}

std::string when(const ScheduledEvent& e) { return format_date(e.date) + " " + format_hhmm(e.start_minutes); }

// Where the event stands, for refusals: "held on 2026-12-09", "cancelled (no hall)".
std::string standing(const StoredEvent& s) {
    switch (s.state) {
        case EventState::planned: return "planned for " + when(s.event);
        case EventState::held: return "held on " + format_date(s.held_date.value_or(s.event.date));
        case EventState::reported:
            return "held on " + format_date(s.held_date.value_or(s.event.date)) + " and reported on " +
                   (s.reported_date ? format_date(*s.reported_date) : std::string("?"));
        case EventState::cancelled:
            return "cancelled" + (s.cancel_reason.empty() ? std::string() : " (" + s.cancel_reason + ")");
    }
    return "";
}

// The history row of a postponement: "2027-02-10 10:00 → 2027-02-17 10:00; reason: …". Its
// first date is one the event had, which conflicts_of reads back.
std::string postponement_detail(const ScheduledEvent& from, Date to, int start, const std::string& reason) {
    return when(from) + " → " + format_date(to) + " " + format_hhmm(start) + "; reason: " + reason;
}

Refusal participants_problem(const std::optional<std::int64_t>& participants) {
    const std::string max = std::to_string(EventLifecycle::kMaxParticipants);
    if (participants && (*participants < 0 || *participants > EventLifecycle::kMaxParticipants))
        return {Code::participants_range,
                "participants must be a number from 0 to " + max + ", not " + std::to_string(*participants),
                {},
                {{"max", max}}};
    return {};
}

Refusal report_date_problem(Date reported, Date held, Date today) {
    if (reported > today)
        return {Code::report_future,
                "the report date " + format_date(reported) + " is in the future (today is " + format_date(today) + ")",
                {{"date", reported}, {"today", today}},
                {}};
    if (reported < held)
        return {Code::report_before_held,
                "the report date " + format_date(reported) + " is before the event was held (" + format_date(held) + ")",
                {{"date", reported}, {"held", held}},
                {}};
    return {};
}

Refusal reason_missing(const std::string& step, const std::string& id) {
    return {Code::reason_missing, "give the reason for " + step + " " + id, {}, {}};
}

// The diff's line for an event the plan adds; `back`: one stored out of the plan.
PlanDiffEntry addition(const ScheduledEvent& e, bool back) {
    const bool rule = e.source != "fixed";
    return {PlanDiffEntry::Kind::add, e.id, e.date, e.start_minutes, std::nullopt, 0,
            back ? "back in the plan" : rule ? "placed by rule " + e.source : "a new event in the plan",
            back ? "back" : rule ? "rule_placed" : "new", rule ? e.source : "", ""};
}

std::string optional_text(const std::optional<Date>& d) { return d ? format_date(*d) : std::string("none"); }
std::string optional_text(const std::optional<int>& n) { return n ? std::to_string(*n) : std::string("not counted"); }

}  // namespace

EventLifecycle::EventLifecycle(Store& store, const Clock& clock, std::shared_ptr<const Setup> setup)
    : store_(store),
      clock_(clock),
      setup_(std::move(setup)),
      notices_(std::make_unique<Notices>(*setup_, *setup_->templates, store_)) {}

void EventLifecycle::set_notice_horizon(std::optional<Instant> horizon) {
    horizon_ = horizon;
    notices_->set_horizon(horizon);
}

void EventLifecycle::extend_notice_horizon(Instant horizon, Instant now) {
    notices_->extend_horizon(horizon, now);
    horizon_ = notices_->horizon();
}

Date EventLifecycle::today() const { return setup_->calendar->instant_to_local(clock_.now()).first; }

Refusal EventLifecycle::free_text_problem(const std::string& text, const std::string& field) {
    const std::string what = field == "ref" ? "report reference" : field;
    if (first_invalid_utf8(text)) return {Code::not_utf8, "the " + what + " is not UTF-8 text", {}, {{"what", field}}};
    if (const size_t chars = utf8_length(text); chars > kMaxFreeTextChars)
        return {Code::too_long,
                "the " + what + " is " + std::to_string(chars) + " characters long; at most " +
                    std::to_string(kMaxFreeTextChars) + " characters are accepted",
                {},
                {{"what", field}, {"chars", std::to_string(chars)}, {"max", std::to_string(kMaxFreeTextChars)}}};
    for (unsigned char c : text)
        if (c < 0x20 || c == 0x7F)
            return {Code::control_chars, "the " + what + " must be one line without control characters", {}, {{"what", field}}};
    return {};
}

std::int64_t EventLifecycle::revision(const std::string& id) const {
    return static_cast<std::int64_t>(changes_of(store_, id).size());
}

void EventLifecycle::note_read(const Actor& actor, const std::string& id) {
    const std::string reader = reader_of(actor);
    if (reader.empty()) return;
    auto& seen = read_[reader];
    if (seen.size() >= 10000) seen.clear();  // a script reading every event: forget, never grow without end
    seen[id] = revision(id);
}

std::optional<LifecycleResult> EventLifecycle::check_expectation(const std::string& id, const Expectation& expect) const {
    if (!expect.revision) return std::nullopt;
    const auto changes = changes_of(store_, id);
    const auto now = static_cast<std::int64_t>(changes.size());
    if (*expect.revision == now) return std::nullopt;
    std::string text = id + " is at revision " + std::to_string(now) + ", not " + std::to_string(*expect.revision);
    if (!changes.empty()) text += " (last change: " + change_text(changes.back()) + ")";
    return refused(Refusal{Code::stale_revision,
                           text + "; nothing changed: read it again (taratctl event " + id + ") and decide", {}, {}});
}

LifecycleResult EventLifecycle::answered(const Actor& actor, LifecycleResult result, const Expectation& expect) {
    if (!result.ok() || !result.event) return result;
    const std::string& id = result.event->event.id;
    const auto changes = changes_of(store_, id);
    result.revision = static_cast<std::int64_t>(changes.size());
    const std::string reader = reader_of(actor);
    if (reader.empty()) return result;
    auto& seen = read_[reader];
    // The revision before this step: a change adds one row.
    const std::int64_t before = result.revision - (result.status == Status::changed ? 1 : 0);
    if (auto it = seen.find(id); !expect.revision && it != seen.end() && it->second < before && before > 0)
        result.text += "; note: " + id + " changed after you read it at revision " + std::to_string(it->second) +
                       " (" + change_text(changes[size_t(before - 1)]) + ")";
    seen[id] = result.revision;
    return result;
}

PlanApplied EventLifecycle::apply_plan(std::shared_ptr<const Setup> setup, const Actor& actor,
                                       const PlanOptions& options) {
    const Instant now = clock_.now();
    const auto [today, minutes] = setup->calendar->instant_to_local(now);
    const std::vector<StoredEvent> stored = store_.events({});
    // Pinned events stay; so do those with an outcome and those a new event could no longer take.
    PlacementInput input;
    input.now = PlacementNow{today, minutes, setup->config.notify.reminders};
    for (const auto& s : stored) {
        if (s.event.pinned) input.pinned.push_back(s.event);
        else if (s.state != EventState::planned || !placeable(setup->plan, *setup->calendar, *input.now, s.event.form,
                                                              s.event.date, s.event.start_minutes))
            input.settled.push_back(s.event);
    }
    if (stored.empty() && !options.dry_run) return apply_first_plan(std::move(setup), actor, options, input, now);
    auto schedule = place(setup->plan, *setup->calendar, input);
    log_findings(schedule);

    // A pin the plan no longer produces leaves the plan; the store keeps it, out of the plan.
    std::unordered_set<std::string> not_produced;
    for (const auto& d : schedule.drift)
        if (!d.would_be) not_produced.insert(d.event_id);
    std::erase_if(schedule.events, [&](const ScheduledEvent& e) { return not_produced.contains(e.id); });
    if (options.store_only && stored.empty())
        std::erase_if(schedule.events, [&](const ScheduledEvent& e) { return !options.store_only->contains(e.date); });

    PlanApplied applied;
    std::unordered_set<std::string_view> produced;
    for (const auto& e : schedule.events) produced.insert(e.id);
    for (const auto& s : stored) {
        const bool ahead = s.state == EventState::planned && s.event.date >= today;
        applied.future_events += ahead;
        if (!s.in_plan || produced.contains(s.event.id)) continue;
        if (s.state == EventState::planned && !s.event.pinned) {
            applied.removed.push_back(s.event);
            applied.future_removed += ahead;
        } else {
            applied.kept.push_back(s);
        }
    }
    if (!options.allow_shrink && applied.future_removed * 2 > applied.future_events) {
        applied.taken = false;
        applied.refusal = "the new plan would remove " + std::to_string(applied.future_removed) + " of the " +
                          std::to_string(applied.future_events) + " planned events dated " + format_date(today) +
                          " or later, more than half";
        return applied;  // nothing stored; the setup in force stays
    }
    applied.conflicts = conflicts_of(*setup, schedule, stored, today);
    for (const auto& c : applied.conflicts)
        spdlog::warn("conflict: the plan moves {} to {} {}, but {} postponed it to {} {}: the postponed date stays{}",
                     c.event_id, format_date(c.plan_date), format_hhmm(c.plan_start), c.postponed_by,
                     format_date(c.stored_date), format_hhmm(c.stored_start),
                     c.how_to_apply.empty() ? "; the plan's date has gone by" : "; to take the plan's: " + c.how_to_apply);
    for (const auto& k : applied.kept)
        spdlog::info("kept: {} on {} ({}) is no longer in the plan", k.event.id, format_date(k.event.date),
                     k.state == EventState::planned ? "pinned" : std::string(state_name(k.state)));

    if (options.diff) applied.diff = diff_of(schedule, stored, applied);
    if (options.dry_run) {
        // The store's own change list, from a transaction that is never committed.
        struct RolledBack {};
        try {
            store_.in_transaction([&] {
                static_cast<PlanLoadResult&>(applied) = store_.apply_plan(setup->plan, schedule.events, now, actor.text());
                throw RolledBack{};
            });
        } catch (const RolledBack&) {
        }
        return applied;
    }
    static_cast<PlanLoadResult&>(applied) = store_plan(std::move(setup), schedule.events, actor, now);
    return applied;
}

// With nothing stored there is nothing to keep, remove, move or conflict with: each event goes
// from placement into the store as it is made, and none is held (a national plan's 200,000 were
// ~80 MB at once). The diff, when asked for, adds each.
PlanApplied EventLifecycle::apply_first_plan(std::shared_ptr<const Setup> setup, const Actor& actor,
                                             const PlanOptions& options, const PlacementInput& input, Instant now) {
    PlanApplied applied;
    Schedule schedule;  // without its events
    const Setup& placed = *setup;
    const Store::EventSource events = [&](const Store::EventSink& store) {
        schedule = place_each(placed.plan, *placed.calendar, input, [&](ScheduledEvent&& e) {
            if (options.store_only && !options.store_only->contains(e.date)) return;
            if (options.diff) applied.diff.push_back(addition(e, false));
            store(e);
        });
    };
    static_cast<PlanLoadResult&>(applied) = store_plan(std::move(setup), events, actor, now);
    log_findings(schedule);
    return applied;
}

template <class Events>
PlanLoadResult EventLifecycle::store_plan(std::shared_ptr<const Setup> setup, const Events& events, const Actor& actor,
                                          Instant now) {
    auto notices = std::make_unique<Notices>(*setup, *setup->templates, store_);
    notices->event_link = notices_->event_link;  // the web's links outlive a reload
    notices->set_horizon(horizon_);
    auto loaded = store_.in_transaction([&] {
        auto loaded = store_.apply_plan(setup->plan, events, now, actor.text());
        notices->sync_all(now);
        return loaded;
    });
    setup_ = std::move(setup);
    notices_ = std::move(notices);
    return loaded;
}

void EventLifecycle::log_findings(const Schedule& schedule) {
    for (const auto& u : schedule.unplaced)
        spdlog::warn("cannot place {} at {} in {}: {}", u.rule, u.centre, u.period, u.reason);
    for (const auto& w : schedule.warnings) spdlog::warn("{}", w);
    for (const auto& c : schedule.clashes) spdlog::warn("{}", c);
    for (const auto& d : schedule.drift)
        spdlog::info("pinned {} stays on {}; unpinned it would {}", d.event_id, format_date(d.pinned_date),
                     d.would_be ? "move to " + format_date(*d.would_be) : std::string("no longer be planned"));
}

std::string_view diff_kind_name(PlanDiffEntry::Kind kind) {
    switch (kind) {
        case PlanDiffEntry::Kind::add: return "add";
        case PlanDiffEntry::Kind::remove: return "remove";
        case PlanDiffEntry::Kind::move: return "move";
        case PlanDiffEntry::Kind::conflict: return "conflict";
    }
    return "";
}

std::string diff_line(const PlanDiffEntry& e) {
    std::string line = std::string(diff_kind_name(e.kind)) + "  " + e.id + "  " + format_date(e.date) + " " + format_hhmm(e.start);
    if (e.to_date) line += " → " + format_date(*e.to_date) + " " + format_hhmm(e.to_start);
    return line + "  " + e.reason;
}

// What the plan does to each event, in words: read off the placement before anything is stored.
std::vector<PlanDiffEntry> EventLifecycle::diff_of(const Schedule& schedule, const std::vector<StoredEvent>& stored,
                                                   const PlanApplied& applied) const {
    using Kind = PlanDiffEntry::Kind;
    std::vector<PlanDiffEntry> diff;
    std::unordered_map<std::string_view, const StoredEvent*> by_id;
    for (const auto& s : stored) by_id.emplace(s.event.id, &s);
    for (const auto& e : schedule.events) {
        auto found = by_id.find(e.id);
        const bool rule = e.source != "fixed";
        if (found == by_id.end() || !found->second->in_plan) {
            diff.push_back(addition(e, found != by_id.end()));
            continue;
        }
        const StoredEvent& s = *found->second;
        if (s.event.date == e.date && s.event.start_minutes == e.start_minutes) continue;
        diff.push_back({Kind::move, e.id, s.event.date, s.event.start_minutes, e.date, e.start_minutes,
                        rule ? "rule " + e.source + " places it there now" : "the plan's date or time changed",
                        rule ? "rule_moved" : "plan_moved", rule ? e.source : "", ""});
    }
    for (const auto& e : applied.removed)
        diff.push_back({Kind::remove, e.id, e.date, e.start_minutes, std::nullopt, 0, "no longer in the plan", "removed", "", ""});
    for (const auto& k : applied.kept)
        diff.push_back({Kind::conflict, k.event.id, k.event.date, k.event.start_minutes, std::nullopt, 0,
                        "no longer in the plan, kept: " +
                            (k.state == EventState::planned ? std::string("pinned (people were told this date)")
                                                            : std::string(state_name(k.state))),
                        k.state == EventState::planned ? "kept_pinned" : "kept", std::string(state_name(k.state)), ""});
    for (const auto& c : applied.conflicts)
        diff.push_back({Kind::conflict, c.event_id, c.stored_date, c.stored_start, c.plan_date, c.plan_start,
                        "postponed by " + c.postponed_by + ": the postponed date stays" +
                            (c.how_to_apply.empty() ? "" : "; to take the plan's: " + c.how_to_apply),
                        "postponed", c.postponed_by, c.how_to_apply});
    for (const auto& d : schedule.drift) {
        auto found = by_id.find(d.event_id);
        if (!d.would_be || found == by_id.end() || found->second->postponed_from) continue;
        const auto& s = found->second->event;
        diff.push_back({Kind::conflict, s.id, s.date, s.start_minutes, d.would_be, s.start_minutes,
                        "pinned (people were told this date): it stays", "pinned", "", ""});
    }
    std::stable_sort(diff.begin(), diff.end(), [](const PlanDiffEntry& a, const PlanDiffEntry& b) {
        return std::tie(a.kind, a.date, a.start, a.id) < std::tie(b.kind, b.date, b.start, b.id);
    });
    return diff;
}

// Postponed events whose plan date moved to one the event never had: each postponement's history
// row names the date it left, and the plan asking for one of those is no edit.
std::vector<PlanConflict> EventLifecycle::conflicts_of(const Setup& setup, const Schedule& schedule,
                                                       const std::vector<StoredEvent>& stored, Date today) const {
    std::vector<PlanConflict> conflicts;
    std::unordered_map<std::string_view, const StoredEvent*> by_id;
    for (const auto& s : stored) by_id.emplace(s.event.id, &s);
    for (const auto& d : schedule.drift) {
        auto found = by_id.find(d.event_id);
        if (!d.would_be || found == by_id.end()) continue;
        const StoredEvent& s = *found->second;
        if (s.state != EventState::planned || !s.postponed_from) continue;
        PlanConflict c{s.event.id, *d.would_be, s.event.start_minutes, s.event.date, s.event.start_minutes, "", {}, ""};
        bool had_it = false;
        for (const auto& row : store_.history_about("event:" + s.event.id)) {
            if (row.action != "event.postponed") continue;
            had_it = had_it || row.detail.starts_with(format_date(c.plan_date) + " ");
            c.postponed_by = row.actor;
            c.postponed_at = row.at;
        }
        if (had_it || c.postponed_by.empty()) continue;
        for (const auto& fixed : setup.plan.events)
            if (fixed.id == s.event.id) c.plan_start = fixed.start_minutes;
        for (const auto& rule : setup.plan.rules)
            if (rule.id == s.event.source) c.plan_start = rule.start_minutes;
        if (c.plan_date >= today && setup.calendar->is_working_day(c.plan_date))
            c.how_to_apply = "taratctl postpone " + c.event_id + " --to " + format_date(c.plan_date) +
                             (c.plan_start != c.stored_start ? " --start " + format_hhmm(c.plan_start) : "") +
                             " --reason \"…\"";
        conflicts.push_back(std::move(c));
    }
    return conflicts;
}

LifecycleResult EventLifecycle::unknown_event(const std::string& id) const {
    std::vector<std::string> ids;
    for (const auto& e : store_.events({})) ids.push_back(e.event.id);
    auto suggestions = closest_names(id, ids);
    std::string shown = id.size() > 80 ? id.substr(0, 80) + "…" : id;
    return {Status::not_found, "no event '" + shown + "'" + suggestion_text(suggestions), std::nullopt, suggestions};
}

LifecycleResult EventLifecycle::changed(const std::string& id, std::string text) {
    LifecycleResult result{Status::changed, std::move(text), store_.event(id), {}};
    if (on_change) on_change();
    return result;
}

void EventLifecycle::sync_notices(const std::string& id, Instant now,
                                  const std::optional<std::vector<Notice>>& changes) {
    auto stored = store_.event(id);
    if (!stored) throw StoreError("no event " + id);
    notices_->sync_event(*stored, now, changes);
}

LifecycleResult EventLifecycle::held(const Actor& actor, const std::string& id, const HeldInput& input,
                                        const Expectation& expect) {
    auto stored = store_.event(id);
    if (!stored) return unknown_event(id);
    if (auto stop = check_expectation(id, expect)) return *stop;
    const auto& e = stored->event;
    if (stored->state == EventState::cancelled)
        return refused(Refusal{Code::cancelled,
                               id + " was cancelled" +
                                   (stored->cancel_reason.empty() ? "" : " (" + stored->cancel_reason + ")") +
                                   "; a cancelled event cannot be held",
                               {},
                               {{"reason", stored->cancel_reason}}});
    if (auto problem = participants_problem(input.participants); problem) return refused(problem);
    if (auto problem = free_text_problem(input.note, "note"); problem) return refused(problem);

    if (stored->state != EventState::planned)
        return answered(actor, unchanged(*stored, id + " is already " + standing(*stored) + "; nothing changed"), expect);

    const Instant now = clock_.now();
    const auto [today, minutes_now] = setup_->calendar->instant_to_local(now);
    if (e.date > today || (e.date == today && e.start_minutes > minutes_now))
        return refused(Refusal{Code::still_ahead,
                               id + " is planned for " + when(e) + ", which is still ahead; mark it held once it took place",
                               {{"date", e.date}},
                               {{"time", format_hhmm(e.start_minutes)}}});
    const Date held_date = input.date.value_or(e.date);
    std::string odd;  // what only --force lets through
    if (auto problem = held_date_problem(e, held_date, today, input.force, odd); problem)
        return refused(problem);

    std::optional<int> participants;
    if (input.participants) participants = static_cast<int>(*input.participants);
    std::string detail = "held on " + format_date(held_date);
    if (participants) detail += ", " + std::to_string(*participants) + " participants";
    if (!input.note.empty()) detail += "; note: " + input.note;
    if (!odd.empty()) detail += "; forced: " + odd;
    store_.in_transaction([&] {
        store_.record_held(id, held_date, participants);
        store_.add_history(now, actor.text(), "event.held", "event:" + id, detail);
        sync_notices(id, now);
    });
    return answered(actor, changed(id, id + " " + detail), expect);
}

LifecycleResult EventLifecycle::reported(const Actor& actor, const std::string& id, const ReportedInput& input,
                                        const Expectation& expect) {
    auto stored = store_.event(id);
    if (!stored) return unknown_event(id);
    if (auto stop = check_expectation(id, expect)) return *stop;
    if (auto problem = free_text_problem(input.ref, "ref"); problem) return refused(problem);
    if (stored->state == EventState::planned || stored->state == EventState::cancelled)
        return refused(standing_refusal(Code::not_held, *stored,
                                        id + " is " + standing(*stored) + ", not held: mark it held before its report"));
    if (stored->state == EventState::reported)
        return answered(actor, unchanged(*stored, id + " is already " + standing(*stored) + "; nothing changed"), expect);

    const Instant now = clock_.now();
    const Date today = setup_->calendar->instant_to_local(now).first;
    const Date reported_date = input.date.value_or(today);
    const Date held_date = stored->held_date.value_or(stored->event.date);
    if (auto problem = report_date_problem(reported_date, held_date, today); problem) return refused(problem);

    const Date due = notices_->policy().report_due_date(stored->event, held_date);
    std::string detail = "reported on " + format_date(reported_date) + (reported_date > due ? ", late" : ", on time") +
                         " (due " + format_date(due) + ")";
    if (!input.ref.empty()) detail += "; ref: " + input.ref;
    if (!input.file.empty()) detail += "; file: " + input.file;
    store_.in_transaction([&] {
        store_.record_report(id, reported_date, input.ref);
        store_.add_history(now, actor.text(), "event.reported", "event:" + id, detail);
        sync_notices(id, now);
    });
    return answered(actor, changed(id, id + " " + detail), expect);
}

// "2027-01-01 is a day off (New Year); the nearest working days are 2026-12-31 and 2027-01-04".
Refusal EventLifecycle::day_off(Date day, Date today) const {
    const auto& calendar = *setup_->calendar;
    Refusal r{Code::day_off, "", {{"date", day}}, {}};
    std::string why;
    if (const DayEntry* entry = calendar.entry(day); entry && is_day_off_kind(entry->kind)) {
        why = entry->name.in("en");
        for (const char* locale : {"kk", "ru", "en"}) r.words["holiday." + std::string(locale)] = entry->name.in(locale);
    }
    static constexpr const char* kWeekdays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                "Thursday", "Friday", "Saturday"};
    if (why.empty()) why = kWeekdays[date::weekday{day}.c_encoding()];
    std::vector<std::string> nearest;
    const Date before = calendar.previous_working_day_on_or_before(day);
    if (before >= today) {
        nearest.push_back(format_date(before));
        r.dates["before"] = before;
    }
    r.dates["after"] = calendar.next_working_day_on_or_after(day);
    nearest.push_back(format_date(r.dates["after"]));
    r.text = format_date(day) + " is a day off (" + why + "); the nearest working day";
    r.text += nearest.size() == 2 ? "s are " + nearest[0] + " and " + nearest[1] : " is " + nearest[0];
    return r;
}

Refusal EventLifecycle::held_date_problem(const ScheduledEvent& e, Date held, Date today, bool force,
                                          std::string& odd) const {
    if (held > today)
        return {Code::held_future,
                "the held date " + format_date(held) + " is in the future (today is " + format_date(today) + ")",
                {{"date", held}, {"today", today}},
                {}};
    if (held < setup_->plan.from)
        return {Code::held_before_plan,
                "the held date " + format_date(held) + " is before the plan's start (" + format_date(setup_->plan.from) + ")",
                {{"date", held}, {"from", setup_->plan.from}},
                {}};
    odd.clear();
    Code code = Code::none;
    if (!setup_->calendar->is_working_day(held)) {
        odd = format_date(held) + " is a day off";
        code = Code::held_day_off;
    } else if (held < e.date - date::days{30}) {
        odd = format_date(held) + " is more than 30 days before the planned " + format_date(e.date);
        code = Code::held_too_early;
    }
    if (!odd.empty() && !force) return {code, odd + "; if it is so, say --force", {{"date", held}, {"planned", e.date}}, {}};
    return {};
}

Refusal EventLifecycle::new_date_problem(const ScheduledEvent& e, Date to, int start) const {
    const auto [today, minutes_now] = setup_->calendar->instant_to_local(clock_.now());
    if (start + (e.end_minutes - e.start_minutes) > 24 * 60)
        return {Code::after_midnight, "starting at " + format_hhmm(start) + ", " + e.id + " would end after midnight", {},
                {{"time", format_hhmm(start)}}};
    if (to < today || (to == today && start <= minutes_now))
        return {Code::date_past,
                format_date(to) + " " + format_hhmm(start) + " is in the past (today is " + format_date(today) + ")",
                {{"date", to}, {"today", today}},
                {{"time", format_hhmm(start)}}};
    if (to < setup_->plan.from || to > setup_->plan.to)
        return {Code::outside_period,
                format_date(to) + " is outside the plan's period " + format_date(setup_->plan.from) + " – " +
                    format_date(setup_->plan.to),
                {{"date", to}, {"from", setup_->plan.from}, {"to", setup_->plan.to}},
                {}};
    if (!setup_->calendar->is_working_day(to)) return day_off(to, today);
    return {};
}

Instant EventLifecycle::change_moment(const std::string& id, Instant now) const {
    NoticeFilter earlier;
    earlier.event_id = id;
    earlier.kind = NoticeKind::change;
    Instant at = now;
    for (const auto& row : store_.notices(earlier))
        if (row.notice.due >= at) at = row.notice.due + std::chrono::seconds(1);
    return at;
}

LifecycleResult EventLifecycle::postpone(const Actor& actor, const std::string& id, const PostponeInput& input,
                                        const Expectation& expect) {
    auto stored = store_.event(id);
    if (!stored) return unknown_event(id);
    if (auto stop = check_expectation(id, expect)) return *stop;
    const auto& e = stored->event;
    if (auto problem = free_text_problem(input.reason, "reason"); problem) return refused(problem);
    if (input.reason.empty()) return refused(reason_missing("postponing", id));
    if (stored->state != EventState::planned)
        return refused(standing_refusal(Code::not_planned, *stored,
                                        id + " is " + standing(*stored) + "; only a planned event can be postponed"));

    const Instant now = clock_.now();
    const Date to = input.to;
    const int start = input.start_minutes.value_or(e.start_minutes);
    const int end = start + (e.end_minutes - e.start_minutes);
    if (to == e.date && start == e.start_minutes)
        return answered(actor, unchanged(*stored, id + " is already planned for " + when(e) + "; nothing changed"), expect);
    if (auto problem = new_date_problem(e, to, start); problem) return refused(problem);

    NoticeFacts change;
    change.previous_date = e.date;
    change.new_date = to;
    change.reason = input.reason;
    const std::vector<std::string> told = store_.recipients_told(id);
    store_.in_transaction([&] {
        store_.postpone_event(id, to, start, end);
        store_.add_history(now, actor.text(), "event.postponed", "event:" + id,
                           postponement_detail(e, to, start, input.reason));
        auto moved = store_.event(id);
        sync_notices(id, now, notices_->policy().change(moved->event, told, change_moment(id, now), change));
    });
    return answered(actor, changed(id, id + " postponed from " + when(e) + " to " + format_date(to) + " " + format_hhmm(start) + "; " +
                           std::to_string(told.size()) + " people already told get a change notice"), expect);
}

LifecycleResult EventLifecycle::cancel(const Actor& actor, const std::string& id, const std::string& reason,
                                        const Expectation& expect) {
    auto stored = store_.event(id);
    if (!stored) return unknown_event(id);
    if (auto stop = check_expectation(id, expect)) return *stop;
    if (auto problem = free_text_problem(reason, "reason"); problem) return refused(problem);
    if (reason.empty()) return refused(reason_missing("cancelling", id));
    if (stored->state == EventState::cancelled)
        return answered(actor, unchanged(*stored, id + " is already " + standing(*stored) + "; nothing changed"), expect);
    if (stored->state != EventState::planned)
        return refused(standing_refusal(Code::not_planned, *stored,
                                        id + " is " + standing(*stored) + "; only a planned event can be cancelled"));

    const Instant now = clock_.now();
    const std::vector<std::string> told = store_.recipients_told(id);
    std::set<std::string> recipients;
    store_.in_transaction([&] {
        store_.cancel_event(id, reason);
        store_.add_history(now, actor.text(), "event.cancelled", "event:" + id,
                           "was planned for " + when(stored->event) + "; reason: " + reason);
        NoticeFacts change;
        change.previous_date = stored->event.date;
        change.cancelled = true;
        change.reason = reason;
        auto notices = notices_->policy().change(store_.event(id)->event, told, change_moment(id, now), change);
        for (const auto& n : notices) recipients.insert(n.recipient);
        sync_notices(id, now, notices);
    });
    return answered(actor, changed(id, id + " cancelled; " + std::to_string(recipients.size()) +
                           " people get a change notice (those already told, the overseer and the coordinator)"), expect);
}

LifecycleResult EventLifecycle::confirm(const Actor& actor, const std::string& id, const Expectation& expect) {
    auto stored = store_.event(id);
    if (!stored) return unknown_event(id);
    if (auto stop = check_expectation(id, expect)) return *stop;
    if (stored->state == EventState::cancelled)
        return refused(id + " is " + standing(*stored) + "; there is no date to confirm");
    if (stored->event.pinned) return answered(actor, unchanged(*stored, id + " is already confirmed for " + when(stored->event) + "; nothing changed"), expect);
    const Instant now = clock_.now();
    store_.in_transaction([&] {
        store_.pin_event(id);
        store_.add_history(now, actor.text(), "event.confirmed", "event:" + id,
                           "pinned to " + when(stored->event) + ": re-planning no longer moves it");
        sync_notices(id, now);
    });
    return answered(actor, changed(id, id + " confirmed for " + when(stored->event) + "; re-planning no longer moves it"), expect);
}

// Corrects a held or reported event's record. The state stays; the report is judged again (on time
// or late) and the notices that follow from the held date (report_due, overdue) are derived again.
LifecycleResult EventLifecycle::amend(const Actor& actor, const std::string& id, const AmendInput& input,
                                        const Expectation& expect) {
    auto stored = store_.event(id);
    if (!stored) return unknown_event(id);
    if (auto stop = check_expectation(id, expect)) return *stop;
    const auto& e = stored->event;
    if (auto problem = free_text_problem(input.reason, "reason"); problem) return refused(problem);
    if (input.reason.empty()) return refused(reason_missing("amending", id));
    if (input.ref)
        if (auto problem = free_text_problem(*input.ref, "ref"); problem) return refused(problem);
    if (auto problem = participants_problem(input.participants); problem) return refused(problem);
    if (!input.participants && !input.held_date && !input.report_date && !input.ref)
        return refused("nothing to amend: give --participants, --held-date, --report-date or --ref");
    if (stored->state == EventState::planned)
        return refused(id + " is " + standing(*stored) + ", not held: record it with held, not amend");
    if (stored->state == EventState::cancelled)
        return refused(id + " is " + standing(*stored) + "; only a held or reported event can be amended");
    if (stored->state == EventState::held && (input.report_date || input.ref))
        return refused(id + " has no report yet: record it with reported, not amend");

    const Instant now = clock_.now();
    const Date today = setup_->calendar->instant_to_local(now).first;
    const Date old_held = stored->held_date.value_or(e.date);
    const Date held = input.held_date.value_or(old_held);
    std::string odd;
    if (input.held_date)
        if (auto problem = held_date_problem(e, held, today, input.force, odd); problem) return refused(problem);
    const std::optional<Date> reported = input.report_date ? input.report_date : stored->reported_date;
    if (reported && (input.report_date || input.held_date))
        if (auto problem = report_date_problem(*reported, held, today); problem) return refused(problem);
    std::optional<int> participants = stored->participants;
    if (input.participants) participants = static_cast<int>(*input.participants);
    const std::string ref = input.ref.value_or(stored->report_ref);

    // What changes, old → new, for the history and the answer.
    std::vector<std::string> changes;
    if (held != old_held) changes.push_back("held date " + format_date(old_held) + " → " + format_date(held));
    if (participants != stored->participants)
        changes.push_back("participants " + optional_text(stored->participants) + " → " + optional_text(participants));
    if (reported != stored->reported_date)
        changes.push_back("report date " + optional_text(stored->reported_date) + " → " + optional_text(reported));
    if (ref != stored->report_ref) changes.push_back("report reference \"" + stored->report_ref + "\" → \"" + ref + "\"");
    if (changes.empty()) return answered(actor, unchanged(*stored, id + " already has these values; nothing changed"), expect);
    if (reported) {
        auto verdict = [&](Date held_on, Date reported_on) {
            const Date due = notices_->policy().report_due_date(e, held_on);
            return std::string(reported_on > due ? "late" : "on time") + " (due " + format_date(due) + ")";
        };
        const std::string before = verdict(old_held, *stored->reported_date), after = verdict(held, *reported);
        changes.push_back(before == after ? "report still " + after : "report " + before + " → " + after);
    }
    std::string detail;
    for (const auto& c : changes) detail += (detail.empty() ? "" : "; ") + c;
    std::string recorded = detail + "; reason: " + input.reason;
    if (!odd.empty()) recorded += "; forced: " + odd;
    store_.in_transaction([&] {
        store_.amend_execution(id, held, participants, reported, ref);
        store_.add_history(now, actor.text(), "event.amended", "event:" + id, recorded);
        sync_notices(id, now);
    });
    return answered(actor, changed(id, id + " amended: " + detail), expect);
}

// One step back. A held event keeps its planned date: once that has passed it is not confirmed
// held again, and its held check and overdue notices come back. A cancelled event is planned
// again at its date (or `to`), pinned, and everyone whose last word was its cancellation is told.
LifecycleResult EventLifecycle::reopen(const Actor& actor, const std::string& id, const ReopenInput& input,
                                        const Expectation& expect) {
    auto stored = store_.event(id);
    if (!stored) return unknown_event(id);
    if (auto stop = check_expectation(id, expect)) return *stop;
    const auto& e = stored->event;
    if (auto problem = free_text_problem(input.reason, "reason"); problem) return refused(problem);
    if (input.reason.empty()) return refused(reason_missing("reopening", id));
    if (stored->state == EventState::planned)
        return refused(id + " is " + standing(*stored) + "; only a held, reported or cancelled event can be reopened");
    if (input.to && stored->state != EventState::cancelled)
        return refused("--to restores a cancelled event on another day; " + id + " is " + standing(*stored));

    const Instant now = clock_.now();
    if (stored->state != EventState::cancelled) {
        const Date held_on = stored->held_date.value_or(e.date);
        const std::string detail =
            stored->state == EventState::reported
                ? "report of " + optional_text(stored->reported_date) +
                      (stored->report_ref.empty() ? "" : " (ref: " + stored->report_ref + ")") +
                      " withdrawn; held on " + format_date(held_on)
                : "held on " + format_date(held_on) + " (participants " + optional_text(stored->participants) +
                      ") withdrawn; planned for " + when(e);
        store_.in_transaction([&] {
            store_.reopen_event(id);
            store_.add_history(now, actor.text(), "event.reopened", "event:" + id, detail + "; reason: " + input.reason);
            sync_notices(id, now);
        });
        return answered(actor, changed(id, id + " reopened: " + detail), expect);
    }

    const auto [today, minutes_now] = setup_->calendar->instant_to_local(now);
    if (!input.to && (e.date < today || (e.date == today && e.start_minutes <= minutes_now)))
        return refused(id + " was planned for " + when(e) +
                       ", which has passed; say --to DATE to restore it on a working day ahead");
    const Date to = input.to.value_or(e.date);
    if (auto problem = new_date_problem(e, to, e.start_minutes); problem) return refused(problem);
    NoticeFacts change;
    change.restored = true;
    change.new_date = to;
    if (to != e.date) change.previous_date = e.date;
    change.reason = input.reason;
    const std::vector<std::string> told = store_.recipients_told_cancelled(id);
    const std::string planned_for = format_date(to) + " " + format_hhmm(e.start_minutes);
    store_.in_transaction([&] {
        store_.reopen_event(id);
        if (to != e.date) store_.postpone_event(id, to, e.start_minutes, e.end_minutes);
        store_.add_history(now, actor.text(), "event.reopened", "event:" + id,
                           standing(*stored) + " → planned for " + planned_for + "; reason: " + input.reason);
        sync_notices(id, now, notices_->policy().change(store_.event(id)->event, told, change_moment(id, now), change));
    });
    return answered(actor, changed(id, id + " restored: planned for " + planned_for + "; " + std::to_string(told.size()) +
                           " people told of its cancellation get a change notice"), expect);
}

}  // namespace tarat
