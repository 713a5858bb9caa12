#pragma once
// Who may act on an event, for every front end that acts for a person (Telegram, the web): one
// rule, so no medium grants more than another.
#include "config/config.hpp"
#include "core/plan.hpp"
#include "core/event.hpp"

#include <string>

namespace tarat {

// Whether `person` may act on `event`: its responsible, the host centre's director, the district
// head, the plan's coordinator or overseer. The web shows a person the same events.
bool may_act(const Plan& plan, const std::string& person, const ScheduledEvent& event);

// Whether `person` may take `action` (held, nothold, reported, postpone) on `event`: may_act,
// narrowed by `[inbound]` to the roles it names for the action.
bool may_take(const Plan& plan, const InboundRights& rights, const std::string& action, const std::string& person,
              const ScheduledEvent& event);

// Whether `person` sees every event (the overseer, the coordinator).
bool sees_everything(const Plan& plan, const std::string& person);

}  // namespace tarat
