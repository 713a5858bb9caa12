#pragma once
// Helpers the store's .cpp files share; not part of the public API.
#include "core/time.hpp"
#include "store/store.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace tarat::store_internal {

// Migration N (1-based) brings user_version N-1 to N. Append only: never edit a released one.
std::span<const std::string_view> schema_migrations();

inline std::int64_t unix_seconds(Instant at) { return at.time_since_epoch().count(); }
inline Instant instant_from_unix_seconds(std::int64_t seconds) { return Instant{std::chrono::seconds{seconds}}; }

// A statement of `store`'s connection, prepared the first time its SQL is asked for and reused
// after: handed out reset and unbound, and reset again when the lease ends so that no read stays
// open. The same SQL asked for while leased (a nested call) gets a statement of its own.
class Reused {
public:
    Reused(const Store& store, const std::string& sql);
    ~Reused();
    Reused(const Reused&) = delete;
    Reused& operator=(const Reused&) = delete;
    SQLite::Statement& operator*() const { return *statement_; }

private:
    Store::Prepared* slot_ = nullptr;          // the cached one, when this lease holds it
    std::unique_ptr<SQLite::Statement> own_;  // a nested use's own statement
    SQLite::Statement* statement_ = nullptr;
};

// The number a `SELECT count(*) …` of `store` gives, its parameters bound by `bind(statement)`:
// the total a page of a long list reports.
template <class Bind>
std::size_t count_of(const Store& store, const std::string& sql, Bind&& bind) {
    Reused lease(store, sql);
    auto& count = *lease;
    bind(count);
    count.executeStep();
    return static_cast<std::size_t>(count.getColumn(0).getInt64());
}

// The store's tests reach the connection behind a Store through this; writes made through it
// join the transaction in_transaction has open.
struct Access {
    static SQLite::Database& connection(Store& store) { return *store.db_; }
};

// Runs `work`; SQLite's exceptions and the store's own become one StoreError naming the file and
// what was being done, so callers above the store catch one type.
template <class Work>
auto guarded(const std::filesystem::path& file, std::string_view doing, Work&& work) -> decltype(work()) {
    auto prefix = [&] { return file.string() + ": " + std::string(doing) + ": "; };
    try {
        return work();
    } catch (const SQLite::Exception& e) {
        throw StoreError(prefix() + e.what());
    } catch (const StoreError& e) {
        throw StoreError(prefix() + e.what());
    }
}

}  // namespace tarat::store_internal
