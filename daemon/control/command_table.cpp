#include "control/command_table.hpp"

#include "core/text.hpp"
#include "core/time.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <memory>
#include <stdexcept>
#include <utility>
#include <vector>

namespace tarat::control {

using nlohmann::json;

namespace {

constexpr std::string_view kListCommands = "list-commands";
constexpr std::string_view kHelp = "help";

struct ArgumentType {
    std::string_view base;  // "string", "integer", "boolean", "date"
    bool required = false;
};

ArgumentType split_type(std::string_view type) {
    ArgumentType parsed{type, false};
    if (parsed.base.ends_with('!')) {
        parsed.base.remove_suffix(1);
        parsed.required = true;
    }
    return parsed;
}

bool is_known_type(std::string_view base) {
    return base == "string" || base == "integer" || base == "boolean" || base == "date";
}

template <typename Named>
std::string closest_name(std::string_view word, const Named& named) {
    std::vector<std::string> names;
    for (const auto& [name, unused] : named) names.push_back(name);
    return closest(word, names).value_or("");
}

std::string did_you_mean(const std::string& suggestion) {
    return suggestion.empty() ? std::string() : "; did you mean '" + suggestion + "'?";
}

// The reason `value` does not fit `base`, or empty when it does.
std::string type_mismatch(std::string_view base, const json& value) {
    if (base == "string") return value.is_string() ? "" : "a string";
    if (base == "integer") return value.is_number_integer() ? "" : "an integer";
    if (base == "boolean") return value.is_boolean() ? "" : "true or false";
    if (value.is_string() && parse_date(value.get_ref<const std::string&>())) return "";
    return "a date (YYYY-MM-DD)";
}

json describe(const Command& command) {
    return {{"name", command.name},
            {"permission", std::string(to_string(command.permission))},
            {"help", command.help},
            {"arguments", command.arguments}};
}

// The reply as its line, or the error that replaces a line over `limit` bytes.
Reply encoded_within(Reply reply, std::size_t limit, const std::string& command) {
    Reply encoded = reply.encoded ? std::move(reply) : encoded_once(reply);
    if (encoded.encoded->size() <= limit) return encoded;
    const std::string what = command.empty() ? std::string("the reply") : "the reply to '" + command + "'";
    spdlog::warn("control: {} is {} bytes, over the {} byte limit; an error is sent instead", what,
                 encoded.encoded->size(), limit);
    return encoded_once(Reply{error, what + " would be " + std::to_string(encoded.encoded->size()) +
                                         " bytes, over the limit of " + std::to_string(limit) +
                                         " bytes for one reply: ask for less (a shorter period, one event or person)"});
}

}  // namespace

CommandTable::CommandTable() {
    // The built-ins as the catalogue describes them.
    for (std::string_view name : {kListCommands, kHelp}) {
        const commands::CommandSpec* spec = commands::find_command(name);
        Command command{std::string(name), spec->permission, std::string(spec->help), {}, nullptr};
        for (const auto& a : spec->arguments)
            command.arguments[std::string(a.name)] = std::string(a.type) + (a.required ? "!" : "");
        commands_.emplace(name, std::move(command));
    }
}

void CommandTable::add(Command command) {
    if (command.name.empty()) throw std::logic_error("control command without a name");
    if (command.name.find_first_of(" \t\r\n") != std::string::npos)
        throw std::logic_error("control command name '" + command.name + "' contains whitespace");
    if (!command.handler == !command.deferred)
        throw std::logic_error("control command '" + command.name + "' needs exactly one of handler and deferred");
    for (const auto& [argument, type] : command.arguments) {
        if (!is_known_type(split_type(type).base))
            throw std::logic_error("control command '" + command.name + "': argument '" + argument +
                                   "' has unknown type '" + type + "'");
    }
    if (commands_.contains(command.name))
        throw std::logic_error("control command '" + command.name + "' registered twice");
    std::string name = command.name;
    commands_.emplace(std::move(name), std::move(command));
}

void CommandTable::on_admin_attempt(AdminAttemptHook hook) { on_admin_attempt_ = std::move(hook); }

const Command* CommandTable::find(std::string_view name) const {
    auto found = commands_.find(name);
    return found == commands_.end() ? nullptr : &found->second;
}

Reply CommandTable::dispatch(std::string_view line, const Peer& peer, bool peer_is_admin) const {
    auto parsed = parse_request(line);
    if (auto* refusal = std::get_if<Reply>(&parsed)) return std::move(*refusal);
    return dispatch(std::get<Request>(parsed), peer, peer_is_admin);
}

Reply CommandTable::dispatch(const Request& request, const Peer& peer, bool peer_is_admin) const {
    std::optional<Reply> answer;
    try {
        const Command* command = find(request.command);
        if (command == nullptr) return unknown_command_reply(request.command);
        const json& args = request.arguments.is_object() ? request.arguments : json::object();
        answer = refusal(*command, args, peer, peer_is_admin);
        if (!answer && command->deferred) answer = Reply{error, "'" + command->name + "' answers only over the socket"};
        if (!answer) answer = run(*command, args, peer);
        audit(*command, args, peer, *answer);
        return std::move(*answer);
    } catch (const std::exception& e) {
        return Reply{error, std::string("internal error: ") + e.what()};
    } catch (...) {
        return Reply{error, "internal error"};
    }
}

void CommandTable::dispatch(std::string_view line, const Peer& peer, bool peer_is_admin, Respond respond) const {
    auto parsed = parse_request(line);
    if (auto* refused = std::get_if<Reply>(&parsed)) return respond(encoded_within(std::move(*refused), kMaxReplyLine, ""));
    dispatch(std::get<Request>(parsed), peer, peer_is_admin, std::move(respond));
}

void CommandTable::dispatch(const Request& request, const Peer& peer, bool peer_is_admin, Respond unlimited) const {
    const Command* command = find(request.command);
    // Encoded here, where the command is known: the session only writes bytes.
    Respond respond = [unlimited = std::move(unlimited), limit = reply_limit(command),
                       name = command ? command->name : std::string()](Reply reply) {
        unlimited(encoded_within(std::move(reply), limit, name));
    };
    if (command != nullptr && cached_commands_.contains(command->name)) return respond(cached_or_run(*command, request, peer));
    if (command == nullptr || !command->deferred) return respond(dispatch(request, peer, peer_is_admin));

    const json& args = request.arguments.is_object() ? request.arguments : json::object();
    if (auto refused = refusal(*command, args, peer, peer_is_admin)) {
        audit(*command, args, peer, *refused);
        return respond(std::move(*refused));
    }
    // The audit records the answer when it comes; `respond` is called once, whatever happens.
    auto answered = std::make_shared<bool>(false);
    auto finish = [this, command, args, peer, respond, answered](Reply reply) {
        if (std::exchange(*answered, true)) return;
        audit(*command, args, peer, reply);
        respond(std::move(reply));
    };
    try {
        command->deferred(args, peer, finish);
    } catch (const std::exception& e) {
        finish(Reply{error, e.what()});
    } catch (...) {
        finish(Reply{error, "'" + command->name + "' failed with an unknown exception"});
    }
}

// Bounds what the cache holds: past it the cache starts again empty.
constexpr std::size_t kMaxCachedBytes = std::size_t{32} << 20;

void CommandTable::cache_replies(const std::vector<std::string>& names, std::function<std::string()> epoch) {
    for (const auto& name : names) {
        const Command* command = find(name);
        if (command == nullptr || command->permission != Permission::read || command->deferred)
            throw std::logic_error("control command '" + name + "' cannot be cached");
        cached_commands_.insert(name);
    }
    cache_ = ReplyCache{std::move(epoch), {}, {}, 0};
}

Reply CommandTable::cached_or_run(const Command& command, const Request& request, const Peer& peer) const {
    std::string now;
    try {
        now = cache_.epoch();
    } catch (...) {
        return dispatch(request, peer, false);  // no epoch, no cache
    }
    if (now != cache_.valid_for) {
        cache_.replies.clear();
        cache_.bytes = 0;
        cache_.valid_for = now;
    }
    const json& args = request.arguments.is_object() ? request.arguments : json::object();
    std::string key = command.name + "\n" + args.dump(-1, ' ', false, json::error_handler_t::replace);
    if (auto found = cache_.replies.find(key); found != cache_.replies.end()) return found->second;
    Reply reply = dispatch(request, peer, false);  // a read command: no admin rights needed
    if (reply.result != ok) return reply;
    Reply encoded = encoded_once(reply);
    const std::size_t size = encoded.encoded->size() + key.size();
    if (cache_.bytes + size > kMaxCachedBytes) {
        cache_.replies.clear();
        cache_.bytes = 0;
    }
    if (size <= kMaxCachedBytes) {
        cache_.bytes += size;
        cache_.replies.emplace(std::move(key), encoded);
    }
    return encoded;
}

std::size_t CommandTable::reply_limit(const Command* command) const {
    return command && command->max_reply_bytes ? command->max_reply_bytes : kMaxReplyLine;
}

void CommandTable::allow_reply_up_to(std::string_view name, std::size_t bytes) {
    auto found = commands_.find(name);
    if (found == commands_.end()) throw std::logic_error("control command '" + std::string(name) + "' is not registered");
    found->second.max_reply_bytes = bytes;
}

void CommandTable::audit(const Command& command, const json& args, const Peer& peer, const Reply& reply) const {
    if (command.permission != Permission::admin || !on_admin_attempt_) return;
    try {
        on_admin_attempt_(peer, command.name, args, reply);
    } catch (const std::exception& e) {
        spdlog::error("control: audit of '{}' by uid {} failed: {}", command.name, peer.uid, e.what());
    } catch (...) {
        spdlog::error("control: audit of '{}' by uid {} failed", command.name, peer.uid);
    }
}

std::optional<Reply> CommandTable::refusal(const Command& command, const json& given, const Peer& peer,
                                           bool peer_is_admin) const {
    if (command.permission == Permission::admin && !peer_is_admin)
        return Reply{forbidden, "'" + command.name + "' needs admin rights; user " + peer.user + " (uid " +
                                    std::to_string(peer.uid) + ") has none"};

    for (const auto& [name, value] : given.items()) {
        auto declared = command.arguments.find(name);
        if (declared == command.arguments.end()) {
            std::string text = "unknown argument '" + name + "' for '" + command.name + "'";
            text += did_you_mean(closest_name(name, command.arguments));
            if (command.arguments.empty()) text += "; it takes no arguments";
            return Reply{bad_request, std::move(text)};
        }
        const std::string expected = type_mismatch(split_type(declared->second).base, value);
        if (!expected.empty())
            return Reply{bad_request, "argument '" + name + "' of '" + command.name + "' must be " + expected +
                                          ", not " + value.dump(-1, ' ', false, json::error_handler_t::replace)};
    }
    for (const auto& [name, type] : command.arguments) {
        if (split_type(type).required && !given.contains(name))
            return Reply{bad_request, "'" + command.name + "' needs the argument '" + name + "'"};
    }
    return std::nullopt;
}

Reply CommandTable::run(const Command& command, const json& given, const Peer& peer) const {
    if (!command.handler) return command.name == kHelp ? help(given) : list_commands();
    try {
        return command.handler(given, peer);
    } catch (const std::exception& e) {
        return Reply{error, e.what()};
    } catch (...) {
        return Reply{error, "'" + command.name + "' failed with an unknown exception"};
    }
}

Reply CommandTable::list_commands() const {
    json listed = json::array();
    for (const auto& [name, command] : commands_)
        listed.push_back({{"name", name},
                          {"permission", std::string(to_string(command.permission))},
                          {"help", command.help}});
    return Reply{ok, std::to_string(commands_.size()) + " commands", {{"commands", std::move(listed)}}};
}

Reply CommandTable::help(const json& args) const {
    if (auto wanted = args.find("command"); wanted != args.end()) {
        const auto& name = wanted->get_ref<const std::string&>();
        const Command* command = find(name);
        if (command == nullptr) return unknown_command_reply(name);
        std::string text = command->name + " (" + std::string(to_string(command->permission)) + "): " + command->help;
        for (const auto& [argument, type] : command->arguments) {
            const ArgumentType parsed = split_type(type);
            text += "\n  " + argument + ": " + std::string(parsed.base) + (parsed.required ? ", required" : "");
        }
        return Reply{ok, std::move(text), describe(*command)};
    }
    std::string text;
    json described = json::array();
    for (const auto& [name, command] : commands_) {
        text += (text.empty() ? "" : "\n") + name + " — " + command.help;
        described.push_back(describe(command));
    }
    return Reply{ok, std::move(text), {{"commands", std::move(described)}}};
}

Reply CommandTable::unknown_command_reply(const std::string& name) const {
    std::string shown = name.size() > 64 ? name.substr(0, 64) + "…" : name;
    return Reply{unknown_command, "unknown command '" + shown + "'" + did_you_mean(closest_name(name, commands_)) +
                                      " (list-commands shows them all)"};
}

}  // namespace tarat::control
