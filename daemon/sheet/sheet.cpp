#include "sheet/sheet.hpp"

#include "core/input_file.hpp"

#include <cmath>

namespace tarat::sheet {

std::string column_letters(int column) {
    std::string letters;
    for (; column > 0; column = (column - 1) / 26) letters.insert(letters.begin(), char('A' + (column - 1) % 26));
    return letters;
}

std::string cell_name(int row, int column) { return column_letters(column) + std::to_string(row); }

std::string Sheet::where(int row, int column) const {
    return file + ":" + (name.empty() ? std::string() : name + "!") + cell_name(row, column);
}

Date serial_to_date(double serial) {
    return Date{date::year{1899} / 12 / 30} + date::days{static_cast<int>(std::floor(serial))};
}

int serial_to_minutes(double serial) {
    const double fraction = serial - std::floor(serial);
    return static_cast<int>(std::lround(fraction * 24 * 60)) % (24 * 60);
}

namespace {

std::string lower_extension(const std::filesystem::path& file) {
    std::string ext = file.extension().string();
    for (auto& c : ext) c = char(std::tolower(static_cast<unsigned char>(c)));
    return ext;
}

}  // namespace

Sheet read_sheet(const std::filesystem::path& file, const std::optional<std::string>& sheet_name, const Limits& limits) {
    const std::string shown = file.filename().string();
    const std::string ext = lower_extension(file);
    if (ext != ".xlsx" && ext != ".ods" && ext != ".csv")
        throw SheetError(shown + ": error: '" + ext + "' is not a sheet tarat reads: save it as .xlsx, .ods or .csv");
    // Bounded before a byte is parsed: a sheet past the limit is refused, not read.
    auto input = read_input_file(file, limits.file_bytes);
    if (!input.ok()) throw SheetError(shown + ": error: " + input.error);
    if (ext == ".xlsx") return read_xlsx(input.text, shown, sheet_name, limits);
    if (ext == ".ods") return read_ods(input.text, shown, sheet_name, limits);
    if (sheet_name) throw SheetError(shown + ": error: a CSV file has one sheet; --sheet is for .xlsx and .ods");
    return read_csv(input.text, shown, limits);
}

}  // namespace tarat::sheet
