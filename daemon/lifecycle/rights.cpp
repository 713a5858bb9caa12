#include "lifecycle/rights.hpp"

namespace tarat {

bool sees_everything(const Plan& plan, const std::string& person) {
    return !person.empty() && (plan.coordinator == person || plan.overseer == person);
}

namespace {

// Whether `person` holds `role` for `event` (a role of InboundRights::kRoles).
bool holds(const Plan& plan, const std::string& role, const std::string& person, const ScheduledEvent& event) {
    if (role == "responsible") return event.responsible == person;
    if (role == "coordinator") return plan.coordinator == person;
    if (role == "overseer") return plan.overseer == person;
    if (role == "director") {
        const Centre* c = plan.centre(event.centre);
        return c && c->director == person;
    }
    if (role == "district_head") {
        const District* d = plan.district(event.district);
        return d && d->head == person;
    }
    return false;
}

}  // namespace

bool may_act(const Plan& plan, const std::string& person, const ScheduledEvent& event) {
    if (person.empty()) return false;
    for (const char* role : InboundRights::kRoles)
        if (holds(plan, role, person, event)) return true;
    return false;
}

bool may_take(const Plan& plan, const InboundRights& rights, const std::string& action, const std::string& person,
              const ScheduledEvent& event) {
    auto narrowed = rights.roles.find(action);
    if (narrowed == rights.roles.end()) return may_act(plan, person, event);
    if (person.empty()) return false;
    for (const auto& role : narrowed->second)
        if (holds(plan, role, person, event)) return true;
    return false;
}

}  // namespace tarat
