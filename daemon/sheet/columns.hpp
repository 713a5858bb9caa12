#pragma once
// The plan's columns in a sheet: one table, read both to match a sheet's headers (kk, ru or en, in
// any case) and to write the import template, so the two never disagree.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tarat::sheet {

enum class Field { id, title, form, centre, date, start, end, responsible, audience };

struct Column {
    Field field;
    std::string_view key;  // the English header, also the plan's key
    std::string_view kk, ru;
    bool required;
    std::string_view help;  // for the template's notes row
};

const std::vector<Column>& plan_columns();
const Column& column_of(Field field);

// The field a header names (trimmed, any case, a trailing '*' or ':' ignored), or nullopt.
std::optional<Field> field_of_header(std::string_view header);

// The header in the language: kk, ru or en.
std::string_view header_in(const Column& column, std::string_view lang);

}  // namespace tarat::sheet
