#pragma once
// What the pages show of the store, as template data: people by name, dates DD.MM.YYYY, codes in
// the reader's language.
#include "config/setup.hpp"
#include "store/store.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace tarat::web {

std::string dotted_moment(const WorkingCalendar& calendar, Instant at);  // DD.MM.YYYY HH:MM, local
std::string person_name(const Plan& plan, const std::string& id);  // the id when not in the plan
// A history row's actor with the person by name: "person director-erkemai via web" → "«Еркемай»
// меңгерушісі via web"; other actors as they are.
std::string actor_by_name(const Plan& plan, const std::string& actor);
// kk, ru or en from `wanted`, else `fallback`'s, else kk.
std::string pick_lang(std::string_view wanted, std::string_view fallback);

// One event's facts: title, form, date, time, centre, district, responsible, state (and
// state_code), held_date, participants, reported_date, report_ref, date_iso.
nlohmann::json event_view(const Setup& setup, const StoredEvent& event, std::string_view lang);

}  // namespace tarat::web
