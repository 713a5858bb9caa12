#pragma once
// Files taratctl writes for its caller (`-o FILE`), with the caller's own rights: the daemon never
// opens a path a client names; the bytes come over the socket.
#include <filesystem>
#include <string_view>

namespace tarat {

// Writes `bytes` to a new file beside `path`, syncs it and renames it over `path`: a reader sees the
// old file or the whole new one, never a part. A new file gets 0666 less the umask; a replaced one
// keeps its mode. Throws std::system_error naming the path.
void write_file_atomically(const std::filesystem::path& path, std::string_view bytes);

}  // namespace tarat
