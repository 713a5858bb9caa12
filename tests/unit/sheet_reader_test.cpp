// The sheet readers (daemon/sheet/): CSV as Excel and LibreOffice save it, cell names, serial dates,
// an .xlsx by libxlsxwriter read back, the bound on inflated parts.
#include "sheet/columns.hpp"
#include "sheet/sheet.hpp"
#include "sheet/template.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

using namespace tarat;
using namespace tarat::sheet;

namespace {

std::string text_at(const Sheet& s, int row, int column) {
    auto r = s.rows.find(row);
    if (r == s.rows.end()) return "<none>";
    auto c = r->second.find(column);
    return c == r->second.end() ? "<none>" : c->second.text;
}

}  // namespace

// Cells are named as spreadsheets name them; serial days count from 1899-12-30.
TEST_CASE("cell names and serial dates") {
    CHECK(cell_name(12, 3) == "C12");
    CHECK(column_letters(26) == "Z");
    CHECK(column_letters(27) == "AA");
    CHECK(column_letters(703) == "AAA");
    CHECK(format_date(serial_to_date(45658)) == "2025-01-01");
    CHECK(format_date(serial_to_date(46400.4583333)) == "2027-01-13");
    CHECK(serial_to_minutes(46400.4583333) == 11 * 60);
    Sheet s{"plan.xlsx", "Жоспар", {}};
    CHECK(s.where(12, 3) == "plan.xlsx:Жоспар!C12");
    Sheet csv{"plan.csv", "", {}};
    CHECK(csv.where(2, 1) == "plan.csv:A2");
}

// The separator is the one the header line uses most; quotes keep separators, line ends and "".
TEST_CASE("csv: BOM, sniffed separator, quoted fields") {
    auto semi = read_csv("\xEF\xBB\xBF" "Атауы;Күні\r\n\"a; \"\"b\"\"\nc\";13.01.2027\r\n", "p.csv", {});
    CHECK(text_at(semi, 1, 1) == "Атауы");
    CHECK(text_at(semi, 2, 1) == "a; \"b\"\nc");
    CHECK(text_at(semi, 2, 2) == "13.01.2027");
    auto comma = read_csv("title,date\nx;y,2027-01-13", "p.csv", {});
    CHECK(text_at(comma, 2, 1) == "x;y");
    CHECK(text_at(comma, 2, 2) == "2027-01-13");
    CHECK_THROWS_WITH(read_csv("title\n\xFF\xFE", "p.csv", {}), Catch::Contains("p.csv:2:1: error: not UTF-8"));
    CHECK_THROWS_WITH(read_csv("title\n\"open", "p.csv", {}), Catch::Contains("not closed"));
    Limits few;
    few.rows = 2;
    CHECK_THROWS_WITH(read_csv("a\nb\nc\nd\n", "p.csv", few), Catch::Contains("more than 2 rows"));
}

// The template workbook (libxlsxwriter) read back through libzip and pugixml: its sheets by name,
// its header, and a part larger than the bound refused before it is inflated.
TEST_CASE("xlsx: the template read back, sheets by name, the inflate bound") {
    tarat::testing::TempDir dir;
    const auto file = dir / "template.xlsx";
    write_template_xlsx(file);
    auto plan = read_sheet(file, std::nullopt);
    CHECK(plan.name == "Жоспар");
    CHECK(field_of_header(text_at(plan, 1, 2)) == Field::title);
    CHECK(field_of_header(text_at(plan, 1, 5)) == Field::date);
    auto help = read_sheet(file, std::string("Нұсқаулық"));
    CHECK(text_at(help, 2, 2) == "Код");
    CHECK_THROWS_WITH(read_sheet(file, std::string("План")),
                      Catch::Contains("no sheet 'План'; the workbook has 'Жоспар', 'Нұсқаулық'"));
    Limits tight;
    tight.inflated_bytes = 200;
    CHECK_THROWS_WITH(read_sheet(file, std::nullopt, tight), Catch::Contains("would inflate to") && Catch::Contains("refused"));
    const auto not_zip = dir.write("fake.xlsx", "Атауы;Күні\n");
    CHECK_THROWS_WITH(read_sheet(not_zip, std::nullopt), Catch::Contains("fake.xlsx: error: not a spreadsheet"));
    CHECK_THROWS_WITH(read_sheet(dir.write("plan.docx", "x"), std::nullopt), Catch::Contains("'.docx' is not a sheet"));
}

// Headers in any of the three languages and any case; a trailing '*' (the template's mark) ignored.
TEST_CASE("headers in kk, ru and en") {
    CHECK(field_of_header("  күні *") == Field::date);
    CHECK(field_of_header("ДАТА") == Field::date);
    CHECK(field_of_header("Responsible:") == Field::responsible);
    CHECK(field_of_header("Наименование") == Field::title);
    CHECK_FALSE(field_of_header("№").has_value());
}
