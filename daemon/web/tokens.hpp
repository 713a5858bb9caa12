#pragma once
// The web's signed values, all HMAC-SHA256 with the key in [web] secret_file: a person's link to
// an event (person, event, expiry), the CSRF token of a page, and the hashes under which sessions
// and one-time sign-in codes are stored (the store never holds a usable cookie or code).
#include "core/time.hpp"

#include <optional>
#include <string>

namespace tarat::web {

struct LinkClaim {
    std::string person;
    std::string event_id;
    Date expires{};  // the last day the link opens
};

class Signer {
public:
    explicit Signer(std::string key) : key_(std::move(key)) {}

    // BASE64URL(person|event|expiry).MAC — a URL path segment.
    std::string link_token(const LinkClaim& claim) const;
    // The claim when the MAC matches (expiry not checked here); nullopt for anything tampered.
    std::optional<LinkClaim> read_link(const std::string& token) const;

    // The CSRF token for forms on a page reached by `bearer` (a link token or a session cookie).
    std::string csrf(const std::string& bearer) const;
    bool csrf_matches(const std::string& bearer, const std::string& given) const;

private:
    std::string mac(const std::string& purpose, const std::string& data) const;
    std::string key_;
};

// A link is good until its event's date plus this many days.
constexpr int kLinkDays = 60;

// A fresh random value for a cookie or a sign-in code (24 random bytes, base64url).
std::string fresh_secret();
// What the store keeps for a cookie or code: its SHA-256 in hex.
std::string stored_hash(const std::string& secret);

}  // namespace tarat::web
