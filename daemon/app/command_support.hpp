#pragma once
// What the control commands share: reading arguments, the JSON of events and notices, the replies
// for unknown ids, and the notice sync that goes with every state change.
#include "control/command_table.hpp"
#include "core/notice.hpp"
#include "core/time.hpp"
#include "store/store.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tarat {

class Daemon;

namespace commands {

using control::Reply;
using nlohmann::json;

// The fields of `taratd schedule --json` plus "state".
json stored_event_json(const StoredEvent& stored);
json notice_json(const Daemon& daemon, const OutboxRow& row);
json history_json(const Daemon& daemon, const HistoryRow& row);

// "2026-12-01 09:00" in the plan's time zone.
std::string local_time_text(const Daemon& daemon, Instant at);

// A pending row that has been tried and refused at least once (`taratctl notices --failed`).
bool is_failed(const OutboxRow& row);

// Up to three candidates close to `word` (edit distance, then prefix or substring), closest first.
std::vector<std::string> closest_names(std::string_view word, const std::vector<std::string>& candidates);
// "" or "; did you mean 'a', 'b' or 'c'?"
std::string suggestion_text(const std::vector<std::string>& suggestions);

// not_found "no person 'x'; did you mean …" (suggestions also in "did_you_mean"), or nullopt when
// `value` is one of `known`.
std::optional<Reply> unknown_name(const char* what, const std::string& value, const std::vector<std::string>& known);
std::vector<std::string> person_ids(const Daemon& daemon);

// not_found naming the id, with the closest stored event ids in the text and in "did_you_mean".
Reply unknown_event(Daemon& daemon, const std::string& id);

std::optional<std::string> string_arg(const json& args, const char* name);
std::optional<Date> date_arg(const json& args, const char* name);  // the table already checked the format

// A free-text argument (reason, note, report reference): one line of at most 1000 bytes. The
// reason it is not, or empty.
std::string free_text_problem(const std::string& text, const char* what);

// "root (uid 0, pid 4242)": who did it, for the history.
std::string actor_of(const control::Peer& peer);

// Re-derives one event's notices from its stored state and makes its pending outbox rows equal
// to them, in the caller's transaction. `changes` are the change notices this step causes (sent
// in the same sync, or the second sync would supersede them); without any, change notices still
// pending from an earlier step are kept.
void sync_event_notices(Daemon& daemon, const std::string& event_id, Instant now,
                        const std::optional<std::vector<Notice>>& changes = std::nullopt);

}  // namespace commands
}  // namespace tarat
