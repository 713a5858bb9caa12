#pragma once
// One HTTP(S) POST through libcurl, for the webhook and telegram plugins.
#include "support.hpp"

#include <atomic>
#include <optional>
#include <string>
#include <vector>

namespace tarat::plugin {

struct HttpRequest {
    std::string url;
    std::vector<std::string> headers;  // "Name: value" lines
    std::string body;
    TransferLimits limits;
    std::string user_agent;
    const std::atomic<bool>* cancel = nullptr;  // set: the transfer ends soon (a failure "cancelled")
};

struct HttpReply {
    bool answered = false;  // false: no HTTP answer at all (see failure)
    long status = 0;
    std::string body;                         // the first 64 KiB
    std::optional<int32_t> retry_after;       // seconds, from a Retry-After header (delay or date)
    std::string failure;                      // why there was no answer, when !answered
};

// POSTs `request.body` to `request.url` (http or https only, no redirects). Never throws for
// network trouble; throws std::runtime_error / std::bad_alloc only when libcurl cannot be set up.
HttpReply http_post(const HttpRequest& request);

}  // namespace tarat::plugin
