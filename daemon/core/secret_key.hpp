#pragma once
// A signing key kept in a file: the button tokens' (inbound.key) and the web's (web.key).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace tarat {

// Reads the key in `file`, creating it (32 random bytes, mode 0600) when absent; throws when it
// cannot, or when the file holds fewer than 32 bytes.
std::string load_or_create_key(const std::filesystem::path& file);

// `n` bytes from /dev/urandom.
std::string random_bytes(std::size_t n);

// RFC 4648 base64url without padding.
std::string base64url(const std::uint8_t* bytes, std::size_t n);
inline std::string base64url(std::string_view bytes) {
    return base64url(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
}
// The bytes of unpadded base64url text; false for anything else.
bool base64url_decode(std::string_view text, std::string& out);

// Two strings compared in time that depends on their length only (MACs).
bool equal_in_constant_time(std::string_view a, std::string_view b);

}  // namespace tarat
