#pragma once
// The rules every string in a TOML file (plan, config, days off) obeys, checked in one walk after
// parsing: no control characters (they cut notices at a NUL and reach terminals as escapes; a
// newline only in a description), and a length bound by what the string is, in characters
// (UTF-8 code points), so a 30 MB title is refused where it is written.
#include "core/diagnostic.hpp"

#include <toml++/toml.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace tarat {

inline constexpr std::size_t kMaxTitleChars = 300;
inline constexpr std::size_t kMaxDescriptionChars = 4000;
inline constexpr std::size_t kMaxIdChars = 64;      // an "id" value and every key (ids are keys too)
inline constexpr std::size_t kMaxTextChars = 1000;  // any other string: a name, a path, an address

struct TextRule {
    std::size_t max_chars = kMaxTextChars;
    bool newlines = false;  // a multi-line description may hold "\n" (never "\r" or another control)
};

// The rule for a string stored under `key` (the last part of its key path; an array's key for
// its items).
TextRule text_rule_for(std::string_view key);

// The first control character in `text` (C0, DEL or C1) that `rule` does not allow: its byte
// offset, or npos. Assumes valid UTF-8.
std::size_t first_forbidden_control(std::string_view text, const TextRule& rule);

// "U+0009 (TAB)", "U+0000 (NUL)", "U+009B".
std::string control_name(char32_t code_point);

// Checks every key and string value under `root`; adds one error per offending string, each at its
// FILE:LINE:COL with its key path. True when none was found.
bool check_strings(const toml::table& root, const std::string& file, Diagnostics& out);

}  // namespace tarat
