#pragma once
// Sends due notices from the outbox: one wall-clock timer at the earliest due row (no polling),
// plugin calls on a small worker pool (never on the loop thread), results recorded in the store.
#include "core/notice.hpp"
#include "core/time.hpp"
#include "notify/plugin_host.hpp"
#include "notify/wall_timer.hpp"
#include "store/store.hpp"

#include <utility>  // before Asio (Boost 1.74 + GCC 12)
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

namespace tarat {

// Delivers one rendered notice on a named channel. The daemon's goes to plugins; preview records.
class Sender {
public:
    virtual ~Sender() = default;
    // May block: runs on a worker thread. Must not throw.
    virtual Delivery send(const std::string& channel, const OutgoingNotice& notice) noexcept = 0;
    // After a batch on a channel: makes its sends durable; an error means they must be sent again.
    virtual std::optional<std::string> flush(const std::string& /*channel*/) noexcept { return std::nullopt; }
};

// What to do with a due row: send this, or drop it as expired (a reminder after its event began).
struct Expired {};
// Not now: at `until` (outside working hours, after downtime).
struct Deferred {
    Instant until;
};
using Prepared = std::variant<OutgoingNotice, Expired, Deferred>;
// Renders a row into a message at `now`; runs on the loop thread, reads the store. Throws → the
// row retries.
using Preparer = std::function<Prepared(const OutboxRow&, Instant now)>;

struct DispatchSettings {
    std::chrono::seconds backoff_first{30};
    std::chrono::seconds backoff_cap{3600};
    std::chrono::seconds retry_after_cap{6 * 3600};  // a server's Retry-After is honoured up to this
    std::chrono::seconds late_after{600};            // sent this long after due: marked late
    std::chrono::seconds store_retry_first{1};       // after the store failed a write (disk full,
    std::chrono::seconds store_retry_cap{60};        // I/O error): wait, doubling up to the cap
    size_t batch = 256;                              // rows taken per wake-up
    size_t workers = 2;
};

// The wait before attempt `attempts + 1`: 30 s, 1 min, 2 min … capped, ±20 % jitter that depends
// only on the key and the attempt, so it is spread yet reproducible.
std::chrono::seconds backoff_delay(const DispatchSettings& settings, const std::string& key, int attempts);

class Dispatcher {
public:
    Dispatcher(boost::asio::io_context& io, Store& store, const Clock& clock, Sender& sender, Preparer prepare,
               DispatchSettings settings = {});
    ~Dispatcher();  // waits for sends in flight

    // Arms the timer at the earliest due row. Call after every change to the outbox.
    void poke();
    // Stops taking rows; sends in flight still finish and are recorded if the loop still runs.
    // `drained` runs on the loop once nothing is in flight any more (at once when nothing is), so
    // a stop can wait until every notice handed to a channel has its result recorded.
    void stop(std::function<void()> drained = {});

    // Takes every due row now, sends, records, until none is due: for preview and tests (a manual
    // clock). Blocks on the worker pool; call it only while the io_context is not running elsewhere.
    size_t run_due_now();

    // Sends messages now, outside the outbox (test notices): in order on a worker, each channel
    // flushed after its message; then `done` on the loop thread with one Delivery per message.
    // Nothing is recorded and nothing is retried: the caller reports the results.
    using Direct = std::pair<std::string, OutgoingNotice>;  // channel, message
    void send_now(std::vector<Direct> messages, std::function<void(std::vector<Delivery>)> done);

    // Called on the loop thread after each recorded result (tests, STATUS=).
    std::function<void(const OutboxRow&, const Delivery&)> on_result;
    // Once, on the loop thread, when the row `key` next has an outcome: an attempt recorded, or the
    // row deferred (outside working hours) or expired. `retry --wait` answers with it.
    void when_settled(const std::string& key, std::function<void()> then);
    // Called on the loop thread when the store starts failing and when it works again (STATUS=).
    std::function<void()> on_store_state;
    bool idle() const { return in_flight_.empty(); }
    bool timer_armed() const { return timer_.armed(); }
    // The moment the timer is armed for (real time), when armed.
    std::optional<std::chrono::system_clock::time_point> timer_deadline() const { return timer_.deadline(); }
    // Why the last attempt to take or record notices failed in the store, until one succeeds: the
    // dispatcher then waits (store_retry_first doubling to store_retry_cap) instead of spinning.
    const std::optional<std::string>& store_error() const { return store_error_; }
    // The wall clock was set (the timer's cancel-on-set, or a test that moved its clock): what is
    // due now goes out, and the timer is aimed again from the new time.
    void clock_stepped();

    struct Job {
        OutboxRow row;
        std::optional<OutgoingNotice> message;
    };

private:
    void wake();
    std::vector<Job> take_due();  // in flight until recorded; none are left in flight if it throws
    void take_due_into(std::vector<Job>& jobs);
    void record(const std::vector<Job>& jobs, const std::vector<Delivery>& deliveries);
    void record_failure(const Job& job, const Delivery& delivery, Instant now);
    void store_failed(const std::string& what);
    void store_works();
    std::vector<Delivery> send_group(const std::vector<Job>& jobs, const std::vector<size_t>& indices);

    boost::asio::io_context& io_;
    Store& store_;
    const Clock& clock_;
    Sender& sender_;
    Preparer prepare_;
    DispatchSettings settings_;
    WallTimer timer_;
    boost::asio::thread_pool pool_;
    std::set<std::string> in_flight_;
    bool stopped_ = false;
    std::function<void()> drained_;  // stop()'s callback, until nothing is in flight
    std::optional<std::string> store_error_;
    std::map<std::string, std::vector<std::function<void()>>> settled_waiters_;
    void settled(const std::string& key);
    std::chrono::seconds store_retry_delay_{0};
};

}  // namespace tarat
