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

// Writes `bytes` to `target` with the calling process's rights. Throws std::system_error naming
// the file; the temporary file is removed on failure.
void write_file_atomically(const std::filesystem::path& target, std::string_view bytes, mode_t mode = 0666,
                           ModeRule rule = ModeRule::umask);

}  // namespace tarat
