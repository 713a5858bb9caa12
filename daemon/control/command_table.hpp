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
#include <set>
#include <vector>

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
    // The largest reply line this command may send; 0: the table's reply limit (kMaxReplyLine).
    std::size_t max_reply_bytes = 0;
};

// No reply line over the socket is longer (4 MiB): one client's big answer must not hold the loop
// and the memory everyone shares. Paged commands stay under it; a larger reply is replaced by an
// error naming the limit.
inline constexpr std::size_t kMaxReplyLine = std::size_t{4} << 20;

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
    // answered before this returns. The reply reaches `respond` encoded (Reply::encoded), and one
    // over the command's reply limit is replaced by an error saying so.
    void dispatch(std::string_view line, const Peer& peer, bool peer_is_admin, Respond respond) const;
    void dispatch(const Request& request, const Peer& peer, bool peer_is_admin, Respond respond) const;

    // Lets one registered command send replies up to `bytes` (a backup carries the database).
    // Throws std::logic_error for an unknown command.
    void allow_reply_up_to(std::string_view command, std::size_t bytes);

    // Over the socket, answers these read commands from encoded copies (per arguments) while
    // `epoch` returns the same text: for answers that are a function of what `epoch` names (the
    // store's generation, the day, the setup) and nothing else. A client looping a long listing
    // then costs the loop a lookup, not a rebuild. Throws std::logic_error for an unknown or
    // admin command.
    void cache_replies(const std::vector<std::string>& commands, std::function<std::string()> epoch);

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
    std::size_t reply_limit(const Command* command) const;
    Reply cached_or_run(const Command& command, const Request& request, const Peer& peer) const;

    std::map<std::string, Command, std::less<>> commands_;
    AdminAttemptHook on_admin_attempt_;
    struct ReplyCache {
        std::function<std::string()> epoch;
        std::string valid_for;                      // the epoch the replies were made in
        std::map<std::string, Reply> replies;       // by command name + "\n" + arguments
        std::size_t bytes = 0;
    };
    mutable ReplyCache cache_;
    std::set<std::string, std::less<>> cached_commands_;
};

}  // namespace tarat::control
