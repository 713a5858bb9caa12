#pragma once
// Reading TOML safely. Debian's toml++ 3.3.0 asserts or overflows its stack on some malformed
// inputs (DESIGN.md "Known traps"), so every file passes a strict structural pre-scan first:
// only text that is well-formed UTF-8 and shaped like TOML 1.0 ever reaches the parser.
#include "core/diagnostic.hpp"
#include "core/input_file.hpp"

#include <toml++/toml.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace tarat {

struct TomlLimits {
    size_t max_bytes = kMaxInputFileBytes;
    int max_key_parts = 16;        // dotted parts in one key or header
    int max_nesting = 32;          // arrays and inline tables inside each other
};

// Notepad and Excel start UTF-8 files with one; TOML does not allow it, people cannot see it.
inline constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
std::string_view without_bom(std::string_view text);

// The first problem the pre-scan sees, or nullopt when toml++ may parse the text.
std::optional<Diagnostic> prescan_toml(std::string_view text, const std::string& file, const TomlLimits& limits = {});

// Pre-scan, then parse (a leading UTF-8 BOM is skipped). On failure adds one error to `out` and
// returns nullopt. Never throws.
std::optional<toml::table> parse_toml(std::string_view text, const std::string& file, Diagnostics& out,
                                      const TomlLimits& limits = {});

// Reads the file (an unreadable or oversized file is an error naming it) and parses it.
std::optional<toml::table> parse_toml_file(const std::filesystem::path& path, Diagnostics& out,
                                           const TomlLimits& limits = {});

// What the plan, config and days-off loaders read with: parse_toml, then every string checked
// against the text rules (config/text_rules.hpp), each offending one an error at its position.
std::optional<toml::table> parse_input_toml(std::string_view text, const std::string& file, Diagnostics& out);
std::optional<toml::table> parse_input_toml_file(const std::filesystem::path& path, Diagnostics& out);

}  // namespace tarat
