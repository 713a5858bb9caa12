#include "notify/wall_timer.hpp"

#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace tarat {

namespace {
int make_timerfd() {
    int fd = ::timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "timerfd_create");
    return fd;
}
}  // namespace

WallTimer::WallTimer(boost::asio::io_context& io) : fd_(io, make_timerfd()) {}

WallTimer::~WallTimer() { cancel(); }

void WallTimer::arm(std::chrono::system_clock::time_point when, Handler handler) {
    auto since_epoch = std::chrono::duration_cast<std::chrono::nanoseconds>(when.time_since_epoch());
    if (since_epoch.count() <= 0) since_epoch = std::chrono::nanoseconds{1};  // 0 would disarm
    itimerspec spec{};
    spec.it_value.tv_sec = static_cast<time_t>(since_epoch.count() / 1'000'000'000);
    spec.it_value.tv_nsec = static_cast<long>(since_epoch.count() % 1'000'000'000);
    // ECANCELED: the clock was set since the last arming (any process may set it: an NTP step, a
    // test). The kernel has armed the timer all the same and forgotten the set, so arming again is
    // enough; the moment is absolute, so the set changes nothing about it.
    int attempts = 0;
    while (::timerfd_settime(fd_.native_handle(), TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &spec, nullptr) != 0)
        if (errno != ECANCELED || ++attempts == 3) throw std::system_error(errno, std::generic_category(), "timerfd_settime");
    handler_ = std::move(handler);
    deadline_ = when;
    if (!armed_) wait();  // one wait is outstanding while armed; re-arming only moves the moment
    armed_ = true;
}

void WallTimer::cancel() {
    if (!armed_) return;
    itimerspec off{};
    ::timerfd_settime(fd_.native_handle(), 0, &off, nullptr);
    armed_ = false;
    boost::system::error_code ignored;
    fd_.cancel(ignored);
}

void WallTimer::wait() {
    fd_.async_wait(boost::asio::posix::stream_descriptor::wait_read, [this](const boost::system::error_code& ec) {
        if (ec == boost::asio::error::operation_aborted) return;
        std::uint64_t expirations = 0;
        ssize_t n = ::read(fd_.native_handle(), &expirations, sizeof expirations);
        auto why = wake_of_read(n, n < 0 ? errno : 0);
        if (!why) {  // spurious wake-up: keep waiting
            wait();
            return;
        }
        armed_ = false;
        auto handler = std::move(handler_);
        if (handler) handler(*why);
    });
}

std::optional<WallTimer::Wake> WallTimer::wake_of_read(long result, int error) {
    if (result >= 0) return Wake::due;
    if (error == EAGAIN || error == EINTR) return std::nullopt;
    // ECANCELED: the clock was set. Any other error is treated alike: look at the time again.
    return error == ECANCELED ? Wake::clock_changed : Wake::due;
}

}  // namespace tarat
