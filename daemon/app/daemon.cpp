#include "app/daemon.hpp"

#include "control/client.hpp"
#include "core/exit_codes.hpp"
#include "core/secret_key.hpp"

#include <spdlog/spdlog.h>
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>

namespace tarat {
namespace {

// The taratctl beside this taratd when there is one (a build tree), else the one on PATH.
std::string taratctl_command() {
    std::error_code ec;
    auto beside = std::filesystem::read_symlink("/proc/self/exe", ec).parent_path() / "taratctl";
    return !ec && std::filesystem::exists(beside) ? beside.string() : "taratctl";
}

// A folder others must reach although taratd's umask is 027: the socket's (its own mode, 0660,
// decides who may connect; 0755 like systemd's RuntimeDirectory=) and feeds_dir (published by a web
// server). Only a folder taratd creates is set; an existing one is the administrator's.
void create_public_dir(const std::filesystem::path& dir) {
    std::error_code ec;
    if (std::filesystem::exists(dir, ec) || ec) return;  // a failure is for the caller's own use of it to report
    if (std::filesystem::create_directories(dir, ec) && !ec)
        std::filesystem::permissions(dir, std::filesystem::perms(0755), ec);
}

// A plan load frees what placing and storing the plan held (a national plan's ~150 MB), but glibc
// keeps freed pages in its arenas for the next allocation: an idle national daemon held 173 MB
// where it used 26. They go back to the system after each load.
void give_back_freed_memory() { ::malloc_trim(0); }

// The plan stored at start: nobody is shown its diff.
PlanOptions at_start() {
    PlanOptions options;
    options.diff = false;
    return options;
}

}  // namespace

Daemon::Daemon(DaemonOptions options, Setup setup, const Clock& clock)
    : options_(std::move(options)),
      setup_(std::make_shared<const Setup>(std::move(setup))),
      clock_(clock),
      signals_(io_, SIGINT, SIGTERM, SIGHUP) {}

Daemon::~Daemon() = default;

void Daemon::publish_feeds(bool setup_changed) {
    feeds_.publish({lifecycle_->setup(), lifecycle_->notices().policy(), *store_}, clock_.now(), setup_changed);
}

ReloadOutcome Daemon::reload(const Actor& actor, const PlanOptions& options) {
    std::optional<ServiceNotifier::Reloading> reloading;  // RELOADING=1 now, READY=1 and STATUS= when done
    if (!options.dry_run) reloading.emplace(service_);
    ReloadOutcome outcome;
    Diagnostics diagnostics;
    auto fresh = load_setup(options_.config_file, options_.overrides, diagnostics);
    if (!fresh) {
        for (const auto& d : diagnostics.items()) outcome.errors.push_back(d.format());
        outcome.text = "the new plan was refused (" + std::to_string(diagnostics.error_count()) +
                       " errors); still serving plan " + lifecycle_->setup().plan.id;
        spdlog::error("reload: {}", outcome.text);
        for (const auto& e : outcome.errors) spdlog::error("{}", e);
        return outcome;
    }
    const auto& old_config = lifecycle_->setup().config;
    if (fresh->config.state_dir != old_config.state_dir || fresh->config.socket_path != old_config.socket_path ||
        fresh->config.plugin_dir != old_config.plugin_dir)
        spdlog::warn("reload: state_dir, socket and plugin_dir changes take effect at the next start");
    fresh->config.state_dir = old_config.state_dir;
    fresh->config.socket_path = old_config.socket_path;
    fresh->config.plugin_dir = old_config.plugin_dir;
    try {
        outcome = commands::take_plan(*lifecycle_, std::make_shared<const Setup>(std::move(*fresh)), actor, options);
        if (!outcome.taken) {
            spdlog::error("reload: {}", outcome.text);
            return outcome;
        }
        if (options.dry_run) {
            spdlog::info("reload: {}", outcome.text);
            return outcome;
        }
        ++setup_generation_;
        if (!lifecycle_->setup().config.feeds_dir.empty()) create_public_dir(lifecycle_->setup().config.feeds_dir);
        publish_feeds(/*setup_changed=*/true);
        spdlog::info("reload: {}", outcome.text);
        for (const auto& e : outcome.removed)
            spdlog::info("reload: removed {} (was planned for {})", e.id, format_date(e.date));
        dispatcher_->poke();
    } catch (const std::exception& e) {
        outcome.text = std::string("the new plan could not be stored: ") + e.what();
        spdlog::error("reload: {}", outcome.text);
    }
    return outcome;
}

ReloadOutcome Daemon::reload_and_record(const Actor& actor, const PlanOptions& options) {
    auto outcome = reload(actor, options);
    give_back_freed_memory();  // a dry run placed the whole plan too
    if (options.dry_run) return outcome;  // nothing happened: `status` keeps the last real reload
    const std::uint64_t number = last_reload_ ? last_reload_->number + 1 : 1;
    last_reload_ = commands::ReloadRecord{number, clock_.now(), actor.text(), outcome.taken, outcome.text};
    return outcome;
}

void Daemon::watch_signals() {
    signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
        if (ec) return;
        if (signal == SIGHUP) {
            spdlog::info("SIGHUP: re-reading {}", options_.config_file.string());
            reload_and_record(Actor::system("signal:SIGHUP"), PlanOptions{.allow_shrink = false});  // never shrinks
            watch_signals();
            return;
        }
        spdlog::info("{}: stopping", signal == SIGTERM ? "SIGTERM" : "SIGINT");
        stop();
    });
}

