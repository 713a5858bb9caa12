#pragma once
// A sheet of events + a base plan → a plan file: the base's people, districts, centres, forms and
// rules, and one [[event]] per row, each with a comment naming its row.
#include "sheet/sheet.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace tarat::sheet {

struct ImportResult {
    // Every problem, one line each ("plan.xlsx:Жоспар!C12: error: …"), by row and column.
    std::vector<std::string> errors;
    bool base_invalid = false;  // the errors are the base plan's own (exit 78, not 65)
    std::string plan_text;      // the new plan, when there are no errors
    std::size_t events = 0;     // [[event]] written
    std::size_t by_rules = 0;   // rows the base's rules already place as they are: not written
};

// `output` is where the plan will be written: the calendar file is named relative to it.
ImportResult import_sheet(const Sheet& sheet, const std::filesystem::path& base, const std::filesystem::path& output);

}  // namespace tarat::sheet
