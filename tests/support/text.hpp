#pragma once
// Small text helpers the tests share.
#include <string>

namespace tarat::testing {

inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// `piece` `times` times over: "ә" 700 times is 700 letters and 1,400 bytes.
inline std::string repeated(const std::string& piece, int times) {
    std::string out;
    for (int i = 0; i < times; ++i) out += piece;
    return out;
}

}  // namespace tarat::testing
