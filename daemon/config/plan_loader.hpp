#pragma once
// The plan file (plan.toml) → Plan, with every problem reported at its position.
#include "core/diagnostic.hpp"
#include "core/plan.hpp"

#include <filesystem>
#include <optional>
#include <string_view>

namespace tarat {

// Reads and checks the plan: syntax, keys, types, ids, references, dates inside the period,
// durations, times, weekdays, time zone. Returns nullopt when any error was found; warnings
// alone do not stop it. The calendar file is only named here; load_setup() reads it.
std::optional<Plan> load_plan(const std::filesystem::path& file, Diagnostics& diagnostics);
// The same for text already in memory; `file` names it in the diagnostics (the fuzz harness).
std::optional<Plan> load_plan_text(std::string_view text, const std::string& file, Diagnostics& diagnostics);

// Ids are ASCII so they are easy to type in taratctl: a-z, 0-9, '-' and '_'.
bool is_valid_id(std::string_view id);

}  // namespace tarat
