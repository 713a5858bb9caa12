#include "sheet/template.hpp"

#include "sheet/columns.hpp"

#include <xlsxwriter.h>

#include <stdexcept>

namespace tarat::sheet {
namespace {

std::string header(const Column& c) { return std::string(c.kk) + (c.required ? " *" : ""); }

}  // namespace

std::string template_csv() {
    std::string out = "\xEF\xBB\xBF";
    bool first = true;
    for (const auto& c : plan_columns()) {
        if (!first) out += ';';
        first = false;
        out += header(c);
    }
    return out + "\r\n";
}

void write_template_xlsx(const std::filesystem::path& file) {
    lxw_workbook* book = workbook_new(file.c_str());
    if (!book) throw std::runtime_error("cannot create " + file.string());
    lxw_format* bold = workbook_add_format(book);
    format_set_bold(bold);
    format_set_text_wrap(bold);
    format_set_bg_color(bold, 0xEEEEEE);
    format_set_border(bold, LXW_BORDER_THIN);
    lxw_format* day = workbook_add_format(book);
    format_set_num_format(day, "dd.mm.yyyy");
    lxw_format* time = workbook_add_format(book);
    format_set_num_format(time, "hh:mm");
    lxw_worksheet* plan = workbook_add_worksheet(book, "Жоспар");
    lxw_worksheet* help = workbook_add_worksheet(book, "Нұсқаулық");
    lxw_col_t column = 0;
    for (const auto& c : plan_columns()) {
        const bool wide = c.field == Field::title || c.field == Field::audience || c.field == Field::centre;
        lxw_format* cells = c.field == Field::date ? day : (c.field == Field::start || c.field == Field::end) ? time : nullptr;
        worksheet_set_column(plan, column, column, wide ? 40 : 16, cells);
        worksheet_write_string(plan, 0, column, header(c).c_str(), bold);
        ++column;
    }
    worksheet_freeze_panes(plan, 1, 0);
    const char* heads[] = {"Қазақша", "По-русски", "English", "Міндетті / Обязательно", "What it takes"};
    for (lxw_col_t i = 0; i < 5; ++i) {
        worksheet_set_column(help, i, i, i == 4 ? 60 : 20, nullptr);
        worksheet_write_string(help, 0, i, heads[i], bold);
    }
    lxw_row_t row = 1;
    for (const auto& c : plan_columns()) {
        worksheet_write_string(help, row, 0, std::string(c.kk).c_str(), nullptr);
        worksheet_write_string(help, row, 1, std::string(c.ru).c_str(), nullptr);
        worksheet_write_string(help, row, 2, std::string(c.key).c_str(), nullptr);
        worksheet_write_string(help, row, 3, c.required ? "иә / да" : "жоқ / нет", nullptr);
        worksheet_write_string(help, row, 4, std::string(c.help).c_str(), nullptr);
        ++row;
    }
    if (const lxw_error e = workbook_close(book); e != LXW_NO_ERROR)
        throw std::runtime_error("cannot write " + file.string() + ": " + lxw_strerror(e));
}

}  // namespace tarat::sheet
