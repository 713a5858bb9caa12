#include "core/text.hpp"

#include <algorithm>

namespace tarat {

size_t utf8_sequence_length(std::string_view text, size_t i) {
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const size_t n = text.size();
    if (i >= n) return 0;
    const unsigned char c = s[i];
    if (c < 0x80) return 1;
    size_t len;
    unsigned cp;
    if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; }
    else return 0;
    if (i + len > n) return 0;
    for (size_t k = 1; k < len; ++k) {
        if ((s[i + k] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

std::optional<size_t> first_invalid_utf8(std::string_view text) {
    for (size_t i = 0; i < text.size();) {
        const size_t len = utf8_sequence_length(text, i);
        if (len == 0) return i;
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

namespace {

char32_t upper_letter(char32_t c) {
    if (c >= 'a' && c <= 'z') return c - 32;
    if (c >= 0x430 && c <= 0x44F) return c - 0x20;  // а…я
    if (c >= 0x450 && c <= 0x45F) return c - 0x50;  // ѐ…џ, і
    // Pairs with the capital on the even code point: ғ қ ң ү ұ һ, ә ө…
    if (((c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF) || (c >= 0x4D0 && c <= 0x52F)) && (c & 1)) return c - 1;
    if (c >= 0x4C2 && c <= 0x4CE && !(c & 1)) return c - 1;  // here the capital is odd
    return c;
}

// `text` with the letters that start before byte `to` in capitals (valid UTF-8 assumed).
std::string upper_range(std::string_view text, size_t to) {
    std::string out;
    out.reserve(text.size());
    size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<unsigned char>(text[i]);
        const size_t len = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : 4;
        if (i >= to || len > 2 || i + len > text.size()) {  // what has no capital in these scripts stays
            out.append(text.substr(i, std::min(len, text.size() - i)));
            i += len;
            continue;
        }
        char32_t c = len == 1 ? lead : ((lead & 0x1Fu) << 6) | (static_cast<unsigned char>(text[i + 1]) & 0x3Fu);
        c = upper_letter(c);
        if (c < 0x80) {
            out += static_cast<char>(c);
        } else {
            out += static_cast<char>(0xC0 | (c >> 6));
            out += static_cast<char>(0x80 | (c & 0x3F));
        }
        i += len;
    }
    return out;
}

}  // namespace

std::string to_upper(std::string_view text) { return upper_range(text, text.size()); }

std::string capitalized(std::string_view text) { return upper_range(text, 1); }

std::string utf8_prefix(std::string_view text, size_t max_bytes) {
    if (text.size() <= max_bytes) return std::string(text);
    size_t end = max_bytes;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;  // not inside a sequence
    return std::string(text.substr(0, end));
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

void fill_in(std::string& text, std::string_view key, const std::string& value) {
    const std::string mark = "{" + std::string(key) + "}";
    for (auto at = text.find(mark); at != std::string::npos; at = text.find(mark, at + value.size()))
        text.replace(at, mark.size(), value);
}

std::string fill(std::string text, std::initializer_list<std::pair<std::string_view, std::string>> values) {
    for (const auto& [key, value] : values) fill_in(text, key, value);
    return text;
}

}  // namespace tarat
