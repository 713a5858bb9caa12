#include "config/text_rules.hpp"

#include "config/table_reader.hpp"
#include "core/text.hpp"

#include <cstdio>

namespace tarat {

TextRule text_rule_for(std::string_view key) {
    if (key == "title") return {kMaxTitleChars, false};
    if (key == "description") return {kMaxDescriptionChars, true};
    if (key == "id") return {kMaxIdChars, false};
    return {};
}

namespace {

// The code point at `offset` and its length in bytes (valid UTF-8 assumed).
char32_t decode_at(std::string_view text, std::size_t offset, std::size_t& length) {
    const auto lead = static_cast<unsigned char>(text[offset]);
    if (lead < 0x80 || offset + 1 >= text.size()) {
        length = 1;
        return lead;
    }
    // Only two-byte sequences can be controls (C1 is U+0080–U+009F); the rest just need skipping.
    length = (lead & 0xE0) == 0xC0 ? 2 : (lead & 0xF0) == 0xE0 ? 3 : 4;
    if (length != 2) return 0xFFFF;
    return (char32_t(lead & 0x1F) << 6) | (static_cast<unsigned char>(text[offset + 1]) & 0x3F);
}

bool is_control(char32_t c) { return c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F); }

class StringChecker {
public:
    StringChecker(const std::string& file, Diagnostics& out) : file_(file), out_(out) {}

    void table(const toml::table& t, const std::string& path) {
        for (const auto& [key, value] : t) {
            const std::string name(key.str());
            const std::string inner = path.empty() ? name : path + "." + name;
            check(name, TextRule{kMaxIdChars, false}, pos_of(key.source(), file_), inner, "key");
            node(value, name, inner);
        }
    }

    bool clean() const { return clean_; }

private:
    void node(const toml::node& n, const std::string& key, const std::string& path) {
        if (const auto* t = n.as_table()) return table(*t, path);
        if (const auto* a = n.as_array()) {
            for (std::size_t i = 0; i < a->size(); ++i) node((*a)[i], key, path + "[" + std::to_string(i) + "]");
            return;
        }
        if (const auto* s = n.as_string()) check(s->get(), text_rule_for(key), pos_of(n.source(), file_), path, key);
    }

    void check(std::string_view text, const TextRule& rule, const SourcePos& at, const std::string& path,
               const std::string& what) {
        if (auto bad = first_forbidden_control(text, rule); bad != std::string_view::npos) {
            std::size_t length = 1;
            const char32_t c = decode_at(text, bad, length);
            out_.error(at,
                       what + " contains the control character " + control_name(c) + " at character " +
                           std::to_string(utf8_length(text.substr(0, bad)) + 1) +
                           (rule.newlines ? " (only a newline is allowed here)" : " (not allowed in a single-line text)"),
                       path);
            clean_ = false;
            return;
        }
        // Bytes bound code points from above: count them only when the bytes could be too many.
        if (text.size() > rule.max_chars) {
            const std::size_t chars = utf8_length(text);
            if (chars > rule.max_chars) {
                out_.error(at,
                           what + " is " + std::to_string(chars) + " characters long; the limit is " +
                               std::to_string(rule.max_chars),
                           path);
                clean_ = false;
            }
        }
    }

    const std::string& file_;
    Diagnostics& out_;
    bool clean_ = true;
};

}  // namespace

std::size_t first_forbidden_control(std::string_view text, const TextRule& rule) {
    for (std::size_t i = 0; i < text.size();) {
        std::size_t length = 1;
        const char32_t c = decode_at(text, i, length);
        if (is_control(c) && !(c == '\n' && rule.newlines)) return i;
        i += length;
    }
    return std::string_view::npos;
}

std::string control_name(char32_t c) {
    char code[16];
    std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned>(c));
    const char* name = c == 0 ? "NUL" : c == '\t' ? "TAB" : c == '\n' ? "LF, a newline" : c == '\r' ? "CR"
                     : c == 0x1B ? "ESC" : c == 0x7F ? "DEL" : nullptr;
    return name ? std::string(code) + " (" + name + ")" : std::string(code);
}

bool check_strings(const toml::table& root, const std::string& file, Diagnostics& out) {
    StringChecker checker(file, out);
    checker.table(root, "");
    return checker.clean();
}

}  // namespace tarat
