#include "config/toml_guard.hpp"

#include "config/text_rules.hpp"
#include "core/text.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace tarat {
namespace {

struct ScanError {
    size_t offset;
    std::string message;
};

// A recursive-descent recogniser for the shape of TOML 1.0. It does not check values (toml++
// does); it guarantees headers and keys are well-formed and bounded, and nesting is bounded.
class Prescanner {
public:
    Prescanner(std::string_view text, const TomlLimits& limits) : s_(text), limits_(limits) {}

    void run() {
        while (i_ < s_.size()) {
            skip_blank();
            if (at_eol()) { take_eol(); continue; }
            if (peek() == '#') { skip_comment(); continue; }
            if (peek() == '[') header();
            else key_value();
            end_of_line();
        }
    }

private:
    std::string_view s_;
    const TomlLimits& limits_;
    size_t i_ = 0;

    [[noreturn]] void fail(std::string message) { throw ScanError{i_, std::move(message)}; }
    [[noreturn]] void fail_at(size_t offset, std::string message) { throw ScanError{offset, std::move(message)}; }
    char peek(size_t ahead = 0) const { return i_ + ahead < s_.size() ? s_[i_ + ahead] : '\0'; }
    bool at_end() const { return i_ >= s_.size(); }
    bool at_eol() const { return at_end() || peek() == '\n' || (peek() == '\r' && peek(1) == '\n'); }
    bool starts(std::string_view w) const { return s_.substr(i_, w.size()) == w; }

    void take_eol() {
        if (at_end()) return;
        i_ += peek() == '\r' ? 2 : 1;
    }
    void skip_blank() {
        while (peek() == ' ' || peek() == '\t') ++i_;
    }
    void skip_comment() {
        while (!at_eol()) check_char(s_[i_++], true);
    }
    // Inside arrays: blanks, newlines and comments may stand between values.
    void skip_blank_lines() {
        for (;;) {
            skip_blank();
            if (peek() == '#') skip_comment();
            else if (!at_end() && at_eol()) take_eol();
            else return;
        }
    }
    void check_char(char c, bool tab_ok) {
        auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && !(tab_ok && c == '\t')) || u == 0x7F) {
            --i_;
            char hex[8];
            std::snprintf(hex, sizeof hex, "U+%04X", u);
            fail(std::string("control character ") + hex + " is not allowed here");
        }
    }
    void end_of_line() {
        skip_blank();
        if (peek() == '#') skip_comment();
        if (!at_eol()) fail("expected the end of the line after a value or header");
        take_eol();
    }

    static bool is_bare(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    }

    void simple_key() {
        if (peek() == '"') return basic_string_single();
        if (peek() == '\'') return literal_string_single();
        if (!is_bare(peek())) {
            if (!at_end() && static_cast<unsigned char>(peek()) < 0x20 && peek() != '\n' && peek() != '\r')
                check_char(s_[i_++], false);
            if (static_cast<unsigned char>(peek()) >= 0x80)
                fail("a bare key may contain only A-Z a-z 0-9 _ - ; write other letters in quotes");
            fail("expected a key");
        }
        while (is_bare(peek())) ++i_;
    }

    void key() {
        int parts = 0;
        for (;;) {
            skip_blank();
            size_t part_start = i_;
            simple_key();
            if (++parts > limits_.max_key_parts) {
                i_ = part_start;
                fail("a key may have at most " + std::to_string(limits_.max_key_parts) + " dotted parts");
            }
            skip_blank();
            if (peek() != '.') return;
            ++i_;
        }
    }

    void header() {
        bool array = peek(1) == '[';
        i_ += array ? 2 : 1;
        key();
        if (peek() != ']') fail(array ? "expected ']]' to close the array-of-tables header" : "expected ']' to close the table header");
        ++i_;
        if (array) {
            if (peek() != ']') fail("expected ']]' to close the array-of-tables header");
            ++i_;
        }
    }

    void key_value() {
        key();
        if (peek() != '=') fail("expected '=' after the key");
        ++i_;
        skip_blank();
        value(0);
    }

    void value(int depth) {
        if (depth > limits_.max_nesting) fail("values nested deeper than " + std::to_string(limits_.max_nesting));
        char c = peek();
        if (c == '"') return starts("\"\"\"") ? basic_string_multi() : basic_string_single();
        if (c == '\'') return starts("'''") ? literal_string_multi() : literal_string_single();
        if (c == '[') return array(depth + 1);
        if (c == '{') return inline_table(depth + 1);
        scalar();
    }

    // Numbers, booleans, dates and times: their exact syntax is toml++'s to check.
    void scalar() {
        size_t from = i_;
        for (;;) {
            char c = peek();
            bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                      c == '-' || c == '+' || c == '.' || c == ':';
            // "1979-05-27 07:32:00": a date and a time may be separated by one space.
            if (c == ' ' && i_ - from == 10 && s_[from + 4] == '-' && peek(1) >= '0' && peek(1) <= '9') ok = true;
            if (!ok) break;
            ++i_;
        }
        if (i_ == from) fail("expected a value");
    }

    void array(int depth) {
        ++i_;
        for (;;) {
            skip_blank_lines();
            if (peek() == ']') { ++i_; return; }
            value(depth);
            skip_blank_lines();
            if (peek() == ',') { ++i_; continue; }
            if (peek() == ']') { ++i_; return; }
            fail("expected ',' or ']' in the array");
        }
    }

    void inline_table(int depth) {
        ++i_;
        skip_blank();
        if (peek() == '}') { ++i_; return; }
        for (;;) {
            key();
            if (peek() != '=') fail("expected '=' after the key");
            ++i_;
            skip_blank();
            value(depth);
            skip_blank();
            if (peek() == ',') { ++i_; continue; }
            if (peek() == '}') { ++i_; return; }
            fail("expected ',' or '}' in the inline table");
        }
    }

    void escape() {
        ++i_;  // the backslash
        if (at_end()) fail("unterminated escape sequence");
        ++i_;
    }

    void basic_string_single() {
        size_t start = i_++;
        for (;;) {
            if (at_eol()) fail_at(start, "unterminated string");
            char c = s_[i_];
            if (c == '"') { ++i_; return; }
            if (c == '\\') { escape(); continue; }
            ++i_;
            check_char(c, true);
        }
    }
    void literal_string_single() {
        size_t start = i_++;
        for (;;) {
            if (at_eol()) fail_at(start, "unterminated string");
            char c = s_[i_++];
            if (c == '\'') return;
            check_char(c, true);
        }
    }
    void basic_string_multi() {
        size_t start = i_;
        i_ += 3;
        for (;;) {
            if (at_end()) fail_at(start, "unterminated multi-line string");
            if (starts("\"\"\"")) {
                i_ += 3;
                while (peek() == '"') ++i_;  // up to two quotes may end the content
                return;
            }
            char c = s_[i_];
            if (c == '\\') { escape(); continue; }
            if (c == '\r' && peek(1) == '\n') { i_ += 2; continue; }
            ++i_;
            if (c != '\n') check_char(c, true);
        }
    }
    void literal_string_multi() {
        size_t start = i_;
        i_ += 3;
        for (;;) {
            if (at_end()) fail_at(start, "unterminated multi-line string");
            if (starts("'''")) {
                i_ += 3;
                while (peek() == '\'') ++i_;
                return;
            }
            char c = s_[i_];
            if (c == '\r' && peek(1) == '\n') { i_ += 2; continue; }
            ++i_;
            if (c != '\n') check_char(c, true);
        }
    }
};

