#pragma once
// BEGIN IMMEDIATE on construction, ROLLBACK on destruction unless committed.
#include <SQLiteCpp/Database.h>

namespace tarat {

// IMMEDIATE takes the write lock up front, so a writer waits (busy_timeout) at BEGIN instead of
// failing with SQLITE_BUSY halfway through, after it has read a snapshot it can no longer upgrade.
class WriteTransaction {
public:
    explicit WriteTransaction(SQLite::Database& db);
    ~WriteTransaction();  // never throws
    WriteTransaction(const WriteTransaction&) = delete;
    WriteTransaction& operator=(const WriteTransaction&) = delete;

    void commit();

private:
    SQLite::Database& db_;
    bool committed_ = false;
};

}  // namespace tarat
