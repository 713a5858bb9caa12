// Store::backup_image: a consistent copy of the live database through SQLite's online backup API.
#include "store/internal.hpp"
#include "store/store.hpp"

#include <SQLiteCpp/Database.h>
#include <sqlite3.h>

#include <memory>

namespace tarat {
namespace {

constexpr int kBackupBusyTimeoutMs = 5000;

// Bytes 18 and 19 of the header: the file format versions, 2 for WAL, 1 for a rollback journal.
constexpr std::size_t kWriteVersionOffset = 18;
constexpr std::size_t kReadVersionOffset = 19;

}  // namespace

std::string Store::backup_image() const {
    return store_internal::guarded(file_, "cannot back up the database", [&] {
        // Its own read-only connection: one read transaction sees one committed snapshot (WAL), so
        // the copy is consistent while the daemon's connection keeps writing, and nothing that
        // connection has uncommitted can slip in. step(-1) copies every page in that one snapshot;
        // copying in slices would restart whenever the daemon commits between two slices.
        SQLite::Database source(file_.string(), SQLite::OPEN_READONLY, kBackupBusyTimeoutMs);
        SQLite::Database copy(":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        copy.exec("PRAGMA page_size = " + std::to_string(source.execAndGet("PRAGMA page_size").getInt()));
        sqlite3_backup* backup = sqlite3_backup_init(copy.getHandle(), "main", source.getHandle(), "main");
        if (!backup) throw StoreError(sqlite3_errmsg(copy.getHandle()));
        const int stepped = sqlite3_backup_step(backup, -1);
        const int finished = sqlite3_backup_finish(backup);
        if (stepped != SQLITE_DONE) throw StoreError(std::string("backup step: ") + sqlite3_errstr(stepped));
        if (finished != SQLITE_OK) throw StoreError(sqlite3_errmsg(copy.getHandle()));

        sqlite3_int64 size = 0;
        std::unique_ptr<unsigned char, decltype(&sqlite3_free)> bytes(
            sqlite3_serialize(copy.getHandle(), "main", &size, 0), &sqlite3_free);
        if (!bytes) throw StoreError("cannot serialize the copy (out of memory)");
        std::string image(reinterpret_cast<const char*>(bytes.get()), static_cast<std::size_t>(size));
        // A rollback-journal header: the copy opens anywhere (read-only too) without -wal and -shm
        // files; a taratd that opens it after a restore switches it back to WAL.
        if (image.size() > kReadVersionOffset) image[kWriteVersionOffset] = image[kReadVersionOffset] = 1;
        return image;
    });
}

}  // namespace tarat
