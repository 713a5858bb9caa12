#pragma once
// Who is told what, and when: the notices an event's current state calls for. Pure: the same
// inputs give the same notices (and keys); no clock, no I/O. The outbox is synced to this set
// after every change, so a notice that is no longer true is superseded before it goes out.
#include "calendar/working_calendar.hpp"
#include "config/config.hpp"
#include "config/routing.hpp"
#include "core/event.hpp"
#include "core/notice.hpp"
#include "core/plan.hpp"

#include <optional>
#include <string>
#include <vector>

namespace tarat {

// An event as the policy sees it: where it stands now.
struct EventFacts {
    ScheduledEvent event;
    EventState state = EventState::planned;
    std::optional<Date> held_date;
    std::optional<Date> reported_date;
};

// Which notices a derivation gives: those due in [from, until), an unset end unbounded.
struct DueWindow {
    std::optional<Instant> from, until;
};

// What a derivation gives, and the due of its first notice at or after the window's end (held
// back by the notice horizon), if any.
struct DerivedNotices {
    std::vector<Notice> notices;
    std::optional<Instant> beyond;
};

class NoticePolicy {
public:
    NoticePolicy(const Plan& plan, const WorkingCalendar& calendar, const NotifyConfig& notify, const Routing& routing);

    // Reminders, held check, report reminder, overdue and escalations for one event in its state.
    // Only those in `window` are made (their keys are a derivation's main cost).
    DerivedNotices for_event(const EventFacts& facts, const DueWindow& window = {}) const;
    // The weekly digests across the plan period.
    DerivedNotices digests(const DueWindow& window = {}) const;
    // Postponed or cancelled: tell everyone who was already reminded (the facts say what changed);
    // a cancellation also goes to the overseer and the coordinator, told or not.
    std::vector<Notice> change(const ScheduledEvent& event, const std::vector<std::string>& told, Instant at,
                               const NoticeFacts& facts) const;

    // The first moment at or after `at` a notice of this kind may go out (working hours, unless the
    // kind may go any time).
    Instant sending_moment(NoticeKind kind, Instant at) const { return quiet(kind, at); }

    // No planned event's notice is due more than this many days before its date (its longest
    // reminder, with room for the days off a span of working days may step over).
    int max_lead_days() const;

    // The day a report is due for an event held on `held`.
    Date report_due_date(const ScheduledEvent& event, Date held) const;

    // For a preview that reads only what its window needs: the first day a notice of an event dated
    // `day` can fall due (its longest reminder), and a day after which none of its notices goes out
    // when it is held that day or never (its last escalation round, put off by at most a working
    // day of quiet hours). Both grow with `day`.
    Date first_notice_day(Date day) const;
    Date last_notice_day(Date day) const;

private:
    Instant quiet(NoticeKind kind, Instant due) const;  // inside working hours unless the kind may go any time
    Instant start_of(const ScheduledEvent& event) const;
    Instant working_start(Date day) const;
    struct Collect {
        DueWindow window;
        DerivedNotices derived;
    };
    void add(Collect& out, NoticeKind kind, const std::string& event_id, const std::string& person_id, Instant due,
             const NoticeFacts& facts) const;
    void overdue_and_escalations(Collect& out, const ScheduledEvent& event, NoticeFacts::Missing missing,
                                 Date due_date) const;
    // Every reminder in force: the config's default ones and each form's own.
    std::vector<const Span*> reminder_spans() const;
    // The overdue notice's day (the working day after `due_date`), then each escalation round's.
    std::vector<Date> overdue_days(Date due_date) const;

    const Plan& plan_;
    const WorkingCalendar& calendar_;
    const NotifyConfig& notify_;
    const Routing& routing_;
};

}  // namespace tarat
