// The smtp plugin: sends each notice as an e-mail through libcurl (smtp:// with STARTTLS, or
// smtps://), logging in with a password read from a file. The Message-ID comes from the notice's
// idempotency key, so a resent notice is the same message to the recipient's mail system.
//   url = "smtp://mail.example.kz:587"   (a path sets the EHLO name: smtp://host:587/tarat.example.kz)
//   from = "tarat@example.kz"   from_name = "Тарат"   tls = "required" | "optional" | "off"
//   username = "tarat"   password_file = "smtp.password"   connect_timeout = 10   timeout = 30   ca_file = …
// A 5xx answer to RCPT or DATA rejects the notice (the server's words in the error); a 4xx
// answer, a failed connection or a timeout asks for a retry; so does a refused greeting, login,
// STARTTLS or sender (MAIL FROM), which are the channel's trouble rather than the notice's and end
// once an administrator fixes the channel.
#include "mime.hpp"
#include "support/support.hpp"

#include <tarat/plugin.h>

#include <algorithm>
#include <ctime>
#include <exception>
#include <memory>
#include <string>
#include <string_view>

namespace {

using namespace tarat;
using plugin::SettingsError;

struct SmtpSettings {
    std::string url;
    std::string host;  // for messages
    bool implicit_tls = false;  // smtps://
    long use_ssl = CURLUSESSL_ALL;
    std::string from;
    std::string from_name;
    std::string username;
    std::string password;  // never in a message or a log line
    plugin::TransferLimits limits;
};

// The SMTP dialogue as far as a failure needs it: the server's last refusal ("550 5.1.1 <x@y>:
// Recipient address rejected", its lines joined) and the command it answered. libcurl passes every
// reply line to the header callback, and each command it sends to the debug callback (which only
// runs with CURLOPT_VERBOSE; nothing is printed then). Only a command's verb is kept: "AUTH PLAIN …"
// carries the password.
struct Dialogue {
    std::string command;  // the verb last sent: "EHLO", "MAIL", "RCPT", "DATA", …; "" before any
    std::string refusal;  // the last 4xx or 5xx reply; the QUIT after a failure must not hide it
    std::string refused;  // the verb it answered
    std::string current;

    static size_t on_reply_line(char* data, size_t size, size_t count, void* user) {
        auto* self = static_cast<Dialogue*>(user);
        size_t bytes = size * count;
        std::string_view line(data, bytes);
        while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
        if (line.size() >= 3 && std::all_of(line.begin(), line.begin() + 3, [](char c) { return c >= '0' && c <= '9'; })) {
            std::string_view text = line.size() > 4 ? line.substr(4) : std::string_view();
            if (self->current.empty()) self->current = line.substr(0, 3);
            if (!text.empty()) (self->current += ' ') += text;
            if (line.size() == 3 || line[3] == ' ') {  // "250-…" continues, "250 …" ends a reply
                if (line[0] == '4' || line[0] == '5') {
                    self->refusal = std::move(self->current);
                    self->refused = self->command;
                }
                self->current.clear();
            }
        }
        return bytes;
    }

    static int on_debug(CURL*, curl_infotype type, char* data, size_t size, void* user) {
        if (type != CURLINFO_HEADER_OUT) return 0;
        auto* self = static_cast<Dialogue*>(user);
        std::string_view sent(data, size);
        self->command = sent.substr(0, std::min(sent.find_first_of(" \r\n"), size_t{8}));
        return 0;
    }
};

struct Upload {
    std::string_view rest;

    static size_t on_read(char* buffer, size_t size, size_t count, void* user) {
        auto* self = static_cast<Upload*>(user);
        size_t n = std::min(size * count, self->rest.size());
        std::copy_n(self->rest.data(), n, buffer);
        self->rest.remove_prefix(n);
        return n;
    }
};

bool loopback(const std::string& host) { return host == "localhost" || host == "[::1]" || host.rfind("127.", 0) == 0; }

// Reply codes that mean the login failed (RFC 4954): the channel is at fault, not the notice.
bool login_trouble(long code) { return code == 530 || code == 534 || code == 535 || code == 538; }

class SmtpNotifier {
public:
    static constexpr const char* kName = "smtp";
    explicit SmtpNotifier(SmtpSettings settings) : s_(std::move(settings)) {}