void Daemon::stop() {
    service_.stopping();
    if (receivers_) receivers_->stop();
    if (audit_) audit_->flush();
    if (server_) server_->stop();
    if (http_) http_->stop();
    signals_.cancel();
    if (horizon_timer_) horizon_timer_->cancel();
    if (!dispatcher_) {
        io_.stop();
        return;
    }
    // Notices already handed to a channel get their results recorded before the loop ends: a
    // notice delivered but still "pending" would go out again at the next start, or be marked
    // expired although it arrived. A channel that hangs holds the stop for 15 s at most.
    stop_deadline_.expires_after(std::chrono::seconds(15));
    stop_deadline_.async_wait([this](const boost::system::error_code& ec) {
        if (ec) return;
        spdlog::warn("stopping with notices still out on a channel: they stay pending and go out again");
        io_.stop();
    });
    dispatcher_->stop([this] { io_.stop(); });
}

void Daemon::give_back_after(std::chrono::steady_clock::duration took) {
    // A national report or page (control or web) read 100,000 events and freed them: an idle
    // daemon held 143 MB after one where it needed 28. A second later, when the reply has gone,
    // once for any number.
    constexpr auto kLongRun = std::chrono::milliseconds(50);
    if (took < kLongRun || give_back_armed_) return;
    give_back_armed_ = true;
    give_back_.expires_after(std::chrono::seconds(1));
    give_back_.async_wait([this](const boost::system::error_code& ec) {
        give_back_armed_ = false;
        if (!ec) give_back_freed_memory();
    });
}

void Daemon::advance_horizon() {
    const Instant now = clock_.now();
    Notices& notices = lifecycle_->notices();
    const Instant horizon = notices.horizon_from(now);
    const std::optional<Instant> before = notices.horizon();
    auto retry_in = std::chrono::seconds{0};
    if (before < horizon || plan_unstored_) {  // never back: what is derived stays true
        try {
            if (plan_unstored_) {
                lifecycle_->set_notice_horizon(horizon);
                lifecycle_->apply_plan(lifecycle_->setup_ptr(), Actor::system("taratd:start"), at_start());
            } else {
                lifecycle_->extend_notice_horizon(horizon, now);
            }
            plan_unstored_ = false;
            horizon_retry_ = std::chrono::seconds{0};
            give_back_freed_memory();
            dispatcher_->poke();
            service_.refresh_status();
        } catch (const std::exception& e) {
            // As the dispatcher does: 1 s, doubling up to a minute (a full disk stays full a while).
            horizon_retry_ = std::clamp(horizon_retry_ * 2, std::chrono::seconds{1}, std::chrono::seconds{60});
            retry_in = horizon_retry_;
            spdlog::error("cannot derive the notices due up to {}: {}; trying again in {} s",
                          format_instant_utc(horizon), e.what(), retry_in.count());
            lifecycle_->set_notice_horizon(before);  // as stored: nothing was committed
        }
    }
    const auto& calendar = *lifecycle_->setup().calendar;
    const Instant midnight = calendar.local_to_instant(calendar.instant_to_local(now).first + date::days{1}, 0);
    const auto wait = retry_in.count() > 0 ? retry_in : std::chrono::duration_cast<std::chrono::seconds>(midnight - now);
    if (!horizon_timer_) horizon_timer_.emplace(io_);
    // The injected clock may run ahead of the real one (--pretend-now): aim by the difference.
    horizon_timer_->arm(std::chrono::system_clock::now() + wait, [this](WallTimer::Wake) { advance_horizon(); });
}

