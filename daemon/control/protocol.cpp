#include "control/protocol.hpp"

#include "core/text.hpp"

#include <exception>
#include <memory>
#include <set>
#include <vector>

namespace tarat::control {

using nlohmann::json;

std::string Reply::to_json_line() const {
    if (encoded) return *encoded;
    try {
        json line = {{"result", result}, {"text", text}, {"arguments", arguments}};
        return line.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
    } catch (...) {
        return R"({"result":1,"text":"internal error: reply could not be encoded","arguments":{}})"
               "\n";
    }
}

Reply encoded_once(const Reply& reply) {
    return Reply{reply.result, reply.text, json::object(), std::make_shared<const std::string>(reply.to_json_line())};
}

std::size_t json_nesting_depth(std::string_view text, std::size_t limit) {
    std::size_t depth = 0;
    std::size_t deepest = 0;
    bool in_string = false;
    bool escaped = false;
    for (const char c : text) {
        if (in_string) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
            continue;
        }
        switch (c) {
        case '"': in_string = true; break;
        case '[':
        case '{':
            if (++depth > deepest) deepest = depth;
            if (deepest > limit) return deepest;
            break;
        case ']':
        case '}':
            if (depth > 0) --depth;
            break;
        default: break;
        }
    }
    return deepest;
}

namespace {

Reply bad(std::string text) { return Reply{bad_request, std::move(text)}; }

// nlohmann's messages start with "[json.exception.parse_error.101] "; people need only the rest.
std::string without_exception_id(std::string message) {
    if (message.starts_with("[json.exception.")) {
        if (auto end = message.find("] "); end != std::string::npos) message.erase(0, end + 2);
    }
    return message;
}

// A key longer than this is cut in messages: the reply names it, it need not repeat 64 KiB.
constexpr std::size_t kShownKeyBytes = 64;

std::string shown_key(const std::string& key) {
    if (key.size() <= kShownKeyBytes) return key;
    std::size_t cut = kShownKeyBytes;
    while (cut > 0 && (static_cast<unsigned char>(key[cut]) & 0xC0) == 0x80) --cut;  // not inside a character
    return key.substr(0, cut) + "…";
}

// A parser callback that records the first key seen twice in one object, at any depth.
json::parser_callback_t duplicate_key_finder(std::optional<std::string>& duplicate) {
    auto open_objects = std::make_shared<std::vector<std::set<std::string>>>();
    return [open_objects, &duplicate](int, json::parse_event_t event, json& parsed) {
        switch (event) {
        case json::parse_event_t::object_start: open_objects->emplace_back(); break;
        case json::parse_event_t::object_end:
            if (!open_objects->empty()) open_objects->pop_back();
            break;
        case json::parse_event_t::key:
            if (!open_objects->empty() && !open_objects->back().insert(parsed.get<std::string>()).second && !duplicate)
                duplicate = parsed.get<std::string>();
            break;
        default: break;
        }
        return true;
    };
}

std::variant<Request, Reply> parse_checked(std::string_view line) {
    if (line.ends_with('\n')) line.remove_suffix(1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) return bad("empty request line");
    if (auto offset = first_invalid_utf8(line))
        return bad("request is not valid UTF-8 (byte offset " + std::to_string(*offset) + ")");
    if (json_nesting_depth(line, kMaxJsonDepth) > kMaxJsonDepth)
        return bad("request nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");

    json document;
    std::optional<std::string> duplicate;
    try {
        document = json::parse(line, duplicate_key_finder(duplicate));
    } catch (const json::parse_error& e) {
        return bad("request is not valid JSON: " + without_exception_id(e.what()));
    }
    // nlohmann keeps the last of two equal keys: {"command":"status","command":"reload"} would reload.
    if (duplicate) return bad("duplicate key '" + shown_key(*duplicate) + "' in request");
    if (!document.is_object()) return bad("request must be a JSON object");

    Request request;
    bool has_command = false;
    for (auto& [key, value] : document.items()) {
        if (key == "command") {
            if (!value.is_string()) return bad("\"command\" must be a string");
            request.command = value.get<std::string>();
            has_command = true;
        } else if (key == "arguments") {
            if (!value.is_object()) return bad("\"arguments\" must be an object");
            request.arguments = std::move(value);
        } else {
            // A misspelt "arguments" would otherwise run the command without them.
            return bad("unknown key '" + key + "' in request (expected \"command\" and \"arguments\")");
        }
    }
    if (!has_command) return bad("request has no \"command\"");
    return request;
}

}  // namespace

std::variant<Request, Reply> parse_request(std::string_view line) {
    try {
        return parse_checked(line);
    } catch (const std::exception& e) {
        return bad(std::string("cannot parse request: ") + e.what());
    } catch (...) {
        return bad("cannot parse request");
    }
}

}  // namespace tarat::control
