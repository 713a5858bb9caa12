#include "web/rate_limit.hpp"

#include <algorithm>

namespace tarat::web {

bool RateLimit::take(const std::string& key, Clock::time_point now) {
    if (buckets_.size() > 10000) {  // full ones carry no information: drop them
        for (auto it = buckets_.begin(); it != buckets_.end();) {
            double minutes = std::chrono::duration<double>(now - it->second.at).count() / 60;
            it = it->second.tokens + minutes * per_minute_ >= per_minute_ ? buckets_.erase(it) : std::next(it);
        }
    }
    auto [it, fresh] = buckets_.try_emplace(key, Bucket{per_minute_, now});
    auto& b = it->second;
    double minutes = std::chrono::duration<double>(now - b.at).count() / 60;
    b.tokens = std::min(per_minute_, b.tokens + minutes * per_minute_);
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
}

}  // namespace tarat::web
