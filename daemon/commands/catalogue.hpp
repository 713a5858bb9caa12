#pragma once
// One description per control command: its name, permission, arguments and help. taratd binds its
// handlers to it by name, taratctl builds its subcommands and flags from it, and the bash
// completion and taratctl(1)'s command list are generated from it at build time.
#include <cstddef>
#include <string_view>
#include <vector>

namespace tarat::commands {

enum class Permission { read, admin };
std::string_view to_string(Permission permission);

struct ArgumentSpec {
    std::string_view name;  // the request's field
    std::string_view type;  // "string", "integer", "boolean" or "date" (YYYY-MM-DD)
    bool required = false;
    // How taratctl takes it: "--to" (an option), "" (a positional argument, shown as `value`).
    std::string_view flag;
    std::string_view value;  // what the user types: "DATE", "ID", "N" ("" for a boolean flag)
    std::string_view help;
    std::vector<std::string_view> choices = {};  // the words it takes, for completion
    enum class Use {
        sent,      // on taratctl's command line, sent in the request
        protocol,  // in the request only (taratctl fills it itself, scripts may send it)
        local,     // taratctl's own (a file it writes): never sent, unknown to the daemon
    } use = Use::sent;
    int exclusive_group = 0;  // options of one non-zero group exclude each other on the command line
    std::size_t max_chars = 0;  // free text: at most this many characters (taratctl checks before sending)
};

struct CommandSpec {
    std::string_view name;
    Permission permission = Permission::read;
    std::string_view summary;  // one line, for taratctl --help and the completion
    std::string_view help;     // the daemon's `help`
    std::vector<ArgumentSpec> arguments;
    std::string_view manual = {};  // more for taratctl(1); "" when `help` says it all
    bool daemon = true;            // false: taratctl's own (`call`)
};

// Every command, in the order taratctl(1) lists them: reading, then changing.
const std::vector<CommandSpec>& command_catalogue();
const CommandSpec* find_command(std::string_view name);

}  // namespace tarat::commands
