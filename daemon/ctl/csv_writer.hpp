#pragma once
// CSV for spreadsheets (the compliance report, the plan): UTF-8 with a BOM, CRLF, RFC 4180 quoting.
#include <string>
#include <string_view>

namespace tarat {

class CsvWriter {
public:
    explicit CsvWriter(char delimiter) : delimiter_(delimiter) { out_ = "\xEF\xBB\xBF"; }
    // A text cell; a leading = + - @ would make a spreadsheet read a formula, so it gets a quote mark.
    CsvWriter& text(std::string_view value) {
        std::string cell(value);
        if (!cell.empty() && std::string_view("=+-@").find(cell.front()) != std::string_view::npos) cell.insert(0, "'");
        return raw(cell);
    }
    CsvWriter& number(int value) { return raw(std::to_string(value)); }
    CsvWriter& empty(int count = 1) {
        for (int i = 0; i < count; ++i) raw("");
        return *this;
    }
    void end_row() {
        out_ += "\r\n";
        first_ = true;
    }
    std::string take() { return std::move(out_); }

private:
    CsvWriter& raw(std::string_view cell) {
        if (!first_) out_ += delimiter_;
        first_ = false;
        if (cell.find_first_of(";,\"\r\n") == std::string_view::npos) {
            out_ += cell;
            return *this;
        }
        out_ += '"';
        for (char c : cell) {
            if (c == '"') out_ += '"';
            out_ += c;
        }
        out_ += '"';
        return *this;
    }

    char delimiter_;
    std::string out_;
    bool first_ = true;
};

}  // namespace tarat
