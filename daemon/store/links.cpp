// The store's part of receiving channels (F11): positions, links, link codes, event numbers for
// button tokens and open conversations.
#include "store/internal.hpp"

#include <SQLiteCpp/Statement.h>

namespace tarat {

using store_internal::Reused;

using store_internal::guarded;
using store_internal::instant_from_unix_seconds;
using store_internal::unix_seconds;

namespace {

ChannelLink read_link(SQLite::Statement& row) {
    ChannelLink l;
    l.person = row.getColumn(0).getString();
    l.channel = row.getColumn(1).getString();
    l.chat = row.getColumn(2).getString();
    l.user = row.getColumn(3).getString();
    l.locale = row.getColumn(4).getString();
    l.linked_at = instant_from_unix_seconds(row.getColumn(5).getInt64());
    return l;
}

constexpr const char* kLinkColumns = "SELECT person, channel, chat, user, locale, linked_at FROM link ";

}  // namespace

std::int64_t Store::channel_position(const std::string& channel) const {
    return guarded(file_, "cannot read channel " + channel + "'s position", [&]() -> std::int64_t {
        Reused q_lease(*this, "SELECT position FROM channel_position WHERE channel = ?1");
        auto& q = *q_lease;
        q.bind(1, channel);
        return q.executeStep() ? q.getColumn(0).getInt64() : 0;
    });
}

void Store::set_channel_position(const std::string& channel, std::int64_t position) {
    guarded(file_, "cannot store channel " + channel + "'s position", [&] {
        TransactionScope transaction(*this);
        Reused q_lease(*this, "INSERT INTO channel_position(channel, position) VALUES (?1, ?2) "
                            "ON CONFLICT(channel) DO UPDATE SET position = max(position, excluded.position)");
        auto& q = *q_lease;
        q.bind(1, channel);
        q.bind(2, position);
        bookkeeping([&] { q.exec(); });
        transaction.commit();
    });
}

void Store::add_link_code(const std::string& code, const std::string& person, const std::string& channel,
                          Instant expires) {
    guarded(file_, "cannot store a link code", [&] {
        TransactionScope transaction(*this);
        Reused q_lease(*this, "INSERT INTO link_code(code, person, channel, expires_at) VALUES (?1, ?2, ?3, ?4)");
        auto& q = *q_lease;
        q.bind(1, code);
        q.bind(2, person);
        q.bind(3, channel);
        q.bind(4, unix_seconds(expires));
        q.exec();
        transaction.commit();
    });
}

std::optional<std::string> Store::take_link_code(const std::string& code, const std::string& channel, Instant now) {
    return guarded(file_, "cannot use a link code", [&]() -> std::optional<std::string> {
        TransactionScope transaction(*this);
        Reused q_lease(*this, "UPDATE link_code SET used_at = ?3 WHERE code = ?1 AND channel = ?2 AND used_at IS NULL "
                            "AND expires_at > ?3 RETURNING person");
        auto& q = *q_lease;
        q.bind(1, code);
        q.bind(2, channel);
        q.bind(3, unix_seconds(now));
        std::optional<std::string> person;
        if (q.executeStep()) person = q.getColumn(0).getString();
        q.reset();
        transaction.commit();
        return person;
    });
}

void Store::set_link(const ChannelLink& link) {
    guarded(file_, "cannot link " + link.person, [&] {
        TransactionScope transaction(*this);
        Reused drop_lease(*this, "DELETE FROM link WHERE channel = ?1 AND (person = ?2 OR chat = ?3)");
        auto& drop = *drop_lease;
        drop.bind(1, link.channel);
        drop.bind(2, link.person);
        drop.bind(3, link.chat);
        drop.exec();
        Reused add_lease(*this, "INSERT INTO link(person, channel, chat, user, locale, linked_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
        auto& add = *add_lease;
        add.bind(1, link.person);
        add.bind(2, link.channel);
        add.bind(3, link.chat);
        add.bind(4, link.user);
        add.bind(5, link.locale);
        add.bind(6, unix_seconds(link.linked_at));
        add.exec();
        transaction.commit();
    });
}

bool Store::remove_link(const std::string& person, const std::string& channel) {
    return guarded(file_, "cannot unlink " + person, [&] {
        TransactionScope transaction(*this);
        Reused q_lease(*this, "DELETE FROM link WHERE person = ?1 AND channel = ?2");
        auto& q = *q_lease;
        q.bind(1, person);
        q.bind(2, channel);
        bool removed = q.exec() > 0;
        transaction.commit();
        return removed;
    });
}

std::vector<ChannelLink> Store::links() const {
    return guarded(file_, "cannot read the links", [&] {
        Reused q_lease(*this, std::string(kLinkColumns) + "ORDER BY channel, person");
        auto& q = *q_lease;
        std::vector<ChannelLink> found;
        while (q.executeStep()) found.push_back(read_link(q));
        return found;
    });
}

std::optional<ChannelLink> Store::link_for_chat(const std::string& channel, const std::string& chat) const {
    return guarded(file_, "cannot read the links", [&]() -> std::optional<ChannelLink> {
        Reused q_lease(*this, std::string(kLinkColumns) + "WHERE channel = ?1 AND chat = ?2");
        auto& q = *q_lease;
        q.bind(1, channel);
        q.bind(2, chat);
        if (!q.executeStep()) return std::nullopt;
        return read_link(q);
    });
}

std::optional<ChannelLink> Store::link_for_person(const std::string& person, const std::string& channel) const {
    return guarded(file_, "cannot read the links", [&]() -> std::optional<ChannelLink> {
        Reused q_lease(*this, std::string(kLinkColumns) + "WHERE person = ?1 AND channel = ?2");
        auto& q = *q_lease;
        q.bind(1, person);
        q.bind(2, channel);
        if (!q.executeStep()) return std::nullopt;
        return read_link(q);
    });
}

std::int64_t Store::event_ref(const std::string& event_id) {
    return guarded(file_, "cannot number event " + event_id, [&] {
        TransactionScope transaction(*this);
        Reused add_lease(*this, "INSERT INTO event_ref(event_id) VALUES (?1) ON CONFLICT(event_id) DO NOTHING");
        auto& add = *add_lease;
        add.bind(1, event_id);
        add.exec();
        Reused q_lease(*this, "SELECT ref FROM event_ref WHERE event_id = ?1");
        auto& q = *q_lease;
        q.bind(1, event_id);
        q.executeStep();
        std::int64_t ref = q.getColumn(0).getInt64();
        q.reset();
        transaction.commit();
        return ref;
    });
}

std::optional<std::string> Store::event_for_ref(std::int64_t ref) const {
    return guarded(file_, "cannot read event numbers", [&]() -> std::optional<std::string> {
        Reused q_lease(*this, "SELECT event_id FROM event_ref WHERE ref = ?1");
        auto& q = *q_lease;
        q.bind(1, ref);
        if (!q.executeStep()) return std::nullopt;
        return q.getColumn(0).getString();
    });
}

std::string Store::conversation(const std::string& channel, const std::string& chat) const {
    return guarded(file_, "cannot read a conversation", [&] {
        Reused q_lease(*this, "SELECT data FROM conversation WHERE channel = ?1 AND chat = ?2");
        auto& q = *q_lease;
        q.bind(1, channel);
        q.bind(2, chat);
        return q.executeStep() ? q.getColumn(0).getString() : std::string();
    });
}

void Store::set_conversation(const std::string& channel, const std::string& chat, const std::string& data, Instant now) {
    guarded(file_, "cannot store a conversation", [&] {
        TransactionScope transaction(*this);
        Reused drop_lease(*this, "DELETE FROM conversation WHERE channel = ?1 AND chat = ?2");
        auto& drop = *drop_lease;
        drop.bind(1, channel);
        drop.bind(2, chat);
        bookkeeping([&] { drop.exec(); });
        if (!data.empty()) {
            Reused add_lease(*this, "INSERT INTO conversation(channel, chat, data, started_at) VALUES (?1, ?2, ?3, ?4)");
            auto& add = *add_lease;
            add.bind(1, channel);
            add.bind(2, chat);
            add.bind(3, data);
            add.bind(4, unix_seconds(now));
            bookkeeping([&] { add.exec(); });
        }
        transaction.commit();
    });
}

}  // namespace tarat
