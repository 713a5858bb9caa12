#pragma once
// Test-only storage faults for tests/e2e/fault_test.cpp; inert unless its variables are set.
//
// Writes to the database and its WAL (the unix VFS's write, pwrite and pwrite64, swapped through
// sqlite3_vfs::xSetSystemCall; the shared-memory index is left alone) fail with
// TARAT_FAULT_WRITE_ERRNO (EIO or ENOSPC, default EIO):
//  - TARAT_FAULT_WRITE_AFTER=N: after N of them succeeded, for TARAT_FAULT_WRITE_COUNT writes
//    (default: for ever), then they succeed again: an I/O error at the Nth write;
//  - TARAT_FAULT_WRITE_WHILE=PATH: while PATH exists: a disk the test breaks and mends at will.
// No root, no special filesystem, no LD_PRELOAD. Other files (the file channel's, logs) are untouched.
#include <optional>
#include <string>

namespace tarat {

// Installs the fault from the environment before the store is opened. Returns a line for the log
// when a fault was installed, nullopt when the variables are unset. Throws std::runtime_error on
// a malformed value.
std::optional<std::string> install_storage_faults_from_env();

}  // namespace tarat
