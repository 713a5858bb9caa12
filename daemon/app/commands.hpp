#pragma once
// The control commands taratd answers, registered in one table: the read commands
// (commands_read.cpp) and the admin commands (commands_admin.cpp).
#include "control/command_table.hpp"

namespace tarat {

class Daemon;

void register_commands(control::CommandTable& table, Daemon& daemon);

void register_read_commands(control::CommandTable& table, Daemon& daemon);
void register_admin_commands(control::CommandTable& table, Daemon& daemon);
void register_test_notice(control::CommandTable& table, Daemon& daemon);

// Writes every attempt at an admin command, refused ones included, to the history: when, who
// (user, uid, pid), the command, its arguments and the result.
control::CommandTable::AdminAttemptHook audit_admin_attempts(Daemon& daemon);

}  // namespace tarat
