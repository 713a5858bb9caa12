#include "http.hpp"

#include <algorithm>
#include <cctype>
#include <climits>
#include <ctime>

namespace tarat::plugin {

namespace {

constexpr size_t kMaxReplyBytes = 64 * 1024;


size_t on_body(char* data, size_t size, size_t count, void* user) {
    auto* reply = static_cast<HttpReply*>(user);
    size_t bytes = size * count;
    size_t room = kMaxReplyBytes - std::min(kMaxReplyBytes, reply->body.size());
    reply->body.append(data, std::min(bytes, room));  // the rest is read and dropped
    return bytes;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    return text;
}

// Retry-After is either delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
std::optional<int32_t> parse_retry_after(std::string_view value) {
    value = trim(value);
    if (value.empty()) return std::nullopt;
    if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        long long seconds = 0;
        for (char c : value) {
            seconds = seconds * 10 + (c - '0');
            if (seconds > INT32_MAX) return INT32_MAX;
        }
        return static_cast<int32_t>(seconds);
    }
    std::string date(value);
    time_t when = curl_getdate(date.c_str(), nullptr);
    if (when < 0) return std::nullopt;
    long long delta = static_cast<long long>(when) - static_cast<long long>(std::time(nullptr));
    return static_cast<int32_t>(std::clamp<long long>(delta, 0, INT32_MAX));
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
    auto* reply = static_cast<HttpReply*>(user);
    size_t bytes = size * count;
    std::string_view line(data, bytes);
    if (line.substr(0, 5) == "HTTP/") {
        reply->retry_after.reset();  // a new response (after 100 Continue): its own headers count
        return bytes;
    }
    constexpr std::string_view name = "retry-after:";
    if (line.size() > name.size() &&
        std::equal(name.begin(), name.end(), line.begin(),
                   [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); }))
        reply->retry_after = parse_retry_after(line.substr(name.size()));
    return bytes;
}

// Ends a transfer whose request's cancel flag is set (checked about once a second by libcurl).
int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    const auto* cancel = static_cast<const std::atomic<bool>*>(user);
    return cancel && cancel->load() ? 1 : 0;
}

}  // namespace

HttpReply http_post(const HttpRequest& request) {
    HttpReply reply;
    char error_buffer[CURL_ERROR_SIZE];
    CurlHandle curl = new_transfer(request.limits, "http,https", error_buffer);
    CURL* c = curl.get();

    CurlList headers;
    for (const auto& h : request.headers) headers.append(h);
    headers.append("Expect:");  // no 100-continue round trip

    bool ok = curl_easy_setopt(c, CURLOPT_URL, request.url.c_str()) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_POST, 1L) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size())) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data()) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get()) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_USERAGENT, request.user_agent.c_str()) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &on_body) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_WRITEDATA, &reply) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &on_header) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_HEADERDATA, &reply) == CURLE_OK;
    if (ok && request.cancel)
        ok = curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L) == CURLE_OK &&
             curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, &on_progress) == CURLE_OK &&
             curl_easy_setopt(c, CURLOPT_XFERINFODATA, request.cancel) == CURLE_OK;
    if (!ok) throw std::runtime_error(std::string("libcurl refused an option: ") + error_buffer);

    CURLcode code = curl_easy_perform(c);
    if (code != CURLE_OK) {
        reply.failure = describe_failure(c, code, error_buffer);
        return reply;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply.status);
    reply.answered = true;
    return reply;
}

}  // namespace tarat::plugin
