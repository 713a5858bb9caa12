#pragma once
// `taratctl plan --format xlsx|html|csv`: the placed and tracked plan as the official table
// (№, title, form, centre and address, date DD.MM.YYYY, time, responsible by name, state), from the
// daemon's `plan` reply. The columns the import reads carry its headers (sheet/columns.hpp), so an
// exported sheet imports back.
#include "ctl/labels.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

namespace tarat {

std::string plan_csv(const nlohmann::json& reply, Lang lang);
std::string plan_html(const nlohmann::json& reply, Lang lang);
// Writes the workbook to `file` (libxlsxwriter writes files, not memory). Throws std::runtime_error.
void write_plan_xlsx(const nlohmann::json& reply, Lang lang, const std::filesystem::path& file);

}  // namespace tarat
