#include "ctl/saved_output.hpp"

#include "core/exit_codes.hpp"
#include "control/blob.hpp"
#include "core/atomic_file.hpp"

#include <sqlite3.h>

#include <memory>
#include <optional>

namespace tarat {
namespace {

using nlohmann::json;

bool write(const std::string& file, const std::string& bytes, mode_t mode, std::ostream& err) {
    try {
        write_file_atomically(file, bytes, mode);
        return true;
    } catch (const std::exception& e) {
        err << "taratctl: " << e.what() << "\n";
        return false;
    }
}

// "ok", or what SQLite's integrity_check found, for a database image held in memory.
std::string integrity_of(std::string& image) {
    sqlite3* raw = nullptr;
    if (sqlite3_open(":memory:", &raw) != SQLITE_OK) {
        sqlite3_close(raw);
        return "cannot open an in-memory database";
    }
    std::unique_ptr<sqlite3, decltype(&sqlite3_close)> db(raw, &sqlite3_close);
    auto* data = reinterpret_cast<unsigned char*>(image.data());
    const auto size = static_cast<sqlite3_int64>(image.size());
    if (sqlite3_deserialize(db.get(), "main", data, size, size, SQLITE_DESERIALIZE_READONLY) != SQLITE_OK)
        return sqlite3_errmsg(db.get());
    sqlite3_stmt* raw_statement = nullptr;
    if (sqlite3_prepare_v2(db.get(), "PRAGMA integrity_check", -1, &raw_statement, nullptr) != SQLITE_OK)
        return sqlite3_errmsg(db.get());
    std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> statement(raw_statement, &sqlite3_finalize);
    std::string found;
    while (sqlite3_step(statement.get()) == SQLITE_ROW) {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement.get(), 0));
        found += (found.empty() ? "" : "; ") + std::string(text ? text : "");
    }
    return found.empty() ? sqlite3_errmsg(db.get()) : found;
}

}  // namespace

int save_ics(const json& arguments, const std::string& file, bool as_json, std::ostream& out, std::ostream& err) {
    const std::string text = arguments.value("ics", "");
    if (file.empty()) {
        if (as_json) out << arguments.dump(2) << "\n";
        else out << text;
        return exit_code::ok;
    }
    if (!write(file, text, 0666, err)) return exit_code::cant_create;
    json summary = arguments;
    summary.erase("ics");
    summary["file"] = file;
    if (as_json) out << summary.dump(2) << "\n";
    else out << file << ": " << summary.value("events", 0) << " events\n";
    return exit_code::ok;
}

int save_backup(const json& arguments, const std::string& file, bool as_json, std::ostream& out,
                std::ostream& err) {
    auto image = control::decode_blob(arguments.value("data", ""));
    if (!image || image->size() != arguments.value("bytes", std::size_t{0})) {
        err << "taratctl: the backup arrived damaged (" << (image ? image->size() : 0) << " of "
            << arguments.value("bytes", 0) << " bytes); nothing written\n";
        return exit_code::software;
    }
    const std::string integrity = integrity_of(*image);
    if (integrity != "ok") {
        err << "taratctl: the backup fails PRAGMA integrity_check: " << integrity << "; nothing written\n";
        return exit_code::software;
    }
    if (!write(file, *image, 0600, err)) return exit_code::cant_create;
    json summary = arguments;
    summary.erase("data");
    summary["file"] = file;
    summary["integrity"] = integrity;
    if (as_json) out << summary.dump(2) << "\n";
    else
        out << file << ": " << image->size() << " bytes, taken at " << summary.value("taken_at", "")
            << ", integrity ok\n";
    return exit_code::ok;
}

}  // namespace tarat
