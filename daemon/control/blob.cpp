#include "control/blob.hpp"

#include <boost/archive/iterators/base64_from_binary.hpp>
#include <boost/archive/iterators/binary_from_base64.hpp>
#include <boost/archive/iterators/transform_width.hpp>

#include <algorithm>

namespace tarat::control {
namespace {

namespace it = boost::archive::iterators;
using Encoder = it::base64_from_binary<it::transform_width<const char*, 6, 8>>;
using Decoder = it::transform_width<it::binary_from_base64<const char*>, 8, 6>;

bool is_base64_letter(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

}  // namespace

// Boost's header-only iterators, not libcrypto: linking libcrypto only for base64 cost taratd
// 1.4 MiB of resident memory while idle (its relocations are touched at load).
std::string encode_blob(std::string_view bytes) {
    std::string text(Encoder(bytes.data()), Encoder(bytes.data() + bytes.size()));
    text.append((3 - bytes.size() % 3) % 3, '=');
    return text;
}

std::optional<std::string> decode_blob(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    const std::size_t padding = text.ends_with("==") ? 2 : text.ends_with('=') ? 1 : 0;
    const std::string_view letters = text.substr(0, text.size() - padding);
    if (!std::all_of(letters.begin(), letters.end(), is_base64_letter)) return std::nullopt;
    // The decoder refuses '='; padding decodes as 'A' (zero bits) and its bytes are dropped.
    std::string padded(text);
    std::fill(padded.end() - static_cast<std::ptrdiff_t>(padding), padded.end(), 'A');
    std::string bytes(Decoder(padded.data()), Decoder(padded.data() + padded.size()));
    bytes.resize(bytes.size() - padding);
    return bytes;
}

}  // namespace tarat::control
