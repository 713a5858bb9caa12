#pragma once
// The days-off file (days-off-kz.toml) → DaysOffTable.
#include "calendar/working_calendar.hpp"
#include "core/diagnostic.hpp"

#include <filesystem>
#include <optional>
#include <string_view>

namespace tarat {

std::optional<DaysOffTable> load_days_off(const std::filesystem::path& file, Diagnostics& diagnostics);
// The same for text already in memory; `file` names it in the diagnostics (the fuzz harness).
std::optional<DaysOffTable> load_days_off_text(std::string_view text, const std::string& file, Diagnostics& diagnostics);

}  // namespace tarat
