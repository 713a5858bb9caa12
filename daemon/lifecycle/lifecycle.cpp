#include "lifecycle/lifecycle.hpp"

#include "core/text.hpp"
#include "schedule/placement.hpp"

#include <spdlog/spdlog.h>

#include <set>

namespace tarat {
namespace {

using Status = LifecycleResult::Status;

LifecycleResult refused(std::string text) { return {Status::refused, std::move(text), std::nullopt, {}}; }

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

std::vector<ScheduledEvent> pinned_events(const Store& store) {
    std::vector<ScheduledEvent> pinned;
    for (auto& e : store.events({}))
        if (e.event.pinned) pinned.push_back(e.event);
    return pinned;
}

}  // namespace

EventLifecycle::EventLifecycle(Store& store, const Clock& clock, std::shared_ptr<const Setup> setup)
    : store_(store),
      clock_(clock),
      setup_(std::move(setup)),
      notices_(std::make_unique<Notices>(*setup_, *setup_->templates, store_)) {}

Date EventLifecycle::today() const { return setup_->calendar->instant_to_local(clock_.now()).first; }

std::string EventLifecycle::free_text_problem(const std::string& text, const char* what) {
    if (text.size() > kMaxTextBytes)
        return std::string("the ") + what + " is " + std::to_string(text.size()) + " bytes; at most " +
               std::to_string(kMaxTextBytes) + " are kept";
    for (unsigned char c : text)
        if (c < 0x20 || c == 0x7F) return std::string("the ") + what + " must be one line without control characters";
    return "";
}

PlanLoadResult EventLifecycle::apply_plan(std::shared_ptr<const Setup> setup, const Actor& actor) {
    auto schedule = place(setup->plan, *setup->calendar, pinned_events(store_));
    for (const auto& u : schedule.unplaced)
        spdlog::warn("cannot place {} at {} in {}: {}", u.rule, u.centre, u.period, u.reason);
    for (const auto& w : schedule.warnings) spdlog::warn("{}", w);
    for (const auto& d : schedule.drift)
        spdlog::info("pinned {} stays on {}; unpinned it would {}", d.event_id, format_date(d.pinned_date),
                     d.would_be ? "move to " + format_date(*d.would_be) : std::string("no longer be planned"));
    auto notices = std::make_unique<Notices>(*setup, *setup->templates, store_);
    const Instant now = clock_.now();
    auto result = store_.in_transaction([&] {
        auto loaded = store_.apply_plan(setup->plan, schedule.events, now, actor.text());
        notices->sync_all(now);
        return loaded;
    });
    setup_ = std::move(setup);
    notices_ = std::move(notices);
    return result;
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

LifecycleResult EventLifecycle::held(const Actor& actor, const std::string& id, const HeldInput& input) {
    auto stored = store_.event(id);
    if (!stored) return unknown_event(id);
    const auto& e = stored->event;
    if (stored->state == EventState::cancelled)
        return refused(id + " was cancelled" +
                       (stored->cancel_reason.empty() ? "" : " (" + stored->cancel_reason + ")") +
                       "; a cancelled event cannot be held");
    if (input.participants && (*input.participants < 0 || *input.participants > kMaxParticipants))
        return refused("participants must be a number from 0 to " + std::to_string(kMaxParticipants) + ", not " +
                       std::to_string(*input.participants));
    if (auto problem = free_text_problem(input.note, "note"); !problem.empty()) return refused(problem);

    if (stored->state != EventState::planned)
        return unchanged(*stored, id + " is already " + standing(*stored) + "; nothing changed");

    const Instant now = clock_.now();
    const auto [today, minutes_now] = setup_->calendar->instant_to_local(now);
    if (e.date > today || (e.date == today && e.start_minutes > minutes_now))
        return refused(id + " is planned for " + when(e) + ", which is still ahead; mark it held once it took place");
    const Date held_date = input.date.value_or(e.date);
    if (held_date > today)
        return refused("the held date " + format_date(held_date) + " is in the future (today is " +
                       format_date(today) + ")");
    const Plan& plan = setup_->plan;
    if (held_date < plan.from)
        return refused("the held date " + format_date(held_date) + " is before the plan's start (" +
                       format_date(plan.from) + ")");
    std::string odd;  // what only --force lets through
    if (!setup_->calendar->is_working_day(held_date)) odd = format_date(held_date) + " is a day off";
    else if (held_date < e.date - date::days{30})
        odd = format_date(held_date) + " is more than 30 days before the planned " + format_date(e.date);
    if (!odd.empty() && !input.force) return refused(odd + "; if it is so, say --force");

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
    return changed(id, id + " " + detail);
}

LifecycleResult EventLifecycle::reported(const Actor& actor, const std::string& id, const ReportedInput& input) {
    auto stored = store_.event(id);
    if (!stored) return unknown_event(id);
    if (auto problem = free_text_problem(input.ref, "report reference"); !problem.empty()) return refused(problem);
    if (stored->state == EventState::planned || stored->state == EventState::cancelled)
        return refused(id + " is " + standing(*stored) + ", not held: mark it held before its report");
    if (stored->state == EventState::reported)
        return unchanged(*stored, id + " is already " + standing(*stored) + "; nothing changed");

    const Instant now = clock_.now();
    const Date today = setup_->calendar->instant_to_local(now).first;
    const Date reported_date = input.date.value_or(today);
    if (reported_date > today)
        return refused("the report date " + format_date(reported_date) + " is in the future (today is " +
                       format_date(today) + ")");
    const Date held_date = stored->held_date.value_or(stored->event.date);
    if (reported_date < held_date)
        return refused("the report date " + format_date(reported_date) + " is before the event was held (" +
                       format_date(held_date) + ")");

    const Date due = notices_->policy().report_due_date(stored->event, held_date);
    std::string detail = "reported on " + format_date(reported_date) + (reported_date > due ? ", late" : ", on time") +
                         " (due " + format_date(due) + ")";
    if (!input.ref.empty()) detail += "; ref: " + input.ref;
    store_.in_transaction([&] {
        store_.record_report(id, reported_date, input.ref);
        store_.add_history(now, actor.text(), "event.reported", "event:" + id, detail);
        sync_notices(id, now);
    });
    return changed(id, id + " " + detail);
}

// "2027-01-01 is a day off (New Year); the nearest working days are 2026-12-31 and 2027-01-04".
std::string EventLifecycle::day_off_text(Date day, Date today) const {
    const auto& calendar = *setup_->calendar;
    std::string why;
    if (const DayEntry* entry = calendar.entry(day); entry && is_day_off_kind(entry->kind)) why = entry->name.in("en");
    static constexpr const char* kWeekdays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                "Thursday", "Friday", "Saturday"};
    if (why.empty()) why = kWeekdays[date::weekday{day}.c_encoding()];
    std::vector<std::string> nearest;
    const Date before = calendar.previous_working_day_on_or_before(day);
    if (before >= today) nearest.push_back(format_date(before));
    nearest.push_back(format_date(calendar.next_working_day_on_or_after(day)));
    std::string text = format_date(day) + " is a day off (" + why + "); the nearest working day";
    text += nearest.size() == 2 ? "s are " + nearest[0] + " and " + nearest[1] : " is " + nearest[0];
    return text;
}

LifecycleResult EventLifecycle::postpone(const Actor& actor, const std::string& id, const PostponeInput& input) {
    auto stored = store_.event(id);
    if (!stored) return unknown_event(id);
    const auto& e = stored->event;
    if (auto problem = free_text_problem(input.reason, "reason"); !problem.empty()) return refused(problem);
    if (input.reason.empty()) return refused("give the reason for postponing " + id);
    if (stored->state != EventState::planned)
        return refused(id + " is " + standing(*stored) + "; only a planned event can be postponed");

    const Instant now = clock_.now();
    const auto [today, minutes_now] = setup_->calendar->instant_to_local(now);
    const Date to = input.to;
    const int start = input.start_minutes.value_or(e.start_minutes);
    const int end = start + (e.end_minutes - e.start_minutes);
    if (end > 24 * 60) return refused("starting at " + format_hhmm(start) + ", " + id + " would end after midnight");
    if (to < today || (to == today && start <= minutes_now))
        return refused(format_date(to) + " " + format_hhmm(start) + " is in the past (today is " + format_date(today) +
                       ")");
    if (to < setup_->plan.from || to > setup_->plan.to)
        return refused(format_date(to) + " is outside the plan's period " + format_date(setup_->plan.from) + " – " +
                       format_date(setup_->plan.to));
    if (!setup_->calendar->is_working_day(to)) return refused(day_off_text(to, today));
    if (to == e.date && start == e.start_minutes) return refused(id + " is already planned for " + when(e));

    NoticeFacts change;
    change.previous_date = e.date;
    change.new_date = to;
    change.reason = input.reason;
    const std::vector<std::string> told = store_.recipients_told(id);
    store_.in_transaction([&] {
        store_.postpone_event(id, to, start, end);
        store_.add_history(now, actor.text(), "event.postponed", "event:" + id,
                           when(e) + " → " + format_date(to) + " " + format_hhmm(start) + "; reason: " + input.reason);
        auto moved = store_.event(id);
        sync_notices(id, now, notices_->policy().change(moved->event, told, now, change));
    });
    return changed(id, id + " postponed from " + when(e) + " to " + format_date(to) + " " + format_hhmm(start) + "; " +
                           std::to_string(told.size()) + " people already told get a change notice");
}

LifecycleResult EventLifecycle::cancel(const Actor& actor, const std::string& id, const std::string& reason) {
    auto stored = store_.event(id);
    if (!stored) return unknown_event(id);
    if (auto problem = free_text_problem(reason, "reason"); !problem.empty()) return refused(problem);
    if (reason.empty()) return refused("give the reason for cancelling " + id);
    if (stored->state == EventState::cancelled)
        return unchanged(*stored, id + " is already " + standing(*stored) + "; nothing changed");
    if (stored->state != EventState::planned)
        return refused(id + " is " + standing(*stored) + "; only a planned event can be cancelled");

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
        auto notices = notices_->policy().change(store_.event(id)->event, told, now, change);
        for (const auto& n : notices) recipients.insert(n.recipient);
        sync_notices(id, now, notices);
    });
    return changed(id, id + " cancelled; " + std::to_string(recipients.size()) +
                           " people get a change notice (those already told, the overseer and the coordinator)");
}

LifecycleResult EventLifecycle::confirm(const Actor& actor, const std::string& id) {
    auto stored = store_.event(id);
    if (!stored) return unknown_event(id);
    if (stored->state == EventState::cancelled)
        return refused(id + " is " + standing(*stored) + "; there is no date to confirm");
    if (stored->event.pinned) return unchanged(*stored, id + " is already confirmed for " + when(stored->event));
    const Instant now = clock_.now();
    store_.in_transaction([&] {
        store_.pin_event(id);
        store_.add_history(now, actor.text(), "event.confirmed", "event:" + id,
                           "pinned to " + when(stored->event) + ": re-planning no longer moves it");
        sync_notices(id, now);
    });
    return changed(id, id + " confirmed for " + when(stored->event) + "; re-planning no longer moves it");
}

}  // namespace tarat
