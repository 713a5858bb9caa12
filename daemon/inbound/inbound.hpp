#pragma once
// What people send to the bot (F11), applied on the event loop: linking a chat by a one-time code,
// the buttons on notices and the short conversations they start, and the chat commands. Changes go
// through the lifecycle with the actor "person X via channel Y (chat Z)"; refusals and unlinked
// chats go to the history too.
#include "lifecycle/lifecycle.hpp"
#include "lifecycle/rights.hpp"
#include "core/notice.hpp"
#include "notify/plugin_host.hpp"
#include "store/store.hpp"

#include <filesystem>
#include <optional>
#include <string>

namespace tarat::inbound {

// The buttons' tokens: an event's short number, its revision and a MAC (HMAC-SHA256 with a key
// kept in the state dir), so a button cannot be forged and one from an older notice is known.
class Tokens {
public:
    // Reads STATE_DIR/inbound.key, creating it (32 random bytes, mode 0600) when absent.
    explicit Tokens(const std::filesystem::path& state_dir);
    explicit Tokens(std::string key) : key_(std::move(key)) {}  // for tests
    std::string make(Store& store, const StoredEvent& event) const;
    struct Parsed {
        std::string event_id;
        bool current = false;  // the event has not changed since the token was made
    };
    // nullopt for a token that is malformed or not signed with this key.
    std::optional<Parsed> check(Store& store, const std::string& token) const;
    static std::string revision(const StoredEvent& event);

private:
    std::string key_;
};

// The channels whose table says `inbound = true`.
bool receives(const ChannelConfig& channel);

class Inbound {
public:
    Inbound(Store& store, EventLifecycle& lifecycle, Tokens tokens);

    // One update from `channel`, on the event loop: skipped (an empty answer) when at or below
    // the channel's stored position; otherwise its effects, their history and the new position
    // are one transaction. It commits without waiting for the disk (store/deferred_sync.hpp):
    // the receiving thread calls make_durable() before the answer goes out.
    InboundAnswer receive(const std::string& channel, const InboundUpdate& update);
    // Flushes what receive() committed to disk; any thread (it touches only the WAL file).
    void make_durable() const;

    // At sending time, for a notice on a receiving channel: the recipient's linked chat instead of
    // the plan's, and the buttons for what the notice asks.
    void adjust(OutgoingNotice& out, const Notice& notice) const;

    // A notice's buttons for its recipient on a receiving channel ("" for none): held_check gets
    // Held / Not held / Postponed, report_due and overdue Report submitted, reminder Postpone.
    std::string buttons(const std::string& kind, const std::string& recipient, const StoredEvent& event) const;
    // The person's locale on `channel`: the one chosen with /lang, else the plan's.
    std::string locale(const Person& person, const std::string& channel) const;

private:
    struct Turn;
    InboundAnswer handle(Turn& turn);
    InboundAnswer start(Turn& turn, const std::string& code);
    InboundAnswer button(Turn& turn);
    InboundAnswer converse(Turn& turn, const std::string& conversation);
    InboundAnswer status(Turn& turn);
    InboundAnswer finish(Turn& turn, const std::string& action, const std::string& event_id, const std::string& message,
                         const LifecycleResult& result);
    std::string event_line(const StoredEvent& event) const;

    Store& store_;
    EventLifecycle& lifecycle_;
    Tokens tokens_;
};

}  // namespace tarat::inbound
