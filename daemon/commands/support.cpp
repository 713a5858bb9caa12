#include "commands/support.hpp"

#include "core/notice_json.hpp"
#include "core/text.hpp"
#include "schedule/event_json.hpp"

#include <algorithm>

namespace tarat::commands {

json stored_event_json(const StoredEvent& stored) {
    auto j = to_json(stored.event);
    j["state"] = state_name(stored.state);
    return j;
}

std::string local_time_text(const Context& context, Instant at) {
    auto [day, minutes] = context.setup().calendar->instant_to_local(at);
    return format_date(day) + " " + format_hhmm(minutes);
}

bool is_failed(const OutboxRow& row) {
    return row.state == NoticeState::pending && row.attempts > 0 && !row.last_error.empty();
}

json notice_json(const Context& context, const OutboxRow& row) {
    const Notice& n = row.notice;
    json j = {{"key", n.key},
              {"kind", kind_name(n.kind)},
              {"event_id", n.event_id},
              {"recipient", n.recipient},
              {"channel", n.channel},
              {"due", format_instant_utc(n.due)},
              {"due_local", local_time_text(context, n.due)},
              {"detail", describe(n.kind, n.facts)},
              {"facts", to_json(n.facts)},
              {"state", state_name(row.state)},
              {"failed", is_failed(row)},
              {"attempts", row.attempts},
              {"next_attempt_at", format_instant_utc(row.next_attempt_at)},
              {"last_error", row.last_error},
              {"late", row.late}};
    j["sent_at"] = row.sent_at ? json(format_instant_utc(*row.sent_at)) : json();
    return j;
}

json history_json(const Context& context, const HistoryRow& row) {
    return {{"id", row.id},
            {"at", format_instant_utc(row.at)},
            {"at_local", local_time_text(context, row.at)},
            {"actor", row.actor},
            {"action", row.action},
            {"subject", row.subject},
            {"detail", row.detail}};
}

std::optional<Reply> unknown_name(const char* what, const std::string& value, const std::vector<std::string>& known) {
    if (std::find(known.begin(), known.end(), value) != known.end()) return std::nullopt;
    auto suggestions = closest_names(value, known);
    return Reply{control::not_found, std::string("no ") + what + " '" + value + "'" + suggestion_text(suggestions),
                 {{"did_you_mean", suggestions}}};
}

std::vector<std::string> person_ids(const Context& context) {
    std::vector<std::string> ids;
    for (const auto& p : context.setup().plan.people) ids.push_back(p.id);
    return ids;
}

Reply unknown_event(const Context& context, const std::string& id) {
    return reply_of(context.lifecycle.unknown_event(id));
}

std::optional<std::string> string_arg(const json& args, const char* name) {
    auto it = args.find(name);
    if (it == args.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
}

std::optional<Date> date_arg(const json& args, const char* name) {
    auto text = string_arg(args, name);
    return text ? parse_date(*text) : std::nullopt;
}

Handler bind(Context& context, Reply (*handler)(Context&, const json&, const control::Peer&)) {
    return {[&context, handler](const json& args, const control::Peer& peer) { return handler(context, args, peer); },
            nullptr};
}

Actor actor_of(const control::Peer& peer) { return Actor::local(peer.user, peer.uid, peer.pid); }

Reply reply_of(const LifecycleResult& result) {
    using Status = LifecycleResult::Status;
    switch (result.status) {
        case Status::changed:
        case Status::unchanged: {
            json args = {{"changed", result.status == Status::changed}, {"revision", result.revision}};
            if (result.event) args["event"] = stored_event_json(*result.event);
            return {control::ok, result.text, std::move(args)};
        }
        case Status::not_found: return {control::not_found, result.text, {{"did_you_mean", result.did_you_mean}}};
        case Status::refused: break;
    }
    return {control::bad_request, result.text};
}

}  // namespace tarat::commands
