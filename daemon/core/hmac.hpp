#pragma once
// SHA-256 and HMAC-SHA256 (FIPS 180-4, RFC 2104), for the signed button tokens: from Nettle, a
// small library (libcrypto stays out of the daemon's memory, see plugin_host.hpp).
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace tarat {

std::array<std::uint8_t, 32> sha256(std::string_view data);
std::array<std::uint8_t, 32> hmac_sha256(std::string_view key, std::string_view data);

}  // namespace tarat
