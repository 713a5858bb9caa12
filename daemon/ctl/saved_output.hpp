#pragma once
// The replies taratctl turns into files with its caller's own rights (the daemon never opens a
// path a client names): `ics -o FILE` and `backup FILE`.
#include <nlohmann/json.hpp>

#include <ostream>
#include <string>

namespace tarat {

// Writes the reply's "ics" to `file` (atomically), or to `out` when `file` is empty. Returns an
// exit code; says what went wrong on `err`.
int save_ics(const nlohmann::json& arguments, const std::string& file, bool as_json, std::ostream& out,
             std::ostream& err);

// Checks the reply's database copy (PRAGMA integrity_check on the bytes), then writes it to
// `file` atomically with mode 0600 (it holds people's addresses). Returns an exit code.
int save_backup(const nlohmann::json& arguments, const std::string& file, bool as_json, std::ostream& out,
                std::ostream& err);

}  // namespace tarat
