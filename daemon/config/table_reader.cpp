#include "config/table_reader.hpp"

#include "core/text.hpp"

#include <algorithm>

namespace tarat {

SourcePos pos_of(const toml::source_region& region, const std::string& file) {
    return {file, static_cast<int>(region.begin.line), static_cast<int>(region.begin.column)};
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
    auto best = closest(word, candidates);
    return best ? " (did you mean '" + *best + "'?)" : "";
}

const char* toml_type_name(toml::node_type type) {
    switch (type) {
        case toml::node_type::table: return "a table";
        case toml::node_type::array: return "an array";
        case toml::node_type::string: return "a string";
        case toml::node_type::integer: return "an integer";
        case toml::node_type::floating_point: return "a number";
        case toml::node_type::boolean: return "a boolean";
        case toml::node_type::date: return "a date";
        case toml::node_type::time: return "a time";
        case toml::node_type::date_time: return "a date-time";
        default: return "nothing";
    }
}

TableReader::TableReader(const toml::table& table, std::string key_path, std::string file, Diagnostics& diagnostics)
    : table_(table), key_path_(std::move(key_path)), file_(std::move(file)), diagnostics_(diagnostics) {}

SourcePos TableReader::pos() const { return pos_of(table_.source(), file_); }

SourcePos TableReader::pos(std::string_view key) const {
    if (const auto* n = table_.get(key)) return pos_of(n->source(), file_);
    return pos();
}

std::string TableReader::path(std::string_view key) const {
    return key_path_.empty() ? std::string(key) : key_path_ + "." + std::string(key);
}

void TableReader::error_at(std::string_view key, std::string message) {
    diagnostics_.error(pos(key), std::move(message), path(key));
}

void TableReader::warning_at(std::string_view key, std::string message) {
    diagnostics_.warning(pos(key), std::move(message), path(key));
}

const toml::node* TableReader::lookup(std::string_view key, Need need, const char* expected) {
    known_.emplace(key);
    const toml::node* n = table_.get(key);
    if (!n && need == Need::required)
        diagnostics_.error(pos(), "missing required key '" + std::string(key) + "' (" + expected + ")", path(key));
    return n;
}

void TableReader::wrong_type(std::string_view key, const toml::node& node, const char* expected) {
    diagnostics_.error(pos_of(node.source(), file_),
                       std::string("expected ") + expected + ", found " + toml_type_name(node.type()), path(key));
}

std::optional<std::string> TableReader::string(std::string_view key, Need need) {
    const auto* n = lookup(key, need, "a string");
    if (!n) return std::nullopt;
    if (auto v = n->value<std::string>(); v && n->is_string()) return v;
    wrong_type(key, *n, "a string");
    return std::nullopt;
}

std::optional<int64_t> TableReader::integer(std::string_view key, Need need) {
    const auto* n = lookup(key, need, "an integer");
    if (!n) return std::nullopt;
    if (n->is_integer()) return n->as_integer()->get();
    wrong_type(key, *n, "an integer");
    return std::nullopt;
}

std::optional<bool> TableReader::boolean(std::string_view key, Need need) {
    const auto* n = lookup(key, need, "true or false");
    if (!n) return std::nullopt;
    if (n->is_boolean()) return n->as_boolean()->get();
    wrong_type(key, *n, "true or false");
    return std::nullopt;
}

std::optional<Date> TableReader::date(std::string_view key, Need need) {
    const auto* n = lookup(key, need, "a date YYYY-MM-DD");
    if (!n) return std::nullopt;
    if (const auto* d = n->as_date()) {
        date::year_month_day ymd{date::year{d->get().year}, date::month{d->get().month}, date::day{d->get().day}};
        if (ymd.ok()) return Date{ymd};
    } else if (const auto* s = n->as_string()) {
        if (auto parsed = parse_date(s->get())) return parsed;
        diagnostics_.error(pos_of(n->source(), file_), "'" + s->get() + "' is not a date YYYY-MM-DD", path(key));
        return std::nullopt;
    }
    wrong_type(key, *n, "a date YYYY-MM-DD");
    return std::nullopt;
}

std::optional<int> TableReader::time_of_day(std::string_view key, Need need) {
    const auto* n = lookup(key, need, "a time HH:MM");
    if (!n) return std::nullopt;
    if (const auto* t = n->as_time()) {
        const auto& v = t->get();
        if (v.second == 0 && v.nanosecond == 0) return v.hour * 60 + v.minute;
        diagnostics_.error(pos_of(n->source(), file_), "times are whole minutes (HH:MM)", path(key));
        return std::nullopt;
    }
    if (const auto* s = n->as_string()) {
        if (auto parsed = parse_hhmm(s->get())) return parsed;
        diagnostics_.error(pos_of(n->source(), file_), "'" + s->get() + "' is not a time HH:MM (00:00-23:59)",
                           path(key));
        return std::nullopt;
    }
    wrong_type(key, *n, "a time HH:MM");
    return std::nullopt;
}

std::optional<Span> TableReader::span(std::string_view key, Need need) {
    auto text = string(key, need);
    if (!text) return std::nullopt;
    if (auto parsed = parse_span(*text)) return parsed;
    diagnostics_.error(pos(key),
                       "'" + *text + "' is not a duration: " + std::string(kSpanSyntax),
                       path(key));
    return std::nullopt;
}

std::optional<std::vector<std::string>> TableReader::strings(std::string_view key, Need need) {
    const auto* n = lookup(key, need, "an array of strings");
    if (!n) return std::nullopt;
    const auto* arr = n->as_array();
    if (!arr) {
        wrong_type(key, *n, "an array of strings");
        return std::nullopt;
    }
    std::vector<std::string> out;
    bool ok = true;
    for (const auto& item : *arr) {
        if (const auto* s = item.as_string()) out.push_back(s->get());
        else {
            diagnostics_.error(pos_of(item.source(), file_),
                               std::string("expected a string, found ") + toml_type_name(item.type()), path(key));
            ok = false;
        }
    }
    return ok ? std::optional(out) : std::nullopt;
}

const toml::table* TableReader::table(std::string_view key, Need need) {
    const auto* n = lookup(key, need, "a table");
    if (!n) return nullptr;
    if (const auto* t = n->as_table()) return t;
    wrong_type(key, *n, "a table");
    return nullptr;
}

const toml::array* TableReader::array(std::string_view key, Need need) {
    const auto* n = lookup(key, need, "an array");
    if (!n) return nullptr;
    if (const auto* a = n->as_array()) return a;
    wrong_type(key, *n, "an array");
    return nullptr;
}

const toml::node* TableReader::node(std::string_view key, Need need) { return lookup(key, need, "a value"); }

void TableReader::finish() {
    std::vector<std::string> known(known_.begin(), known_.end());
    for (const auto& [key, value] : table_) {
        if (known_.count(key.str())) continue;
        diagnostics_.error(pos_of(key.source(), file_),
                           "unknown key '" + std::string(key.str()) + "'" + did_you_mean(key.str(), known),
                           path(key.str()));
    }
}

}  // namespace tarat
