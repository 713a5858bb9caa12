#pragma once
// Every control command, its permission, argument schema and help; dispatch of one request.
#include "control/peer.hpp"
#include "control/protocol.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace tarat::control {

enum class Permission { read, admin };
std::string_view to_string(Permission permission);

struct Command {
    std::string name;
    Permission permission = Permission::read;
    std::string help;
    // Argument name -> "string" | "integer" | "boolean" | "date" (ISO YYYY-MM-DD). Arguments are
    // optional unless the type ends in "!" ("date!"): then a request without it gets bad_request.
    std::map<std::string, std::string> arguments;
    std::function<Reply(const nlohmann::json& args, const Peer& peer)> handler;
};

class CommandTable {
public:
    using AdminAttemptHook = std::function<void(const Peer& peer, const std::string& command,
                                                const nlohmann::json& args, const Reply& reply)>;

    CommandTable();  // with the built-ins "list-commands" and "help"

    // Throws std::logic_error on a duplicate name, an empty name or handler, or an unknown type.
    void add(Command command);

    // Called after every attempt at an admin command, refused ones included, with the reply
    // that was sent. An exception from the hook is logged and swallowed.
    void on_admin_attempt(AdminAttemptHook hook);

    // Parses, checks and runs one request line. Never throws.
    Reply dispatch(std::string_view line, const Peer& peer, bool peer_is_admin) const;
    Reply dispatch(const Request& request, const Peer& peer, bool peer_is_admin) const;

    const Command* find(std::string_view name) const;

private:
    Reply run(const Command& command, const nlohmann::json& args, const Peer& peer,
              bool peer_is_admin) const;
    Reply list_commands() const;
    Reply help(const nlohmann::json& args) const;
    Reply unknown_command_reply(const std::string& name) const;

    std::map<std::string, Command, std::less<>> commands_;
    AdminAttemptHook on_admin_attempt_;
};

}  // namespace tarat::control
