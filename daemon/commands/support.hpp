#pragma once
// What the command handlers share: reading arguments, the JSON of events, notices and history,
// the replies for unknown names, and the reply for a lifecycle step.
#include "commands/commands.hpp"
#include "control/command_table.hpp"
#include "core/notice.hpp"
#include "core/time.hpp"
#include "lifecycle/actor.hpp"
#include "lifecycle/lifecycle.hpp"
#include "store/store.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace tarat::commands {

using control::Reply;
using nlohmann::json;

// The fields of `taratd schedule --json` plus "state".
json stored_event_json(const StoredEvent& stored);
json notice_json(const Context& context, const OutboxRow& row);
json history_json(const Context& context, const HistoryRow& row);

// "2026-12-01 09:00" in the plan's time zone.
std::string local_time_text(const Context& context, Instant at);

// A pending row that has been tried and refused at least once (`taratctl notices --failed`).
bool is_failed(const OutboxRow& row);

// not_found "no person 'x'; did you mean …" (suggestions also in "did_you_mean"), or nullopt when
// `value` is one of `known`.
std::optional<Reply> unknown_name(const char* what, const std::string& value, const std::vector<std::string>& known);
std::vector<std::string> person_ids(const Context& context);

// not_found naming the id, with the closest stored event ids in the text and in "did_you_mean".
Reply unknown_event(const Context& context, const std::string& id);

std::optional<std::string> string_arg(const json& args, const char* name);
std::optional<Date> date_arg(const json& args, const char* name);  // the table already checked the format

// Who sent the request: a local user at the socket.
Actor actor_of(const control::Peer& peer);

// A handler that answers at once, over `context`.
Handler bind(Context& context, Reply (*handler)(Context&, const json& args, const control::Peer& peer));

// A lifecycle step's answer: ok with {"changed", "event"}, not_found with "did_you_mean", or
// bad_request.
Reply reply_of(const LifecycleResult& result);

}  // namespace tarat::commands
