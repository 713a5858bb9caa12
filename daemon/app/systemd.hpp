#pragma once
// taratd under systemd: the notify protocol (READY, RELOADING, STOPPING, STATUS), watchdog pings
// and socket activation, through libsystemd. Each call is a no-op when systemd did not ask for
// it (no NOTIFY_SOCKET, no WATCHDOG_USEC for our pid, no LISTEN_FDS), so `taratd run` behaves
// the same from a terminal.
#include "core/time.hpp"

#include <utility>  // before Asio (Boost 1.74 + GCC 12)
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace tarat {

class Store;
class Notices;

// The one-line STATUS=: "31 upcoming, 2 overdue, 5 pending, 0 dead notices" (events by their
// compliance outcome_of as of `today` — upcoming, and not confirmed held or report missing — and
// the outbox's pending and dead rows).
std::string service_status_line(const Store& store, const Notices& notices, Date today);

// The listening socket systemd passed us (LISTEN_FDS=1 for our pid), or nullopt. Clears the
// LISTEN_* variables so nothing we start inherits them. Throws std::runtime_error when systemd
// passed something taratd cannot serve (several fds, or not an AF_UNIX stream socket).
std::optional<int> socket_from_systemd();

// Talks to the service manager. Everything runs on the io_context's (the loop's) thread.
class ServiceNotifier {
public:
    using StatusSource = std::function<std::string()>;

    // `status` is asked for the STATUS= line whenever it is sent.
    ServiceNotifier(boost::asio::io_context& io, StatusSource status);

    // READY=1 with the current STATUS=. Starts the watchdog pings on first call.
    void ready();
    // Sends STATUS= again — at most once a second however often it is asked for: counting every
    // event and notice after each of a backlog of changes (queued Telegram updates) doubled the
    // loop's work per change. The last one asked for always goes out.
    void refresh_status();
    // STOPPING=1; stops the watchdog pings.
    void stopping();

    // RELOADING=1 with MONOTONIC_USEC= now, and READY=1 with a fresh STATUS= when it goes out of
    // scope, whatever the reload decided.
    class Reloading {
    public:
        explicit Reloading(ServiceNotifier& notifier);
        ~Reloading();
        Reloading(const Reloading&) = delete;
        Reloading& operator=(const Reloading&) = delete;

    private:
        ServiceNotifier& notifier_;
    };
    Reloading reloading() { return Reloading(*this); }

    // The ping period: half of WATCHDOG_USEC, or zero when systemd wants no pings from us.
    std::chrono::microseconds watchdog_period() const { return watchdog_period_; }

private:
    void notify(const std::string& state) const;
    std::string status_now() const;  // never throws
    void ping_later();

    boost::asio::io_context& io_;
    StatusSource status_;
    boost::asio::steady_timer watchdog_timer_;
    std::chrono::microseconds watchdog_period_{0};
    bool watchdog_started_ = false;
    boost::asio::steady_timer refresh_timer_;
    std::chrono::steady_clock::time_point last_refresh_{};
    bool refresh_posted_ = false;
};

}  // namespace tarat
