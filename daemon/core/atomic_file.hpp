#pragma once
// Replacing a file so that a reader sees the old bytes or the new ones, never a mix, and a crash
// leaves one of the two: a temporary file beside it, fsync, rename, fsync of the folder.
#include <sys/types.h>

#include <filesystem>
#include <string_view>

namespace tarat {

// How the new file's mode comes about: `mode` filtered by the umask (a file written for the user
// who ran the command), or exactly `mode` (a file meant to be published whatever the umask).
enum class ModeRule { umask, exact };

// A new file beside `target`, written in parts (a national plan's table, page by page) and put in
// its place by commit(); removed if dropped before. With the calling process's rights. Each step
// throws std::system_error naming the file.
class AtomicFile {
public:
    explicit AtomicFile(std::filesystem::path target, mode_t mode = 0666, ModeRule rule = ModeRule::umask);
    ~AtomicFile();
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    void write(std::string_view bytes);
    // The file being written, for a library that writes by name (it must write this same file).
    const std::filesystem::path& temporary() const { return temporary_; }
    // fsync, rename over the target, fsync of the folder. Without the fsyncs (`synced` false) for a
    // file that is made again anyway when lost (a feed, rewritten at each start): a crash may then
    // leave it empty, never half-written under its name while the system runs.
    void commit(bool synced = true);

private:
    std::filesystem::path target_;
    std::filesystem::path temporary_;
    int fd_ = -1;
    bool committed_ = false;
};

// The whole of `bytes` through an AtomicFile.
void write_file_atomically(const std::filesystem::path& target, std::string_view bytes, mode_t mode = 0666,
                           ModeRule rule = ModeRule::umask);

}  // namespace tarat