    // SMTP has no Retry-After: the result stays as the host filled it.
    tarat_status send(const tarat_message& m, tarat_result*, std::string& error) {
        std::string to = m.address;
        if (to.empty()) {
            error = "no e-mail address";
            return TARAT_REJECTED;
        }
        if (!smtp::plain_address(to)) {
            error = "'" + plugin::printable(to, 100) + "' is not an e-mail address tarat can send to";
            return TARAT_REJECTED;
        }
        std::string key = m.idempotency_key;
        if (key.empty()) {
            error = "a notice without an idempotency key cannot get a stable Message-ID";
            return TARAT_REJECTED;
        }

        smtp::Mail mail;
        mail.from = s_.from;
        mail.from_name = s_.from_name;
        mail.to = to;
        mail.subject = m.subject;
        mail.body = m.body;
        mail.message_id = smtp::message_id(key, s_.from);
        mail.locale = m.locale;
        mail.kind = m.kind;
        mail.date = std::time(nullptr);
        const std::string message = smtp::compose(mail);

        char error_buffer[CURL_ERROR_SIZE];
        plugin::CurlHandle curl = plugin::new_transfer(s_.limits, "smtp,smtps", error_buffer);
        CURL* c = curl.get();
        plugin::CurlList recipients;
        recipients.append("<" + to + ">");
        const std::string mail_from = "<" + s_.from + ">";
        Upload upload{message};
        Dialogue dialogue;
        bool ok = curl_easy_setopt(c, CURLOPT_URL, s_.url.c_str()) == CURLE_OK &&
                  curl_easy_setopt(c, CURLOPT_USE_SSL, s_.use_ssl) == CURLE_OK &&
                  curl_easy_setopt(c, CURLOPT_MAIL_FROM, mail_from.c_str()) == CURLE_OK &&
                  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, recipients.get()) == CURLE_OK &&
                  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L) == CURLE_OK &&
                  curl_easy_setopt(c, CURLOPT_READFUNCTION, &Upload::on_read) == CURLE_OK &&
                  curl_easy_setopt(c, CURLOPT_READDATA, &upload) == CURLE_OK &&
                  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size())) == CURLE_OK &&
                  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &Dialogue::on_reply_line) == CURLE_OK &&
                  curl_easy_setopt(c, CURLOPT_HEADERDATA, &dialogue) == CURLE_OK &&
                  curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, &Dialogue::on_debug) == CURLE_OK &&
                  curl_easy_setopt(c, CURLOPT_DEBUGDATA, &dialogue) == CURLE_OK &&
                  curl_easy_setopt(c, CURLOPT_VERBOSE, 1L) == CURLE_OK;
        if (ok && !s_.username.empty())
            ok = curl_easy_setopt(c, CURLOPT_USERNAME, s_.username.c_str()) == CURLE_OK &&
                 curl_easy_setopt(c, CURLOPT_PASSWORD, s_.password.c_str()) == CURLE_OK;
        if (!ok) {
            error = std::string("libcurl refused an option: ") + error_buffer;
            return TARAT_RETRY;
        }

        CURLcode code = curl_easy_perform(c);
        if (code == CURLE_OK) return TARAT_SENT;

        long reply = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply);
        std::string said = dialogue.refusal.empty() ? std::to_string(reply) : plugin::printable(dialogue.refusal);
        // Refusals of RCPT and DATA concern this message; earlier ones (greeting, EHLO, AUTH, MAIL)
        // the channel, which an administrator fixes: those stay retries.
        bool about_message = dialogue.refused == "RCPT" || dialogue.refused == "DATA";
        tarat_status status = TARAT_RETRY;
        if (code == CURLE_LOGIN_DENIED || login_trouble(reply)) {
            error = "the server refused the login" + (s_.username.empty() ? std::string(" (no username is set)")
                                                                          : " of user '" + s_.username + "'") +
                    ": " + said;
        } else if (code == CURLE_USE_SSL_FAILED) {
            error = "the server offers no STARTTLS, and tls = \"required\": " + plugin::describe_failure(c, code, error_buffer);
        } else if (reply >= 500 && reply <= 599 && about_message) {
            error = "the server refused the message: " + said;
            status = TARAT_REJECTED;
        } else if (reply >= 500 && reply <= 599) {
            error = "the server refused " + (dialogue.refused.empty() ? std::string("the connection") : dialogue.refused) +
                    " (the channel's settings or the server's, not this notice): " + said;
        } else if (reply >= 400 && reply <= 499) {
            error = "the server deferred the message: " + said;
        } else {
            error = "cannot deliver through " + s_.host + ": " + plugin::describe_failure(c, code, error_buffer);
        }
        error = plugin::redact(std::move(error), s_.password);
        return status;
    }

