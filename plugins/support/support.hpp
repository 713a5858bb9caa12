#pragma once
// What the network plugins (smtp, webhook, telegram) share: error and log plumbing, settings that
// reject unknown keys, secret files, libcurl set-up and failure text, and the few hashes they need.
// Linked statically into each module, so every module has its own copy (and its own once-flag).
#include <tarat/plugin.h>

#include <curl/curl.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tarat::plugin {

// Writes `text` into the host's error buffer, truncated on a UTF-8 boundary.
void set_error(char* error, size_t error_len, std::string_view text) noexcept;

void init_curl_once();  // below, with the other libcurl set-up

// The C side every network plugin shares. Notifier has `static constexpr const char* kName` and
// `tarat_status send(const tarat_message&, tarat_result*, std::string& why)`; nothing it throws
// crosses the ABI: a send that throws asks for a retry, an open that throws fails with the reason.
template <class Notifier>
tarat_status send_guarded(void* self, const tarat_message* m, tarat_result* result, char* error,
                          size_t error_len) noexcept {
    try {
        std::string why;
        tarat_status status = static_cast<Notifier*>(self)->send(*m, result, why);
        if (status != TARAT_SENT) set_error(error, error_len, why);
        return status;
    } catch (const std::exception& e) {
        set_error(error, error_len, std::string(Notifier::kName) + " plugin: " + e.what());
        return TARAT_RETRY;
    }
}

template <class Notifier>
void close_notifier(void* self) noexcept {
    delete static_cast<Notifier*>(self);
}

// Fills `out` with the notifier `make()` builds (after curl's global set-up); 0 or 1 with a reason.
template <class Make>
int open_guarded(tarat_notifier* out, char* error, size_t error_len, Make&& make) noexcept {
    try {
        init_curl_once();
        auto notifier = make();
        using Notifier = typename decltype(notifier)::element_type;
        out->self = notifier.release();
        out->send = &send_guarded<Notifier>;
        out->close = &close_notifier<Notifier>;
        return 0;
    } catch (const std::exception& e) {
        set_error(error, error_len, e.what());
        return 1;
    }
}

// One line to the daemon's log; never throws.
void log(const tarat_host* host, tarat_log_level level, const std::string& message) noexcept;

// What a plugin tells the host when a channel's settings are wrong.
struct SettingsError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// A channel's settings (its TOML table as JSON). Every key must be one of `known`; each getter
// throws SettingsError with a one-line reason.
class Settings {
public:
    Settings(const char* config_json, std::string plugin, std::vector<std::string> known);

    // A non-empty string, or nullopt when absent.
    std::optional<std::string> string(const std::string& key) const;
    // A non-empty string; `what` explains the key when it is missing.
    std::string required_string(const std::string& key, std::string_view what) const;
    // A number of seconds in (0, 3600]; `fallback` when absent.
    std::chrono::milliseconds seconds(const std::string& key, std::chrono::milliseconds fallback) const;
    // true or false; `fallback` when absent.
    bool flag(const std::string& key, bool fallback) const;

private:
    nlohmann::json settings_;
    std::string plugin_;
};

// Reads a secret (password, token, signing key) from `file`, relative to the host's state dir,
// with trailing CR/LF removed. Errors name the key and the file, never the content. Warns in the
// log when others may read the file.
std::string read_secret_file(const tarat_host& host, const std::string& key, const std::string& file);

// Keeps control characters out and the length bounded, for text a server sent us that goes into
// an error line; cuts on a UTF-8 boundary.
std::string printable(std::string_view text, size_t max_bytes = 300);

// Replaces every occurrence of `secret` in `text` (a last line of defence for error strings).
std::string redact(std::string text, std::string_view secret);

std::string base64(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);
std::string sha256_hex(std::string_view bytes);
std::string hmac_sha256(std::string_view key, std::string_view data);  // the raw 32 bytes

// curl_global_init exactly once per module, thread-safe. libcurl asks that it run before any other
// thread uses libcurl; this libcurl is built "threadsafe" (7.84+), which makes concurrent first
// calls from two modules safe too. curl_global_cleanup is never called: another module or the host
// may still use libcurl. Throws std::runtime_error on failure.
void init_curl_once();

struct CurlDeleter {
    void operator()(CURL* curl) const noexcept { curl_easy_cleanup(curl); }
};
using CurlHandle = std::unique_ptr<CURL, CurlDeleter>;

// A curl_slist that frees itself.
class CurlList {
public:
    CurlList() = default;
    ~CurlList() { curl_slist_free_all(list_); }
    CurlList(const CurlList&) = delete;
    CurlList& operator=(const CurlList&) = delete;
    void append(const std::string& item);  // throws std::bad_alloc
    curl_slist* get() const { return list_; }

private:
    curl_slist* list_ = nullptr;
};

// How one transfer is bounded and whom it trusts.
struct TransferLimits {
    std::chrono::milliseconds connect_timeout{10'000};
    std::chrono::milliseconds timeout{30'000};
    std::string ca_file;  // empty: the system's CA store
};

// Reads connect_timeout, timeout and ca_file (relative to the state dir) from settings.
TransferLimits read_limits(const Settings& settings, const tarat_host& host);

// A fresh easy handle with what every plugin transfer shares: only `protocols` (e.g. "http,https"),
// no redirects, no signals, the limits, and errors into `error_buffer` (CURL_ERROR_SIZE bytes,
// which must outlive the handle's use). Throws std::runtime_error when libcurl refuses.
CurlHandle new_transfer(const TransferLimits& limits, const char* protocols, char* error_buffer);

// Why a transfer failed, in one line: libcurl's words plus the system's (e.g. "Connection refused").
std::string describe_failure(CURL* curl, CURLcode code, const char* error_buffer);

// The parts of a configured URL that may appear in messages. The whole URL never does: it may
// carry a token in its path.
struct UrlParts {
    std::string scheme;  // lower case
    std::string host;
};

// Checks a URL from the settings: one of `schemes`, a host, no user or password in it, no
// fragment. Throws SettingsError naming `key` (not the URL).
UrlParts check_url(const std::string& key, const std::string& url, const std::vector<std::string>& schemes);

}  // namespace tarat::plugin
