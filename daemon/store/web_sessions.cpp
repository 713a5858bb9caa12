// The store's part of the web (F12): dashboard sessions.
#include "store/internal.hpp"

#include <SQLiteCpp/Statement.h>

namespace tarat {

using store_internal::Reused;

using store_internal::guarded;
using store_internal::unix_seconds;

void Store::add_web_session(const std::string& id_hash, const std::string& person, Instant now, Instant expires) {
    guarded(file_, "cannot store a web session", [&] {
        TransactionScope transaction(*this);
        Reused q_lease(*this, "INSERT INTO web_session(id_hash, person, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)");
        auto& q = *q_lease;
        q.bind(1, id_hash);
        q.bind(2, person);
        q.bind(3, unix_seconds(now));
        q.bind(4, unix_seconds(expires));
        q.exec();
        transaction.commit();
    });
}

std::optional<std::string> Store::web_session_person(const std::string& id_hash, Instant now) const {
    return guarded(file_, "cannot read a web session", [&]() -> std::optional<std::string> {
        Reused q_lease(*this, "SELECT person FROM web_session WHERE id_hash = ?1 AND expires_at > ?2");
        auto& q = *q_lease;
        q.bind(1, id_hash);
        q.bind(2, unix_seconds(now));
        if (!q.executeStep()) return std::nullopt;
        return q.getColumn(0).getString();
    });
}

void Store::remove_web_session(const std::string& id_hash, Instant now) {
    guarded(file_, "cannot remove a web session", [&] {
        TransactionScope transaction(*this);
        Reused q_lease(*this, "DELETE FROM web_session WHERE id_hash = ?1 OR expires_at <= ?2");
        auto& q = *q_lease;
        q.bind(1, id_hash);
        q.bind(2, unix_seconds(now));
        q.exec();
        transaction.commit();
    });
}

}  // namespace tarat
