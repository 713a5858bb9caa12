#pragma once
// The JSON shape of an event, shared by `taratd schedule --json` and the socket's replies.
#include "core/event.hpp"
#include "schedule/placement.hpp"

#include <nlohmann/json.hpp>

namespace tarat {

nlohmann::json to_json(const ScheduledEvent& event);
nlohmann::json to_json(const Unplaced& unplaced);
nlohmann::json to_json(const Schedule& schedule);

}  // namespace tarat
