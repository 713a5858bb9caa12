#include "control/command_table.hpp"

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

std::string_view to_string(Permission permission) {
    return permission == Permission::admin ? "admin" : "read";
}

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

// Optimal string alignment distance: a swapped pair of letters counts as one edit.
std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[a.size()][b.size()];
}

// The closest candidate within a third of the word's length (at least 2 edits), else the only
// candidate the word is a prefix of; empty when nothing is close.
template <typename Names>
std::string closest(std::string_view word, const Names& candidates) {
    if (word.size() > 200) return {};  // the distance table is quadratic
    const std::size_t allowed = std::max<std::size_t>(2, word.size() / 3);
    std::string best;
    std::size_t best_distance = allowed + 1;
    std::vector<std::string_view> extending;
    for (const auto& [name, unused] : candidates) {
        const std::size_t distance = edit_distance(word, name);
        if (distance < best_distance) best_distance = distance, best = name;
        if (!word.empty() && std::string_view(name).starts_with(word)) extending.push_back(name);
    }
    if (best.empty() && extending.size() == 1) best = extending.front();
    return best;
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
    commands_.emplace(kListCommands, Command{std::string(kListCommands), Permission::read,
                                             "List every command with its permission and help.",
                                             {}, nullptr});
    commands_.emplace(kHelp, Command{std::string(kHelp), Permission::read,
                                     "Explain one command and its arguments, or list them all.",
                                     {{"command", "string"}}, nullptr});
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
            text += did_you_mean(closest(name, command.arguments));
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
    return Reply{unknown_command, "unknown command '" + shown + "'" + did_you_mean(closest(name, commands_)) +
                                      " (list-commands shows them all)"};
}

}  // namespace tarat::control
