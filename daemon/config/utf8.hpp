#pragma once
// UTF-8 validation and code-point positions.
#include <cstddef>
#include <optional>
#include <string_view>

namespace tarat {

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

}  // namespace tarat
