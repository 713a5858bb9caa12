#include "mime.hpp"

#include "support/support.hpp"

#include <algorithm>
#include <cstdio>

namespace tarat::smtp {

namespace {

constexpr size_t kLineLimit = 78;    // RFC 5322 §2.1.1: SHOULD NOT pass 78 characters
constexpr size_t kWordBytes = 42;    // 42 bytes → 56 base64 → a 68-character word: "Subject: " + 68 = 77
constexpr std::string_view kWordStart = "=?UTF-8?B?";
constexpr std::string_view kWordEnd = "?=";

bool continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// The length of a valid UTF-8 sequence at `at`, or 0 when it is not one.
size_t sequence_length(std::string_view text, size_t at) {
    auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
    unsigned char lead = byte(at);
    size_t rest = text.size() - at;
    if (lead < 0x80) return 1;
    if (lead >= 0xC2 && lead <= 0xDF) return rest >= 2 && continuation(byte(at + 1)) ? 2 : 0;
    if (lead >= 0xE0 && lead <= 0xEF) {
        if (rest < 3 || !continuation(byte(at + 1)) || !continuation(byte(at + 2))) return 0;
        if (lead == 0xE0 && byte(at + 1) < 0xA0) return 0;  // overlong
        if (lead == 0xED && byte(at + 1) > 0x9F) return 0;  // surrogates
        return 3;
    }
    if (lead >= 0xF0 && lead <= 0xF4) {
        if (rest < 4 || !continuation(byte(at + 1)) || !continuation(byte(at + 2)) || !continuation(byte(at + 3)))
            return 0;
        if (lead == 0xF0 && byte(at + 1) < 0x90) return 0;  // overlong
        if (lead == 0xF4 && byte(at + 1) > 0x8F) return 0;  // past U+10FFFF
        return 4;
    }
    return 0;
}

bool plain_ascii(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

size_t last_line_length(std::string_view folded, size_t used) {
    size_t at = folded.rfind("\r\n");
    return at == std::string_view::npos ? used + folded.size() : folded.size() - at - 2;
}

bool token(std::string_view text, std::string_view also) {
    return !text.empty() && text.size() <= 35 && std::all_of(text.begin(), text.end(), [&](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               also.find(c) != std::string_view::npos;
    });
}

}  // namespace

std::string valid_utf8(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (size_t at = 0; at < text.size();) {
        size_t n = sequence_length(text, at);
        if (n == 0) {
            out += "\xEF\xBF\xBD";
            ++at;
        } else {
            out.append(text.substr(at, n));
            at += n;
        }
    }
    return out;
}

std::string encode_header_text(std::string_view text, size_t used) {
    std::string clean = valid_utf8(text);
    for (char& c : clean)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
    if (plain_ascii(clean) && clean.find("=?") == std::string::npos && used + clean.size() <= kLineLimit) return clean;

    std::string folded;
    std::string_view rest = clean;
    while (!rest.empty()) {
        size_t take = 0;  // whole characters only: a word never ends inside one
        while (take < rest.size()) {
            size_t n = sequence_length(rest, take);  // valid by now, so n > 0
            if (take + n > kWordBytes) break;
            take += n;
        }
        if (!folded.empty()) folded += "\r\n ";
        folded += kWordStart;
        folded += plugin::base64(rest.substr(0, take));
        folded += kWordEnd;
        rest.remove_prefix(take);
    }
    return folded;
}

std::string rfc5322_date(std::time_t when) {
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::tm utc{};
    gmtime_r(&when, &utc);
    char text[64];
    std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[utc.tm_wday % 7], utc.tm_mday,
                  kMonths[utc.tm_mon % 12], utc.tm_year + 1900, utc.tm_hour, utc.tm_min, utc.tm_sec);
    return text;
}

std::string base64_lines(std::string_view bytes) {
    constexpr size_t kBytesPerLine = 57;  // → 76 characters
    std::string out;
    for (size_t at = 0; at < bytes.size(); at += kBytesPerLine) {
        out += plugin::base64(bytes.substr(at, kBytesPerLine));
        out += "\r\n";
    }
    return out;
}

std::string to_crlf(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 16);
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '\r') {
            out += "\r\n";
            if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
        } else if (c == '\n') {
            out += "\r\n";
        } else {
            out += c;
        }
    }
    return out;
}

bool plain_address(std::string_view address) {
    if (address.empty() || address.size() > 254) return false;
    size_t at = address.rfind('@');
    if (at == 0 || at == std::string_view::npos || at + 1 == address.size()) return false;
    constexpr std::string_view kSpecials = "()<>[]:;,\\\" ";
    return std::all_of(address.begin(), address.end(),
                       [&](char c) { return c > 0x20 && c < 0x7f && kSpecials.find(c) == std::string_view::npos; });
}

std::string message_id(std::string_view idempotency_key, std::string_view from) {
    std::string seed(from);
    seed += '\n';
    seed += idempotency_key;
    // 128 bits of the hash: unique enough, and the header stays within 78 characters.
    return "<" + plugin::sha256_hex(seed).substr(0, 32) + "@" + std::string(from.substr(from.rfind('@') + 1)) + ">";
}

std::string compose(const Mail& mail) {
    std::string from = mail.from;
    if (!mail.from_name.empty()) {
        std::string name = valid_utf8(mail.from_name);
        bool quotable = plain_ascii(name) && name.find("=?") == std::string::npos &&
                        6 + name.size() + 2 + 1 + mail.from.size() + 2 <= kLineLimit;
        if (quotable) {
            std::string quoted = "\"";
            for (char c : name) {
                if (c == '"' || c == '\\') quoted += '\\';
                quoted += c;
            }
            from = quoted + "\" <" + mail.from + ">";
        } else {
            std::string encoded = encode_header_text(name, 6);
            bool fits = last_line_length(encoded, 6) + 1 + mail.from.size() + 2 <= kLineLimit;
            from = encoded + (fits ? " <" : "\r\n <") + mail.from + ">";
        }
    }

    std::string m;
    m += "Date: " + rfc5322_date(mail.date) + "\r\n";
    m += "From: " + from + "\r\n";
    m += "To: " + mail.to + "\r\n";
    m += "Subject: " + encode_header_text(mail.subject, 9) + "\r\n";
    m += "Message-ID: " + mail.message_id + "\r\n";
    m += "MIME-Version: 1.0\r\n";
    m += "Content-Type: text/plain; charset=UTF-8\r\n";
    m += "Content-Transfer-Encoding: base64\r\n";
    if (token(mail.locale, "-")) m += "Content-Language: " + mail.locale + "\r\n";
    m += "Auto-Submitted: auto-generated\r\n";  // RFC 3834: no vacation replies to a robot
    if (token(mail.kind, "_-")) m += "X-Tarat-Kind: " + mail.kind + "\r\n";
    m += "\r\n";
    m += base64_lines(to_crlf(valid_utf8(mail.body)));
    return m;
}

}  // namespace tarat::smtp
