#pragma once
// The e-mail the smtp plugin sends: an RFC 5322 message with a UTF-8 text/plain body in base64 and
// RFC 2047 encoded-words for non-ASCII header text. Pure functions, tested on their own.
#include <ctime>
#include <string>
#include <string_view>

namespace tarat::smtp {

// `text` with every invalid UTF-8 sequence replaced by U+FFFD.
std::string valid_utf8(std::string_view text);

// A header's value, folded (CRLF SP) so no line passes 78 characters; `used` is how much of the
// first line the header's name already takes ("Subject: " is 9). Text that is not plain printable
// ASCII becomes "B" encoded-words of at most 75 characters, each holding whole UTF-8 characters.
// Line breaks and other control characters in `text` become spaces.
std::string encode_header_text(std::string_view text, size_t used);

// "Mon, 05 Oct 2026 04:00:00 +0000" (RFC 5322 §3.3, in UTC, English names whatever the locale).
std::string rfc5322_date(std::time_t when);

// `bytes` in base64, lines of 76 characters ending in CRLF.
std::string base64_lines(std::string_view bytes);

// "\n" and lone "\r" become CRLF, the canonical line end of a text body.
std::string to_crlf(std::string_view text);

// An address tarat can put in MAIL FROM, RCPT TO and a header as it is: local@domain, printable
// ASCII, nothing that needs quoting, at most 254 characters.
bool plain_address(std::string_view address);

// "<32 hex digits of SHA-256(from, key)@domain-of-from>": the same notice (same key) from the same sender always gets the
// same Message-ID, so a resent notice is recognised as the same message.
std::string message_id(std::string_view idempotency_key, std::string_view from);

struct Mail {
    std::string from;       // a plain address
    std::string from_name;  // display name, may be empty
    std::string to;         // a plain address
    std::string subject;
    std::string body;       // "\n" line ends
    std::string message_id;
    std::string locale;     // "kk", "ru", "en": Content-Language
    std::string kind;       // X-Tarat-Kind
    std::time_t date = 0;
};

// The whole message: headers, a blank line, the body; CRLF line ends throughout.
std::string compose(const Mail& mail);

}  // namespace tarat::smtp
