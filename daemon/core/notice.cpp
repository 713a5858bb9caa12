#include "core/notice.hpp"

#include <array>

namespace tarat {
namespace {
constexpr std::array<std::string_view, 8> kKindNames{"reminder",   "held_check", "report_due", "overdue",
                                                     "escalation", "change",     "digest",     "test"};
constexpr std::array<std::string_view, 5> kStateNames{"pending", "sent", "dead", "superseded", "expired"};

template <class Enum, size_t N>
std::optional<Enum> parse_name(const std::array<std::string_view, N>& names, std::string_view name) {
    for (size_t i = 0; i < N; ++i)
        if (names[i] == name) return static_cast<Enum>(i);
    return std::nullopt;
}
}  // namespace

std::string_view kind_name(NoticeKind kind) { return kKindNames.at(static_cast<size_t>(kind)); }
std::optional<NoticeKind> parse_kind(std::string_view name) { return parse_name<NoticeKind>(kKindNames, name); }
std::string_view state_name(NoticeState state) { return kStateNames.at(static_cast<size_t>(state)); }
std::optional<NoticeState> parse_notice_state(std::string_view name) {
    return parse_name<NoticeState>(kStateNames, name);
}

std::string describe(NoticeKind kind, const NoticeFacts& f) {
    auto date_or_empty = [](const std::optional<Date>& d) { return d ? format_date(*d) : std::string(); };
    std::string missing = f.missing == NoticeFacts::Missing::report ? "report" : "held";
    switch (kind) {
        case NoticeKind::reminder: return f.lead ? format_span(*f.lead) : "";
        case NoticeKind::report_due: return date_or_empty(f.due_date);
        case NoticeKind::overdue: return missing + " " + date_or_empty(f.due_date);
        case NoticeKind::escalation: return missing + " " + date_or_empty(f.due_date) + " " + std::to_string(f.round);
        case NoticeKind::change:
            if (f.cancelled) return "cancelled";
            if (f.restored) return "restored " + date_or_empty(f.new_date);
            return date_or_empty(f.previous_date) + " → " + date_or_empty(f.new_date);
        case NoticeKind::digest: return date_or_empty(f.day);
        case NoticeKind::held_check:
        case NoticeKind::test: return "";
    }
    return "";
}

std::string notice_key(NoticeKind kind, std::string_view event_id, std::string_view recipient,
                       std::string_view channel, Instant due) {
    std::string key(kind_name(kind));
    key += ":";
    key += event_id;
    key += ":";
    key += recipient;
    key += ":";
    key += channel;
    key += ":";
    key += format_instant_utc(due);
    return key;
}

}  // namespace tarat
