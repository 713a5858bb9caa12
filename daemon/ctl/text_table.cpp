#include "ctl/text_table.hpp"

#include "core/text.hpp"

#include <algorithm>
#include <cstdio>

namespace tarat {
namespace {

char32_t next_code_point(std::string_view s, size_t& i) {
    auto c = static_cast<unsigned char>(s[i++]);
    if (c < 0x80) return c;
    int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1;
    char32_t cp = c & (0x3F >> extra);
    for (int k = 0; k < extra && i < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i++]) & 0x3F);
    return cp;
}

bool is_zero_width(char32_t cp) {
    return (cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x0483 && cp <= 0x0489) || (cp >= 0x200B && cp <= 0x200F) ||
           (cp >= 0xFE00 && cp <= 0xFE0F) || cp == 0xFEFF;
}

bool is_wide(char32_t cp) {
    return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) || (cp >= 0xAC00 && cp <= 0xD7A3) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
           (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) || (cp >= 0x1F900 && cp <= 0x1F9FF) ||
           (cp >= 0x20000 && cp <= 0x3FFFD);
}

std::string escaped(std::string_view text, bool keep_newlines) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size();) {
        const size_t length = utf8_sequence_length(text, i);
        if (length == 0) {
            out += "\xEF\xBF\xBD";  // U+FFFD for a byte that is not UTF-8
            ++i;
            continue;
        }
        size_t at = i;
        const char32_t cp = next_code_point(text, at);
        const bool control = cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F);
        if (!control || (cp == '\n' && keep_newlines)) {
            out.append(text.substr(i, length));
        } else {
            char code[8];
            if (cp == '\t') out += "\\t";
            else if (cp == '\n') out += "\\n";
            else if (cp == '\r') out += "\\r";
            else {
                std::snprintf(code, sizeof code, cp < 0x80 ? "\\x%02x" : "\\u%04x", static_cast<unsigned>(cp));
                out += code;
            }
        }
        i += length;
    }
    return out;
}

}  // namespace

std::string visible(std::string_view text) { return escaped(text, false); }
std::string visible_lines(std::string_view text) { return escaped(text, true); }

TextTable::TextTable(std::vector<std::string> headers) : headers_(std::move(headers)) {
    for (auto& h : headers_) h = visible(h);
}

void TextTable::add_row(std::vector<std::string> cells) {
    for (auto& cell : cells) cell = visible(cell);
    rows_.push_back(std::move(cells));
}

size_t display_width(std::string_view utf8) {
    size_t width = 0;
    for (size_t i = 0; i < utf8.size();) {
        char32_t cp = next_code_point(utf8, i);
        width += is_zero_width(cp) ? 0 : is_wide(cp) ? 2 : 1;
    }
    return width;
}

std::string TextTable::render() const {
    std::vector<size_t> widths(headers_.size(), 0);
    auto measure = [&](const std::vector<std::string>& row) {
        for (size_t i = 0; i < row.size() && i < widths.size(); ++i) widths[i] = std::max(widths[i], display_width(row[i]));
    };
    measure(headers_);
    for (const auto& row : rows_) measure(row);
    std::string out;
    auto emit = [&](const std::vector<std::string>& row) {
        std::string line;
        for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
            line += row[i];
            if (i + 1 < row.size()) line += std::string(widths[i] - display_width(row[i]) + 2, ' ');
        }
        out += line + "\n";
    };
    emit(headers_);
    for (const auto& row : rows_) emit(row);
    return out;
}

}  // namespace tarat
