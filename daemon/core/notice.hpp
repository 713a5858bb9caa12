#pragma once
// A notice: who is told what about which event, through which channel, when. No I/O.
#include "core/span.hpp"
#include "core/time.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace tarat {

// `test` is never derived by the policy: an administrator's `taratctl test-notice`, sent at once.
enum class NoticeKind { reminder, held_check, report_due, overdue, escalation, change, digest, test };
std::string_view kind_name(NoticeKind kind);
std::optional<NoticeKind> parse_kind(std::string_view name);

// Where a notice stands in the outbox.
enum class NoticeState {
    pending,     // waiting for its due time, or for a retry
    sent,        // the channel took it
    dead,        // the channel rejected it, or retries ran out: kept with the error, shown in status
    superseded,  // no longer true (the event was held, postponed, cancelled…) before it went out
    expired,     // a reminder whose event had already started when it could have gone out
};
std::string_view state_name(NoticeState state);
std::optional<NoticeState> parse_notice_state(std::string_view name);

// What a notice says beyond its kind and event, as the policy derived it; each kind fills its own.
// Stored as JSON in the outbox (`facts`) and handed to the templates as it is: never text to parse.
struct NoticeFacts {
    enum class Missing { held, report };  // what an overdue notice or escalation is about
    std::optional<Span> lead;             // reminder: how long before the event, as configured
    std::optional<Date> due_date;         // report_due, overdue, escalation: the day it was due
    std::optional<Missing> missing;       // overdue, escalation
    int round = 0;                        // escalation: 1, 2, 3…
    std::optional<Date> previous_date;    // change: the date people had been told
    std::optional<Date> new_date;         // change: the date it moved to
    bool cancelled = false;               // change
    bool restored = false;                // change: a cancelled event takes place after all, on new_date
    std::string reason;                   // change: why it was postponed or cancelled
    std::optional<Date> day;              // digest: the day it reports on

    friend bool operator==(const NoticeFacts&, const NoticeFacts&) = default;
};

struct Notice {
    std::string key;        // deterministic idempotency key: kind, event, recipient, channel, due
    NoticeKind kind = NoticeKind::reminder;
    std::string event_id;   // empty for a digest
    std::string recipient;  // person id
    std::string channel;    // channel name from the config
    Instant due;            // already moved inside working hours when the kind keeps quiet hours
    NoticeFacts facts;

    friend bool operator==(const Notice&, const Notice&) = default;
};

// The facts as one line for people ("held 2026-12-14 2", "10 working days", "2026-12-08 → 2026-12-15"):
// shown in `taratctl notices`, never read back.
std::string describe(NoticeKind kind, const NoticeFacts& facts);

// kind:event:recipient:channel:due — the same inputs always give the same key.
std::string notice_key(NoticeKind kind, std::string_view event_id, std::string_view recipient,
                       std::string_view channel, Instant due);

}  // namespace tarat
