// The telegram plugin: sends each notice to the person's chat through the Bot API's sendMessage
// ({api_url}/bot{token}/sendMessage), as plain text (no parse_mode, so nothing needs escaping):
// the subject, a blank line, the body. The token comes from token_file and appears in no error or
// log line. The Bot API cannot dedupe: a notice whose answer was lost is sent again.
// 2xx with "ok": sent. 429: retry after parameters.retry_after. 400 and 403 (chat not found, the
// person blocked the bot or never started it) and other 4xx: rejected with the API's description.
// 401 and 404 (the token is wrong), 5xx and network trouble: retry. A notice's buttons (ABI 1.2)
// become an inline keyboard.
//
// Receiving (ABI 1.2, `inbound = true`): a thread long-polls getUpdates (`poll_timeout` seconds,
// default 50; nothing listens on a port, so it works behind NAT), hands each text message and
// button press to the host, carries out its answer (sendMessage, editMessageText,
// answerCallbackQuery) and only then asks for the updates after it, which confirms it to Telegram.
#include "support/http.hpp"
#include "support/support.hpp"

#include <tarat/plugin.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <string>
#include <thread>

namespace {

using namespace tarat;
using plugin::SettingsError;
using Json = nlohmann::ordered_json;

constexpr size_t kMaxTextUnits = 4096;  // sendMessage's limit, in UTF-16 code units

struct TelegramSettings {
    std::string base;  // api_url + "/bot<token>/": never in a message
    std::string host;
    std::string token;
    plugin::TransferLimits limits;
    bool inbound = false;
    std::chrono::seconds poll_timeout{50};
    std::string endpoint(const char* method) const { return base + method; }
};

// ["label", "data"] rows (plugin.h) as Telegram's inline_keyboard; null when there are none.
Json keyboard(const char* buttons) {
    Json rows = Json::parse(buttons ? buttons : "", nullptr, false);
    if (!rows.is_array() || rows.empty()) return nullptr;
    Json keyboard = Json::array();
    for (const auto& row : rows) {
        if (!row.is_array()) continue;
        Json line = Json::array();
        for (const auto& b : row)
            if (b.is_array() && b.size() == 2 && b[0].is_string() && b[1].is_string())
                line.push_back({{"text", b[0]}, {"callback_data", b[1]}});
        if (!line.empty()) keyboard.push_back(std::move(line));
    }
    return keyboard.empty() ? Json(nullptr) : Json{{"inline_keyboard", std::move(keyboard)}};
}

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
    ~TelegramNotifier() {
        {
            std::lock_guard lock(mutex_);
            stop_ = true;
        }
        cancel_ = true;
        wake_.notify_all();
        if (poller_.joinable()) poller_.join();
    }

    int listen(int64_t position, std::string& error) {
        if (!s_.inbound) {
            error = "inbound is not set for this channel";
            return 1;
        }
        if (!TARAT_HAS_FIELD(host_, tarat_host, receive) || !host_->receive) {
            error = "the host takes no updates";
            return 1;
        }
        if (poller_.joinable()) {
            error = "already listening";
            return 1;
        }
        offset_ = position > 0 ? position + 1 : 0;
        poller_ = std::thread([this] { poll(); });
        return 0;
    }

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
        request.url = s_.endpoint("sendMessage");
        Json payload{{"chat_id", *chat}, {"text", text}};
        if (TARAT_HAS_FIELD(&m, tarat_message, buttons))
            if (Json markup = keyboard(m.buttons); !markup.is_null()) payload["reply_markup"] = std::move(markup);
        request.body = payload.dump(-1, ' ', false, Json::error_handler_t::replace);
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
    // One Bot API call; the parsed answer's "result", or nullopt (logged) when it failed.
    std::optional<Json> call(const char* method, const Json& payload, std::chrono::milliseconds timeout) {
        plugin::HttpRequest request;
        request.url = s_.endpoint(method);
        request.body = payload.dump(-1, ' ', false, Json::error_handler_t::replace);
        request.headers = {"Content-Type: application/json"};
        request.limits = s_.limits;
        request.limits.timeout = timeout;
        request.user_agent = "tarat-telegram/1";
        request.cancel = &cancel_;
        plugin::HttpReply reply = plugin::http_post(request);
        Json answer = Json::parse(reply.body, nullptr, false);
        if (reply.answered && reply.status >= 200 && reply.status <= 299 && answer.is_object() &&
            answer.value("ok", false) && answer.contains("result"))
            return answer["result"];
        if (!cancel_)
            plugin::log(host_, TARAT_LOG_WARNING,
                        plugin::redact(std::string(method) + " failed: " +
                                           (reply.answered ? std::to_string(reply.status) + " " + plugin::printable(reply.body, 200)
                                                           : reply.failure),
                                       s_.token));
        return std::nullopt;
    }

