#include "notify/dispatcher.hpp"

#include "core/log_fields.hpp"
#include "notify/plugin_sender.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sstream>

using namespace tarat;
using tarat::testing::TempDir;

namespace {

Instant at(const char* iso) {
    auto i = parse_instant(iso);
    REQUIRE(i);
    return *i;
}

// A real store, real plugins (copied into one plugin dir), a manual clock.
struct Bench {
    TempDir dir;
    std::unique_ptr<Store> store = Store::open(dir / "tarat.db");
    ManualClock clock{at("2026-12-07T04:00:00Z")};
    boost::asio::io_context io;
    std::unique_ptr<PluginHost> host;
    std::unique_ptr<PluginSender> sender;
    std::unique_ptr<Dispatcher> dispatcher;
    std::set<std::string> expired_keys;

    explicit Bench(std::vector<ChannelConfig> channels) {
        auto plugins = dir / "plugins";
        std::filesystem::create_directories(plugins);
        for (auto [from, name] : {std::pair{TARAT_PLUGIN_BUILD_DIR, "tarat-file.so"},
                                  std::pair{TARAT_BROKEN_PLUGIN_DIR, "tarat-flaky.so"}})
            std::filesystem::copy_file(std::filesystem::path(from) / name, plugins / name);
        host = std::make_unique<PluginHost>(plugins, dir.path());
        std::vector<std::string> errors;
        sender = std::make_unique<PluginSender>(*host, channels, errors);
        REQUIRE(errors.empty());
        dispatcher = std::make_unique<Dispatcher>(io, *store, clock, *sender, [this](const OutboxRow& row, Instant) -> Prepared {
            if (expired_keys.count(row.notice.key)) return Expired{};
            OutgoingNotice m;
            m.idempotency_key = row.notice.key;
            m.kind = std::string(kind_name(row.notice.kind));
            m.recipient = row.notice.recipient;
            m.subject = "Еске салу: " + row.notice.recipient;
            m.body = "Құрметті әріптес!\n";
            return m;
        });
    }

    // A digest-scoped notice (no event), due at `due`, on `channel`.
    Notice notice(const char* recipient, const char* channel, Instant due) {
        return {notice_key(NoticeKind::digest, "", recipient, channel, due), NoticeKind::digest, "", recipient, channel,
                due, {}};
    }
    void add(std::vector<Notice> notices) { store->sync_notices(std::nullopt, notices, clock.now()); }
    OutboxRow row(const std::string& key) {
        for (auto& r : store->notices({}))
            if (r.notice.key == key) return r;
        FAIL("no row " << key);
        return {};
    }
    std::vector<nlohmann::json> file_lines() {
        std::vector<nlohmann::json> out;
        std::istringstream in(tarat::testing::read_file(dir / "notices.jsonl"));
        for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
        return out;
    }
};

ChannelConfig file_channel() { return {"file", "file", R"({"path":"notices.jsonl"})", {}}; }
ChannelConfig flaky_channel(const char* name, const char* settings) { return {name, "flaky", settings, {}}; }

}  // namespace

// Nothing goes before it is due; each due notice reaches the file exactly once.
TEST_CASE("due notices reach the file once") {
    Bench b({file_channel()});
    auto first = b.notice("bertleuova", "file", at("2026-12-07T04:00:00Z"));
    auto later = b.notice("zhamanbayeva", "file", at("2026-12-07T05:00:00Z"));
    b.add({first, later});
    CHECK(b.dispatcher->run_due_now() == 1);
    auto lines = b.file_lines();
    REQUIRE(lines.size() == 1);
    CHECK(lines[0]["key"] == first.key);
    CHECK(lines[0]["subject"] == "Еске салу: bertleuova");
    CHECK(b.row(first.key).state == NoticeState::sent);
    CHECK(b.row(later.key).state == NoticeState::pending);
    CHECK(b.store->next_attempt_due() == later.due);

    b.clock.set(at("2026-12-07T05:00:00Z"));
    CHECK(b.dispatcher->run_due_now() == 1);
    CHECK(b.dispatcher->run_due_now() == 0);
    CHECK(b.file_lines().size() == 2);
    CHECK_FALSE(b.row(later.key).late);
}

