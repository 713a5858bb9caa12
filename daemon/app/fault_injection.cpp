#include "app/fault_injection.hpp"

#include <sqlite3.h>
#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <stdexcept>

namespace tarat {
namespace {

struct WriteFault {
    long after = -1;  // -1: not counting
    long count = -1;  // -1: every write after `after` fails
    std::string while_exists;
    int error = EIO;
    std::atomic<long> calls{0};

    bool fails_now(int fd) {
        if (!is_data_file(fd)) return false;
        if (!while_exists.empty() && ::access(while_exists.c_str(), F_OK) == 0) return true;
        if (after < 0) return false;
        long n = calls.fetch_add(1);
        return n >= after && (count < 0 || n < after + count);
    }

    // The database or its WAL, not the -shm index (written once when a connection maps it).
    static bool is_data_file(int fd) {
        char link[64], target[4096];
        std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t n = ::readlink(link, target, sizeof target - 1);
        if (n < 0) return true;
        std::string_view name(target, static_cast<size_t>(n));
        return !(name.size() >= 4 && name.substr(name.size() - 4) == "-shm");
    }
};
WriteFault fault;

using WriteFn = ssize_t (*)(int, const void*, size_t);
using PwriteFn = ssize_t (*)(int, const void*, size_t, off_t);
using Pwrite64Fn = ssize_t (*)(int, const void*, size_t, off64_t);
WriteFn real_write = nullptr;
PwriteFn real_pwrite = nullptr;
Pwrite64Fn real_pwrite64 = nullptr;

ssize_t faulty_write(int fd, const void* data, size_t size) {
    if (fault.fails_now(fd)) return errno = fault.error, -1;
    return real_write(fd, data, size);
}
ssize_t faulty_pwrite(int fd, const void* data, size_t size, off_t at) {
    if (fault.fails_now(fd)) return errno = fault.error, -1;
    return real_pwrite(fd, data, size, at);
}
ssize_t faulty_pwrite64(int fd, const void* data, size_t size, off64_t at) {
    if (fault.fails_now(fd)) return errno = fault.error, -1;
    return real_pwrite64(fd, data, size, at);
}

// Swaps one of the VFS's system calls; the VFS may not use all three (it depends on how SQLite
// was built), so a missing one is skipped.
template <class Fn>
bool swap(sqlite3_vfs* vfs, const char* name, Fn& original, Fn replacement) {
    if (!vfs->xGetSystemCall || !vfs->xSetSystemCall) return false;
    auto current = vfs->xGetSystemCall(vfs, name);
    if (!current) return false;
    original = reinterpret_cast<Fn>(current);
    return vfs->xSetSystemCall(vfs, name, reinterpret_cast<sqlite3_syscall_ptr>(replacement)) == SQLITE_OK;
}

long number_from_env(const char* name, long fallback) {
    const char* text = std::getenv(name);
    if (!text || !*text) return fallback;
    char* end = nullptr;
    long value = std::strtol(text, &end, 10);
    if (*end != '\0' || value < 0) throw std::runtime_error(std::string(name) + " must be a number >= 0");
    return value;
}

}  // namespace

std::optional<std::string> install_storage_faults_from_env() {
    const char* while_exists = std::getenv("TARAT_FAULT_WRITE_WHILE");
    if (!std::getenv("TARAT_FAULT_WRITE_AFTER") && !while_exists) return std::nullopt;
    fault.after = number_from_env("TARAT_FAULT_WRITE_AFTER", -1);
    fault.count = number_from_env("TARAT_FAULT_WRITE_COUNT", -1);
    fault.while_exists = while_exists ? while_exists : "";
    std::string error_name = std::getenv("TARAT_FAULT_WRITE_ERRNO") ? std::getenv("TARAT_FAULT_WRITE_ERRNO") : "EIO";
    if (error_name == "EIO") fault.error = EIO;
    else if (error_name == "ENOSPC") fault.error = ENOSPC;
    else throw std::runtime_error("TARAT_FAULT_WRITE_ERRNO must be EIO or ENOSPC");
    sqlite3_vfs* vfs = sqlite3_vfs_find(nullptr);
    if (!vfs) throw std::runtime_error("no default SQLite VFS");
    int swapped = swap(vfs, "write", real_write, &faulty_write) + swap(vfs, "pwrite", real_pwrite, &faulty_pwrite) +
                  swap(vfs, "pwrite64", real_pwrite64, &faulty_pwrite64);
    if (swapped == 0) throw std::runtime_error("the SQLite VFS '" + std::string(vfs->zName) + "' lets no write call be swapped");
    std::string when;
    if (fault.after >= 0)
        when = "after " + std::to_string(fault.after) + " writes, " +
               (fault.count < 0 ? std::string("for ever") : "for " + std::to_string(fault.count) + " writes");
    if (!fault.while_exists.empty()) when += (when.empty() ? "" : "; ") + ("while " + fault.while_exists + " exists");
    return "TEST FAULT INJECTION: database writes fail with " + error_name + " " + when;
}

}  // namespace tarat
