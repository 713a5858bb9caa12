#pragma once
// Process exit codes, from sysexits.h, shared by taratd and taratctl.
namespace tarat::exit_code {
constexpr int ok = 0;
constexpr int usage = 64;        // EX_USAGE: bad command line
constexpr int data = 65;         // EX_DATAERR: a request the daemon refused as bad input
constexpr int unavailable = 69;  // EX_UNAVAILABLE: the daemon cannot be reached
constexpr int software = 70;     // EX_SOFTWARE: an internal error
constexpr int cant_create = 73;  // EX_CANTCREAT: the state dir is missing and cannot be created, or read-only
constexpr int temp_fail = 75;    // EX_TEMPFAIL: another taratd already runs on the state dir
constexpr int no_perm = 77;      // EX_NOPERM: forbidden
constexpr int config = 78;       // EX_CONFIG: the config, plan or calendar is invalid
}  // namespace tarat::exit_code
