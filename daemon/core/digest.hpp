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
    std::optional<NoticeFacts::Missing> missing;  // in the overdue list: what nobody confirmed
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

// Of the events before the digest's day.
struct DigestCounts {
    int planned = 0;
    int held = 0;
    int reported_on_time = 0;
    int reported_late = 0;
    int missing = 0;   // reports past due
    int not_held = 0;  // nobody confirmed they were held
};

struct DigestSummary {
    Date date{};        // the digest's day
    Date from{}, to{};  // the week it looks back on (the seven days before `date`)
    std::vector<DigestItem> upcoming;        // planned in the next 14 days
    std::vector<DigestItem> held_last_week;  // held in [from, to]
    std::vector<DigestItem> overdue;         // not confirmed held, or report missing
    std::vector<DigestDeadNotice> dead_notices;
    DigestCounts compliance;
};

}  // namespace tarat
