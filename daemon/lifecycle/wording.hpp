#pragma once
// How the lifecycle's facts are worded for people, in kk, ru and en: why a step was refused (a code
// with its facts: taratctl prints the English `text`, the bot and the web pages `explain()`), where
// an event stands, a day of the week, a date.
#include "core/time.hpp"
#include "store/store.hpp"

#include <map>
#include <string>
#include <string_view>

namespace tarat {

struct Refusal {
    enum class Code {
        none,                // not refused
        other,               // only `text` (steps only taratctl takes: amend, reopen, confirm)
        stale_revision,      // the event changed since the caller read it
        cancelled,           // held asked of a cancelled event; words: reason
        participants_range,  // words: max
        not_utf8,            // free text; words: what (note, reason, ref)
        too_long,            // words: what, chars, max
        control_chars,       // words: what
        still_ahead,         // held before it took place; dates: date; words: time
        held_future,         // dates: date, today
        held_before_plan,    // dates: date, from
        held_day_off,        // needs --force; dates: date
        held_too_early,      // needs --force; dates: date, planned
        not_held,            // a report before held; words: state; dates: date
        report_future,       // dates: date, today
        report_before_held,  // dates: date, held
        reason_missing,
        not_planned,         // postpone or cancel of what is not planned; words: state; dates: date
        after_midnight,      // words: time
        date_past,           // dates: date, today; words: time
        outside_period,      // dates: date, from, to
        day_off,             // dates: date, before (when not past), after; words: holiday.kk/ru/en
    };
    Code code = Code::none;
    std::string text;  // one line, English, ISO dates: what taratctl shows
    std::map<std::string, Date> dates;
    std::map<std::string, std::string> words;

    explicit operator bool() const { return code != Code::none; }
};

// The refusal in `locale` (ru, en; anything else kk, as core/terms), dates DD.MM.YYYY; `other`
// gives `text`.
std::string explain(std::string_view locale, const Refusal& refusal);

// Where an event stands, in `locale`: "өтті, 09.12.2026", "запланировано на 09.12.2026", "cancelled".
// `state` is a state's name (planned, held, reported, cancelled); `date` the day that goes with it.
std::string state_text(std::string_view locale, std::string_view state, Date date);
std::string state_text(std::string_view locale, const StoredEvent& event);
// The day's name of the week, short: "ср" (kk, ru), "wed".
std::string weekday_short(std::string_view locale, Date day);
// What the store holds for an event beyond its plan, worded: "болдырылмады: карантин", "перенесено с
// 20.01.2027", ""; for `taratd schedule` beside the plan's view.
std::string stored_text(std::string_view locale, const StoredEvent& event);

// The day that goes with an event's state: the day it was held or reported, else its planned day.
Date state_day(const StoredEvent& event);

}  // namespace tarat
