#pragma once
// Commits that do not wait for the disk on the event loop. A backlog of Telegram updates is one
// transaction each; with synchronous = FULL every one of them held the loop (and `status`) for a
// WAL flush. While a DeferredSync lives the store commits with synchronous = NORMAL: the commit
// survives taratd crashing, and a power cut once sync_wal() has flushed the WAL. sync_wal touches
// only the WAL file, never the connection, so the thread that waits for the answer may call it.
#include "store/store.hpp"

#include <filesystem>

namespace tarat {

class DeferredSync {
public:
    // Inside an open transaction it changes nothing: that transaction commits as it always would.
    explicit DeferredSync(Store& store);
    ~DeferredSync();
    DeferredSync(const DeferredSync&) = delete;
    DeferredSync& operator=(const DeferredSync&) = delete;

private:
    Store& store_;
    bool deferred_ = false;
};

// Flushes the WAL of the database `db_file` to disk; throws StoreError naming it when it cannot.
void sync_wal(const std::filesystem::path& db_file);

}  // namespace tarat
