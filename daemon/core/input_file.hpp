#pragma once
// Every file taratd reads by name (config, plan, days off, templates) comes through here: it must
// be a regular file, opening it never blocks (a FIFO would), and reading it is bounded even when
// its size is unknown (/dev/zero, /proc). The one place in core/ that does I/O: config/ and the
// templates both need it, and neither may depend on the other.
#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <string>

namespace tarat {

// A plan, config or days-off file; a national plan of 200,000 events is 2 MiB.
inline constexpr std::size_t kMaxInputFileBytes = std::size_t{16} << 20;

struct InputFile {
    std::string text;   // the contents, when `error` is empty
    std::string error;  // one line without the path: "is a FIFO, not a regular file"
    bool ok() const { return error.empty(); }
};

// Reads the whole file, or says in one line why not: missing, unreadable, not a regular file
// (naming what it is), or larger than `max_bytes` (naming the limit). Never blocks, never throws
// for the file's faults.
InputFile read_input_file(const std::filesystem::path& path, std::size_t max_bytes = kMaxInputFileBytes);

// "a FIFO", "a directory", "a character device", "a block device", "a socket", "a symbolic link"
// or "a regular file", for a stat's st_mode.
std::string file_type_name(mode_t mode);

// "16 MiB", "64 KiB", "300 bytes": a limit as people read it.
std::string byte_size_text(std::size_t bytes);

}  // namespace tarat
