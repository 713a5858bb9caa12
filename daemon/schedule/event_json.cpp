#include "schedule/event_json.hpp"

namespace tarat {

nlohmann::json to_json(const ScheduledEvent& e) {
    return {{"id", e.id},       {"centre", e.centre}, {"district", e.district},
            {"form", e.form},   {"title", e.title},   {"date", format_date(e.date)},
            {"start", format_hhmm(e.start_minutes)},  {"end", format_hhmm(e.end_minutes)},
            {"responsible", e.responsible}, {"audience", e.audience},
            {"source", e.source}, {"pinned", e.pinned}};
}

nlohmann::json to_json(const Unplaced& u) {
    return {{"rule", u.rule}, {"centre", u.centre}, {"period", u.period}, {"reason", u.reason}};
}

nlohmann::json to_json(const Schedule& schedule) {
    auto events = nlohmann::json::array();
    for (const auto& e : schedule.events) events.push_back(to_json(e));
    auto unplaced = nlohmann::json::array();
    for (const auto& u : schedule.unplaced) unplaced.push_back(to_json(u));
    auto drift = nlohmann::json::array();
    for (const auto& d : schedule.drift)
        drift.push_back({{"event", d.event_id},
                         {"pinned_date", format_date(d.pinned_date)},
                         {"would_be", d.would_be ? nlohmann::json(format_date(*d.would_be)) : nlohmann::json()}});
    return {{"events", events}, {"unplaced", unplaced}, {"drift", drift}, {"warnings", schedule.warnings},
            {"clashes", schedule.clashes}};
}

}  // namespace tarat
