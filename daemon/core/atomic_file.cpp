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

AtomicFile::AtomicFile(std::filesystem::path target, mode_t mode, ModeRule rule) : target_(std::move(target)) {
    static std::atomic<unsigned> counter{0};
    const auto folder = target_.has_parent_path() ? target_.parent_path() : std::filesystem::path(".");
    temporary_ = folder / ("." + target_.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" +
                           std::to_string(counter++));
    fd_ = ::open(temporary_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd_ < 0) fail("cannot create", temporary_);
    if (rule == ModeRule::exact && ::fchmod(fd_, mode) != 0) {
        const int saved = errno;
        ::close(fd_);
        ::unlink(temporary_.c_str());
        errno = saved;
        fail("cannot chmod", temporary_);
    }
}

AtomicFile::~AtomicFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(temporary_.c_str());
}

void AtomicFile::write(std::string_view bytes) { write_all(fd_, bytes, temporary_); }

void AtomicFile::commit(bool synced) {
    if (synced && ::fsync(fd_) != 0) fail("cannot fsync", temporary_);
    const int fd = std::exchange(fd_, -1);
    if (::close(fd) != 0) fail("cannot close", temporary_);
    if (::rename(temporary_.c_str(), target_.c_str()) != 0) fail("cannot rename to", target_);
    committed_ = true;
    if (!synced) return;
    const auto folder = target_.has_parent_path() ? target_.parent_path() : std::filesystem::path(".");
    Fd dir(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir.get() < 0 || ::fsync(dir.get()) != 0) fail("cannot fsync the folder of", target_);
}

void write_file_atomically(const std::filesystem::path& target, std::string_view bytes, mode_t mode,
                           ModeRule rule) {
    AtomicFile file(target, mode, rule);
    file.write(bytes);
    file.commit();
}

}  // namespace tarat
