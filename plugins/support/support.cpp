#include "support.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <system_error>

namespace tarat::plugin {

namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxSecretBytes = 64 * 1024;

fs::path resolve(const tarat_host& host, const std::string& file) {
    fs::path path(file);
    if (path.is_absolute()) return path;
    return fs::path(host.state_dir ? host.state_dir : "") / path;
}

std::string join(const std::vector<std::string>& words) {
    std::string text;
    for (const auto& w : words) text += (text.empty() ? "" : ", ") + w;
    return text;
}

// A URL part, or empty when the URL has none.
std::string url_part(CURLU* url, CURLUPart part) {
    char* value = nullptr;
    if (curl_url_get(url, part, &value, 0) != CURLUE_OK || !value) return {};
    std::string text = value;
    curl_free(value);
    return text;
}

}  // namespace

void set_error(char* error, size_t error_len, std::string_view text) noexcept {
    if (!error || error_len == 0) return;
    size_t n = std::min(error_len - 1, text.size());
    while (n > 0 && n < text.size() && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;  // whole UTF-8 only
    std::memcpy(error, text.data(), n);
    error[n] = '\0';
}

void log(const tarat_host* host, tarat_log_level level, const std::string& message) noexcept {
    if (host && host->log) host->log(host->context, level, message.c_str());
}

Settings::Settings(const char* config_json, std::string plugin, std::vector<std::string> known)
    : plugin_(std::move(plugin)) {
    settings_ = nlohmann::json::parse(config_json ? config_json : "{}", nullptr, false);
    if (!settings_.is_object()) throw SettingsError("settings must be a JSON object");
    for (const auto& [key, value] : settings_.items())
        if (std::find(known.begin(), known.end(), key) == known.end())
            throw SettingsError("unknown key '" + printable(key, 64) + "' (the " + plugin_ + " plugin knows " +
                                join(known) + ")");
}

std::optional<std::string> Settings::string(const std::string& key) const {
    auto it = settings_.find(key);
    if (it == settings_.end()) return std::nullopt;
    if (!it->is_string() || it->get_ref<const std::string&>().empty())
        throw SettingsError("'" + key + "' must be a non-empty string");
    return it->get<std::string>();
}

std::string Settings::required_string(const std::string& key, std::string_view what) const {
    auto value = string(key);
    if (!value) throw SettingsError("'" + key + "' is missing: " + std::string(what));
    return *value;
}

std::chrono::milliseconds Settings::seconds(const std::string& key, std::chrono::milliseconds fallback) const {
    auto it = settings_.find(key);
    if (it == settings_.end()) return fallback;
    if (!it->is_number()) throw SettingsError("'" + key + "' must be a number of seconds");
    double value = it->get<double>();
    if (!(value > 0 && value <= 3600)) throw SettingsError("'" + key + "' must be more than 0 and at most 3600 seconds");
    return std::chrono::milliseconds(std::max<long long>(1, std::llround(value * 1000)));
}

bool Settings::flag(const std::string& key, bool fallback) const {
    auto it = settings_.find(key);
    if (it == settings_.end()) return fallback;
    if (!it->is_boolean()) throw SettingsError("'" + key + "' must be true or false");
    return it->get<bool>();
}

std::string read_secret_file(const tarat_host& host, const std::string& key, const std::string& file) {
    fs::path path = resolve(host, file);
    // O_NONBLOCK: a FIFO named as a secret file must be refused, not waited on forever.
    int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        throw SettingsError("cannot read " + key + " " + path.string() + ": " + std::generic_category().message(errno));
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        throw SettingsError(key + " " + path.string() + " is " +
                            (S_ISFIFO(st.st_mode) ? "a FIFO" : S_ISDIR(st.st_mode) ? "a directory"
                             : S_ISCHR(st.st_mode) ? "a character device" : S_ISBLK(st.st_mode) ? "a block device"
                             : "not a file") + ", not a regular file");
    if (st.st_size > static_cast<off_t>(kMaxSecretBytes))
        throw SettingsError(key + " " + path.string() + " is larger than 64 KiB: not a secret file");
    if (st.st_mode & (S_IROTH | S_IWOTH))
        log(&host, TARAT_LOG_WARNING, key + " " + path.string() + " may be read by any user: chmod o-rw it");

    std::string secret;
    std::array<char, 4096> buffer{};
    while (secret.size() <= kMaxSecretBytes) {
        ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0)
            throw SettingsError("cannot read " + key + " " + path.string() + ": " + std::generic_category().message(errno));
        if (n == 0) break;
        secret.append(buffer.data(), static_cast<size_t>(n));
    }
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
    if (secret.empty()) throw SettingsError(key + " " + path.string() + " is empty");
    return secret;
}

std::string printable(std::string_view text, size_t max_bytes) {
    std::string out;
    out.reserve(std::min(text.size(), max_bytes));
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        char kept = (u < 0x20 || u == 0x7f) ? ' ' : c;
        if (kept == ' ' && (out.empty() || out.back() == ' ')) continue;  // squeeze runs of blanks
        out += kept;
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    if (out.size() > max_bytes) {
        size_t n = max_bytes;
        while (n > 0 && (static_cast<unsigned char>(out[n]) & 0xC0) == 0x80) --n;
        out.resize(n);
        out += "…";
    }
    return out;
}

std::string redact(std::string text, std::string_view secret) {
    if (secret.size() < 4) return text;  // a shorter "secret" would garble the text, and reveals little
    for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3))
        text.replace(at, secret.size(), "***");
    return text;
}

