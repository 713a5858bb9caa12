#pragma once
// What the bot says to people, in kk, ru and en: one table, so a wording is changed in one place.
#include <string>
#include <string_view>

namespace tarat::inbound {

enum class Phrase {
    not_registered,   // an unlinked chat (said in kk and ru together)
    bad_code,         // /start with a code that is unknown, used or expired
    linked,           // "{name}, this chat is linked…"
    upcoming,         // heading of the next events
    none_upcoming,
    overdue,          // heading of what is overdue
    help,
    lang_set,
    lang_usage,
    unknown_text,     // a message the bot does not understand
    out_of_date,      // a button from an old notice; the current state follows
    not_allowed,      // the person may not act on this event
    ask_participants,
    ask_reference,
    ask_date,
    ask_reason,
    skip,             // the button label
    not_a_number,
    not_a_date,
    day_off,          // "{date} is a day off; the nearest working days:"
    outside_period,   // "{date} is outside the plan's period {from} – {to}; the nearest working days:"
    done_held,        // "Held ({participants})"
    done_reported,
    done_postponed,   // "Postponed to {date}"
    done_not_held,
    by,               // "— {name}, {date}"
    refused,          // the lifecycle refused: its reason follows
    button_held,
    button_not_held,
    button_postponed,
    button_reported,
    button_postpone,
};

// The phrase in `locale` (ru, en; anything else kk, as core/terms).
std::string_view say(std::string_view locale, Phrase phrase);

}  // namespace tarat::inbound
