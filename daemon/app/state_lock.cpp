#include "app/state_lock.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>

namespace tarat {

StateLock::StateLock(const std::filesystem::path& state_dir) {
    std::error_code ec;
    std::filesystem::create_directories(state_dir, ec);
    if (ec)
        throw StateDirUnusable("state dir " + state_dir.string() + " does not exist and cannot be created: " +
                               ec.message());
    // Opening (creating) the lock file is the first write: it fails at once on a read-only dir.
    auto path = state_dir / "taratd.lock";
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd_ < 0)
        throw StateDirUnusable("state dir " + state_dir.string() + " cannot be written: cannot open " + path.string() +
                               ": " + std::strerror(errno));
    // A POSIX record lock, not flock(): a forked child (the channel check) does not inherit it, so
    // a child that outlives a killed taratd can never keep the next one out.
    struct flock whole {};
    whole.l_type = F_WRLCK;
    whole.l_whence = SEEK_SET;
    if (::fcntl(fd_, F_SETLK, &whole) != 0) {
        int err = errno;
        char pid[32] = {};
        ssize_t n = ::pread(fd_, pid, sizeof pid - 1, 0);
        struct flock holder = whole;
        const bool known_holder = ::fcntl(fd_, F_GETLK, &holder) == 0 && holder.l_type != F_UNLCK;
        ::close(fd_);
        fd_ = -1;
        if (err == EACCES || err == EAGAIN) {
            std::string who = known_holder ? std::to_string(holder.l_pid)
                              : n > 0      ? std::string(pid, std::strlen(pid))
                                           : std::string("unknown");
            while (!who.empty() && (who.back() == '\n' || who.back() == ' ')) who.pop_back();
            throw StateDirLocked("another taratd (pid " + who + ") is already running on state dir " + state_dir.string());
        }
        throw StateDirUnusable("state dir " + state_dir.string() + ": cannot lock " + path.string() + ": " +
                               std::strerror(err));
    }
    auto text = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, text.data(), text.size(), 0) != ssize_t(text.size()))
        throw StateDirUnusable("state dir " + state_dir.string() + " cannot be written: cannot write " +
                               path.string() + ": " + std::strerror(errno));
}

StateLock::~StateLock() {
    if (fd_ >= 0) ::close(fd_);
}

}  // namespace tarat
