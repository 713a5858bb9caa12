// The telegram plugin: sends each notice to the person's chat through the Bot API's sendMessage
// ({api_url}/bot{token}/sendMessage), as plain text (no parse_mode, so nothing needs escaping):
// the subject, a blank line, the body. The token comes from token_file and appears in no error or
// log line. The Bot API cannot dedupe: a notice whose answer was lost is sent again.
// 2xx with "ok": sent. 429: retry after parameters.retry_after. 400 and 403 (chat not found, the
// person blocked the bot or never started it) and other 4xx: rejected with the API's description.
// 401 and 404 (the token is wrong), 5xx and network trouble: retry.
#include "support/http.hpp"
#include "support/support.hpp"

#include <tarat/plugin.h>

#include <algorithm>
#include <exception>
#include <string>

namespace {

using namespace tarat;
using plugin::SettingsError;
using Json = nlohmann::ordered_json;

constexpr size_t kMaxTextUnits = 4096;  // sendMessage's limit, in UTF-16 code units

struct TelegramSettings {
    std::string endpoint;  // api_url + "/bot<token>/sendMessage": never in a message
    std::string host;
    std::string token;
    plugin::TransferLimits limits;
};

bool token_chars(std::string_view token) {
    return std::all_of(token.begin(), token.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' || c == '_' ||
               c == '-';
    });
}

// A chat id: a number (negative for groups), or "@channelname".
std::optional<Json> chat_id(std::string_view address) {
    std::string_view digits = address.substr(!address.empty() && address[0] == '-' ? 1 : 0);
    if (!digits.empty() && digits.size() <= 18 && std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return Json(std::stoll(std::string(address)));
    if (address.size() >= 2 && address[0] == '@' &&
        std::all_of(address.begin() + 1, address.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        }))
        return Json(std::string(address));
    return std::nullopt;
}

// Cuts `text` to the API's limit on a character boundary, ending in "…" when cut.
std::string fit(const std::string& text, bool& cut) {
    size_t units = 0;
    size_t at = 0;
    size_t keep_for_ellipsis = 0;  // where to cut if the text turns out too long
    while (at < text.size()) {
        auto lead = static_cast<unsigned char>(text[at]);
        size_t n = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
        size_t u = n == 4 ? 2 : 1;
        if (units + u <= kMaxTextUnits - 1) keep_for_ellipsis = std::min(text.size(), at + n);
        units += u;
        if (units > kMaxTextUnits) {
            cut = true;
            return text.substr(0, keep_for_ellipsis) + "…";
        }
        at += n;
    }
    cut = false;
    return text;
}

class TelegramNotifier {
public:
    static constexpr const char* kName = "telegram";
    TelegramNotifier(const tarat_host* host, TelegramSettings settings) : host_(host), s_(std::move(settings)) {}

    tarat_status send(const tarat_message& m, tarat_result* result, std::string& error) {
        std::string address = m.address;
        if (address.empty()) {
            error = "no Telegram chat id";
            return TARAT_REJECTED;
        }
        auto chat = chat_id(address);
        if (!chat) {
            error = "'" + plugin::printable(address, 100) + "' is not a Telegram chat id (a number, or @channel)";
            return TARAT_REJECTED;
        }
        std::string subject = m.subject, body = m.body;
        std::string text = subject.empty() ? body : body.empty() ? subject : subject + "\n\n" + body;
        bool cut = false;
        text = fit(text, cut);
        if (cut)
            plugin::log(host_, TARAT_LOG_WARNING,
                        "notice " + std::string(m.idempotency_key) + " is longer than Telegram's 4096 characters: cut");

        plugin::HttpRequest request;
        request.url = s_.endpoint;
        request.body = Json{{"chat_id", *chat}, {"text", text}}.dump(-1, ' ', false, Json::error_handler_t::replace);
        request.headers = {"Content-Type: application/json"};
        request.limits = s_.limits;
        request.user_agent = "tarat-telegram/1";

        plugin::HttpReply reply = plugin::http_post(request);
        if (!reply.answered) {
            error = plugin::redact("cannot reach " + s_.host + ": " + reply.failure, s_.token);
            return TARAT_RETRY;
        }
        Json answer = Json::parse(reply.body, nullptr, false);
        bool ok = answer.is_object() && answer.contains("ok") && answer["ok"] == true;
        long status = reply.status;
        if (status >= 200 && status <= 299 && ok) return TARAT_SENT;

        std::string description;
        if (answer.is_object() && answer.contains("description") && answer["description"].is_string())
            description = plugin::printable(answer["description"].get<std::string>(), 200);
        else
            description = plugin::printable(reply.body, 200);
        error = "the Bot API answered " + std::to_string(status) + (description.empty() ? "" : ": " + description);
        const Json* parameters = answer.is_object() && answer.contains("parameters") && answer["parameters"].is_object()
                                     ? &answer["parameters"]
                                     : nullptr;
        if (parameters && parameters->contains("migrate_to_chat_id"))
            error += " (the group is now chat " + parameters->at("migrate_to_chat_id").dump() + ": update the plan)";
        error = plugin::redact(std::move(error), s_.token);

        bool channel_trouble = status == 401 || status == 404;  // the token, not the notice
        if (status == 429 || (status >= 500 && status <= 599) || channel_trouble || (status >= 200 && status <= 299)) {
            std::optional<int32_t> after = reply.retry_after;
            if (parameters && parameters->contains("retry_after") && parameters->at("retry_after").is_number_integer())
                after = static_cast<int32_t>(std::clamp<int64_t>(parameters->at("retry_after").get<int64_t>(), 0, INT32_MAX));
            if (after && result && TARAT_HAS_FIELD(result, tarat_result, retry_after_seconds))
                result->retry_after_seconds = *after;
            if (channel_trouble) error += " (the bot token is not accepted: check token_file)";
            return TARAT_RETRY;
        }
        if (status >= 400 && status <= 499) return TARAT_REJECTED;
        return TARAT_RETRY;  // a redirect or other surprise: api_url is wrong, which an administrator can fix
    }

private:
    const tarat_host* host_;
    TelegramSettings s_;
};

TelegramSettings read_settings(const char* config_json, const tarat_host& host) {
    plugin::Settings settings(config_json, "telegram", {"token_file", "api_url", "connect_timeout", "timeout", "ca_file"});
    TelegramSettings s;
    s.token = plugin::read_secret_file(host, "token_file",
                                       settings.required_string("token_file", "the file holding the bot's token from @BotFather"));
    if (!token_chars(s.token)) throw SettingsError("token_file does not hold a bot token (letters, digits, ':', '_', '-')");
    std::string api_url = settings.string("api_url").value_or("https://api.telegram.org");
    plugin::UrlParts url = plugin::check_url("api_url", api_url, {"https", "http"});
    if (api_url.find('?') != std::string::npos) throw SettingsError("'api_url' must not have a ?query");
    while (!api_url.empty() && api_url.back() == '/') api_url.pop_back();
    s.host = url.host;
    s.endpoint = api_url + "/bot" + s.token + "/sendMessage";
    s.limits = plugin::read_limits(settings, host);
    return s;
}

}  // namespace

extern "C" TARAT_PLUGIN_EXPORT uint32_t tarat_plugin_abi(void) { return TARAT_PLUGIN_ABI; }

extern "C" TARAT_PLUGIN_EXPORT int tarat_plugin_open(const char* config_json, const tarat_host* host,
                                                     tarat_notifier* out, char* error, size_t error_len) {
    return plugin::open_guarded(out, error, error_len,
                                [&] { return std::make_unique<TelegramNotifier>(host, read_settings(config_json, *host)); });
}
