#pragma once
// Per-address rate limits (sign-in and link pages): a token bucket per key, refilled steadily.
#include <chrono>
#include <cstddef>
#include <string>
#include <unordered_map>

namespace tarat::web {

class RateLimit {
public:
    using Clock = std::chrono::steady_clock;
    // `per_minute` requests a minute, up to `per_minute` at once.
    explicit RateLimit(double per_minute) : per_minute_(per_minute) {}

    // Takes one request for `key` at `now`; false when its bucket is empty.
    bool take(const std::string& key, Clock::time_point now = Clock::now());

private:
    struct Bucket {
        double tokens;
        Clock::time_point at;
    };
    double per_minute_;
    std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace tarat::web
