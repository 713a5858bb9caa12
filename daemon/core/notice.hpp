#pragma once
// A notice: who is told what about which event, through which channel, when. No I/O.
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

struct Notice {
    std::string key;        // deterministic idempotency key: kind, event, recipient, channel, due
    NoticeKind kind = NoticeKind::reminder;
    std::string event_id;   // empty for a digest
    std::string recipient;  // person id
    std::string channel;    // channel name from the config
    Instant due;            // already moved inside working hours when the kind keeps quiet hours
    std::string detail;     // what the template needs beyond the event: "10 working days", "2", "2026-W49"…

    friend bool operator==(const Notice&, const Notice&) = default;
};

// kind:event:recipient:channel:due — the same inputs always give the same key.
std::string notice_key(NoticeKind kind, std::string_view event_id, std::string_view recipient,
                       std::string_view channel, Instant due);

}  // namespace tarat
