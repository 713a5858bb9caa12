// .ods (OpenDocument, as LibreOffice writes it): content.xml holds every sheet; a cell's type and
// value are attributes (office:date-value, office:time-value), its text the <text:p> inside.
// Empty rows and columns come as one element repeated a million times: counted, never expanded.
#include "sheet/sheet.hpp"
#include "sheet/xml_util.hpp"
#include "sheet/zip_archive.hpp"

namespace tarat::sheet {
namespace {

void append_text(const pugi::xml_node& node, std::string& out) {
    for (auto n : node.children()) {
        if (n.type() == pugi::node_pcdata) out += n.value();
        else if (is(n, "s")) out.append(size_t(std::max(1, attribute(n, "c").as_int(1))), ' ');
        else if (is(n, "tab")) out += '\t';
        else if (is(n, "line-break")) out += '\n';
        else if (!is(n, "annotation")) append_text(n, out);
    }
}

// "PT11H30M00S" → 690.
std::optional<int> duration_minutes(const std::string& text) {
    int hours = 0, minutes = 0;
    double seconds = 0;
    if (std::sscanf(text.c_str(), "PT%dH%dM%lfS", &hours, &minutes, &seconds) < 2) return std::nullopt;
    return (hours * 60 + minutes) % (24 * 60);
}

Cell cell_of(const pugi::xml_node& c) {
    Cell cell;
    cell.formula = bool(attribute(c, "formula"));
    const std::string type = attribute(c, "value-type").value();
    for (auto p : c.children())
        if (is(p, "p")) {
            if (!cell.text.empty()) cell.text += '\n';
            append_text(p, cell.text);
        }
    if (type == "date") {
        const std::string value = attribute(c, "date-value").value();
        cell.day = parse_date(value.substr(0, 10));
        if (cell.day) cell.kind = Cell::Kind::date;
        if (cell.day && value.size() >= 16 && value[10] == 'T') {
            if (auto m = parse_hhmm(value.substr(11, 5))) {
                cell.minutes = *m;
                if (*m != 0) cell.kind = Cell::Kind::date_time;
            }
        }
    } else if (type == "time") {
        if (auto m = duration_minutes(attribute(c, "time-value").value())) {
            cell.kind = Cell::Kind::time;
            cell.minutes = *m;
        }
    } else if (type == "float" || type == "percentage" || type == "currency") {
        cell.kind = Cell::Kind::number;
        cell.number = attribute(c, "value").as_double();
    } else if (type == "boolean") {
        cell.kind = Cell::Kind::boolean;
    }
    return cell;
}

}  // namespace

Sheet read_ods(const std::string& bytes, const std::string& file, const std::optional<std::string>& sheet_name,
               const Limits& limits) {
    ZipArchive zip(bytes, file, limits.inflated_bytes);
    auto content = zip.read("content.xml");
    if (!content) throw SheetError(file + ": error: not an .ods spreadsheet (no content.xml)");
    auto doc = parse_part(*content, file, "content.xml");
    auto spreadsheet = child(child(doc.document_element(), "body"), "spreadsheet");
    pugi::xml_node table;
    std::string names;
    for (auto t : spreadsheet.children()) {
        if (!is(t, "table")) continue;
        const std::string name = attribute(t, "name").value();
        names += (names.empty() ? "'" : ", '") + name + "'";
        if (!table && (!sheet_name || *sheet_name == name)) table = t;
    }
    if (!table) {
        if (sheet_name) throw SheetError(file + ": error: no sheet '" + *sheet_name + "'; the spreadsheet has " + names);
        throw SheetError(file + ": error: the spreadsheet has no sheet");
    }
    Sheet sheet;
    sheet.file = file;
    sheet.name = attribute(table, "name").value();
    int row = 0;
    // Rows may sit inside table:table-header-rows or table:table-row-group.
    auto visit_rows = [&](auto&& self, const pugi::xml_node& parent) -> void {
        for (auto r : parent.children()) {
            if (is(r, "table-header-rows") || is(r, "table-row-group") || is(r, "table-rows")) {
                self(self, r);
                continue;
            }
            if (!is(r, "table-row")) continue;
            const int repeat = std::max(1, attribute(r, "number-rows-repeated").as_int(1));
            int column = 0;
            bool any = false;
            for (auto c : r.children()) {
                if (!is(c, "table-cell") && !is(c, "covered-table-cell")) continue;
                const int columns = std::max(1, attribute(c, "number-columns-repeated").as_int(1));
                Cell cell = cell_of(c);
                if (!cell.text.empty() || cell.formula) {
                    for (int i = 0; i < columns && column + i < limits.columns; ++i) {
                        sheet.rows[row + 1][column + i + 1] = cell;
                        any = true;
                    }
                }
                column += columns;
            }
            if (any && repeat > 1) {
                if (row + repeat > limits.rows)
                    throw SheetError(file + ": error: more than " + std::to_string(limits.rows) + " rows; a plan has fewer");
                for (int i = 1; i < repeat; ++i) sheet.rows[row + 1 + i] = sheet.rows[row + 1];
            }
            row += repeat;
            if (any && row > limits.rows)
                throw SheetError(file + ": error: more than " + std::to_string(limits.rows) + " rows; a plan has fewer");
        }
    };
    visit_rows(visit_rows, table);
    return sheet;
}

}  // namespace tarat::sheet
