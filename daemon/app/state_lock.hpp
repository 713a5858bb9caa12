#pragma once
// One taratd per state dir: a write lock (fcntl) on STATE_DIR/taratd.lock, held for the process's
// life and never by its children.
#include <filesystem>
#include <stdexcept>

namespace tarat {

class StateDirLocked : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The state dir is missing and cannot be created, or cannot be written (a read-only mount, no
// rights): taratd exits 73 with this message, which names the path.
class StateDirUnusable : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class StateLock {
public:
    // Creates the state dir if needed. Throws StateDirLocked when another process holds it
    // (naming its pid), StateDirUnusable when the dir cannot be created or written.
    explicit StateLock(const std::filesystem::path& state_dir);
    ~StateLock();
    StateLock(const StateLock&) = delete;
    StateLock& operator=(const StateLock&) = delete;

private:
    int fd_ = -1;
};

}  // namespace tarat
