// The log plugin: one line per notice in the daemon's own log (kind, recipient, subject, key; never
// the body or the address). Always SENT: useful as a fallback channel and for trying a plan out.
#include <tarat/plugin.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <exception>
#include <new>
#include <string>

namespace {

void set_error(char* error, size_t error_len, const std::string& text) noexcept {
    if (!error || error_len == 0) return;
    size_t n = std::min(error_len - 1, text.size());
    while (n > 0 && n < text.size() && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;  // whole UTF-8 only
    std::memcpy(error, text.data(), n);
    error[n] = '\0';
}

struct LogNotifier {
    const tarat_host* host;
};

tarat_status log_send(void* self, const tarat_message* m, tarat_result*, char* error, size_t error_len) {
    try {
        const auto* notifier = static_cast<const LogNotifier*>(self);
        std::string line = "notice ";
        line += m->kind;
        line += " for ";
        line += m->recipient;
        line += ": ";
        line += m->subject;
        line += " [key ";
        line += m->idempotency_key;
        line += "]";
        notifier->host->log(notifier->host->context, TARAT_LOG_INFO, line.c_str());
        return TARAT_SENT;
    } catch (const std::exception& e) {
        set_error(error, error_len, std::string("log plugin: ") + e.what());
        return TARAT_RETRY;
    }
}

void log_close(void* self) { delete static_cast<LogNotifier*>(self); }

}  // namespace

extern "C" TARAT_PLUGIN_EXPORT uint32_t tarat_plugin_abi(void) { return TARAT_PLUGIN_ABI; }

extern "C" TARAT_PLUGIN_EXPORT int tarat_plugin_open(const char* config_json, const tarat_host* host,
                                                     tarat_notifier* out, char* error, size_t error_len) {
    try {
        if (!host || !host->log) {
            set_error(error, error_len, "the host offers no log callback");
            return 1;
        }
        auto settings = nlohmann::json::parse(config_json ? config_json : "{}", nullptr, false);
        if (!settings.is_object()) {
            set_error(error, error_len, "settings must be a JSON object");
            return 1;
        }
        if (!settings.empty()) {
            set_error(error, error_len, "unknown key '" + settings.begin().key() + "': the log plugin has no settings");
            return 1;
        }
        out->self = new LogNotifier{host};
        out->send = &log_send;
        out->close = &log_close;
        return 0;
    } catch (const std::exception& e) {
        set_error(error, error_len, e.what());
        return 1;
    }
}
