#include "web/tokens.hpp"

#include "core/hmac.hpp"
#include "core/secret_key.hpp"

namespace tarat::web {

namespace {
constexpr std::size_t kMacBytes = 18;  // 144 bits, 24 characters
}

std::string Signer::mac(const std::string& purpose, const std::string& data) const {
    auto full = hmac_sha256(key_, purpose + "|" + data);
    return base64url(full.data(), kMacBytes);
}

std::string Signer::link_token(const LinkClaim& claim) const {
    std::string payload = claim.person + "|" + claim.event_id + "|" + format_date(claim.expires);
    return base64url(payload) + "." + mac("link", payload);
}

std::optional<LinkClaim> Signer::read_link(const std::string& token) const {
    auto dot = token.find('.');
    if (dot == std::string::npos || token.size() > 600) return std::nullopt;
    std::string payload;
    if (!base64url_decode(std::string_view(token).substr(0, dot), payload)) return std::nullopt;
    if (!equal_in_constant_time(token.substr(dot + 1), mac("link", payload))) return std::nullopt;
    auto first = payload.find('|'), last = payload.rfind('|');
    if (first == std::string::npos || first == last) return std::nullopt;
    auto expires = parse_date(payload.substr(last + 1));
    if (!expires) return std::nullopt;
    return LinkClaim{payload.substr(0, first), payload.substr(first + 1, last - first - 1), *expires};
}

std::string Signer::csrf(const std::string& bearer) const { return mac("csrf", bearer); }

bool Signer::csrf_matches(const std::string& bearer, const std::string& given) const {
    return !given.empty() && equal_in_constant_time(given, csrf(bearer));
}

std::string fresh_secret() { return base64url(random_bytes(24)); }

std::string stored_hash(const std::string& secret) {
    auto digest = sha256(secret);
    std::string hex;
    for (auto b : digest) hex += "0123456789abcdef"[b >> 4], hex += "0123456789abcdef"[b & 15];
    return hex;
}

}  // namespace tarat::web
