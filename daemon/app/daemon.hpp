#pragma once
// taratd's running state: setup, store, notices, socket server, signals — on one io_context thread.
#include "app/receivers.hpp"
#include "app/systemd.hpp"
#include "commands/commands.hpp"
#include "config/setup.hpp"
#include "control/command_table.hpp"
#include "control/server.hpp"
#include "core/time.hpp"
#include "feeds/calendar_feeds.hpp"
#include "lifecycle/lifecycle.hpp"
#include "notify/dispatcher.hpp"
#include "notify/plugin_host.hpp"
#include "notify/plugin_sender.hpp"
#include "store/store.hpp"
#include "web/http_server.hpp"
#include "web/site.hpp"

#include <utility>  // before Asio (Boost 1.74 + GCC 12)
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/signal_set.hpp>

#include <filesystem>
#include <memory>
#include <optional>

namespace tarat {

struct DaemonOptions {
    std::filesystem::path config_file;
    SetupOverrides overrides;
    // The listening socket systemd passed (socket activation); without it run() binds the config's.
    std::optional<int> activated_socket = std::nullopt;
};

class Daemon {
public:
    Daemon(DaemonOptions options, Setup setup, const Clock& clock);
    ~Daemon();

    // Opens the store and the channels, stores the schedule and its notices, listens, and runs
    // until SIGTERM/SIGINT. Returns an exit code.
    int run();

    // What run() does before it listens: opens the store and the channels, stores the schedule and
    // its notices, and registers the commands. Returns an exit code. For harnesses that dispatch
    // requests without a socket (tests/fuzz).
    int open();
    const control::CommandTable& commands() const { return commands_; }

    // Re-reads config, plan and calendar; keeps the old ones when the new ones are invalid.
    ReloadOutcome reload(const Actor& actor, const PlanOptions& options);

    const Setup& setup() const { return lifecycle_ ? lifecycle_->setup() : *setup_; }
    Store& store() { return *store_; }

private:
    // reload() for taratctl and SIGHUP alike, remembering its result for `status`.
    ReloadOutcome reload_and_record(const Actor& actor, const PlanOptions& options);
    void publish_feeds(bool setup_changed = false);
    void watch_signals();
    void stop();
    // The outbox holds what falls due within kNoticeHorizon of today, not a ten-year plan's every
    // notice: each local midnight (and after the clock is set) it reaches one day further.
    void advance_horizon();
    // After a request that ran long, once its reply is written: give_back_freed_memory().
    void give_back_after(std::chrono::steady_clock::duration took);

    DaemonOptions options_;
    std::shared_ptr<const Setup> setup_;
    std::uint64_t setup_generation_ = 0;  // raised by every reload that is taken
    std::optional<commands::ReloadRecord> last_reload_;  // taken or refused: `status` shows it
    const Clock& clock_;
    boost::asio::io_context io_;
    boost::asio::signal_set signals_;
    boost::asio::steady_timer stop_deadline_{io_};  // how long a stop waits for sends in flight
    boost::asio::steady_timer give_back_{io_};     // freed memory back to the system after long requests
    bool give_back_armed_ = false;
    std::unique_ptr<Store> store_;
    std::unique_ptr<EventLifecycle> lifecycle_;
    std::unique_ptr<PluginHost> plugins_;
    std::unique_ptr<PluginSender> sender_;
    std::unique_ptr<Dispatcher> dispatcher_;
    std::optional<WallTimer> horizon_timer_;  // armed for the next local midnight
    bool plan_unstored_ = false;
    std::chrono::seconds horizon_retry_{0};  // after a failed sync: the wait before the next  // the plan load at start failed in the store: advance_horizon retries it
    std::unique_ptr<commands::Context> context_;
    std::unique_ptr<commands::AdminAudit> audit_;
    control::CommandTable commands_;
    FeedPublisher feeds_;  // feeds_dir: rewritten after start, reload and every admin command
    std::unique_ptr<control::Server> server_;
    std::unique_ptr<inbound::Inbound> inbound_;  // F11: what people send to the bot
    std::unique_ptr<Receivers> receivers_;
    std::unique_ptr<web::Site> site_;         // F12: [web] on: links in notices, the dashboard
    std::unique_ptr<web::HttpServer> http_;
    // READY/RELOADING/STOPPING/STATUS and watchdog pings for systemd; no-ops without it.
    // A store that fails writes (disk full, I/O errors) comes first in STATUS= until it recovers.
    ServiceNotifier service_{io_, [this] {
        auto line = service_status_line(*store_, lifecycle_->notices(), lifecycle_->today());
        if (dispatcher_ && dispatcher_->store_error()) line = "storage error: " + *dispatcher_->store_error() + "; " + line;
        return line;
    }};
};

}  // namespace tarat