private:
    SmtpSettings s_;
};

SmtpSettings read_settings(const char* config_json, const tarat_host& host) {
    plugin::Settings settings(config_json, "smtp",
                              {"url", "from", "from_name", "tls", "username", "password_file", "connect_timeout",
                               "timeout", "ca_file"});
    SmtpSettings s;
    s.url = settings.required_string("url", "the mail server, e.g. \"smtp://mail.example.kz:587\" or \"smtps://mail.example.kz\"");
    plugin::UrlParts url = plugin::check_url("url", s.url, {"smtp", "smtps"});
    s.implicit_tls = url.scheme == "smtps";
    s.host = url.host;

    s.from = settings.required_string("from", "the sender's address, e.g. \"tarat@example.kz\"");
    if (!smtp::plain_address(s.from)) throw SettingsError("'from' must be a plain address like tarat@example.kz");
    s.from_name = settings.string("from_name").value_or("");

    std::string tls = settings.string("tls").value_or("required");
    if (tls == "required") s.use_ssl = CURLUSESSL_ALL;
    else if (tls == "optional") s.use_ssl = CURLUSESSL_TRY;
    else if (tls == "off") s.use_ssl = CURLUSESSL_NONE;
    else throw SettingsError("'tls' must be \"required\", \"optional\" or \"off\"");
    if (s.implicit_tls && tls != "required")
        throw SettingsError("an smtps:// url always uses TLS: drop tls = \"" + tls + "\" or use smtp://");
    if (s.implicit_tls) s.use_ssl = CURLUSESSL_ALL;

    auto username = settings.string("username");
    auto password_file = settings.string("password_file");
    if (username.has_value() != password_file.has_value())
        throw SettingsError(username ? "'username' needs 'password_file', the file holding its password"
                                     : "'password_file' needs 'username'");
    if (username) {
        s.username = *username;
        s.password = plugin::read_secret_file(host, "password_file", *password_file);
        if (!s.implicit_tls && tls != "required" && !loopback(url.host))
            plugin::log(&host, TARAT_LOG_WARNING,
                        "tls = \"" + tls + "\": the SMTP password may cross the network unencrypted");
    }
    s.limits = plugin::read_limits(settings, host);
    return s;
}

}  // namespace

extern "C" TARAT_PLUGIN_EXPORT uint32_t tarat_plugin_abi(void) { return TARAT_PLUGIN_ABI; }

extern "C" TARAT_PLUGIN_EXPORT int tarat_plugin_open(const char* config_json, const tarat_host* host,
                                                     tarat_notifier* out, char* error, size_t error_len) {
    return plugin::open_guarded(out, error, error_len,
                                [&] { return std::make_unique<SmtpNotifier>(read_settings(config_json, *host)); });
}
