#include "app/commands.hpp"

namespace tarat {

void register_commands(control::CommandTable& table, Daemon& daemon) {
    register_read_commands(table, daemon);
    register_admin_commands(table, daemon);
    register_test_notice(table, daemon);
}

}  // namespace tarat
