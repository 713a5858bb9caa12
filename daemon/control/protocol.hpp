#pragma once
// The control wire format: one JSON object per line in each direction.
#include <nlohmann/json.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace tarat::control {

enum Result : int { ok = 0, error = 1, unknown_command = 2, not_found = 3, forbidden = 4, bad_request = 5 };

inline constexpr std::size_t kMaxJsonDepth = 32;

struct Reply {
    int result = ok;
    std::string text;
    nlohmann::json arguments = nlohmann::json::object();
    // When set, the whole reply already encoded (see encoded_once): sent as is, `arguments` unused.
    std::shared_ptr<const std::string> encoded = nullptr;

    // {"result":…,"text":…,"arguments":…} on one line ending in "\n". Never throws: invalid
    // UTF-8 in the text (an echoed exception message, say) becomes U+FFFD.
    std::string to_json_line() const;
};

// A reply encoded once, for an answer many clients ask for: copying it copies a pointer.
Reply encoded_once(const Reply& reply);

struct Request {
    std::string command;
    nlohmann::json arguments = nlohmann::json::object();
};

// One request line (a trailing "\n" or "\r\n" is allowed) as a Request, or the bad_request Reply
// saying what is wrong with it. Never throws; never recurses on the input's nesting.
std::variant<Request, Reply> parse_request(std::string_view line);

// Deepest nesting of [ and { outside JSON strings; stops scanning once it exceeds `limit`.
std::size_t json_nesting_depth(std::string_view text, std::size_t limit);

}  // namespace tarat::control