// A plugin that fails twice is retried with backoff and then delivered once.
TEST_CASE("a failing plugin is retried with backoff, then delivered") {
    Bench b({flaky_channel("flaky", R"({"fail_times": 2})")});
    auto n = b.notice("bertleuova", "flaky", b.clock.now());
    b.add({n});
    b.dispatcher->run_due_now();
    auto r = b.row(n.key);
    CHECK(r.state == NoticeState::pending);
    CHECK(r.attempts == 1);
    CHECK(r.last_error == "attempt 1 of 2 fails on purpose");
    auto wait = r.next_attempt_at - b.clock.now();
    CHECK(wait >= std::chrono::seconds(24));  // 30 s ± 20 %, above the plugin's 7 s suggestion
    CHECK(wait <= std::chrono::seconds(36));
    CHECK(b.dispatcher->run_due_now() == 0);  // not before its time

    b.clock.set(r.next_attempt_at);
    b.dispatcher->run_due_now();
    r = b.row(n.key);
    CHECK(r.attempts == 2);
    auto second_wait = r.next_attempt_at - b.clock.now();
    CHECK(second_wait >= std::chrono::seconds(48));  // 60 s ± 20 %
    CHECK(second_wait <= std::chrono::seconds(72));

    b.clock.set(r.next_attempt_at);
    b.dispatcher->run_due_now();
    CHECK(b.row(n.key).state == NoticeState::sent);
}

// Backoff doubles from 30 s, stays within ±20 %, never passes the cap, and is the same for the same key.
TEST_CASE("backoff schedule") {
    DispatchSettings s;
    long long expected = 30;
    for (int attempt = 1; attempt <= 12; ++attempt) {
        auto d = backoff_delay(s, "k", attempt).count();
        CHECK(d >= expected * 8 / 10);
        CHECK(d <= expected * 12 / 10);
        CHECK(d == backoff_delay(s, "k", attempt).count());
        expected = std::min<long long>(expected * 2, 3600);
    }
    CHECK(backoff_delay(s, "k", 40).count() <= 3600 * 12 / 10);
}

// A plugin that rejects makes the row dead, with the plugin's words kept.
TEST_CASE("a rejecting plugin leaves a dead row") {
    Bench b({flaky_channel("strict", R"({"fail_times": 0, "final_status": 2})")});
    auto n = b.notice("bertleuova", "strict", b.clock.now());
    b.add({n});
    b.dispatcher->run_due_now();
    auto r = b.row(n.key);
    CHECK(r.state == NoticeState::dead);
    CHECK(r.last_error == "final status 2");
    CHECK(b.store->notice_counts().dead == 1);
    CHECK_FALSE(b.store->next_attempt_due());
}

// After downtime, overdue notices go out in due order and are marked late; an expired one never goes.
TEST_CASE("downtime catch-up: late and expired") {
    Bench b({file_channel()});
    auto old = b.notice("a", "file", at("2026-12-01T04:00:00Z"));
    auto older = b.notice("b", "file", at("2026-11-30T04:00:00Z"));
    auto stale = b.notice("c", "file", at("2026-11-29T04:00:00Z"));
    b.expired_keys.insert(stale.key);
    b.add({old, older, stale});
    b.dispatcher->run_due_now();
    auto lines = b.file_lines();
    REQUIRE(lines.size() == 2);
    CHECK(lines[0]["key"] == older.key);  // in due order
    CHECK(lines[1]["key"] == old.key);
    CHECK(b.row(old.key).late);
    CHECK(b.row(stale.key).state == NoticeState::expired);
}

