// The baselines of the national-plan benchmark: the least any program must do to get the same
// rows into SQLite, in one transaction, with the store's durability settings (WAL, synchronous=FULL).
//   sqlite_baseline ROWS.tsv [--db FILE] [--json FILE]
//     the events placement_bench wrote (--rows) into one table with the columns of the store's
//     event table and no other index; one prepared statement, rows streamed from the file.
//   sqlite_baseline --copy-of TARAT.db [--db FILE] [--json FILE]
//     every row taratd stored (events, their audit rows, centres, people…) into the same schema
//     (its indexes, CHECKs and foreign keys), table by table with INSERT … SELECT: what SQLite
//     itself needs for what taratd keeps, without any of taratd's code.
#include "bench_proc.hpp"

#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

void check(sqlite3* db, int rc, const char* what) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        throw std::runtime_error(std::string(what) + ": " + sqlite3_errmsg(db));
}

void exec(sqlite3* db, const char* sql) { check(db, sqlite3_exec(db, sql, nullptr, nullptr, nullptr), sql); }

constexpr const char* kSchema = R"sql(
CREATE TABLE event (
    id TEXT PRIMARY KEY, centre TEXT NOT NULL, district TEXT NOT NULL, form TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '', audience TEXT NOT NULL DEFAULT '', responsible TEXT,
    date TEXT NOT NULL, start_minutes INTEGER NOT NULL, end_minutes INTEGER NOT NULL, source TEXT NOT NULL
) STRICT;
)sql";

std::vector<std::string_view> split_tabs(std::string_view line) {
    std::vector<std::string_view> fields;
    for (size_t start = 0;;) {
        size_t tab = line.find('\t', start);
        fields.push_back(line.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start));
        if (tab == std::string_view::npos) return fields;
        start = tab + 1;
    }
}

// The same schema as `source` (attached as "src"), then its rows table by table, parents first
// (the order in which they were created), in the open transaction.
size_t copy_rows(sqlite3* db) {
    std::vector<std::pair<std::string, std::string>> objects;  // name, sql; tables first, in creation order
    sqlite3_stmt* list = nullptr;
    check(db,
          sqlite3_prepare_v2(db,
                             "SELECT name, sql FROM src.sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' "
                             "ORDER BY type = 'index', rowid",
                             -1, &list, nullptr),
          "prepare");
    while (sqlite3_step(list) == SQLITE_ROW)
        objects.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(list, 0)),
                             reinterpret_cast<const char*>(sqlite3_column_text(list, 1)));
    sqlite3_finalize(list);
    for (const auto& [name, sql] : objects) exec(db, sql.c_str());
    size_t rows = 0;
    for (const auto& [name, sql] : objects) {
        if (sql.rfind("CREATE TABLE", 0) != 0) continue;
        exec(db, ("INSERT INTO main.\"" + name + "\" SELECT * FROM src.\"" + name + "\"").c_str());
        rows += size_t(sqlite3_changes(db));
    }
    return rows;
}

size_t insert_tsv(sqlite3* db, std::ifstream& in) {
    exec(db, kSchema);
    sqlite3_stmt* insert = nullptr;
    check(db,
          sqlite3_prepare_v2(db, "INSERT INTO event VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)", -1,
                             &insert, nullptr),
          "prepare");
    size_t rows = 0;
    std::string line;
    while (std::getline(in, line)) {
        auto f = split_tabs(line);
        if (f.size() != 11) throw std::runtime_error("bad row " + std::to_string(rows + 1));
        for (int c = 0; c < 11; ++c) {
            if (c == 8 || c == 9)
                sqlite3_bind_int(insert, c + 1, std::stoi(std::string(f[size_t(c)])));
            else
                sqlite3_bind_text(insert, c + 1, f[size_t(c)].data(), int(f[size_t(c)].size()), SQLITE_STATIC);
        }
        check(db, sqlite3_step(insert), "insert");
        sqlite3_reset(insert);
        ++rows;
    }
    sqlite3_finalize(insert);
    return rows;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: sqlite_baseline ROWS.tsv | --copy-of TARAT.db [--db FILE] [--json FILE]\n");
        return 64;
    }
    std::string rows_file, copy_of, db_file, json_file;
    int first_option = 2;
    if (std::string(argv[1]) == "--copy-of" && argc > 2) {
        copy_of = argv[2];
        first_option = 3;
    } else {
        rows_file = argv[1];
    }
    for (int i = first_option; i + 1 < argc; i += 2) {
        std::string a = argv[i];
        if (a == "--db") db_file = argv[i + 1];
        else if (a == "--json") json_file = argv[i + 1];
        else return 64;
    }
    std::filesystem::path temp;
    if (db_file.empty()) {
        temp = bench::make_temp_dir("tarat-sqlite-baseline");
        db_file = (temp / "baseline.db").string();
    }
    std::filesystem::remove(db_file);

    auto start = Clock::now();
    std::ifstream in;
    if (copy_of.empty()) in.open(rows_file, std::ios::binary);
    if (copy_of.empty() ? !in : !std::filesystem::exists(copy_of)) {
        std::fprintf(stderr, "sqlite_baseline: cannot read %s\n", (copy_of.empty() ? rows_file : copy_of).c_str());
        return 66;
    }
    sqlite3* db = nullptr;
    if (sqlite3_open(db_file.c_str(), &db) != SQLITE_OK) {
        std::fprintf(stderr, "sqlite_baseline: cannot open %s\n", db_file.c_str());
        return 73;
    }
    size_t rows = 0;
    try {
        exec(db, "PRAGMA journal_mode=WAL");
        exec(db, "PRAGMA synchronous=FULL");
        if (!copy_of.empty()) {  // as the store during a plan load
            exec(db, "PRAGMA foreign_keys=ON");
            exec(db, "PRAGMA cache_size=-16384");
            exec(db, ("ATTACH DATABASE '" + copy_of + "' AS src").c_str());  // read, never written
        }
        exec(db, "BEGIN IMMEDIATE");
        rows = copy_of.empty() ? insert_tsv(db, in) : copy_rows(db);
        exec(db, "COMMIT");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "sqlite_baseline: %s\n", e.what());
        sqlite3_close(db);
        return 1;
    }
    sqlite3_close(db);
    double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    double cpu = bench::cpu_seconds();
    long peak = bench::vm_hwm_kib();
    auto bytes = std::filesystem::file_size(db_file);
    if (!temp.empty()) std::filesystem::remove_all(temp);

    std::printf("sqlite_baseline: %zu rows %s in one transaction (WAL, synchronous=FULL): %.3f s (CPU %.3f s), "
                "peak RSS %ld KiB, database %ju bytes\n",
                rows, copy_of.empty() ? "from the TSV" : "copied", seconds, cpu, peak, std::uintmax_t(bytes));
    if (!json_file.empty()) {
        std::ofstream json(json_file, std::ios::binary);
        json << "{\"name\":\"sqlite_baseline\",\"rows\":" << rows << ",\"seconds\":" << seconds
             << ",\"cpu_seconds\":" << cpu << ",\"peak_rss_kib\":" << peak << ",\"database_bytes\":" << bytes << "}\n";
    }
    return 0;
}
