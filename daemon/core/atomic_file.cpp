#include "core/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <string>
#include <utility>
#include <system_error>

namespace tarat {
namespace {

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& file) {
    throw std::system_error(errno, std::generic_category(), what + " " + file.string());
}

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }
    int release() { return std::exchange(fd_, -1); }

private:
    int fd_;
};

void write_all(int fd, std::string_view bytes, const std::filesystem::path& file) {
    while (!bytes.empty()) {
        ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail("cannot write", file);
        bytes.remove_prefix(static_cast<size_t>(n));
    }
}

}  // namespace

void write_file_atomically(const std::filesystem::path& target, std::string_view bytes, mode_t mode,
                           ModeRule rule) {
    static std::atomic<unsigned> counter{0};
    const auto folder = target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
    const std::filesystem::path temporary =
        folder / ("." + target.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" +
                  std::to_string(counter++));
    Fd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
    if (fd.get() < 0) fail("cannot create", temporary);
    try {
        if (rule == ModeRule::exact && ::fchmod(fd.get(), mode) != 0) fail("cannot chmod", temporary);
        write_all(fd.get(), bytes, temporary);
        if (::fsync(fd.get()) != 0) fail("cannot fsync", temporary);
        if (::close(fd.release()) != 0) fail("cannot close", temporary);
        if (::rename(temporary.c_str(), target.c_str()) != 0) fail("cannot rename to", target);
    } catch (...) {
        ::unlink(temporary.c_str());
        throw;
    }
    Fd dir(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir.get() < 0 || ::fsync(dir.get()) != 0) fail("cannot fsync the folder of", target);
}

}  // namespace tarat
