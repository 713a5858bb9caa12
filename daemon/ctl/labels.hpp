#pragma once
// taratctl's headings and labels in Kazakh, Russian and English. The daemon's one-line texts
// (results, errors) stay English; only what taratctl itself prints is translated.
#include "core/terms.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace tarat {

enum class Lang { kk, ru, en };

// --lang when given; else the first of LC_ALL, LC_MESSAGES, LANG that is set decides (its part
// before "_", "." or "@": kk, ru or en); C, POSIX, unset or any other language give English.
Lang pick_language(std::string_view flag, const char* lc_all, const char* lc_messages, const char* lang);
std::optional<Lang> parse_lang(std::string_view name);
const char* lang_code(Lang lang);  // "kk", "ru", "en"

// The label for an English key ("DATE", "Plan", "planned"…) in `lang`; the key itself when it
// has no translation.
std::string tr(Lang lang, std::string_view english);
// "2027-03-24" as the language writes it: 24.03.2027 in Kazakh and Russian, as it is in English.
std::string shown_date(const std::string& iso, Lang lang);
// tr with "{}" replaced by `value`.
std::string tr_format(Lang lang, std::string_view english, const std::string& value);

// A code's word from the term catalogue (core/terms.hpp) — an event's state, a notice's state…;
// the code itself when the catalogue has no such code.
std::string term_label(Lang lang, Vocabulary vocabulary, std::string_view code);
// The heading of a compliance count (its JSON key: "held", "not_held", "postponed",
// "reported_on_time"…): the catalogue's term, capitalised; tr(`english`) for a count that is no
// term (planned, held_on_planned_date, participants).
std::string count_heading(Lang lang, std::string_view key, std::string_view english);

}  // namespace tarat
