// .xlsx (Office Open XML, as Excel, LibreOffice and openpyxl write it): the workbook names the
// sheets, its relations say which part each is, shared strings hold the text, styles say which
// numbers are dates or times.
#include "sheet/sheet.hpp"
#include "sheet/xml_util.hpp"
#include "sheet/zip_archive.hpp"

#include <charconv>
#include <cmath>
#include <vector>

namespace tarat::sheet {

pugi::xml_document parse_part(const std::string& bytes, const std::string& file, const std::string& part) {
    pugi::xml_document doc;
    auto result = doc.load_buffer(bytes.data(), bytes.size(), pugi::parse_default | pugi::parse_ws_pcdata_single);
    if (!result)
        throw SheetError(file + ": error: " + part + " is not well-formed XML (" + result.description() + " at byte " +
                         std::to_string(result.offset) + ")");
    return doc;
}

namespace {

std::string need_part(const ZipArchive& zip, const std::string& part, const std::string& file) {
    auto bytes = zip.read(part);
    if (!bytes) throw SheetError(file + ": error: not an .xlsx workbook (no " + part + ")");
    return std::move(*bytes);
}

// What a number format shows: a date, a time, both, or a plain number.
Cell::Kind kind_of_format(int id, const std::string& code) {
    if ((id >= 14 && id <= 17) || (id >= 27 && id <= 31) || (id >= 34 && id <= 36) || (id >= 50 && id <= 58))
        return Cell::Kind::date;
    if ((id >= 18 && id <= 21) || (id >= 32 && id <= 33) || (id >= 45 && id <= 47)) return Cell::Kind::time;
    if (id == 22) return Cell::Kind::date_time;
    bool day = false, clock = false, skip = false, quoted = false;
    for (size_t i = 0; i < code.size(); ++i) {
        char c = char(std::tolower(static_cast<unsigned char>(code[i])));
        if (quoted) { quoted = c != '"'; continue; }
        if (skip) { skip = c != ']'; continue; }
        if (c == '"') quoted = true;
        else if (c == '[') skip = true;
        else if (c == '\\') ++i;
        else if (c == ';') break;  // the first section decides
        else if (c == 'y' || c == 'd') day = true;
        else if (c == 'h' || c == 's') clock = true;
    }
    if (day && clock) return Cell::Kind::date_time;
    if (day) return Cell::Kind::date;
    if (clock) return Cell::Kind::time;
    return Cell::Kind::number;
}

// Text of a shared string or an inline string: every <t> in it, phonetic runs left out.
std::string text_of(const pugi::xml_node& si) {
    std::string text;
    for (auto node : si.children()) {
        if (is(node, "t")) text += node.text().get();
        else if (is(node, "r")) text += child(node, "t").text().get();
    }
    return text;
}

// "C12" → row 12, column 3.
bool parse_ref(const char* ref, int& row, int& column) {
    column = 0;
    const char* p = ref;
    for (; *p >= 'A' && *p <= 'Z'; ++p) {
        column = column * 26 + (*p - 'A' + 1);
        if (column > 16384) return false;
    }
    auto [end, ec] = std::from_chars(p, p + std::strlen(p), row);
    return p != ref && ec == std::errc{} && *end == '\0' && row > 0;
}

struct Workbook {
    std::vector<std::pair<std::string, std::string>> sheets;  // name, part
    bool date1904 = false;
};

Workbook read_workbook(const ZipArchive& zip, const std::string& file) {
    Workbook book;
    auto doc = parse_part(need_part(zip, "xl/workbook.xml", file), file, "xl/workbook.xml");
    auto root = doc.document_element();
    auto pr = child(root, "workbookPr");
    std::string d1904 = attribute(pr, "date1904").value();
    book.date1904 = d1904 == "1" || d1904 == "true";
    std::vector<std::pair<std::string, std::string>> targets;  // relation id, part
    if (auto rels = zip.read("xl/_rels/workbook.xml.rels")) {
        auto rdoc = parse_part(*rels, file, "xl/_rels/workbook.xml.rels");
        for (auto r : rdoc.document_element().children()) {
            std::string target = attribute(r, "Target").value();
            if (target.starts_with("/")) target.erase(0, 1);
            else target = "xl/" + target;
            targets.emplace_back(attribute(r, "Id").value(), target);
        }
    }
    for (auto s : child(root, "sheets").children()) {
        if (!is(s, "sheet")) continue;
        std::string rid = attribute(s, "id").value();
        std::string part;
        for (const auto& [id, target] : targets)
            if (id == rid) part = target;
        book.sheets.emplace_back(attribute(s, "name").value(), part);
    }
    if (book.sheets.empty()) throw SheetError(file + ": error: the workbook has no sheet");
    return book;
}

std::vector<Cell::Kind> read_styles(const ZipArchive& zip, const std::string& file) {
    std::vector<Cell::Kind> kinds;
    auto bytes = zip.read("xl/styles.xml");
    if (!bytes) return kinds;
    auto doc = parse_part(*bytes, file, "xl/styles.xml");
    auto root = doc.document_element();
    std::vector<std::pair<int, std::string>> formats;
    for (auto f : child(root, "numFmts").children())
        formats.emplace_back(attribute(f, "numFmtId").as_int(), attribute(f, "formatCode").value());
    for (auto xf : child(root, "cellXfs").children()) {
        const int id = attribute(xf, "numFmtId").as_int();
        std::string code;
        for (const auto& [fid, fcode] : formats)
            if (fid == id) code = fcode;
        kinds.push_back(kind_of_format(id, code));
    }
    return kinds;
}

std::vector<std::string> read_shared_strings(const ZipArchive& zip, const std::string& file) {
    std::vector<std::string> strings;
    auto bytes = zip.read("xl/sharedStrings.xml");
    if (!bytes) return strings;
    auto doc = parse_part(*bytes, file, "xl/sharedStrings.xml");
    for (auto si : doc.document_element().children())
        if (is(si, "si")) strings.push_back(text_of(si));
    return strings;
}

}  // namespace

Sheet read_xlsx(const std::string& bytes, const std::string& file, const std::optional<std::string>& sheet_name,
                const Limits& limits) {
    ZipArchive zip(bytes, file, limits.inflated_bytes);
    const Workbook book = read_workbook(zip, file);
    const std::pair<std::string, std::string>* chosen = &book.sheets.front();
    if (sheet_name) {
        chosen = nullptr;
        std::string names;
        for (const auto& s : book.sheets) {
            if (s.first == *sheet_name) chosen = &s;
            names += (names.empty() ? "'" : ", '") + s.first + "'";
        }
        if (!chosen) throw SheetError(file + ": error: no sheet '" + *sheet_name + "'; the workbook has " + names);
    }
    const auto kinds = read_styles(zip, file);
    const auto strings = read_shared_strings(zip, file);
    auto doc = parse_part(need_part(zip, chosen->second, file), file, chosen->second);
    Sheet sheet;
    sheet.file = file;
    sheet.name = chosen->first;
    const double epoch_shift = book.date1904 ? 1462 : 0;  // 1904-01-01 is serial 1462 of the 1900 system
    int next_row = 0;
    for (auto row : child(doc.document_element(), "sheetData").children()) {
        if (!is(row, "row")) continue;
        const int row_number = attribute(row, "r") ? attribute(row, "r").as_int() : next_row + 1;
        next_row = row_number;
        if (row_number > limits.rows)
            throw SheetError(file + ": error: more than " + std::to_string(limits.rows) + " rows; a plan has fewer");
        int next_column = 0;
        for (auto c : row.children()) {
            if (!is(c, "c")) continue;
            int r = row_number, column = next_column + 1;
            if (auto ref = attribute(c, "r"); ref && !parse_ref(ref.value(), r, column))
                throw SheetError(file + ":" + sheet.name + ": error: a cell named '" + ref.value() + "'");
            next_column = column;
            if (column > limits.columns) continue;  // far to the right: no column of ours
            const std::string type = attribute(c, "t").value();
            const auto value = child(c, "v");
            Cell cell;
            cell.formula = bool(child(c, "f"));
            if (type == "s") {
                const auto index = value.text().as_ullong(strings.size());
                if (index >= strings.size()) throw SheetError(sheet.where(r, column) + ": error: a shared string that is not there");
                cell.text = strings[index];
            } else if (type == "inlineStr") {
                cell.text = text_of(child(c, "is"));
            } else if (type == "str" || type == "e" || type == "d") {
                cell.text = value.text().get();
                if (type == "d") {
                    if (auto day = parse_date(cell.text.substr(0, 10))) {
                        cell.kind = Cell::Kind::date;
                        cell.day = day;
                    }
                }
            } else if (type == "b") {
                cell.kind = Cell::Kind::boolean;
                cell.text = value.text().get();
            } else if (value) {
                cell.text = value.text().get();
                cell.number = value.text().as_double();
                const auto style = attribute(c, "s").as_uint();
                cell.kind = style < kinds.size() ? kinds[style] : Cell::Kind::number;
                if (cell.kind == Cell::Kind::date || cell.kind == Cell::Kind::date_time) {
                    cell.day = serial_to_date(cell.number + epoch_shift);
                    cell.minutes = serial_to_minutes(cell.number);
                } else if (cell.kind == Cell::Kind::time) {
                    cell.minutes = serial_to_minutes(cell.number);
                }
            }
            if (!cell.text.empty() || cell.formula) sheet.rows[r][column] = std::move(cell);
        }
    }
    return sheet;
}

}  // namespace tarat::sheet