int Daemon::open() {
    const auto& config = setup_->config;  // the lifecycle takes the setup over below
    store_ = Store::open(config.state_dir / "tarat.db");

    plugins_ = std::make_unique<PluginHost>(config.plugin_dir, config.state_dir);
    std::vector<std::string> channel_errors;
    sender_ = std::make_unique<PluginSender>(*plugins_, config.channels, channel_errors);
    for (const auto& e : channel_errors) spdlog::critical("{}", e);
    if (!channel_errors.empty()) return exit_code::config;

    lifecycle_ = std::make_unique<EventLifecycle>(*store_, clock_, setup_);
    // Where the last run left the horizon (its latest moment's), so that an unchanged plan writes
    // nothing at start (a full disk must not keep the daemon from starting); run() then moves it
    // to today's, as each midnight does, and retries while the store fails.
    const auto left_at = store_->latest_moment();
    lifecycle_->set_notice_horizon(lifecycle_->notices().horizon_from(left_at ? std::min(*left_at, clock_.now()) : clock_.now()));
    PlanApplied loaded;
    try {
        loaded = lifecycle_->apply_plan(setup_, Actor::system("taratd:start"), at_start());
    } catch (const StoreError& e) {
        // A failing disk: serve what is stored; advance_horizon stores the plan once writes work.
        spdlog::error("{}; serving what is stored, the plan is stored again when writes work", e.what());
        plan_unstored_ = true;
    }
    setup_.reset();  // the lifecycle holds the setup in force from now on
    if (loaded.future_removed * 2 > loaded.future_events)  // taken at start: there is nobody to ask
        spdlog::warn("the plan removed {} of the {} planned events dated today or later", loaded.future_removed,
                     loaded.future_events);
    spdlog::info("plan {} loaded: {}", lifecycle_->setup().plan.id,
                 loaded.changed ? std::to_string(loaded.change_count) + " changes stored" : std::string("unchanged"));

    if (!config.feeds_dir.empty()) create_public_dir(config.feeds_dir);
    publish_feeds();
    give_back_freed_memory();

    inbound_ = std::make_unique<inbound::Inbound>(*store_, *lifecycle_, inbound::Tokens(config.state_dir));
    dispatcher_ = std::make_unique<Dispatcher>(io_, *store_, clock_, *sender_, [this](const OutboxRow& row, Instant now) {
        auto prepared = lifecycle_->notices().prepare(row, now);
        if (auto* out = std::get_if<OutgoingNotice>(&prepared)) inbound_->adjust(*out, row.notice);
        return prepared;
    });
    lifecycle_->on_change = [this] { dispatcher_->poke(); };
    if (config.web.on()) {
        auto key_file = config.web.secret_file.is_absolute() ? config.web.secret_file : config.state_dir / config.web.secret_file;
        site_ = std::make_unique<web::Site>(*store_, *lifecycle_, web::Signer(load_or_create_key(key_file)),
                                            web::SiteSettings{config.web.base_url, config.state_dir / "reports"},
                                            dispatcher_.get());
        lifecycle_->notices().event_link = [this](const Person& person, const StoredEvent& event) {
            return site_->event_link(person, event);
        };
    }
    context_ = std::make_unique<commands::Context>(commands::Context{
        *store_, *lifecycle_, dispatcher_.get(),
        [this](const Actor& actor, const PlanOptions& options) { return reload_and_record(actor, options); },
        &last_reload_, plugins_.get()});
    commands::bind_commands(commands_, *context_);
    // A backup carries the whole database (45 MiB at most, base64): the one reply over 4 MiB.
    commands_.allow_reply_up_to("backup", control::kMaxReplyBytes);
    // These answers follow from the store, the day and the setup alone (`ics` stamps the time):
    // a client looping `notices` is answered from a copy until one of them changes. Not `event`:
    // it notes the revision its reader saw (a later change of theirs says what changed since).
    commands_.cache_replies({"events", "notices", "history", "compliance", "calendar"}, [this] {
        return std::to_string(store_->generation()) + " " + format_date(lifecycle_->today()) + " " +
               std::to_string(setup_generation_);
    });
    audit_ = std::make_unique<commands::AdminAudit>(*context_);
    commands_.on_admin_attempt([this](const control::Peer& peer, const std::string& command,
                                      const nlohmann::json& args, const control::Reply& reply) {
        audit_->record(peer, command, args, reply);
        service_.refresh_status();
        if (reply.result == control::ok) publish_feeds();
    });
    dispatcher_->on_result = [this](const OutboxRow&, const Delivery&) { service_.refresh_status(); };
    dispatcher_->on_store_state = [this] { service_.refresh_status(); };
    return exit_code::ok;
}

