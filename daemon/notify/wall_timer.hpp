#pragma once
// A one-shot timer for a wall-clock moment that notices clock steps: timerfd on CLOCK_REALTIME
// with TFD_TIMER_CANCEL_ON_SET. Boost 1.74's system_timer can fire late after a step and waits at
// most five minutes at a time; this one sleeps until the moment, however far, and wakes at once
// when someone sets the clock (the handler then sees `clock_changed` and re-arms).
#include <utility>  // before Asio (Boost 1.74 + GCC 12)
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <chrono>
#include <functional>
#include <optional>

namespace tarat {

class WallTimer {
public:
    enum class Wake { due, clock_changed };
    using Handler = std::function<void(Wake)>;

    explicit WallTimer(boost::asio::io_context& io);
    ~WallTimer();
    WallTimer(const WallTimer&) = delete;
    WallTimer& operator=(const WallTimer&) = delete;

    // Fires once at `when` (real CLOCK_REALTIME), replacing any earlier arming.
    void arm(std::chrono::system_clock::time_point when, Handler handler);
    void cancel();
    bool armed() const { return armed_; }
    std::optional<std::chrono::system_clock::time_point> deadline() const {
        return armed_ ? std::optional(deadline_) : std::nullopt;
    }
    int native_handle() { return fd_.native_handle(); }  // tests read the kernel's view in fdinfo

    // What a read of the timerfd says (read's result and errno): due, the clock was set
    // (ECANCELED, from TFD_TIMER_CANCEL_ON_SET), or nothing yet (EAGAIN: keep waiting).
    static std::optional<Wake> wake_of_read(long result, int error);

private:
    void wait();

    boost::asio::posix::stream_descriptor fd_;
    Handler handler_;
    std::chrono::system_clock::time_point deadline_;
    bool armed_ = false;
};

}  // namespace tarat
