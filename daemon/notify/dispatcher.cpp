#include "notify/dispatcher.hpp"

#include "core/log_fields.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>
#include <map>
#include <future>

namespace tarat {

std::chrono::seconds backoff_delay(const DispatchSettings& s, const std::string& key, int attempts) {
    using std::chrono::seconds;
    long long base = s.backoff_first.count();
    for (int i = 1; i < attempts && base < s.backoff_cap.count(); ++i) base *= 2;
    base = std::min<long long>(base, s.backoff_cap.count());
    // Jitter in [-20 %, +20 %], from a hash of key and attempt.
    size_t h = std::hash<std::string>{}(key + "#" + std::to_string(attempts));
    long long spread = base / 5;
    long long jitter = spread == 0 ? 0 : static_cast<long long>(h % size_t(2 * spread + 1)) - spread;
    return seconds{std::max<long long>(1, base + jitter)};
}

Dispatcher::Dispatcher(boost::asio::io_context& io, Store& store, const Clock& clock, Sender& sender,
                       Preparer prepare, DispatchSettings settings)
    : io_(io),
      store_(store),
      clock_(clock),
      sender_(sender),
      prepare_(std::move(prepare)),
      settings_(settings),
      timer_(io),
      pool_(settings.workers) {}

Dispatcher::~Dispatcher() {
    stopped_ = true;
    timer_.cancel();
    pool_.join();
}

void Dispatcher::stop(std::function<void()> drained) {
    stopped_ = true;
    timer_.cancel();
    drained_ = std::move(drained);
    if (in_flight_.empty() && drained_) std::exchange(drained_, {})();
}

void Dispatcher::poke() {
    if (stopped_ || !in_flight_.empty()) return;  // the batch in flight re-arms when it is done
    if (store_error_) {
        // The store failed: try again after a pause, not at once (a full disk stays full for a while).
        timer_.arm(std::chrono::system_clock::now() + store_retry_delay_, [this](WallTimer::Wake) { wake(); });
        return;
    }
    std::optional<Instant> next;
    try {
        next = store_.next_attempt_due();
    } catch (const std::exception& e) {
        store_failed(std::string("cannot read the outbox: ") + e.what());
        poke();
        return;
    }
    if (!next) {
        timer_.cancel();  // nothing pending: no wake-ups at all
        return;
    }
    // The injected clock may run ahead of the real one (preview, --pretend-now): aim by the difference.
    auto real_now = std::chrono::system_clock::now();
    auto wait = std::chrono::duration_cast<std::chrono::system_clock::duration>(*next - clock_.now());
    // Instants are whole seconds: aim from the start of the current real second, not from its
    // middle, or every notice would be late by the fraction that had passed (at worst one early
    // wake-up finds nothing due and re-arms).
    timer_.arm(std::chrono::floor<std::chrono::seconds>(real_now) + std::max(wait, std::chrono::system_clock::duration::zero()),
               [this](WallTimer::Wake why) {
                   if (why == WallTimer::Wake::clock_changed) clock_stepped();
                   else wake();
               });
}

void Dispatcher::clock_stepped() {
    spdlog::info("the system clock was set: re-arming");
    wake();
}

void Dispatcher::store_failed(const std::string& what) {
    store_retry_delay_ = store_retry_delay_.count() == 0 ? settings_.store_retry_first
                                                         : std::min(store_retry_delay_ * 2, settings_.store_retry_cap);
    store_error_ = what;
    spdlog::error("{}; notices wait, the store is tried again in {} s", what, store_retry_delay_.count());
    if (on_store_state) on_store_state();
}

void Dispatcher::store_works() {
    if (!store_error_) return;
    store_error_.reset();
    store_retry_delay_ = std::chrono::seconds{0};
    spdlog::warn("the store takes writes again: notices go out");
    if (on_store_state) on_store_state();
}

std::vector<Dispatcher::Job> Dispatcher::take_due() {
    std::vector<Job> jobs;
    try {
        take_due_into(jobs);
    } catch (...) {
        for (const auto& job : jobs) in_flight_.erase(job.row.notice.key);
        throw;
    }
    return jobs;
}

void Dispatcher::take_due_into(std::vector<Job>& jobs) {
    // One transaction: after downtime many reminders expire at once, and a commit (an fsync) for
    // each would take longer than sending the batch.
    std::vector<std::string> put_off;  // expired or deferred: settled without an attempt
    store_.in_transaction([&] {
        for (auto& row : store_.due_notices(clock_.now(), settings_.batch)) {
            if (in_flight_.count(row.notice.key)) continue;
            Job job{std::move(row), std::nullopt};
            try {
                auto prepared = prepare_(job.row, clock_.now());
                if (std::holds_alternative<Expired>(prepared)) {
                    store_.mark_expired(job.row.notice.key, clock_.now());
                    put_off.push_back(job.row.notice.key);
                    continue;
                }
                if (auto* deferred = std::get_if<Deferred>(&prepared)) {
                    store_.defer(job.row.notice.key, deferred->until);
                    put_off.push_back(job.row.notice.key);
                    continue;
                }
                job.message = std::get<OutgoingNotice>(std::move(prepared));
            } catch (const std::exception& e) {
                // A notice we cannot render (a template or the plan changed): keep it, try again later.
                record({job}, {Delivery{Delivery::retry, std::string("cannot prepare the notice: ") + e.what(), std::nullopt}});
                continue;
            }
            in_flight_.insert(job.row.notice.key);
            jobs.push_back(std::move(job));
        }
    });
    for (const auto& key : put_off) settled(key);
}

void Dispatcher::when_settled(const std::string& key, std::function<void()> then) {
    settled_waiters_[key].push_back(std::move(then));
}

void Dispatcher::settled(const std::string& key) {
    auto found = settled_waiters_.find(key);
    if (found == settled_waiters_.end()) return;
    auto waiters = std::move(found->second);
    settled_waiters_.erase(found);
    for (auto& then : waiters) {
        try {
            then();
        } catch (const std::exception& e) {
            spdlog::error("after notice {}: {}", key, e.what());
        }
    }
}

void Dispatcher::record_failure(const Job& job, const Delivery& delivery, Instant now) {
    const auto& key = job.row.notice.key;
    LogFields fields(notice_log_fields(key, job.row.notice.event_id));
    if (delivery.status == Delivery::rejected) {
        store_.mark_dead(key, now, delivery.error);
        spdlog::error("notice {} rejected by channel {}: {}", key, job.row.notice.channel, delivery.error);
        return;
    }
    auto delay = backoff_delay(settings_, key, job.row.attempts + 1);
    if (delivery.retry_after) delay = std::max(delay, std::min(*delivery.retry_after, settings_.retry_after_cap));
    store_.mark_retry(key, now + delay, delivery.error);
    spdlog::warn("notice {} on channel {}: {}; retry in {} s", key, job.row.notice.channel, delivery.error, delay.count());
}

void Dispatcher::record(const std::vector<Job>& jobs, const std::vector<Delivery>& deliveries) {
    const Instant now = clock_.now();
    // One durable commit per batch, sent rows in one statement loop: a commit (or a savepoint) per
    // notice would cap throughput far below what the disk can do.
    try {
        store_.in_transaction([&] {
            std::vector<SentMark> sent;
            std::set<std::string> told;  // events whose date people now know: pinned
            for (size_t i = 0; i < jobs.size(); ++i) {
                const Job& job = jobs[i];
                if (deliveries[i].status != Delivery::sent) {
                    record_failure(job, deliveries[i], now);
                    continue;
                }
                sent.push_back({job.row.notice.key, now, job.message ? job.message->subject : "",
                                job.message ? job.message->body : "", now - job.row.notice.due > settings_.late_after});
                if (!job.row.notice.event_id.empty()) told.insert(job.row.notice.event_id);
            }
            if (!sent.empty()) store_.mark_sent_batch(sent);
            for (const auto& event_id : told) store_.pin_event(event_id);
        });
        store_works();
    } catch (const std::exception& e) {
        // The rows stay pending and go out again: at-least-once, never lost; receivers dedupe by key.
        store_failed("cannot record the results of " + std::to_string(jobs.size()) + " notices: " + e.what());
    }
    for (const auto& job : jobs) in_flight_.erase(job.row.notice.key);
    if (on_result)
        for (size_t i = 0; i < jobs.size(); ++i) on_result(jobs[i].row, deliveries[i]);
    for (const auto& job : jobs) settled(job.row.notice.key);
    if (stopped_ && in_flight_.empty() && drained_) std::exchange(drained_, {})();
}

// Jobs grouped by channel, in due order: a channel takes one call at a time anyway, and its
// notices then arrive in the order they were due.
static std::map<std::string, std::vector<size_t>> by_channel(const std::vector<Dispatcher::Job>& jobs) {
    std::map<std::string, std::vector<size_t>> groups;
    for (size_t i = 0; i < jobs.size(); ++i) groups[jobs[i].row.notice.channel].push_back(i);
    return groups;
}

// Sends one channel's jobs in order, then flushes the channel: a failed flush undoes the batch's
// sends, so they become retries.
std::vector<Delivery> Dispatcher::send_group(const std::vector<Job>& jobs, const std::vector<size_t>& indices) {
    std::vector<Delivery> results;
    const std::string& channel = jobs[indices.front()].row.notice.channel;
    for (size_t i : indices) {
        LogFields fields(notice_log_fields(jobs[i].row.notice.key, jobs[i].row.notice.event_id));
        results.push_back(sender_.send(channel, *jobs[i].message));
    }
    if (auto failed = sender_.flush(channel))
        for (auto& d : results)
            if (d.status == Delivery::sent) d = {Delivery::retry, "not made durable: " + *failed, std::nullopt};
    return results;
}

void Dispatcher::wake() {
    if (stopped_) return;
    auto jobs = std::make_shared<std::vector<Job>>();
    try {
        *jobs = take_due();
    } catch (const std::exception& e) {  // e.g. marking an expired row on a full disk
        store_failed(std::string("cannot take due notices: ") + e.what());
        poke();
        return;
    }
    if (jobs->empty()) {
        store_works();  // nothing due is waiting on the store any more
        poke();
        return;
    }
    auto deliveries = std::make_shared<std::vector<Delivery>>(jobs->size());
    auto groups = by_channel(*jobs);
    auto remaining = std::make_shared<size_t>(groups.size());
    // The loop must not run out of work while sends are out on the pool.
    auto keep_loop = std::make_shared<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>(
        io_.get_executor());
    for (auto& [channel, indices] : groups) {
        boost::asio::post(pool_, [this, jobs, deliveries, remaining, keep_loop, indices = std::move(indices)] {
            std::vector<Delivery> results = send_group(*jobs, indices);
            boost::asio::post(io_, [this, jobs, deliveries, remaining, keep_loop, indices,
                                    results = std::move(results)]() mutable {
                for (size_t k = 0; k < indices.size(); ++k) (*deliveries)[indices[k]] = std::move(results[k]);
                if (--*remaining > 0) return;
                record(*jobs, *deliveries);
                poke();
            });
        });
    }
}

void Dispatcher::send_now(std::vector<Direct> messages, std::function<void(std::vector<Delivery>)> done) {
    auto keep_loop = std::make_shared<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>(
        io_.get_executor());
    boost::asio::post(pool_, [this, messages = std::move(messages), done = std::move(done), keep_loop] {
        std::vector<Delivery> results;
        for (const auto& [channel, message] : messages) {
            Delivery delivery = sender_.send(channel, message);
            if (auto failed = sender_.flush(channel); failed && delivery.status == Delivery::sent)
                delivery = {Delivery::retry, "not made durable: " + *failed, std::nullopt};
            results.push_back(std::move(delivery));
        }
        boost::asio::post(io_, [done, results = std::move(results), keep_loop]() mutable { done(std::move(results)); });
    });
}

size_t Dispatcher::run_due_now() {
    size_t handled = 0;
    for (;;) {
        auto jobs = take_due();
        if (jobs.empty()) {
            // A batch may have been all expired or deferred rows: go on while any is still due.
            auto next = store_.next_attempt_due();
            if (!next || *next > clock_.now()) return handled;
            continue;
        }
        std::vector<Delivery> deliveries(jobs.size());
        std::vector<std::future<void>> done;
        for (auto& [channel, indices] : by_channel(jobs)) {
            std::packaged_task<void()> task([this, &jobs, &deliveries, indices = indices] {
                auto results = send_group(jobs, indices);
                for (size_t k = 0; k < indices.size(); ++k) deliveries[indices[k]] = std::move(results[k]);
            });
            done.push_back(task.get_future());
            boost::asio::post(pool_, std::move(task));
        }
        for (auto& f : done) f.get();
        record(jobs, deliveries);
        handled += jobs.size();
        if (store_error_) return handled;  // the rows are still due: trying again at once would spin
    }
}

}  // namespace tarat