Diagnostic diagnostic_at(std::string_view text, size_t offset, const std::string& file, std::string message) {
    auto lc = line_column_at(text, offset);
    return {Diagnostic::Severity::error, {file, lc.line, lc.column}, std::move(message), {}};
}

}  // namespace

std::string_view without_bom(std::string_view text) {
    return text.starts_with(kUtf8Bom) ? text.substr(kUtf8Bom.size()) : text;
}

std::optional<Diagnostic> prescan_toml(std::string_view text, const std::string& file, const TomlLimits& limits) {
    text = without_bom(text);
    if (text.size() > limits.max_bytes)
        return Diagnostic{Diagnostic::Severity::error, {file, 0, 0},
                          "file is larger than " + byte_size_text(limits.max_bytes) + ", the limit for a file taratd reads", {}};
    if (auto bad = first_invalid_utf8(text)) return diagnostic_at(text, *bad, file, "invalid UTF-8");
    try {
        Prescanner{text, limits}.run();
    } catch (const ScanError& e) {
        return diagnostic_at(text, e.offset, file, e.message);
    }
    return std::nullopt;
}

std::optional<toml::table> parse_toml(std::string_view text, const std::string& file, Diagnostics& out,
                                      const TomlLimits& limits) {
    text = without_bom(text);
    if (auto problem = prescan_toml(text, file, limits)) {
        out.add(*problem);
        return std::nullopt;
    }
    try {
        return toml::parse(text, file);
    } catch (const toml::parse_error& e) {
        const auto& at = e.source().begin;
        out.error({file, static_cast<int>(at.line), static_cast<int>(at.column)}, std::string(e.description()));
    } catch (const std::exception& e) {
        out.error({file, 0, 0}, e.what());
    }
    return std::nullopt;
}

std::optional<toml::table> parse_toml_file(const std::filesystem::path& path, Diagnostics& out,
                                           const TomlLimits& limits) {
    auto file = read_input_file(path, limits.max_bytes);
    if (!file.ok()) {
        out.error({path.string(), 0, 0}, file.error);
        return std::nullopt;
    }
    return parse_toml(file.text, path.string(), out, limits);
}

std::optional<toml::table> parse_input_toml(std::string_view text, const std::string& file, Diagnostics& out) {
    auto table = parse_toml(text, file, out);
    if (table && !check_strings(*table, file, out)) return std::nullopt;
    return table;
}

std::optional<toml::table> parse_input_toml_file(const std::filesystem::path& path, Diagnostics& out) {
    auto table = parse_toml_file(path, out);
    if (table && !check_strings(*table, path.string(), out)) return std::nullopt;
    return table;
}

}  // namespace tarat
