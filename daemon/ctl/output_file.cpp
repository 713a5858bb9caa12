#include "ctl/output_file.hpp"

#include "core/atomic_file.hpp"

#include <sys/stat.h>

namespace tarat {

mode_t output_mode(const std::filesystem::path& path) {
    struct stat existing {};
    if (::stat(path.c_str(), &existing) == 0 && S_ISREG(existing.st_mode)) return existing.st_mode & 07777;
    const mode_t mask = ::umask(0);
    ::umask(mask);
    return 0666 & ~mask;
}

void write_output_file(const std::filesystem::path& path, std::string_view bytes) {
    write_file_atomically(path, bytes, output_mode(path), ModeRule::exact);
}

}  // namespace tarat
