#include "core/text.hpp"

#include <algorithm>

namespace tarat {

std::optional<size_t> first_invalid_utf8(std::string_view text) {
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    size_t n = text.size(), i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c < 0x80) { ++i; continue; }
        size_t len;
        unsigned cp;
        if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; }
        else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; }
        else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; }
        else return i;
        if (i + len > n) return i;
        for (size_t k = 1; k < len; ++k) {
            if ((s[i + k] & 0xC0) != 0x80) return i;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += len;
    }
    return std::nullopt;
}

LineColumn line_column_at(std::string_view text, size_t offset) {
    LineColumn lc;
    for (size_t i = 0; i < offset && i < text.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(text[i]);
        if (c == '\n') { ++lc.line; lc.column = 1; }
        else if ((c & 0xC0) != 0x80) ++lc.column;  // count lead bytes only
    }
    return lc;
}

size_t utf8_length(std::string_view text) {
    size_t n = 0;
    for (unsigned char c : text) n += (c & 0xC0) != 0x80;
    return n;
}

size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
    for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        for (size_t j = 1; j <= b.size(); ++j) {
            const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[a.size()][b.size()];
}

std::optional<std::string> closest(std::string_view word, const std::vector<std::string>& candidates) {
    if (word.size() > 200) return std::nullopt;  // the distance table is quadratic
    std::optional<std::string> best;
    size_t best_distance = std::max<size_t>(2, word.size() / 3) + 1;
    const std::string* extended = nullptr;
    size_t extending = 0;
    for (const auto& c : candidates) {
        const size_t d = edit_distance(word, c);
        if (d < best_distance) best_distance = d, best = c;
        if (!word.empty() && std::string_view(c).starts_with(word)) ++extending, extended = &c;
    }
    if (!best && extending == 1) best = *extended;
    return best;
}

std::vector<std::string> closest_names(std::string_view word, const std::vector<std::string>& candidates) {
    constexpr size_t kShown = 3;
    std::vector<std::string> found;
    std::vector<std::string> left = candidates;
    // closest() gives the single best within its typo distance; ask again without it.
    while (found.size() < kShown) {
        auto best = closest(word, left);
        if (!best) break;
        found.push_back(*best);
        left.erase(std::find(left.begin(), left.end(), *best));
    }
    if (!word.empty()) {
        for (const auto& c : candidates) {
            if (found.size() >= kShown) break;
            if (c.find(word) != std::string::npos && std::find(found.begin(), found.end(), c) == found.end())
                found.push_back(c);
        }
    }
    return found;
}

std::string suggestion_text(const std::vector<std::string>& suggestions) {
    if (suggestions.empty()) return "";
    std::string text = "; did you mean ";
    for (size_t i = 0; i < suggestions.size(); ++i) {
        if (i > 0) text += i + 1 == suggestions.size() ? " or " : ", ";
        text += "'" + suggestions[i] + "'";
    }
    return text + "?";
}

}  // namespace tarat
