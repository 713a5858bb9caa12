#include "notify/policy.hpp"

#include <algorithm>

namespace tarat {

namespace {

Date shift(const WorkingCalendar& calendar, Date day, const Span& span, int sign) {
    if (span.unit == Span::Unit::working_days) return calendar.add_working_days(day, sign * span.count);
    return day + date::days{sign * span.count};
}

// Calendar days a reminder given in minutes can reach back: the whole days, and the one it starts in.
int days_spanned(int minutes) { return minutes / (24 * 60) + 1; }

// A form's report deadline; the default for an event whose form is no longer in the plan.
Span report_due_of(const Form* form) { return form ? form->report_due : Form{}.report_due; }

}  // namespace

NoticePolicy::NoticePolicy(const Plan& plan, const WorkingCalendar& calendar, const NotifyConfig& notify,
                           const Routing& routing)
    : plan_(plan), calendar_(calendar), notify_(notify), routing_(routing) {}

Instant NoticePolicy::quiet(NoticeKind kind, Instant due) const {
    if (std::find(notify_.anytime.begin(), notify_.anytime.end(), kind) != notify_.anytime.end()) return due;
    return calendar_.next_working_moment(due);
}

Instant NoticePolicy::start_of(const ScheduledEvent& event) const {
    return calendar_.local_to_instant(event.date, event.start_minutes);
}

Instant NoticePolicy::working_start(Date day) const {
    return calendar_.local_to_instant(day, calendar_.work_start_minutes());
}

void NoticePolicy::add(Collect& out, NoticeKind kind, const std::string& event_id, const std::string& person_id,
                       Instant due, const NoticeFacts& facts) const {
    const Person* person = plan_.person(person_id);
    if (!person) return;
    due = quiet(kind, due);
    if (out.window.from && due < *out.window.from) return;
    if (out.window.until && due >= *out.window.until) {
        if (!out.derived.beyond || due < *out.derived.beyond) out.derived.beyond = due;
        return;
    }
    auto& notices = out.derived.notices;
    for (const auto& channel : routing_.channels_for(*person)) {
        // Two roles of one person (director and responsible) are one notice.
        auto same = [&](const Notice& o) {
            return o.kind == kind && o.due == due && o.recipient == person_id && o.channel == channel;
        };
        if (std::none_of(notices.begin(), notices.end(), same))
            notices.push_back({notice_key(kind, event_id, person_id, channel, due), kind, event_id, person_id, channel,
                               due, facts});
    }
}

int NoticePolicy::max_lead_days() const {
    auto days = [](const Span& span) {
        switch (span.unit) {
            case Span::Unit::days: return span.count;
            case Span::Unit::working_days: return span.count * 2 + 14;
            case Span::Unit::minutes: return days_spanned(span.count);
        }
        return 0;
    };
    int most = 1;
    for (const Span* span : reminder_spans()) most = std::max(most, days(*span));
    return most + 1;
}

std::vector<const Span*> NoticePolicy::reminder_spans() const {
    std::vector<const Span*> spans;
    for (const auto& span : notify_.reminders) spans.push_back(&span);
    for (const auto& form : plan_.forms)
        for (const auto& span : form.reminders) spans.push_back(&span);
    return spans;
}

Date NoticePolicy::report_due_date(const ScheduledEvent& event, Date held) const {
    return shift(calendar_, held, report_due_of(plan_.form(event.form)), +1);
}

Date NoticePolicy::first_notice_day(Date day) const {
    Date first = day;
    for (const Span* span : reminder_spans())
        first = std::min(first, span->unit == Span::Unit::minutes ? day - date::days{days_spanned(span->count)}
                                                                    : shift(calendar_, day, *span, -1));
    return first;
}

Date NoticePolicy::last_notice_day(Date day) const {
    Date last = calendar_.add_working_days(day, 2);  // the held check
    auto deadline = [&](const Form* form) {
        last = std::max(last, overdue_days(shift(calendar_, day, report_due_of(form), +1)).back());
    };
    deadline(nullptr);
    for (const auto& form : plan_.forms) deadline(&form);
    return calendar_.add_working_days(last, 1);
}

std::vector<Date> NoticePolicy::overdue_days(Date due_date) const {
    std::vector<Date> days{calendar_.add_working_days(due_date, 1)};
    for (int round = 1; round <= notify_.escalation_max; ++round)
        days.push_back(shift(calendar_, days.back(), notify_.escalation_every, +1));
    return days;
}

void NoticePolicy::overdue_and_escalations(Collect& out, const ScheduledEvent& event,
                                           NoticeFacts::Missing missing, Date due_date) const {
    const Centre* centre = plan_.centre(event.centre);
    std::vector<std::string> told{plan_.overseer, plan_.coordinator};
    if (centre) told.push_back(centre->director);
    // Late from the first working moment after the due day has ended.
    const auto days = overdue_days(due_date);
    NoticeFacts facts;
    facts.missing = missing;
    facts.due_date = due_date;
    for (const auto& person : told) add(out, NoticeKind::overdue, event.id, person, working_start(days.front()), facts);
    for (int round = 1; round < static_cast<int>(days.size()); ++round) {
        facts.round = round;
        for (const auto& person : told)
            add(out, NoticeKind::escalation, event.id, person, working_start(days[size_t(round)]), facts);
    }
}

DerivedNotices NoticePolicy::for_event(const EventFacts& facts, const DueWindow& window) const {
    Collect out{window, {}};
    const auto& e = facts.event;
    const Centre* centre = plan_.centre(e.centre);
    const District* district = plan_.district(e.district);
    const Form* form = plan_.form(e.form);
    const std::string director = centre ? centre->director : std::string{};
    switch (facts.state) {
        case EventState::cancelled:
        case EventState::reported:
            return std::move(out.derived);  // nothing more to ask of it
        case EventState::planned: {
            const auto& offsets = form && !form->reminders.empty() ? form->reminders : notify_.reminders;
            const Instant starts = start_of(e);
            // The first (longest) reminder also goes to the coordinator.
            auto longest = std::max_element(offsets.begin(), offsets.end(), [&](const Span& a, const Span& b) {
                return shift(calendar_, e.date, a, -1) > shift(calendar_, e.date, b, -1);
            });
            for (auto it = offsets.begin(); it != offsets.end(); ++it) {
                Instant due = it->unit == Span::Unit::minutes ? starts - std::chrono::minutes{it->count}
                                                              : working_start(shift(calendar_, e.date, *it, -1));
                if (quiet(NoticeKind::reminder, due) >= starts) continue;  // would arrive too late to help
                std::vector<std::string> people{director};
                if (district) people.push_back(district->head);
                if (!e.responsible.empty()) people.push_back(e.responsible);
                if (it == longest) people.push_back(plan_.coordinator);
                NoticeFacts facts;
                facts.lead = *it;
                for (const auto& p : people) add(out, NoticeKind::reminder, e.id, p, due, facts);
            }
            // "Was it held?" once its next working day has ended without a word.
            Instant check_at = working_start(calendar_.add_working_days(e.date, 2));
            for (const auto& p : {plan_.coordinator, director}) add(out, NoticeKind::held_check, e.id, p, check_at, {});
            // Never confirmed held by the day its report would have been due: a compliance notice.
            overdue_and_escalations(out, e, NoticeFacts::Missing::held, report_due_date(e, e.date));
            return std::move(out.derived);
        }
        case EventState::held: {
            Date due = report_due_date(e, facts.held_date.value_or(e.date));
            NoticeFacts facts;
            facts.due_date = due;
            add(out, NoticeKind::report_due, e.id, director, working_start(calendar_.add_working_days(due, -1)), facts);
            overdue_and_escalations(out, e, NoticeFacts::Missing::report, due);
            return std::move(out.derived);
        }
    }
    return std::move(out.derived);
}

DerivedNotices NoticePolicy::digests(const DueWindow& window) const {
    Collect out{window, {}};
    date::weekday wanted{notify_.digest_weekday};
    Date day = plan_.from;
    while (date::weekday{day} != wanted) day += date::days{1};
    // One more week past the end, to report how the plan closed.
    for (; day <= plan_.to + date::days{7}; day += date::days{7}) {
        Instant due = calendar_.local_to_instant(day, notify_.digest_minutes);
        NoticeFacts facts;
        facts.day = day;
        for (const auto& p : {plan_.overseer, plan_.coordinator}) add(out, NoticeKind::digest, "", p, due, facts);
    }
    return std::move(out.derived);
}

std::vector<Notice> NoticePolicy::change(const ScheduledEvent& event, const std::vector<std::string>& told, Instant at,
                                         const NoticeFacts& facts) const {
    Collect out;
    for (const auto& p : told) add(out, NoticeKind::change, event.id, p, at, facts);
    // A cancellation is the plan's business whoever was reminded: the overseer and the coordinator always hear of it.
    if (facts.cancelled)
        for (const auto& p : {plan_.overseer, plan_.coordinator}) add(out, NoticeKind::change, event.id, p, at, facts);
    return std::move(out.derived.notices);
}

}  // namespace tarat
