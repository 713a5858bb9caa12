#include "core/input_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tarat {

std::string file_type_name(mode_t mode) {
    if (S_ISREG(mode)) return "a regular file";
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISSOCK(mode)) return "a socket";
    if (S_ISLNK(mode)) return "a symbolic link";
    return "not a file";
}

std::string byte_size_text(std::size_t bytes) {
    if (bytes >= (std::size_t{1} << 20) && bytes % (std::size_t{1} << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
    if (bytes >= 1024 && bytes % 1024 == 0) return std::to_string(bytes >> 10) + " KiB";
    return std::to_string(bytes) + " bytes";
}

namespace {

std::string not_regular(mode_t mode) { return "is " + file_type_name(mode) + ", not a regular file"; }

std::string too_large(std::size_t max_bytes) {
    return "is larger than " + byte_size_text(max_bytes) + ", the limit for a file taratd reads";
}

}  // namespace

InputFile read_input_file(const std::filesystem::path& path, std::size_t max_bytes) {
    InputFile file;
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, forever.
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        const int open_errno = errno;
        struct stat st {};
        if (open_errno == ENXIO && ::stat(path.c_str(), &st) == 0)  // a socket cannot be opened
            file.error = not_regular(st.st_mode);
        else
            file.error = std::string("cannot read: ") + std::strerror(open_errno);
        return file;
    }
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        file.error = std::string("cannot read: ") + std::strerror(errno);
        return file;
    }
    if (!S_ISREG(st.st_mode)) {
        file.error = not_regular(st.st_mode);
        return file;
    }
    if (static_cast<std::size_t>(st.st_size) > max_bytes) {
        file.error = too_large(max_bytes);
        return file;
    }
    // st_size may be 0 or wrong (/proc, a file growing meanwhile): the read itself is bounded.
    std::string text;
    char buffer[65536];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            file.error = std::string("cannot read: ") + std::strerror(errno);
            return file;
        }
        if (n == 0) break;
        if (text.size() + static_cast<std::size_t>(n) > max_bytes) {
            file.error = too_large(max_bytes);
            return file;
        }
        text.append(buffer, static_cast<std::size_t>(n));
    }
    file.text = std::move(text);
    return file;
}

}  // namespace tarat
