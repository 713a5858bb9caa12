#pragma once
// The control commands taratd answers, registered in one table.
#include "control/command_table.hpp"

namespace tarat {

class Daemon;

void register_commands(control::CommandTable& table, Daemon& daemon);

}  // namespace tarat
