// The webhook plugin: POSTs each notice as JSON to the one URL in the channel's settings, signed
// the Standard Webhooks way (https://www.standardwebhooks.com):
//   webhook-id: <the notice's idempotency key>        (also sent as Idempotency-Key)
//   webhook-timestamp: <Unix seconds at sending>
//   webhook-signature: v1,<base64 of HMAC-SHA256(secret, "<webhook-id>.<webhook-timestamp>.<body>")>
// The secret is the content of secret_file (trailing newline removed); a secret written as
// "whsec_<base64>" is the base64-decoded bytes, as Standard Webhooks libraries expect. A key with
// bytes outside printable ASCII is percent-encoded in the headers (and signed as sent).
//
// Only the configured url is ever used. A person's `webhook` address from the plan travels in the
// payload as "address" but is never a destination: no command takes a URL from a client, and a
// URL taken from a plan would let whoever edits the plan send notices (and their signature)
// anywhere.
//
// 2xx: sent. 408, 429 and 5xx: retry, after Retry-After when the receiver gives one. Any other
// answer (a 4xx such as 401 for a bad signature, or a redirect, which is never followed): rejected.
#include "support/http.hpp"
#include "support/support.hpp"

#include <tarat/plugin.h>

#include <ctime>
#include <exception>
#include <string>

namespace {

using namespace tarat;
using plugin::SettingsError;
using Json = nlohmann::ordered_json;  // the payload's fields in the order written

struct WebhookSettings {
    std::string url;   // never in a message: it may carry a token in its path
    std::string host;  // what messages name instead
    std::string secret;
    plugin::TransferLimits limits;
};

// Header-safe form of the idempotency key: printable ASCII stays, other bytes and '%' become %XX.
std::string header_value(std::string_view key) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (char c : key) {
        auto u = static_cast<unsigned char>(c);
        if (u > 0x20 && u < 0x7f && c != '%') {
            out += c;
        } else {
            out += '%';
            out += kHex[u >> 4];
            out += kHex[u & 15];
        }
    }
    return out;
}

bool loopback(const std::string& host) { return host == "localhost" || host == "[::1]" || host.rfind("127.", 0) == 0; }

class WebhookNotifier {
public:
    static constexpr const char* kName = "webhook";
    explicit WebhookNotifier(WebhookSettings settings) : s_(std::move(settings)) {}

    tarat_status send(const tarat_message& m, tarat_result* result, std::string& error) {
        std::string key = m.idempotency_key;
        if (key.empty()) {
            error = "a notice without an idempotency key cannot carry an Idempotency-Key";
            return TARAT_REJECTED;
        }
        Json data = Json::parse(m.json, nullptr, false);
        if (data.is_discarded()) {
            error = "the notice's json is not valid JSON";
            return TARAT_REJECTED;
        }
        Json payload = {{"key", key},         {"kind", m.kind},       {"recipient", m.recipient},
                        {"address", m.address}, {"locale", m.locale},   {"subject", m.subject},
                        {"body", m.body},       {"data", std::move(data)}};
        plugin::HttpRequest request;
        request.url = s_.url;
        request.body = payload.dump(-1, ' ', false, Json::error_handler_t::replace);
        request.limits = s_.limits;
        request.user_agent = "tarat-webhook/1";

        const std::string id = header_value(key);
        const std::string timestamp = std::to_string(static_cast<long long>(std::time(nullptr)));
        const std::string signature =
            "v1," + plugin::base64(plugin::hmac_sha256(s_.secret, id + "." + timestamp + "." + request.body));
        request.headers = {"Content-Type: application/json", "Idempotency-Key: " + id, "webhook-id: " + id,
                           "webhook-timestamp: " + timestamp, "webhook-signature: " + signature};

        plugin::HttpReply reply = plugin::http_post(request);
        if (!reply.answered) {
            error = "cannot deliver to " + s_.host + ": " + reply.failure;
            return TARAT_RETRY;
        }
        long status = reply.status;
        if (status >= 200 && status <= 299) return TARAT_SENT;

        std::string said = plugin::printable(reply.body, 200);
        error = "the receiver at " + s_.host + " answered " + std::to_string(status) + (said.empty() ? "" : ": " + said);
        if (status == 408 || status == 429 || (status >= 500 && status <= 599)) {
            if (reply.retry_after && result && TARAT_HAS_FIELD(result, tarat_result, retry_after_seconds))
                result->retry_after_seconds = *reply.retry_after;
            return TARAT_RETRY;
        }
        if (status >= 300 && status <= 399) error += " (a redirect; tarat follows none: set url to the final address)";
        return TARAT_REJECTED;
    }

private:
    WebhookSettings s_;
};

WebhookSettings read_settings(const char* config_json, const tarat_host& host) {
    plugin::Settings settings(config_json, "webhook", {"url", "secret_file", "connect_timeout", "timeout", "ca_file"});
    WebhookSettings s;
    s.url = settings.required_string("url", "where notices are POSTed, e.g. \"https://crm.example.kz/tarat\"");
    plugin::UrlParts url = plugin::check_url("url", s.url, {"https", "http"});
    s.host = url.host;
    std::string secret = plugin::read_secret_file(
        host, "secret_file",
        settings.required_string("secret_file", "the file holding the signing secret shared with the receiver"));
    if (secret.rfind("whsec_", 0) == 0) {
        auto decoded = plugin::base64_decode(secret.substr(6));
        if (!decoded || decoded->empty()) throw SettingsError("secret_file holds a whsec_ secret that is not base64");
        secret = std::move(*decoded);
    }
    s.secret = std::move(secret);
    s.limits = plugin::read_limits(settings, host);
    if (url.scheme == "http" && !loopback(url.host))
        plugin::log(&host, TARAT_LOG_WARNING, "url is http://: notices cross the network unencrypted (signed, not secret)");
    return s;
}

}  // namespace

extern "C" TARAT_PLUGIN_EXPORT uint32_t tarat_plugin_abi(void) { return TARAT_PLUGIN_ABI; }

extern "C" TARAT_PLUGIN_EXPORT int tarat_plugin_open(const char* config_json, const tarat_host* host,
                                                     tarat_notifier* out, char* error, size_t error_len) {
    return plugin::open_guarded(out, error, error_len,
                                [&] { return std::make_unique<WebhookNotifier>(read_settings(config_json, *host)); });
}
