#pragma once
// `taratctl help COMMAND`: one command's flags as a user types them, from the catalogue.
#include "commands/catalogue.hpp"

#include <string>

namespace tarat {

// "postpone (admin): Move …\nusage: taratctl postpone ID --to DATE [--start HH:MM] --reason TEXT\n  ID  …"
std::string usage_text(const commands::CommandSpec& spec);

}  // namespace tarat
