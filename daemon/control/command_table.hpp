#pragma once
// Every control command, its permission, argument schema and help; dispatch of one request.
#include "commands/catalogue.hpp"
#include "control/peer.hpp"
#include "control/protocol.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace tarat::control {

using Permission = commands::Permission;
using commands::to_string;

// Gives a deferred command's answer; call it exactly once, on the loop thread.
using Respond = std::function<void(Reply)>;

struct Command {
    std::string name;
    Permission permission = Permission::read;
    std::string help;
    // Argument name -> "string" | "integer" | "boolean" | "date" (ISO YYYY-MM-DD). Arguments are
    // optional unless the type ends in "!" ("date!"): then a request without it gets bad_request.
    std::map<std::string, std::string> arguments;
    std::function<Reply(const nlohmann::json& args, const Peer& peer)> handler;
    // Instead of `handler`, for a command whose work may block (a plugin's send): starts the work
    // and answers later through `respond`, so the loop keeps serving everyone else meanwhile.
    std::function<void(const nlohmann::json& args, const Peer& peer, Respond respond)> deferred = nullptr;
};

class CommandTable {
public:
    using AdminAttemptHook = std::function<void(const Peer& peer, const std::string& command,
                                                const nlohmann::json& args, const Reply& reply)>;

    CommandTable();  // with the built-ins "list-commands" and "help"

    // Throws std::logic_error on a duplicate name, an empty name, not exactly one of handler and
    // deferred, or an unknown type.
    void add(Command command);

    // Called after every attempt at an admin command, refused ones included, with the reply
    // that was sent. An exception from the hook is logged and swallowed.
    void on_admin_attempt(AdminAttemptHook hook);

    // Parses, checks and runs one request line. Never throws. A deferred command cannot answer
    // this way: it gets an error reply (use the overload with `respond`).
    Reply dispatch(std::string_view line, const Peer& peer, bool peer_is_admin) const;
    Reply dispatch(const Request& request, const Peer& peer, bool peer_is_admin) const;
    // The same, but a deferred command answers later through `respond`; every other request is
    // answered before this returns.
    void dispatch(std::string_view line, const Peer& peer, bool peer_is_admin, Respond respond) const;

    const Command* find(std::string_view name) const;

private:
    // The refusal for a request a command must not run (rights, arguments), or nullopt.
    std::optional<Reply> refusal(const Command& command, const nlohmann::json& args, const Peer& peer,
                                 bool peer_is_admin) const;
    Reply run(const Command& command, const nlohmann::json& args, const Peer& peer) const;
    void audit(const Command& command, const nlohmann::json& args, const Peer& peer, const Reply& reply) const;
    Reply list_commands() const;
    Reply help(const nlohmann::json& args) const;
    Reply unknown_command_reply(const std::string& name) const;

    std::map<std::string, Command, std::less<>> commands_;
    AdminAttemptHook on_admin_attempt_;
};

}  // namespace tarat::control
