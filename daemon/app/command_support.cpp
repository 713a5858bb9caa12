#include "app/command_support.hpp"

#include "app/daemon.hpp"
#include "app/event_json.hpp"
#include "config/table_reader.hpp"

#include <algorithm>

namespace tarat::commands {

json stored_event_json(const StoredEvent& stored) {
    auto j = to_json(stored.event);
    j["state"] = state_name(stored.state);
    return j;
}

std::string local_time_text(const Daemon& daemon, Instant at) {
    auto [day, minutes] = daemon.setup().calendar->instant_to_local(at);
    return format_date(day) + " " + format_hhmm(minutes);
}

bool is_failed(const OutboxRow& row) {
    return row.state == NoticeState::pending && row.attempts > 0 && !row.last_error.empty();
}

json notice_json(const Daemon& daemon, const OutboxRow& row) {
    const Notice& n = row.notice;
    json j = {{"key", n.key},
              {"kind", kind_name(n.kind)},
              {"event_id", n.event_id},
              {"recipient", n.recipient},
              {"channel", n.channel},
              {"due", format_instant_utc(n.due)},
              {"due_local", local_time_text(daemon, n.due)},
              {"detail", n.detail},
              {"state", state_name(row.state)},
              {"failed", is_failed(row)},
              {"attempts", row.attempts},
              {"next_attempt_at", format_instant_utc(row.next_attempt_at)},
              {"last_error", row.last_error},
              {"late", row.late}};
    j["sent_at"] = row.sent_at ? json(format_instant_utc(*row.sent_at)) : json();
    return j;
}

json history_json(const Daemon& daemon, const HistoryRow& row) {
    return {{"id", row.id},
            {"at", format_instant_utc(row.at)},
            {"at_local", local_time_text(daemon, row.at)},
            {"actor", row.actor},
            {"action", row.action},
            {"subject", row.subject},
            {"detail", row.detail}};
}

std::vector<std::string> closest_names(std::string_view word, const std::vector<std::string>& candidates) {
    constexpr std::size_t kShown = 3;
    std::vector<std::string> found;
    std::vector<std::string> left = candidates;
    // tarat::closest gives the single best within its typo distance; ask again without it.
    while (found.size() < kShown) {
        auto best = closest(word, left);
        if (!best) break;
        found.push_back(*best);
        left.erase(std::find(left.begin(), left.end(), *best));
    }
    if (!word.empty()) {
        for (const auto& c : candidates) {
            if (found.size() >= kShown) break;
            if (c.find(word) != std::string::npos && std::find(found.begin(), found.end(), c) == found.end())
                found.push_back(c);
        }
    }
    return found;
}

std::string suggestion_text(const std::vector<std::string>& suggestions) {
    if (suggestions.empty()) return "";
    std::string text = "; did you mean ";
    for (std::size_t i = 0; i < suggestions.size(); ++i) {
        if (i > 0) text += i + 1 == suggestions.size() ? " or " : ", ";
        text += "'" + suggestions[i] + "'";
    }
    return text + "?";
}

std::optional<Reply> unknown_name(const char* what, const std::string& value, const std::vector<std::string>& known) {
    if (std::find(known.begin(), known.end(), value) != known.end()) return std::nullopt;
    auto suggestions = closest_names(value, known);
    return Reply{control::not_found, std::string("no ") + what + " '" + value + "'" + suggestion_text(suggestions),
                 {{"did_you_mean", suggestions}}};
}

std::vector<std::string> person_ids(const Daemon& daemon) {
    std::vector<std::string> ids;
    for (const auto& p : daemon.setup().plan.people) ids.push_back(p.id);
    return ids;
}

Reply unknown_event(Daemon& daemon, const std::string& id) {
    std::vector<std::string> ids;
    for (const auto& e : daemon.store().events({})) ids.push_back(e.event.id);
    auto suggestions = closest_names(id, ids);
    std::string shown = id.size() > 80 ? id.substr(0, 80) + "…" : id;
    return {control::not_found, "no event '" + shown + "'" + suggestion_text(suggestions),
            {{"did_you_mean", suggestions}}};
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

std::string free_text_problem(const std::string& text, const char* what) {
    constexpr std::size_t kMaxBytes = 1000;
    if (text.size() > kMaxBytes)
        return std::string("the ") + what + " is " + std::to_string(text.size()) + " bytes; at most " +
               std::to_string(kMaxBytes) + " are kept";
    for (unsigned char c : text)
        if (c < 0x20 || c == 0x7F) return std::string("the ") + what + " must be one line without control characters";
    return "";
}

std::string actor_of(const control::Peer& peer) {
    return peer.user + " (uid " + std::to_string(peer.uid) + ", pid " + std::to_string(peer.pid) + ")";
}

void sync_event_notices(Daemon& daemon, const std::string& event_id, Instant now,
                        const std::optional<std::vector<Notice>>& changes) {
    auto stored = daemon.store().event(event_id);
    if (!stored) throw StoreError("no event " + event_id);
    daemon.notices().sync_event(*stored, now, changes);
}

}  // namespace tarat::commands
