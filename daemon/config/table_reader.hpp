#pragma once
// Typed, position-aware reading of one TOML table. Every accessor records its key as known, so
// finish() can report the keys nobody asked for, with a "did you mean".
#include "core/diagnostic.hpp"
#include "core/span.hpp"
#include "core/time.hpp"

#include <toml++/toml.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace tarat {

SourcePos pos_of(const toml::source_region& region, const std::string& file);

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);  // "" or " (did you mean 'x'?)"

class TableReader {
public:
    enum class Need { required, optional };

    TableReader(const toml::table& table, std::string key_path, std::string file, Diagnostics& diagnostics);

    std::optional<std::string> string(std::string_view key, Need need);
    std::optional<int64_t> integer(std::string_view key, Need need);
    std::optional<bool> boolean(std::string_view key, Need need);
    std::optional<Date> date(std::string_view key, Need need);   // TOML local date or "YYYY-MM-DD"
    std::optional<int> time_of_day(std::string_view key, Need need);  // TOML local time or "HH:MM"
    std::optional<Span> span(std::string_view key, Need need);
    std::optional<std::vector<std::string>> strings(std::string_view key, Need need);
    const toml::table* table(std::string_view key, Need need);
    const toml::array* array(std::string_view key, Need need);
    const toml::node* node(std::string_view key, Need need);  // any type; the caller checks

    // Marks a key as understood without reading it.
    void accept(std::string_view key) { known_.emplace(key); }
    // Reports every key that no accessor asked for.
    void finish();

    SourcePos pos() const;                      // the table itself
    SourcePos pos(std::string_view key) const;  // the key's value, or the table when absent
    std::string path(std::string_view key) const;
    const std::string& file() const { return file_; }
    Diagnostics& diagnostics() { return diagnostics_; }
    void error_at(std::string_view key, std::string message);
    void warning_at(std::string_view key, std::string message);

private:
    const toml::node* lookup(std::string_view key, Need need, const char* expected);
    void wrong_type(std::string_view key, const toml::node& node, const char* expected);

    const toml::table& table_;
    std::string key_path_;
    std::string file_;
    Diagnostics& diagnostics_;
    std::set<std::string, std::less<>> known_;
};

const char* toml_type_name(toml::node_type type);

}  // namespace tarat
