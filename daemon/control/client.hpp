#pragma once
// A blocking one-request client for taratctl and the tests.
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace tarat::control {

// The socket could not be connected; error_number() is the errno (ENOENT, ECONNREFUSED, EACCES…).
class Unreachable : public std::runtime_error {
public:
    Unreachable(const std::string& what, int error_number)
        : std::runtime_error(what), error_number_(error_number) {}
    int error_number() const noexcept { return error_number_; }

private:
    int error_number_;
};

// The reply was malformed, too large, cut off, or did not come within the timeout.
class ProtocolError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

inline constexpr std::size_t kMaxReplyBytes = std::size_t{64} << 20;

// Sends `req` as one line and returns the reply object, which has an integer "result", a string
// "text" and an object "arguments". The timeout covers the whole exchange. The reply is read
// while the request is still being written, so a refusal of an oversized request arrives.
// Throws Unreachable, ProtocolError, std::invalid_argument (req is not valid UTF-8) or
// std::system_error (no socket could be created).
nlohmann::json request(const std::filesystem::path& socket_path, const nlohmann::json& req,
                       std::chrono::milliseconds timeout);

}  // namespace tarat::control