std::string base64(std::string_view bytes) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        uint32_t v = static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16 |
                     static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8 |
                     static_cast<unsigned char>(bytes[i + 2]);
        for (int shift = 18; shift >= 0; shift -= 6) out += kAlphabet[(v >> shift) & 63];
    }
    size_t rest = bytes.size() - i;
    if (rest > 0) {
        uint32_t v = static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
        if (rest == 2) v |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    };
    while (!text.empty() && text.back() == '=') text.remove_suffix(1);
    if (text.size() % 4 == 1) return std::nullopt;
    std::string out;
    uint32_t bits = 0;
    int count = 0;
    for (char c : text) {
        int v = value(c);
        if (v < 0) return std::nullopt;
        bits = bits << 6 | static_cast<uint32_t>(v);
        if (++count == 4) {
            out += static_cast<char>(bits >> 16 & 0xff);
            out += static_cast<char>(bits >> 8 & 0xff);
            out += static_cast<char>(bits & 0xff);
            bits = 0;
            count = 0;
        }
    }
    if (count == 2) out += static_cast<char>(bits >> 4 & 0xff);
    if (count == 3) {
        out += static_cast<char>(bits >> 10 & 0xff);
        out += static_cast<char>(bits >> 2 & 0xff);
    }
    return out;
}

std::string sha256_hex(std::string_view bytes) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("SHA-256 failed");
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    for (unsigned int i = 0; i < length; ++i) {
        hex += kHex[digest[i] >> 4];
        hex += kHex[digest[i] & 15];
    }
    return hex;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (key.size() > static_cast<size_t>(INT32_MAX) ||
        !HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
              data.size(), mac, &length))
        throw std::runtime_error("HMAC-SHA256 failed");
    return std::string(reinterpret_cast<const char*>(mac), length);
}

void init_curl_once() {
    static std::once_flag once;
    static CURLcode result = CURLE_OK;
    std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
    if (result != CURLE_OK) throw std::runtime_error(std::string("libcurl failed to start: ") + curl_easy_strerror(result));
}

void CurlList::append(const std::string& item) {
    curl_slist* longer = curl_slist_append(list_, item.c_str());
    if (!longer) throw std::bad_alloc();
    list_ = longer;
}

TransferLimits read_limits(const Settings& settings, const tarat_host& host) {
    TransferLimits limits;
    limits.connect_timeout = settings.seconds("connect_timeout", limits.connect_timeout);
    limits.timeout = settings.seconds("timeout", limits.timeout);
    if (auto ca = settings.string("ca_file")) {
        fs::path path = resolve(host, *ca);
        std::error_code ec;
        if (!fs::is_regular_file(path, ec)) throw SettingsError("ca_file " + path.string() + " is not a readable file");
        limits.ca_file = path.string();
    }
    return limits;
}

CurlHandle new_transfer(const TransferLimits& limits, const char* protocols, char* error_buffer) {
    init_curl_once();
    CurlHandle curl(curl_easy_init());
    if (!curl) throw std::runtime_error("libcurl cannot start a transfer");
    error_buffer[0] = '\0';
    CURL* c = curl.get();
    bool ok = curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_buffer) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, protocols) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, protocols) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_MAXREDIRS, 0L) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_NETRC, static_cast<long>(CURL_NETRC_IGNORED)) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(limits.connect_timeout.count())) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(limits.timeout.count())) == CURLE_OK;
    if (ok && !limits.ca_file.empty()) ok = curl_easy_setopt(c, CURLOPT_CAINFO, limits.ca_file.c_str()) == CURLE_OK;
    if (!ok) throw std::runtime_error(std::string("libcurl refused an option: ") + error_buffer);
    return curl;
}

std::string describe_failure(CURL* curl, CURLcode code, const char* error_buffer) {
    std::string text = error_buffer && error_buffer[0] ? error_buffer : curl_easy_strerror(code);
    long os_errno = 0;
    if (curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, &os_errno) == CURLE_OK && os_errno != 0) {
        std::string system = std::generic_category().message(static_cast<int>(os_errno));
        if (text.find(system) == std::string::npos) text += " (" + system + ")";
    }
    return printable(text);
}

UrlParts check_url(const std::string& key, const std::string& url, const std::vector<std::string>& schemes) {
    init_curl_once();
    std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> parsed(curl_url(), &curl_url_cleanup);
    if (!parsed) throw std::bad_alloc();
    if (curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK)
        throw SettingsError("'" + key + "' is not a URL (expected " + join(schemes) + ")");
    UrlParts parts;
    parts.scheme = url_part(parsed.get(), CURLUPART_SCHEME);
    std::transform(parts.scheme.begin(), parts.scheme.end(), parts.scheme.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    parts.host = url_part(parsed.get(), CURLUPART_HOST);
    if (std::find(schemes.begin(), schemes.end(), parts.scheme) == schemes.end())
        throw SettingsError("'" + key + "' must start with " + join(schemes) + " (the scheme is '" +
                            printable(parts.scheme, 32) + "')");
    if (parts.host.empty()) throw SettingsError("'" + key + "' names no host");
    if (!url_part(parsed.get(), CURLUPART_USER).empty() || !url_part(parsed.get(), CURLUPART_PASSWORD).empty())
        throw SettingsError("'" + key + "' must not carry a user or password: secrets belong in a file");
    if (!url_part(parsed.get(), CURLUPART_FRAGMENT).empty()) throw SettingsError("'" + key + "' must not have a #fragment");
    return parts;
}

}  // namespace tarat::plugin
