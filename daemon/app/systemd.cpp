#include "app/systemd.hpp"

#include "compliance/compliance.hpp"
#include "notify/notices.hpp"
#include "store/store.hpp"

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include <cstring>
#include <stdexcept>

namespace tarat {

std::string service_status_line(const Store& store, const Notices& notices, Date today) {
    const auto events = count_outcomes(
        store.event_groups(), [&](const StoredEvent& e) { return notices.report_due(e); }, today);
    const std::size_t overdue = events[Outcome::not_held] + events[Outcome::report_missing];
    auto counts = store.notice_counts();
    return std::to_string(events[Outcome::upcoming]) + " upcoming, " + std::to_string(overdue) + " overdue, " +
           std::to_string(counts.pending) + " pending, " + std::to_string(counts.dead) + " dead notices";
}

std::optional<int> socket_from_systemd() {
    const int count = sd_listen_fds(1);  // 1: unset LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES
    if (count < 0) throw std::runtime_error(std::string("socket activation: ") + std::strerror(-count));
    if (count == 0) return std::nullopt;
    if (count > 1)
        throw std::runtime_error("socket activation: systemd passed " + std::to_string(count) +
                                 " sockets; taratd serves exactly one");
    const int fd = SD_LISTEN_FDS_START;
    if (sd_is_socket_unix(fd, SOCK_STREAM, 1, nullptr, 0) <= 0)
        throw std::runtime_error("socket activation: fd 3 is not a listening AF_UNIX stream socket");
    return fd;
}

ServiceNotifier::ServiceNotifier(boost::asio::io_context& io, StatusSource status)
    : io_(io), status_(std::move(status)), watchdog_timer_(io), refresh_timer_(io) {
    std::uint64_t usec = 0;
    // > 0 only when WATCHDOG_USEC is set and WATCHDOG_PID is unset or ours.
    if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) watchdog_period_ = std::chrono::microseconds(usec / 2);
}

void ServiceNotifier::notify(const std::string& state) const {
    if (int rc = sd_notify(0, state.c_str()); rc < 0)
        spdlog::warn("sd_notify: {}", std::strerror(-rc));
}

std::string ServiceNotifier::status_now() const {
    try {
        return status_();
    } catch (const std::exception& e) {
        spdlog::warn("status: {}", e.what());
        return "status unknown: " + std::string(e.what());
    }
}

void ServiceNotifier::ready() {
    notify("READY=1\nSTATUS=" + status_now());
    if (watchdog_started_ || watchdog_period_.count() == 0) return;
    watchdog_started_ = true;
    spdlog::info("watchdog: pinging systemd every {} ms", watchdog_period_.count() / 1000);
    notify("WATCHDOG=1");
    ping_later();
}

// From the loop thread on purpose: a loop stuck in a handler stops the pings and systemd notices.
void ServiceNotifier::ping_later() {
    watchdog_timer_.expires_after(watchdog_period_);
    watchdog_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (ec) return;
        notify("WATCHDOG=1");
        ping_later();
    });
}

void ServiceNotifier::refresh_status() {
    if (refresh_posted_) return;
    refresh_posted_ = true;
    refresh_timer_.expires_at(last_refresh_ + std::chrono::seconds(1));  // at once when that is past
    refresh_timer_.async_wait([this](const boost::system::error_code& ec) {
        refresh_posted_ = false;
        if (ec) return;
        last_refresh_ = std::chrono::steady_clock::now();
        notify("STATUS=" + status_now());
    });
}

void ServiceNotifier::stopping() {
    watchdog_timer_.cancel();
    refresh_timer_.cancel();
    notify("STOPPING=1\nSTATUS=stopping");
}

ServiceNotifier::Reloading::Reloading(ServiceNotifier& notifier) : notifier_(notifier) {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    const auto usec = static_cast<unsigned long long>(now.tv_sec) * 1000000ULL +
                      static_cast<unsigned long long>(now.tv_nsec) / 1000ULL;
    notifier_.notify("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec) + "\nSTATUS=reloading");
}

ServiceNotifier::Reloading::~Reloading() { notifier_.ready(); }

}  // namespace tarat
