#pragma once
// Text helpers every module shares, one of each: UTF-8 validation, code-point positions, and the
// closest names for "did you mean".
#include <cstddef>
#include <optional>
#include <initializer_list>
#include <string>
#include <utility>
#include <string_view>
#include <vector>

namespace tarat {

// Length of the well-formed UTF-8 sequence at byte `i` (1 to 4), or 0 when none starts there
// (overlongs, surrogates and code points past U+10FFFF are ill-formed). The one UTF-8 check.
size_t utf8_sequence_length(std::string_view text, size_t i);

// Offset of the first byte that is not well-formed UTF-8 (overlongs, surrogates and
// code points past U+10FFFF included), or nullopt when the whole text is valid.
std::optional<size_t> first_invalid_utf8(std::string_view text);

// 1-based line and column (in code points) of a byte offset.
struct LineColumn {
    int line = 1;
    int column = 1;
};
LineColumn line_column_at(std::string_view text, size_t offset);

// Number of code points (text assumed valid UTF-8).
size_t utf8_length(std::string_view text);

// The most a note, reason or report reference may hold, in characters (code points): the history
// keeps it whole. The lifecycle refuses longer ones; taratctl says so before sending.
inline constexpr size_t kMaxFreeTextChars = 1000;

// Letters in capitals: Latin and Cyrillic, Kazakh letters included (ә → Ә, ұ → Ұ, і → І…), so a
// table heading or a sentence start can be made from a catalogue's lower-case term.
std::string to_upper(std::string_view text);
// The first letter in capitals, the rest as it is.
std::string capitalized(std::string_view text);

// The longest prefix of `text` of at most `max_bytes` that does not cut a UTF-8 sequence.
std::string utf8_prefix(std::string_view text, size_t max_bytes);

// Optimal string alignment distance: a swapped pair of letters counts as one edit.
size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word` by edit distance when it is close enough to be a likely typo
// (within a third of the word's length, at least 2 edits), else the only candidate `word` is a
// prefix of; nullopt when nothing is close.
std::optional<std::string> closest(std::string_view word, const std::vector<std::string>& candidates);

// Up to three candidates close to `word` (edit distance, then prefix or substring), closest first.
std::vector<std::string> closest_names(std::string_view word, const std::vector<std::string>& candidates);

// "" or "; did you mean 'a', 'b' or 'c'?"
std::string suggestion_text(const std::vector<std::string>& suggestions);

// Every "{key}" in `text` replaced by `value`: the wording tables' placeholders.
void fill_in(std::string& text, std::string_view key, const std::string& value);
// `text` with each "{key}" of `values` replaced.
std::string fill(std::string text, std::initializer_list<std::pair<std::string_view, std::string>> values);

}  // namespace tarat
