#include "web/views.hpp"

#include "core/terms.hpp"

#include <cstdio>

namespace tarat::web {

std::string dotted_moment(const WorkingCalendar& calendar, Instant at) {
    auto [day, minutes] = calendar.instant_to_local(at);
    return format_dotted(day) + " " + format_hhmm(minutes);
}

std::string person_name(const Plan& plan, const std::string& id) {
    const Person* p = plan.person(id);
    return p ? p->name : id;
}

std::string actor_by_name(const Plan& plan, const std::string& actor) {
    if (actor.rfind("person ", 0) != 0) return actor;
    auto end = actor.find(' ', 7);
    std::string id = actor.substr(7, end == std::string::npos ? std::string::npos : end - 7);
    return person_name(plan, id) + (end == std::string::npos ? "" : actor.substr(end));
}

std::string pick_lang(std::string_view wanted, std::string_view fallback) {
    for (auto l : {wanted, fallback})
        if (l == "kk" || l == "ru" || l == "en") return std::string(l);
    return "kk";
}

nlohmann::json event_view(const Setup& setup, const StoredEvent& s, std::string_view lang) {
    const Plan& plan = setup.plan;
    const auto& e = s.event;
    const Centre* centre = plan.centre(e.centre);
    const District* district = plan.district(!e.district.empty() ? e.district : centre ? centre->district : "");
    const Form* form = plan.form(e.form);
    std::string responsible = !e.responsible.empty() ? e.responsible : centre ? centre->director : std::string();
    std::string time = format_hhmm(e.start_minutes);
    if (e.end_minutes > e.start_minutes) time += "–" + format_hhmm(e.end_minutes);
    return {
        {"id", e.id},
        {"title", e.title},
        {"form", form ? std::string(form->name.in(lang)) : e.form},
        {"date", format_dotted(e.date)},
        {"date_iso", format_date(e.date)},
        {"time", time},
        {"centre", centre ? centre->name : e.centre},
        {"district", district ? district->name : e.district},
        {"responsible", person_name(plan, responsible)},
        {"state", std::string(term(s.state).in(lang))},
        {"state_code", std::string(state_name(s.state))},
        {"held_date", s.held_date ? format_dotted(*s.held_date) : ""},
        {"participants", s.participants ? std::to_string(*s.participants) : ""},
        {"reported_date", s.reported_date ? format_dotted(*s.reported_date) : ""},
        {"report_ref", s.report_ref},
    };
}

}  // namespace tarat::web
