#pragma once
// Files taratctl writes for its caller (`-o FILE`), with the caller's own rights: the daemon never
// opens a path a client names; the bytes come over the socket.
#include <sys/types.h>

#include <filesystem>
#include <string_view>

namespace tarat {

// The mode of a file written at `path`: a new file's is 0666 less the umask; a replaced one keeps its own.
mode_t output_mode(const std::filesystem::path& path);

// Writes `bytes` to a new file beside `path`, syncs it and renames it over `path` (AtomicFile): a
// reader sees the old file or the whole new one, never a part; its mode is output_mode(path).
// Throws std::system_error naming the path.
void write_output_file(const std::filesystem::path& path, std::string_view bytes);

}  // namespace tarat
