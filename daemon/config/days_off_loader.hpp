#pragma once
// The days-off file (days-off-kz.toml) → DaysOffTable.
#include "calendar/working_calendar.hpp"
#include "core/diagnostic.hpp"

#include <filesystem>
#include <optional>

namespace tarat {

std::optional<DaysOffTable> load_days_off(const std::filesystem::path& file, Diagnostics& diagnostics);

}  // namespace tarat