    // Waits `delay`, or less when closing; false when closing.
    bool pause(std::chrono::seconds delay) {
        std::unique_lock lock(mutex_);
        return !wake_.wait_for(lock, delay, [this] { return stop_; });
    }

    bool stopping() {
        std::lock_guard lock(mutex_);
        return stop_;
    }

    void poll() noexcept {
        try {
            plugin::log(host_, TARAT_LOG_INFO, "receiving updates by long polling");
            bool named = false;
            while (!stopping()) {
                if (!named) named = announce_name();
                Json ask{{"timeout", s_.poll_timeout.count()}, {"allowed_updates", {"message", "callback_query"}}};
                if (offset_ > 0) ask["offset"] = offset_;
                auto updates = call("getUpdates", ask, s_.poll_timeout + std::chrono::seconds(15));
                if (!updates || !updates->is_array()) {
                    if (!pause(std::chrono::seconds(5))) return;
                    continue;
                }
                for (const auto& update : *updates)
                    if (!take(update)) return;  // the host is stopping: the update stays unconfirmed
            }
        } catch (const std::exception& e) {
            plugin::log(host_, TARAT_LOG_ERROR, std::string("stopped receiving: ") + e.what());
        }
    }

    // Tells the host the bot's user name (getMe) for its deep links; false to ask again later.
    bool announce_name() {
        if (!TARAT_HAS_FIELD(host_, tarat_host, announce) || !host_->announce) return true;
        auto me = call("getMe", Json::object(), std::chrono::seconds(15));
        if (!me || !me->is_object() || !me->contains("username") || !(*me)["username"].is_string()) return false;
        host_->announce(host_->context, "bot_username", (*me)["username"].get<std::string>().c_str());
        return true;
    }

