#include "app/state_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>

namespace tarat {

StateLock::StateLock(const std::filesystem::path& state_dir) {
    std::error_code ec;
    std::filesystem::create_directories(state_dir, ec);
    if (ec) throw std::system_error(ec, "cannot create state dir " + state_dir.string());
    auto path = state_dir / "taratd.lock";
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "cannot open " + path.string());
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        int err = errno;
        char pid[32] = {};
        ssize_t n = ::pread(fd_, pid, sizeof pid - 1, 0);
        ::close(fd_);
        fd_ = -1;
        if (err == EWOULDBLOCK) {
            std::string who = n > 0 ? std::string(pid, std::strlen(pid)) : std::string("unknown");
            while (!who.empty() && (who.back() == '\n' || who.back() == ' ')) who.pop_back();
            throw StateDirLocked("another taratd (pid " + who + ") is already running on state dir " + state_dir.string());
        }
        throw std::system_error(err, std::generic_category(), "cannot lock " + path.string());
    }
    auto text = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, text.data(), text.size(), 0) != ssize_t(text.size()))
        throw std::system_error(errno, std::generic_category(), "cannot write " + path.string());
}

StateLock::~StateLock() {
    if (fd_ >= 0) ::close(fd_);
}

}  // namespace tarat
