#pragma once
// The import template, made from the column table (columns.hpp): etc/plan-template.csv is this
// CSV, and `taratd template -o FILE.xlsx` writes the workbook with a sheet of instructions.
#include <filesystem>
#include <string>

namespace tarat::sheet {

// One header row in Kazakh; UTF-8 with a BOM and ';' (Kazakh and Russian Excel open it as a table).
std::string template_csv();
// Sheet «Жоспар»: the header row (required columns marked *), frozen, columns wide for Kazakh text;
// sheet «Нұсқаулық»: each column's kk, ru and en names, whether required, what it takes.
// Throws std::runtime_error.
void write_template_xlsx(const std::filesystem::path& file);

}  // namespace tarat::sheet
