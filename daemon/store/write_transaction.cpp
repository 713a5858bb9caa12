#include "store/write_transaction.hpp"

#include <sqlite3.h>

namespace tarat {

WriteTransaction::WriteTransaction(SQLite::Database& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

WriteTransaction::~WriteTransaction() {
    if (committed_) return;
    // After SQLITE_FULL, IOERR or NOMEM SQLite may already have rolled back; a second ROLLBACK would
    // fail, and a destructor must not throw, so ask first and ignore what ROLLBACK returns.
    if (sqlite3_get_autocommit(db_.getHandle()) == 0) db_.tryExec("ROLLBACK");
}

void WriteTransaction::commit() {
    db_.exec("COMMIT");
    committed_ = true;
}

}  // namespace tarat
