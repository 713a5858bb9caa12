// CSV as Excel and LibreOffice save it: UTF-8 with or without a BOM, ';' or ',' (or a tab) found by
// sniffing the header line, quoted fields with "" inside, CRLF or LF.
#include "core/text.hpp"
#include "sheet/sheet.hpp"

#include <array>

namespace tarat::sheet {
namespace {

// The separator that occurs most often outside quotes on the first line.
char sniff_separator(std::string_view text) {
    std::array<int, 3> counts{};
    const char candidates[] = {';', ',', '\t'};
    bool quoted = false;
    for (char c : text) {
        if (c == '"') quoted = !quoted;
        else if (!quoted && (c == '\n' || c == '\r')) break;
        else if (!quoted)
            for (size_t i = 0; i < counts.size(); ++i) counts[i] += c == candidates[i];
    }
    size_t best = 0;
    for (size_t i = 1; i < counts.size(); ++i)
        if (counts[i] > counts[best]) best = i;
    return candidates[best];
}

}  // namespace

Sheet read_csv(const std::string& bytes, const std::string& file, const Limits& limits) {
    std::string_view text = bytes;
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
    if (auto bad = first_invalid_utf8(text)) {
        auto at = line_column_at(text, *bad);
        throw SheetError(file + ":" + std::to_string(at.line) + ":" + std::to_string(at.column) +
                         ": error: not UTF-8 text; save the sheet as \"CSV UTF-8\" (or as .xlsx)");
    }
    Sheet sheet;
    sheet.file = file;
    const char separator = sniff_separator(text);
    int row = 1, column = 1;
    std::string field;
    bool quoted = false;
    auto end_field = [&] {
        if (column > limits.columns)
            throw SheetError(file + ": error: row " + std::to_string(row) + " has more than " +
                             std::to_string(limits.columns) + " columns");
        if (!field.empty()) {
            Cell cell;
            cell.text = field;
            sheet.rows[row][column] = std::move(cell);
        }
        field.clear();
        ++column;
    };
    auto end_row = [&] {
        end_field();
        ++row;
        column = 1;
        if (row > limits.rows + 1)
            throw SheetError(file + ": error: more than " + std::to_string(limits.rows) + " rows; a plan has fewer");
    };
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c != '"') field += c;
            else if (i + 1 < text.size() && text[i + 1] == '"') field += '"', ++i;
            else quoted = false;
        } else if (c == '"' && field.empty()) {
            quoted = true;
        } else if (c == separator) {
            end_field();
        } else if (c == '\r' || c == '\n') {
            if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
            end_row();
        } else {
            field += c;
        }
    }
    if (quoted) throw SheetError(file + ": error: a quoted field is not closed by the end of the file");
    if (!field.empty() || column > 1) end_row();
    return sheet;
}

}  // namespace tarat::sheet
