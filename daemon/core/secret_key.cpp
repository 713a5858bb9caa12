#include "core/secret_key.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace tarat {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string key_from(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::string key((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (key.size() < 32) throw std::runtime_error(file.string() + " holds no key (32 bytes)");
    return key;
}

}  // namespace

std::string random_bytes(std::size_t n) {
    std::string bytes(n, '\0');
    std::ifstream random("/dev/urandom", std::ios::binary);
    if (!random.read(bytes.data(), std::streamsize(n))) throw std::runtime_error("cannot read /dev/urandom");
    return bytes;
}

std::string load_or_create_key(const fs::path& file) {
    if (fs::exists(file)) return key_from(file);
    std::string key = random_bytes(32);
    int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST) return key_from(file);
        throw std::runtime_error("cannot create " + file.string() + ": " + std::strerror(errno));
    }
    bool ok = ::write(fd, key.data(), key.size()) == ssize_t(key.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) throw std::runtime_error("cannot write " + file.string());
    return key;
}

std::string base64url(const std::uint8_t* bytes, std::size_t n) {
    std::string out;
    out.reserve((n * 4 + 2) / 3);
    std::size_t i = 0;
    for (; i + 2 < n; i += 3) {
        std::uint32_t v = std::uint32_t(bytes[i]) << 16 | std::uint32_t(bytes[i + 1]) << 8 | bytes[i + 2];
        for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
    }
    if (n - i == 1) {
        std::uint32_t v = std::uint32_t(bytes[i]) << 16;
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
    } else if (n - i == 2) {
        std::uint32_t v = std::uint32_t(bytes[i]) << 16 | std::uint32_t(bytes[i + 1]) << 8;
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
    }
    return out;
}

bool base64url_decode(std::string_view text, std::string& out) {
    out.clear();
    if (text.size() % 4 == 1) return false;
    std::uint32_t v = 0;
    int bits = 0;
    for (char c : text) {
        auto at = kAlphabet.find(c);
        if (at == std::string_view::npos) return false;
        v = (v << 6) | std::uint32_t(at);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += char((v >> bits) & 0xFF);
        }
    }
    return true;
}

bool equal_in_constant_time(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    unsigned char differ = 0;
    for (std::size_t i = 0; i < a.size(); ++i) differ |= static_cast<unsigned char>(a[i] ^ b[i]);
    return differ == 0;
}

}  // namespace tarat
