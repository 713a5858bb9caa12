#include "ctl/plan_export.hpp"

#include "ctl/csv_writer.hpp"
#include "ctl/report.hpp"
#include "sheet/columns.hpp"

#include <xlsxwriter.h>

#include <sstream>
#include <stdexcept>

namespace tarat {
namespace {

using nlohmann::json;
using sheet::Field;

std::string str(const json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The table's columns in order: the import's own where it reads them, three of the export's.
enum class Extra { none, number, address, state };
struct ExportColumn {
    Extra extra;
    Field field;
    double width;  // in characters, for Kazakh titles and names
};
const ExportColumn kColumns[] = {
    {Extra::number, Field::id, 5},         {Extra::none, Field::id, 22},          {Extra::none, Field::title, 48},
    {Extra::none, Field::form, 16},        {Extra::none, Field::centre, 30},      {Extra::address, Field::id, 36},
    {Extra::none, Field::date, 12},        {Extra::none, Field::start, 9},        {Extra::none, Field::end, 10},
    {Extra::none, Field::responsible, 22}, {Extra::none, Field::audience, 36},    {Extra::state, Field::id, 14},
};

std::string heading(const ExportColumn& c, Lang lang) {
    switch (c.extra) {
        case Extra::number: return "№";
        case Extra::address: return lang == Lang::ru ? "Адрес" : lang == Lang::en ? "Address" : "Мекенжайы";
        case Extra::state: return lang == Lang::ru ? "Состояние" : lang == Lang::en ? "State" : "Жағдайы";
        case Extra::none: break;
    }
    return std::string(sheet::header_in(sheet::column_of(c.field), lang_code(lang)));
}

// A cell's text as the table shows it (dates DD.MM.YYYY in kk and ru).
std::string cell_text(const ExportColumn& c, const json& row, std::size_t number, Lang lang) {
    switch (c.extra) {
        case Extra::number: return std::to_string(number);
        case Extra::address: return str(row, "address");
        case Extra::state: return term_label(lang, Vocabulary::event_state, str(row, "state"));
        case Extra::none: break;
    }
    switch (c.field) {
        case Field::id: return str(row, "id");
        case Field::title: return str(row, "title");
        case Field::form: return str(row.value("form_name", json::object()), lang_code(lang));
        case Field::centre: return str(row, "centre_name");
        case Field::date: return shown_date(str(row, "date"), lang);
        case Field::start: return str(row, "start");
        case Field::end: return str(row, "end");
        case Field::responsible: return str(row, "responsible_name");
        case Field::audience: return str(row, "audience");
    }
    return "";
}

struct Words {
    std::string approve, drawn_up, signature, date_line;
};
Words words(Lang lang) {
    if (lang == Lang::ru) return {"УТВЕРЖДАЮ", "Составил(а)", "подпись", "«___» ____________ 20___ г."};
    if (lang == Lang::en) return {"APPROVED", "Drawn up by", "signature", "\"___\" ____________ 20___"};
    return {"БЕКІТЕМІН", "Құрастырған", "қолы", "«___» ____________ 20___ ж."};
}

class CsvTable final : public PlanTable {
public:
    explicit CsvTable(Lang lang) : lang_(lang), csv_(lang == Lang::en ? ',' : ';') {
        for (const auto& c : kColumns) csv_.text(heading(c, lang));
        csv_.end_row();
        out_ = csv_.take();
    }
    void add(const json& row) override {
        ++number_;
        for (const auto& c : kColumns) csv_.text(cell_text(c, row, number_, lang_));
        csv_.end_row();
        out_ += csv_.take();
    }
    void finish() override {}

private:
    Lang lang_;
    CsvWriter csv_;
    std::size_t number_ = 0;
};

// Widths in per cent of the A4 text width, the long texts wide; 0: not shown.
constexpr int kHtmlWidths[] = {4, 0, 20, 8, 12, 0, 8, 6, 0, 10, 0, 9};

class HtmlTable final : public PlanTable {
public:
    HtmlTable(const json& plan, Lang lang) : lang_(lang), coordinator_(plan.value("coordinator", json::object())) {
        const json overseer = plan.value("overseer", json::object());
        const Words w = words(lang);
        std::ostringstream out;
        out << "<!DOCTYPE html>\n<html lang=\"" << lang_code(lang) << "\">\n<head>\n<meta charset=\"utf-8\">\n<title>"
            << xml_escape(str(plan, "title")) << "</title>\n<style>\n"
            << "@page { size: A4; margin: 15mm 12mm; }\n"
            << "html, body { margin: 0; }\n"
            << "body { font-family: 'DejaVu Sans', 'Liberation Sans', Arial, sans-serif; font-size: 8pt; color: #000;"
               " max-width: 186mm; padding: 4mm; box-sizing: border-box; }\n"
            << ".approve { margin-left: 55%; margin-bottom: 6mm; font-size: 9pt; line-height: 1.5; }\n"
            << ".approve b { display: block; font-size: 10pt; }\n"
            << "h1 { font-size: 10pt; text-align: center; margin: 0 0 2mm; }\n"
            << "p.basis { text-align: center; font-size: 8pt; margin: 0 0 4mm; }\n"
            << "table { width: 100%; border-collapse: collapse; table-layout: fixed; }\n"
            << "th, td { border: 0.5pt solid #000; padding: 1mm; vertical-align: top; overflow-wrap: anywhere;"
               " word-break: break-word; }\n"
            << "th { background: #eee; font-weight: bold; }\n"
            << "thead { display: table-header-group; }\n"
            << "tr { page-break-inside: avoid; }\n"
            << ".signatures { margin-top: 8mm; font-size: 9pt; line-height: 2; }\n"
            << "</style>\n</head>\n<body>\n";
        out << "<div class=\"approve\"><b>" << w.approve << "</b>" << xml_escape(str(overseer, "position")) << "<br>"
            << "____________ " << xml_escape(str(overseer, "name")) << "<br>" << w.date_line << "</div>\n";
        out << "<h1>" << xml_escape(str(plan, "title")) << "</h1>\n";
        if (!str(plan, "basis").empty()) out << "<p class=\"basis\">" << xml_escape(str(plan, "basis")) << "</p>\n";
        int total = 0;
        for (int p : kHtmlWidths) total += p;
        out << "<table>\n<colgroup>";
        for (size_t i = 0; i < std::size(kColumns); ++i)
            if (kHtmlWidths[i]) out << "<col style=\"width:" << (kHtmlWidths[i] * 100.0 / total) << "%\">";
        out << "</colgroup>\n<thead><tr>";
        for (size_t i = 0; i < std::size(kColumns); ++i)
            if (kHtmlWidths[i]) out << "<th>" << xml_escape(heading(kColumns[i], lang)) << "</th>";
        out << "</tr></thead>\n<tbody>\n";
        out_ = out.str();
    }
    void add(const json& row) override {
        ++number_;
        out_ += "<tr>";
        for (size_t i = 0; i < std::size(kColumns); ++i) {
            if (!kHtmlWidths[i]) continue;
            std::string text = cell_text(kColumns[i], row, number_, lang_);
            if (kColumns[i].extra == Extra::none && kColumns[i].field == Field::centre && !str(row, "address").empty())
                text += ", " + str(row, "address");  // one column: the centre and where it is
            if (kColumns[i].extra == Extra::none && kColumns[i].field == Field::start) text += "–" + str(row, "end");
            out_ += "<td>" + xml_escape(text) + "</td>";
        }
        out_ += "</tr>\n";
    }
    void finish() override {
        const Words w = words(lang_);
        out_ += "</tbody>\n</table>\n<div class=\"signatures\">" + w.drawn_up + ": " +
                xml_escape(str(coordinator_, "position")) + " ____________ " + xml_escape(str(coordinator_, "name")) +
                " (" + w.signature + ")</div>\n</body>\n</html>\n";
    }

private:
    Lang lang_;
    json coordinator_;
    std::size_t number_ = 0;
};

// Constant memory: each row goes to the file when the next begins, so rows come in order and the
// title is one cell (merged cells need the whole sheet in memory).
class XlsxTable final : public PlanTable {
public:
    XlsxTable(const json& plan, Lang lang, const std::filesystem::path& file) : lang_(lang), file_(file) {
        lxw_workbook_options options{};
        options.constant_memory = LXW_TRUE;
        book_ = workbook_new_opt(file.c_str(), &options);
        if (!book_) throw std::runtime_error("cannot create " + file.string());
        ws_ = workbook_add_worksheet(book_, lang == Lang::ru ? "План" : lang == Lang::en ? "Plan" : "Жоспар");
        lxw_format* title = workbook_add_format(book_);
        format_set_bold(title);
        lxw_format* head = workbook_add_format(book_);
        format_set_bold(head);
        format_set_text_wrap(head);
        format_set_border(head, LXW_BORDER_THIN);
        format_set_bg_color(head, 0xEEEEEE);
        format_set_align(head, LXW_ALIGN_VERTICAL_TOP);
        text_ = workbook_add_format(book_);
        format_set_text_wrap(text_);
        format_set_border(text_, LXW_BORDER_THIN);
        format_set_align(text_, LXW_ALIGN_VERTICAL_TOP);
        day_ = workbook_add_format(book_);
        format_set_num_format(day_, lang == Lang::en ? "yyyy-mm-dd" : "dd.mm.yyyy");
        format_set_border(day_, LXW_BORDER_THIN);
        format_set_align(day_, LXW_ALIGN_VERTICAL_TOP);
        for (size_t i = 0; i < std::size(kColumns); ++i)
            worksheet_set_column(ws_, lxw_col_t(i), lxw_col_t(i), kColumns[i].width, nullptr);
        worksheet_freeze_panes(ws_, kHeaderRow + 1, 0);
        worksheet_write_string(ws_, 0, 0, str(plan, "title").c_str(), title);
        for (size_t i = 0; i < std::size(kColumns); ++i)
            worksheet_write_string(ws_, kHeaderRow, lxw_col_t(i), heading(kColumns[i], lang).c_str(), head);
    }
    ~XlsxTable() override {
        if (book_) workbook_close(book_);  // abandoned: the caller removes the file
    }
    void add(const json& row) override {
        ++number_;
        const lxw_row_t r = lxw_row_t(kHeaderRow + number_);
        for (size_t i = 0; i < std::size(kColumns); ++i) {
            const auto& c = kColumns[i];
            if (c.extra == Extra::number) {
                worksheet_write_number(ws_, r, lxw_col_t(i), double(number_), text_);
            } else if (c.extra == Extra::none && c.field == Field::date) {
                const std::string iso = str(row, "date");
                lxw_datetime when{std::stoi(iso.substr(0, 4)), std::stoi(iso.substr(5, 2)), std::stoi(iso.substr(8, 2)), 0, 0, 0};
                worksheet_write_datetime(ws_, r, lxw_col_t(i), &when, day_);
            } else {
                worksheet_write_string(ws_, r, lxw_col_t(i), cell_text(c, row, number_, lang_).c_str(), text_);
            }
        }
    }
    void finish() override {
        worksheet_autofilter(ws_, kHeaderRow, 0, lxw_row_t(kHeaderRow + number_), lxw_col_t(std::size(kColumns) - 1));
        const lxw_error e = workbook_close(std::exchange(book_, nullptr));
        if (e != LXW_NO_ERROR) throw std::runtime_error("cannot write " + file_.string() + ": " + lxw_strerror(e));
    }

private:
    static constexpr lxw_row_t kHeaderRow = 2;
    Lang lang_;
    std::filesystem::path file_;
    lxw_workbook* book_ = nullptr;
    lxw_worksheet* ws_ = nullptr;
    lxw_format* text_ = nullptr;
    lxw_format* day_ = nullptr;
    std::size_t number_ = 0;
};

}  // namespace

std::unique_ptr<PlanTable> plan_csv(Lang lang) { return std::make_unique<CsvTable>(lang); }

std::unique_ptr<PlanTable> plan_html(const json& plan, Lang lang) { return std::make_unique<HtmlTable>(plan, lang); }

std::unique_ptr<PlanTable> plan_xlsx(const json& plan, Lang lang, const std::filesystem::path& file) {
    return std::make_unique<XlsxTable>(plan, lang, file);
}

}  // namespace tarat
