// F11: an inbound update commits on the event loop without waiting for the disk (a backlog of
// updates held `status` for one WAL flush each); the receiving thread flushes it with
// make_durable(). Over the real store and shipped plan (CommandWorld); a VFS over SQLite's default
// one counts the WAL flushes SQLite asks for.
#include "inbound/inbound.hpp"
#include "store/deferred_sync.hpp"
#include "support/command_world.hpp"

#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <atomic>

using namespace tarat;
using tarat::testing::CommandWorld;

namespace {

std::atomic<int> wal_flushes{0};
sqlite3_vfs* os_vfs = nullptr;
sqlite3_vfs counting_vfs{};

// A file of the counting VFS: the OS VFS's own file follows it in the same allocation.
struct CountingFile {
    sqlite3_file base;
    bool wal;
    sqlite3_file* real() { return reinterpret_cast<sqlite3_file*>(this + 1); }
};

sqlite3_file* real(sqlite3_file* f) { return reinterpret_cast<CountingFile*>(f)->real(); }

sqlite3_io_methods counting_methods = {
    3,
    [](sqlite3_file* f) { return real(f)->pMethods->xClose(real(f)); },
    [](sqlite3_file* f, void* b, int n, sqlite3_int64 at) { return real(f)->pMethods->xRead(real(f), b, n, at); },
    [](sqlite3_file* f, const void* b, int n, sqlite3_int64 at) { return real(f)->pMethods->xWrite(real(f), b, n, at); },
    [](sqlite3_file* f, sqlite3_int64 size) { return real(f)->pMethods->xTruncate(real(f), size); },
    [](sqlite3_file* f, int flags) {
        if (reinterpret_cast<CountingFile*>(f)->wal) ++wal_flushes;
        return real(f)->pMethods->xSync(real(f), flags);
    },
    [](sqlite3_file* f, sqlite3_int64* size) { return real(f)->pMethods->xFileSize(real(f), size); },
    [](sqlite3_file* f, int lock) { return real(f)->pMethods->xLock(real(f), lock); },
    [](sqlite3_file* f, int lock) { return real(f)->pMethods->xUnlock(real(f), lock); },
    [](sqlite3_file* f, int* out) { return real(f)->pMethods->xCheckReservedLock(real(f), out); },
    [](sqlite3_file* f, int op, void* arg) { return real(f)->pMethods->xFileControl(real(f), op, arg); },
    [](sqlite3_file* f) { return real(f)->pMethods->xSectorSize(real(f)); },
    [](sqlite3_file* f) { return real(f)->pMethods->xDeviceCharacteristics(real(f)); },
    [](sqlite3_file* f, int page, int size, int extend, void volatile** out) {
        return real(f)->pMethods->xShmMap(real(f), page, size, extend, out);
    },
    [](sqlite3_file* f, int offset, int n, int flags) { return real(f)->pMethods->xShmLock(real(f), offset, n, flags); },
    [](sqlite3_file* f) { real(f)->pMethods->xShmBarrier(real(f)); },
    [](sqlite3_file* f, int remove) { return real(f)->pMethods->xShmUnmap(real(f), remove); },
    [](sqlite3_file* f, sqlite3_int64 at, int n, void** out) { return real(f)->pMethods->xFetch(real(f), at, n, out); },
    [](sqlite3_file* f, sqlite3_int64 at, void* page) { return real(f)->pMethods->xUnfetch(real(f), at, page); },
};

// Makes the counting VFS SQLite's default, for every connection opened after.
void count_wal_flushes() {
    if (os_vfs) return;
    os_vfs = sqlite3_vfs_find(nullptr);
    REQUIRE(os_vfs);
    REQUIRE(os_vfs->iVersion >= 3);
    counting_vfs = *os_vfs;
    counting_vfs.zName = "tarat-counting";
    counting_vfs.szOsFile = int(sizeof(CountingFile)) + os_vfs->szOsFile;
    counting_vfs.xOpen = [](sqlite3_vfs*, const char* name, sqlite3_file* f, int flags, int* out) {
        auto* file = reinterpret_cast<CountingFile*>(f);
        file->base.pMethods = nullptr;
        file->wal = (flags & SQLITE_OPEN_WAL) != 0;
        int rc = os_vfs->xOpen(os_vfs, name, file->real(), flags, out);
        if (file->real()->pMethods) {
            REQUIRE(file->real()->pMethods->iVersion >= 3);
            file->base.pMethods = &counting_methods;
        }
        return rc;
    };
    REQUIRE(sqlite3_vfs_register(&counting_vfs, 1) == SQLITE_OK);
}

struct Receiving {
    bool counting = (count_wal_flushes(), true);  // before the world opens its store
    CommandWorld world{"2027-03-01T09:00:00+05:00"};
    inbound::Inbound inbound{*world.store, world.lifecycle, inbound::Tokens(std::string(32, 'k'))};
};

}  // namespace

TEST_CASE("an inbound update commits without a WAL flush and make_durable flushes it") {
    Receiving r;
    const int before = wal_flushes;
    auto answer = r.inbound.receive("telegram", {101, "text", "555", "u555", "сәлем", "kk", ""});
    CHECK_FALSE(answer.text.empty());                               // the unlinked chat's refusal…
    CHECK(r.world.store->channel_position("telegram") == 101);     // …committed, position and history
    CHECK(wal_flushes == before);                                   // with no flush on the loop
    CHECK_NOTHROW(r.inbound.make_durable());

    // Other writes still wait for the disk: the store is back to synchronous = FULL.
    r.world.store->set_channel_position("telegram", 102);
    CHECK(wal_flushes > before);
}

TEST_CASE("DeferredSync inside an open transaction leaves its commit as it was") {
    Receiving r;
    const int before = wal_flushes;
    r.world.store->in_transaction([&] {
        DeferredSync deferred(*r.world.store);
        r.world.store->set_channel_position("telegram", 7);
    });
    CHECK(r.world.store->channel_position("telegram") == 7);
    CHECK(wal_flushes > before);
}

TEST_CASE("sync_wal flushes the WAL of a database and is quiet when there is none") {
    Receiving r;
    r.world.store->set_channel_position("telegram", 9);
    CHECK(std::filesystem::exists(r.world.store->file().string() + "-wal"));
    CHECK_NOTHROW(sync_wal(r.world.store->file()));
    CHECK_NOTHROW(sync_wal(r.world.store->file().parent_path() / "no-such.db"));
}
