#include "store/deferred_sync.hpp"

#include "store/internal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tarat {

DeferredSync::DeferredSync(Store& store) : store_(store) {
    if (store_.in_transaction()) return;  // SQLite refuses to change the level inside one
    store_internal::Access::connection(store_).exec("PRAGMA synchronous = NORMAL");
    deferred_ = true;
}

DeferredSync::~DeferredSync() {
    if (deferred_) store_internal::Access::connection(store_).tryExec("PRAGMA synchronous = FULL");
}

void sync_wal(const std::filesystem::path& db_file) {
    const std::string wal = db_file.string() + "-wal";
    int fd = ::open(wal.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) return;  // checkpointed and gone: it is all in the database file
    bool ok = fd >= 0 && ::fdatasync(fd) == 0;
    const int error = errno;
    if (fd >= 0) ::close(fd);
    if (!ok) throw StoreError(wal + ": cannot flush to disk: " + std::strerror(error));
}

}  // namespace tarat
