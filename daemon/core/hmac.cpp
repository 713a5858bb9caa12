#include "core/hmac.hpp"

#include <nettle/hmac.h>
#include <nettle/sha2.h>

namespace tarat {

namespace {

const std::uint8_t* bytes(std::string_view text) { return reinterpret_cast<const std::uint8_t*>(text.data()); }

}  // namespace

std::array<std::uint8_t, 32> sha256(std::string_view data) {
    sha256_ctx context;
    sha256_init(&context);
    sha256_update(&context, data.size(), bytes(data));
    std::array<std::uint8_t, 32> digest{};
    sha256_digest(&context, digest.size(), digest.data());
    return digest;
}

std::array<std::uint8_t, 32> hmac_sha256(std::string_view key, std::string_view data) {
    hmac_sha256_ctx context;
    hmac_sha256_set_key(&context, key.size(), bytes(key));
    hmac_sha256_update(&context, data.size(), bytes(data));
    std::array<std::uint8_t, 32> mac{};
    hmac_sha256_digest(&context, mac.size(), mac.data());
    return mac;
}

}  // namespace tarat
