#include "sheet/columns.hpp"

#include "core/text.hpp"

namespace tarat::sheet {

const std::vector<Column>& plan_columns() {
    static const std::vector<Column> columns{
        {Field::id, "id", "Коды", "Код", false, "a-z, 0-9, - and _; empty: made from centre, form and date"},
        {Field::title, "title", "Атауы", "Наименование", true, "the event's title"},
        {Field::form, "form", "Түрі", "Форма", true, "a form's id or name (Семинар, Ашық оқу қызметі…)"},
        {Field::centre, "centre", "Орталық", "Центр", true, "a centre's id or name"},
        {Field::date, "date", "Күні", "Дата", true, "a date cell, DD.MM.YYYY or YYYY-MM-DD; a working day"},
        {Field::start, "start", "Басталуы", "Начало", false, "HH:MM; empty: the start the form's rules use"},
        {Field::end, "end", "Аяқталуы", "Окончание", false, "HH:MM; empty or start + the form's duration"},
        {Field::responsible, "responsible", "Жауапты", "Ответственный", false, "a person's id or name; empty: the centre's director"},
        {Field::audience, "audience", "Аудитория", "Аудитория", false, "who is invited"},
    };
    return columns;
}

const Column& column_of(Field field) {
    for (const auto& c : plan_columns())
        if (c.field == field) return c;
    return plan_columns().front();
}

namespace {

std::string normalized(std::string_view header) {
    std::string text;
    bool space = false;
    for (char c : header) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') space = !text.empty();
        else {
            if (space) text += ' ';
            space = false;
            text += c;
        }
    }
    while (!text.empty() && (text.back() == '*' || text.back() == ':' || text.back() == ' ')) text.pop_back();
    return to_upper(text);
}

}  // namespace

std::optional<Field> field_of_header(std::string_view header) {
    const std::string wanted = normalized(header);
    if (wanted.empty()) return std::nullopt;
    for (const auto& c : plan_columns())
        for (auto name : {c.key, c.kk, c.ru})
            if (normalized(name) == wanted) return c.field;
    return std::nullopt;
}

std::string_view header_in(const Column& column, std::string_view lang) {
    return lang == "ru" ? column.ru : lang == "en" ? column.key : column.kk;
}

}  // namespace tarat::sheet