    // Hands one update to the host and carries out its answer; false when the host takes none now.
    bool take(const Json& update) {
        if (!update.is_object() || !update.contains("update_id") || !update["update_id"].is_number_integer()) return true;
        int64_t id = update["update_id"].get<int64_t>();
        auto text_of = [](const Json& j, const char* key) {
            return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
        };
        auto id_of = [](const Json& j, const char* key) {
            return j.is_object() && j.contains(key) && j[key].is_number_integer() ? std::to_string(j[key].get<int64_t>())
                                                                                  : std::string();
        };
        std::string kind, chat, user, text, language, message, query;
        if (update.contains("message") && update["message"].is_object()) {
            const Json& m = update["message"];
            kind = "text";
            chat = m.contains("chat") ? id_of(m["chat"], "id") : "";
            if (m.contains("from")) {
                user = id_of(m["from"], "id");
                language = text_of(m["from"], "language_code");
            }
            text = text_of(m, "text");
        } else if (update.contains("callback_query") && update["callback_query"].is_object()) {
            const Json& q = update["callback_query"];
            kind = "button";
            query = text_of(q, "id");
            if (q.contains("from")) {
                user = id_of(q["from"], "id");
                language = text_of(q["from"], "language_code");
            }
            text = text_of(q, "data");
            if (q.contains("message") && q["message"].is_object()) {
                message = id_of(q["message"], "message_id");
                if (q["message"].contains("chat")) chat = id_of(q["message"]["chat"], "id");
            }
        }
        offset_ = id + 1;
        if (kind.empty() || chat.empty() || (kind == "text" && text.empty())) return true;  // nothing to answer

        tarat_inbound in{};
        in.struct_size = sizeof in;
        in.position = id;
        in.kind = kind.c_str();
        in.chat = chat.c_str();
        in.user = user.c_str();
        in.text = text.c_str();
        in.language = language.c_str();
        in.message = message.c_str();
        tarat_answer answer{};
        answer.struct_size = sizeof answer;
        if (host_->receive(host_->context, &in, &answer) != 0) {
            offset_ = id;
            return false;
        }
        auto has = [](const char* s) { return s && *s; };
        const auto timeout = s_.limits.timeout;
        Json chat_id = Json::parse(chat, nullptr, false);
        if (kind == "button" && !query.empty()) {
            Json a{{"callback_query_id", query}};
            if (has(answer.toast)) a["text"] = answer.toast;
            call("answerCallbackQuery", a, timeout);
        }
        std::string edited = has(answer.edit_message) ? answer.edit_message : message;
        if (has(answer.edit) && !edited.empty() && std::all_of(edited.begin(), edited.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            bool cut = false;
            call("editMessageText",
                 {{"chat_id", chat_id}, {"message_id", std::stoll(edited)}, {"text", fit(answer.edit, cut)}}, timeout);
        }
        if (has(answer.text)) {
            bool cut = false;
            Json m{{"chat_id", chat_id}, {"text", fit(answer.text, cut)}};
            if (Json markup = keyboard(answer.buttons); !markup.is_null()) m["reply_markup"] = std::move(markup);
            call("sendMessage", m, timeout);
        }
        return true;
    }

    const tarat_host* host_;
    TelegramSettings s_;
    std::thread poller_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stop_ = false;
    std::atomic<bool> cancel_{false};  // ends a long poll in flight at close
    int64_t offset_ = 0;               // the poller's own
};

TelegramSettings read_settings(const char* config_json, const tarat_host& host) {
    plugin::Settings settings(config_json, "telegram", {"token_file", "api_url", "connect_timeout", "timeout", "ca_file",
                                                        "inbound", "poll_timeout", "bot_username"});
    TelegramSettings s;
    s.token = plugin::read_secret_file(host, "token_file",
                                       settings.required_string("token_file", "the file holding the bot's token from @BotFather"));
    if (!token_chars(s.token)) throw SettingsError("token_file does not hold a bot token (letters, digits, ':', '_', '-')");
    std::string api_url = settings.string("api_url").value_or("https://api.telegram.org");
    plugin::UrlParts url = plugin::check_url("api_url", api_url, {"https", "http"});
    if (api_url.find('?') != std::string::npos) throw SettingsError("'api_url' must not have a ?query");
    while (!api_url.empty() && api_url.back() == '/') api_url.pop_back();
    s.host = url.host;
    s.base = api_url + "/bot" + s.token + "/";
    s.limits = plugin::read_limits(settings, host);
    s.inbound = settings.flag("inbound", false);
    s.poll_timeout = std::chrono::duration_cast<std::chrono::seconds>(settings.seconds("poll_timeout", std::chrono::seconds(50)));
    if (s.poll_timeout.count() < 1) s.poll_timeout = std::chrono::seconds(1);
    settings.string("bot_username");  // the daemon's (deep links); only checked here
    return s;
}

}  // namespace

extern "C" TARAT_PLUGIN_EXPORT uint32_t tarat_plugin_abi(void) { return TARAT_PLUGIN_ABI; }

extern "C" TARAT_PLUGIN_EXPORT int tarat_plugin_open(const char* config_json, const tarat_host* host,
                                                     tarat_notifier* out, char* error, size_t error_len) {
    int rc = plugin::open_guarded(out, error, error_len,
                                  [&] { return std::make_unique<TelegramNotifier>(host, read_settings(config_json, *host)); });
    if (rc == 0 && TARAT_HAS_FIELD(out, tarat_notifier, listen))
        out->listen = [](void* self, int64_t position, char* error, size_t error_len) noexcept -> int {
            try {
                std::string why;
                int rc = static_cast<TelegramNotifier*>(self)->listen(position, why);
                if (rc != 0) plugin::set_error(error, error_len, why);
                return rc;
            } catch (const std::exception& e) {
                plugin::set_error(error, error_len, e.what());
                return 1;
            }
        };
    return rc;
}
