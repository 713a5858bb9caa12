#pragma once
// The weekly digest's figures as the notices module computes them and the templates word them.
#include "core/event.hpp"
#include "core/notice.hpp"
#include "core/time.hpp"

#include <optional>
#include <string>
#include <vector>

namespace tarat {

struct DigestItem {
    ScheduledEvent event;
    EventState state = EventState::planned;
    std::optional<Date> held_date;
    Date report_due{};
    std::optional<NoticeFacts::Missing> missing;  // in the overdue lists: what nobody confirmed
    std::optional<Date> reported_date;            // in report_late: the day the report came
    std::optional<Date> previous_date;            // in postponed_or_cancelled: the date it had before
    std::string reason;                           // in postponed_or_cancelled: why it was cancelled
    int days_late = 0;  // in the overdue lists: calendar days past due (its date, or its report's) by the digest's day
};

struct DigestDeadNotice {
    NoticeKind kind = NoticeKind::reminder;
    std::string event_id;  // "" for a digest
    std::string title;     // the event's
    std::string recipient;
    std::string channel;
    Instant due{};
    std::string error;
};

// Of the events due before the digest's day, by compliance's outcome_of; they add up:
// planned = held + not_held, held = reported_on_time + reported_late + missing + report_pending.
struct DigestCounts {
    int planned = 0;  // not cancelled, dated before the digest's day
    int held = 0;
    int reported_on_time = 0;
    int reported_late = 0;
    int missing = 0;         // reports past due
    int not_held = 0;        // nobody confirmed they were held
    int report_pending = 0;  // held, the report not yet due
    // Whatever their date: the events of the whole plan that are not cancelled, and those cancelled.
    int in_plan = 0;
    int cancelled = 0;

    DigestCounts& operator+=(const DigestCounts& o) {
        planned += o.planned, held += o.held, reported_on_time += o.reported_on_time;
        reported_late += o.reported_late, missing += o.missing, not_held += o.not_held;
        report_pending += o.report_pending, in_plan += o.in_plan, cancelled += o.cancelled;
        return *this;
    }
};

// One row of the per-centre table.
struct DigestCentre {
    std::string id, name;
    std::string district, district_name;
    DigestCounts counts;
};

struct DigestSummary {
    // The digest of `day`, its week set and nothing summed yet.
    static DigestSummary week_of(Date day) {
        DigestSummary digest;
        digest.date = day;
        digest.from = day - date::days{7};
        digest.to = day - date::days{1};
        return digest;
    }
    Date date{};        // the digest's day
    Date from{}, to{};  // the week it looks back on (the seven days before `date`)
    std::vector<DigestItem> upcoming;        // planned in the next 14 days, from `date` on
    std::vector<DigestItem> held_last_week;  // held in [from, to]
    std::vector<DigestItem> overdue;         // not_confirmed and report_missing together, by date
    std::vector<DigestItem> not_confirmed;   // its day has passed, nobody confirmed it was held
    std::vector<DigestItem> report_missing;  // held, the report past due and not in
    std::vector<DigestItem> report_late;     // reports that came in during [from, to] after their deadline
    std::vector<DigestItem> postponed_or_cancelled;  // during [from, to], as it stands now
    std::vector<DigestCentre> centres;       // every centre of the plan, with its counts
    std::vector<DigestDeadNotice> dead_notices;
    DigestCounts compliance;                 // the whole plan's
};

}  // namespace tarat
