#include "lifecycle/rights.hpp"

namespace tarat {

bool sees_everything(const Plan& plan, const std::string& person) {
    return !person.empty() && (plan.coordinator == person || plan.overseer == person);
}

bool may_act(const Plan& plan, const std::string& person, const ScheduledEvent& event) {
    if (person.empty()) return false;
    if (event.responsible == person || sees_everything(plan, person)) return true;
    if (const Centre* c = plan.centre(event.centre); c && c->director == person) return true;
    if (const District* d = plan.district(event.district); d && d->head == person) return true;
    return false;
}

}  // namespace tarat
