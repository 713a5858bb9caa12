#pragma once
// What the fuzz harnesses share: where the checkout is, bytes as text, silent logging.
#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>

namespace tarat::fuzz {

inline std::filesystem::path source_dir() { return TARAT_SOURCE_DIR; }

inline std::string_view as_text(const uint8_t* data, size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// Millions of runs must not print millions of warnings.
inline void quiet_logs() {
    static const bool done = [] {
        spdlog::set_level(spdlog::level::off);
        return true;
    }();
    (void)done;
}

}  // namespace tarat::fuzz