int Daemon::run() {
    if (int code = open(); code != exit_code::ok) return code;
    const auto& config = lifecycle_->setup().config;
    // Admin commands: root, the user taratd runs as, and members of the admin group. The group is
    // looked up once, here: a changed admin_group takes effect at the next start.
    control::AdminRule admin_rule{::geteuid(), control::find_group_id(config.admin_group)};
    if (!admin_rule.admin_gid)
        spdlog::warn("admin group '{}' does not exist: only root and uid {} may run admin commands",
                     config.admin_group, ::geteuid());
    server_ = std::make_unique<control::Server>(io_, commands_, control::Limits{}, admin_rule);
    server_->after_each_run([this](std::chrono::steady_clock::duration took) { give_back_after(took); });
    if (options_.activated_socket) {
        server_->adopt(*options_.activated_socket);  // socket activation: the socket unit owns the path
    } else {
        create_public_dir(config.socket_path.parent_path());
        server_->listen(config.socket_path);
        spdlog::info("listening on {} — ask it: {} --socket {} status", config.socket_path.string(),
                     taratctl_command(), config.socket_path.string());
    }
    if (site_) {
        http_ = std::make_unique<web::HttpServer>(io_, [this](const web::Request& r) {
            const auto started = std::chrono::steady_clock::now();
            auto response = site_->handle(r);
            give_back_after(std::chrono::steady_clock::now() - started);  // a national dashboard: 70 MB read
            return response;
        });
        try {
            auto address = http_->listen(config.web.listen);
            spdlog::info("web: listening on {} — open {}/ (sign in: {} web-login PERSON)", address,
                         config.web.base_url, taratctl_command());
        } catch (const std::exception& e) {
            // The socket and the notices go on: the web is one more door, not the house.
            spdlog::error("{}; the web is off until the next start", e.what());
            http_.reset();
        }
    }
    watch_signals();
    receivers_ = std::make_unique<Receivers>(io_, *plugins_, *store_, *inbound_, [this] {
        service_.refresh_status();
        publish_feeds();
    });
    receivers_->start(config.channels);
    dispatcher_->poke();
    advance_horizon();
    service_.ready();  // the database is migrated, the plugins are loaded, the socket listens
    io_.run();
    receivers_.reset();   // joins the receiving threads
    dispatcher_.reset();  // waits for sends in flight
    spdlog::info("stopped");
    return exit_code::ok;
}

}  // namespace tarat
