#pragma once
// A spreadsheet read into cells with their positions: one interface over .csv, .xlsx and .ods, so
// the importer never knows which format the methodologist saved.
#include "core/time.hpp"

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace tarat::sheet {

// A whole-file problem (not a sheet, too large, a zip bomb): the message names no cell.
struct SheetError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct Cell {
    enum class Kind { text, number, date, time, date_time, boolean };
    Kind kind = Kind::text;
    std::string text;        // as typed (text), or the number as written in the file
    double number = 0;       // number, or a spreadsheet serial day / fraction of a day
    std::optional<Date> day;  // date and date_time cells
    int minutes = 0;          // time and date_time cells: minutes after midnight
    bool formula = false;     // the cell holds a formula (never evaluated)
};

// "C12": a 1-based column and row as spreadsheets name them.
std::string cell_name(int row, int column);
std::string column_letters(int column);

struct Sheet {
    std::string file;   // the file's name as errors show it (no directories)
    std::string name;   // the sheet's name; empty for CSV
    std::map<int, std::map<int, Cell>> rows;  // row → column → cell (1-based), empty cells absent

    // "plan.xlsx:Жоспар!C12" (or "plan.csv:C12"): where a problem is, as every error line starts.
    std::string where(int row, int column) const;
    std::string where() const { return file; }
};

// What a reader may take: the file, each inflated part and the rows are bounded before they are read.
struct Limits {
    std::uintmax_t file_bytes = std::uintmax_t{16} << 20;       // the sheet file on disk
    std::uint64_t inflated_bytes = std::uint64_t{64} << 20;     // one part of an .xlsx / .ods, inflated
    int rows = 20000;
    int columns = 200;
};

// Reads the first sheet, or the one named; the format from the file name's extension
// (.csv, .xlsx, .ods). Throws SheetError.
Sheet read_sheet(const std::filesystem::path& file, const std::optional<std::string>& sheet_name,
                 const Limits& limits = {});

// The readers, one per format.
Sheet read_csv(const std::string& bytes, const std::string& file, const Limits& limits);
Sheet read_xlsx(const std::string& bytes, const std::string& file, const std::optional<std::string>& sheet_name,
                const Limits& limits);
Sheet read_ods(const std::string& bytes, const std::string& file, const std::optional<std::string>& sheet_name,
               const Limits& limits);

// A spreadsheet serial day (days since 1899-12-30, the 1900 system) as a civil date and time.
Date serial_to_date(double serial);
int serial_to_minutes(double serial);

}  // namespace tarat::sheet
