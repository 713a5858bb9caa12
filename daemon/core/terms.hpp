#pragma once
// The words for the domain's codes in Kazakh, Russian and English: event states, notice kinds,
// notice states and compliance outcomes. One wording per term, shared by notice templates,
// taratctl and its reports, and the calendar feeds, so an event "held" reads the same everywhere.
// The codes themselves (JSON, flags) stay English and are not translated here.
#include "core/event.hpp"
#include "core/notice.hpp"

#include <string_view>

namespace tarat {

struct Term {
    std::string_view kk, ru, en;
    // kk for any locale other than ru and en (the plan's own language).
    std::string_view in(std::string_view locale) const;
};

const Term& term(EventState state);
const Term& term(NoticeKind kind);
const Term& term(NoticeState state);
const Term& term(Outcome outcome);
// A day of the week by date::weekday's C encoding (0 Sunday … 6 Saturday): "сейсенбі", "вторник",
// "Tuesday"; short: "сс", "вт", "tue".
const Term& weekday_term(unsigned c_encoding);
const Term& weekday_short_term(unsigned c_encoding);
// A month by its number, 1 January … 12 December, as a heading writes it: "Наурыз", "Март", "March".
const Term& month_term(unsigned month);
const Term& failed_notice_term();  // taratctl's "failed": pending, but its last attempt failed
const Term& postponed_term();      // the compliance count of events moved to another day

// Which codes a name belongs to: "held" is an event state and an outcome, worded differently.
enum class Vocabulary { event_state, notice_kind, notice_state, outcome };
// For codes read back from JSON (taratctl): notice_state also knows "failed", outcome also
// "postponed"; nullptr for an unknown code.
const Term* find_term(Vocabulary vocabulary, std::string_view code);

}  // namespace tarat
