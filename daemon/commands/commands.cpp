#include "commands/commands.hpp"

#include "commands/support.hpp"

#include <stdexcept>

namespace tarat::commands {

control::Command command_of(const CommandSpec& spec, Handler handler) {
    control::Command command;
    command.name = std::string(spec.name);
    command.permission = spec.permission;
    command.help = std::string(spec.help);
    for (const auto& a : spec.arguments)
        if (a.use != ArgumentSpec::Use::local)
            command.arguments[std::string(a.name)] = std::string(a.type) + (a.required ? "!" : "");
    command.handler = std::move(handler.now);
    command.deferred = std::move(handler.deferred);
    return command;
}

void bind_commands(control::CommandTable& table, Handlers handlers) {
    for (const auto& spec : command_catalogue()) {
        if (!spec.daemon || table.find(spec.name)) continue;  // taratctl's own; the table's built-ins
        auto found = handlers.find(spec.name);
        if (found == handlers.end())
            throw std::logic_error("command '" + std::string(spec.name) + "' is described but has no handler");
        table.add(command_of(spec, std::move(found->second)));
        handlers.erase(found);
    }
    if (!handlers.empty())
        throw std::logic_error("command '" + handlers.begin()->first + "' has a handler but no description");
}

void bind_commands(control::CommandTable& table, Context& context) {
    Handlers handlers;
    add_read_handlers(context, handlers);
    add_admin_handlers(context, handlers);
    add_test_notice_handler(context, handlers);
    bind_commands(table, std::move(handlers));
}

control::CommandTable::AdminAttemptHook audit_admin_attempts(Context& context) {
    return [&context](const control::Peer& peer, const std::string& command, const json& args,
                      const control::Reply& reply) {
        std::string subject;
        if (auto id = string_arg(args, "id")) subject = "event:" + *id;
        else if (auto key = string_arg(args, "notice")) subject = "notice:" + *key;
        static constexpr const char* kResultNames[] = {"ok", "error", "unknown command", "not found", "forbidden",
                                                       "bad request"};
        const bool named = reply.result >= 0 && reply.result <= 5;
        std::string detail = "result " + std::to_string(reply.result) +
                             (named ? std::string(" ") + kResultNames[reply.result] : std::string()) + ": " +
                             reply.text + "; arguments " +
                             args.dump(-1, ' ', false, json::error_handler_t::replace);
        context.store.add_history(context.clock().now(), actor_of(peer).text(), "ctl." + command, subject, detail);
    };
}

}  // namespace tarat::commands
