#include "commands/commands.hpp"

#include "commands/support.hpp"
#include "core/text.hpp"

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
    add_link_handlers(context, handlers);
    bind_commands(table, std::move(handlers));
}

void AdminAudit::record(const control::Peer& peer, const std::string& command, const json& args,
                        const control::Reply& reply) {
    const Instant now = context_.clock().now();
    if (reply.result != control::ok) {
        Window& window = windows_[peer.uid];
        if (now - window.start >= std::chrono::minutes(1)) {
            write_dropped(peer.uid, window);
            window = {now, 0, 0, actor_of(peer).text()};
        }
        if (window.kept >= kRefusalsKeptPerMinute) {
            ++window.dropped;
            return;
        }
        ++window.kept;
    }
    std::string subject;
    if (auto id = string_arg(args, "id")) subject = "event:" + utf8_prefix(*id, 200);
    else if (auto key = string_arg(args, "notice")) subject = "notice:" + utf8_prefix(*key, 200);
    static constexpr const char* kResultNames[] = {"ok", "error", "unknown command", "not found", "forbidden",
                                                   "bad request"};
    const bool named = reply.result >= 0 && reply.result <= 5;
    const std::string given = args.dump(-1, ' ', false, json::error_handler_t::replace);
    std::string detail = "result " + std::to_string(reply.result) +
                         (named ? std::string(" ") + kResultNames[reply.result] : std::string()) + ": " +
                         utf8_prefix(reply.text, kMaxArgumentBytes) + "; arguments " +
                         utf8_prefix(given, kMaxArgumentBytes) +
                         (given.size() > kMaxArgumentBytes ? " … (" + std::to_string(given.size()) + " bytes)" : "");
    context_.store.add_history(now, actor_of(peer).text(), "ctl." + command, subject, detail);
}

void AdminAudit::write_dropped(uid_t uid, const Window& window) {
    if (window.dropped == 0) return;
    context_.store.add_history(context_.clock().now(), window.actor, "ctl.refusals", "uid:" + std::to_string(uid),
                               std::to_string(window.dropped) + " more refused attempts in the minute from " +
                                   format_instant_utc(window.start) + " were counted, not kept (at most " +
                                   std::to_string(kRefusalsKeptPerMinute) + " a minute are)");
}

void AdminAudit::flush() {
    for (auto& [uid, window] : windows_) {
        write_dropped(uid, window);
        window.dropped = 0;
    }
}

control::CommandTable::AdminAttemptHook AdminAudit::hook() {
    return [this](const control::Peer& peer, const std::string& command, const json& args,
                  const control::Reply& reply) { record(peer, command, args, reply); };
}

}  // namespace tarat::commands
