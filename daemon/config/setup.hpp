#pragma once
// Everything the daemon reads at start and on reload: config, plan, days off — checked together.
#include "calendar/working_calendar.hpp"
#include "config/config.hpp"
#include "core/plan.hpp"
#include "templates/templates.hpp"

#include <filesystem>
#include <memory>
#include <optional>

namespace tarat {

struct Setup {
    Config config;
    Plan plan;
    std::shared_ptr<const WorkingCalendar> calendar;
    std::shared_ptr<const TemplateSet> templates;
};

// Command-line values that win over the config file.
struct SetupOverrides {
    std::optional<std::filesystem::path> state_dir;
    std::optional<std::filesystem::path> socket_path;
    std::optional<std::filesystem::path> plugin_dir;
};

// Reads and checks all files, collecting every problem. nullopt when any error was found.
std::optional<Setup> load_setup(const std::filesystem::path& config_file, const SetupOverrides& overrides,
                                Diagnostics& diagnostics);

// "a day off (New Year)" or "a day off (sat)": why `day` is no working day, for error lines.
std::string describe_day_off(const WorkingCalendar& calendar, Date day);

// One screen for `taratd check`: the period, centres, people, fixed events, rules.
std::string summarize(const Setup& setup);

}  // namespace tarat