// With nothing pending the dispatcher arms no timer at all: an idle daemon does not wake.
TEST_CASE("idle means no timer") {
    Bench b({file_channel()});
    b.dispatcher->poke();
    CHECK_FALSE(b.dispatcher->timer_armed());
    b.add({b.notice("a", "file", at("2027-01-01T04:00:00Z"))});
    b.dispatcher->poke();
    CHECK(b.dispatcher->timer_armed());
    b.clock.set(at("2027-01-01T04:00:00Z"));
    b.dispatcher->run_due_now();
    b.dispatcher->poke();
    CHECK_FALSE(b.dispatcher->timer_armed());
}

// The real timer fires on the io_context and the notice is delivered without run_due_now.
TEST_CASE("the timer drives delivery on the event loop") {
    Bench b({file_channel()});
    b.add({b.notice("a", "file", b.clock.now())});
    bool delivered = false;
    b.dispatcher->on_result = [&](const OutboxRow&, const Delivery& d) {
        delivered = d.status == Delivery::sent;
        b.io.stop();
    };
    b.dispatcher->poke();
    b.io.run_for(std::chrono::seconds(20));  // an upper bound; stops as soon as the result is in
    CHECK(delivered);
    CHECK(b.file_lines().size() == 1);
}

// A stop lets the batch out on a channel finish and records its results before saying it is done:
// a notice that reached the channel is never left "pending" (to go out again, or to be marked
// expired although it arrived). With nothing in flight, the stop is done at once.
TEST_CASE("stop waits for the sends in flight and records them") {
    Bench b({flaky_channel("slow", R"({"delay_ms": 300})")});
    auto n = b.notice("a", "slow", b.clock.now());
    b.add({n});
    b.dispatcher->poke();
    for (int i = 0; i < 200 && b.dispatcher->idle(); ++i) b.io.run_one_for(std::chrono::milliseconds(50));
    REQUIRE_FALSE(b.dispatcher->idle());  // the batch is out on the pool, in the slow send

    bool drained = false;
    b.dispatcher->stop([&] {
        drained = true;
        b.io.stop();
    });
    CHECK_FALSE(drained);
    b.io.run_for(std::chrono::seconds(20));  // an upper bound; drained stops the loop
    CHECK(drained);
    CHECK(b.row(n.key).state == NoticeState::sent);

    bool at_once = false;
    b.dispatcher->stop([&] { at_once = true; });
    CHECK(at_once);
}

// While a channel sends a notice, the lines it logs (through the host, on the worker) carry the
// notice's key and event as journal fields.
TEST_CASE("a channel sends with the notice's journal fields in force") {
    struct FieldsSender final : Sender {
        Delivery send(const std::string&, const OutgoingNotice&) noexcept override {
            seen.push_back(LogFields::current());
            return {Delivery::sent, "", std::nullopt};
        }
        std::vector<LogFieldList> seen;
    };
    TempDir dir;
    auto store = Store::open(dir / "tarat.db");
    ManualClock clock{at("2026-12-07T04:00:00Z")};
    boost::asio::io_context io;
    FieldsSender sender;
    Dispatcher dispatcher(io, *store, clock, sender, [](const OutboxRow& row, Instant) -> Prepared {
        OutgoingNotice m;
        m.idempotency_key = row.notice.key;
        return m;
    });
    const Instant due = at("2026-12-07T03:00:00Z");
    Notice n{notice_key(NoticeKind::digest, "", "bertleuova", "log", due), NoticeKind::digest, "", "bertleuova", "log", due, {}};
    store->sync_notices(std::nullopt, {n}, clock.now());
    CHECK(dispatcher.run_due_now() == 1);
    REQUIRE(sender.seen.size() == 1);
    CHECK(sender.seen[0] == LogFieldList{{"NOTICE_KEY", n.key}});
    CHECK(LogFields::current().empty());
}
