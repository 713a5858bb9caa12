#include "app/daemon.hpp"

#include "app/commands.hpp"
#include "app/exit_codes.hpp"
#include "control/client.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <csignal>

namespace tarat {
namespace {

std::vector<ScheduledEvent> pinned_events(const Store& store) {
    std::vector<ScheduledEvent> pinned;
    for (auto& e : store.events({}))
        if (e.event.pinned) pinned.push_back(e.event);
    return pinned;
}

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

}  // namespace

Daemon::Daemon(DaemonOptions options, Setup setup, const Clock& clock)
    : options_(std::move(options)),
      setup_(std::make_shared<const Setup>(std::move(setup))),
      clock_(clock),
      signals_(io_, SIGINT, SIGTERM, SIGHUP) {}

Daemon::~Daemon() = default;

Date Daemon::today() const { return setup_->calendar->instant_to_local(clock_.now()).first; }

PlanLoadResult Daemon::store_schedule(const std::shared_ptr<const Setup>& setup, std::string_view actor) {
    auto schedule = place(setup->plan, *setup->calendar, pinned_events(*store_));
    for (const auto& u : schedule.unplaced)
        spdlog::warn("cannot place {} at {} in {}: {}", u.rule, u.centre, u.period, u.reason);
    for (const auto& w : schedule.warnings) spdlog::warn("{}", w);
    for (const auto& d : schedule.drift)
        spdlog::info("pinned {} stays on {}; unpinned it would {}", d.event_id, format_date(d.pinned_date),
                     d.would_be ? "move to " + format_date(*d.would_be) : std::string("no longer be planned"));
    auto notices = std::make_unique<Notices>(*setup, *setup->templates, *store_);
    auto result = store_->in_transaction([&] {
        auto loaded = store_->apply_plan(setup->plan, schedule.events, clock_.now(), actor);
        notices->sync_all(clock_.now());
        return loaded;
    });
    notices_ = std::move(notices);
    return result;
}

ReloadOutcome Daemon::reload(std::string_view actor) {
    auto reloading = service_.reloading();  // RELOADING=1 now, READY=1 and STATUS= when done
    ReloadOutcome outcome;
    Diagnostics diagnostics;
    auto fresh = load_setup(options_.config_file, options_.overrides, diagnostics);
    if (!fresh) {
        for (const auto& d : diagnostics.items()) outcome.errors.push_back(d.format());
        outcome.text = "the new plan was refused (" + std::to_string(diagnostics.error_count()) +
                       " errors); still serving plan " + setup_->plan.id;
        spdlog::error("reload: {}", outcome.text);
        for (const auto& e : outcome.errors) spdlog::error("{}", e);
        return outcome;
    }
    const auto& old_config = setup_->config;
    if (fresh->config.state_dir != old_config.state_dir || fresh->config.socket_path != old_config.socket_path ||
        fresh->config.plugin_dir != old_config.plugin_dir)
        spdlog::warn("reload: state_dir, socket and plugin_dir changes take effect at the next start");
    fresh->config.state_dir = old_config.state_dir;
    fresh->config.socket_path = old_config.socket_path;
    fresh->config.plugin_dir = old_config.plugin_dir;
    try {
        auto next = std::make_shared<const Setup>(std::move(*fresh));
        auto result = store_schedule(next, actor);
        setup_ = next;
        ++setup_generation_;
        if (!setup_->config.feeds_dir.empty()) create_public_dir(setup_->config.feeds_dir);
        feeds_.publish(*this, /*setup_changed=*/true);
        outcome.taken = true;
        outcome.changes = result.changes;
        outcome.change_count = result.change_count;
        outcome.text = "plan " + setup_->plan.id + " taken: " +
                       (result.changed ? std::to_string(result.change_count) + " changes" : std::string("no changes"));
        spdlog::info("reload: {}", outcome.text);
        dispatcher_->poke();
    } catch (const std::exception& e) {
        outcome.text = std::string("the new plan could not be stored: ") + e.what();
        spdlog::error("reload: {}", outcome.text);
    }
    return outcome;
}

void Daemon::watch_signals() {
    signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
        if (ec) return;
        if (signal == SIGHUP) {
            spdlog::info("SIGHUP: re-reading {}", options_.config_file.string());
            reload("signal:SIGHUP");
            watch_signals();
            return;
        }
        spdlog::info("{}: stopping", signal == SIGTERM ? "SIGTERM" : "SIGINT");
        stop();
    });
}

void Daemon::stop() {
    service_.stopping();
    if (server_) server_->stop();
    signals_.cancel();
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

int Daemon::open() {
    const auto& config = setup_->config;
    store_ = Store::open(config.state_dir / "tarat.db");

    plugins_ = std::make_unique<PluginHost>(config.plugin_dir, config.state_dir);
    std::vector<std::string> channel_errors;
    sender_ = std::make_unique<PluginSender>(*plugins_, config.channels, channel_errors);
    for (const auto& e : channel_errors) spdlog::critical("{}", e);
    if (!channel_errors.empty()) return exit_code::config;

    auto loaded = store_schedule(setup_, "taratd:start");
    spdlog::info("plan {} loaded: {}", setup_->plan.id,
                 loaded.changed ? std::to_string(loaded.change_count) + " changes stored" : std::string("unchanged"));

    if (!config.feeds_dir.empty()) create_public_dir(config.feeds_dir);
    feeds_.publish(*this);

    dispatcher_ = std::make_unique<Dispatcher>(io_, *store_, clock_, *sender_,
                                               [this](const OutboxRow& row, Instant now) { return notices_->prepare(row, now); });
    register_commands(commands_, *this);
    // A backup carries the whole database (45 MiB at most, base64): the one reply over 4 MiB.
    commands_.allow_reply_up_to("backup", control::kMaxReplyBytes);
    // These answers follow from the store, the day and the setup alone (`ics` stamps the time):
    // a client looping `notices` is answered from a copy until one of them changes.
    commands_.cache_replies({"events", "event", "notices", "history", "compliance", "calendar"}, [this] {
        return std::to_string(store_->generation()) + " " + format_date(today()) + " " + std::to_string(setup_generation_);
    });
    auto audit = audit_admin_attempts(*this);
    commands_.on_admin_attempt([audit, this](const control::Peer& peer, const std::string& command,
                                             const nlohmann::json& args, const control::Reply& reply) {
        audit(peer, command, args, reply);
        service_.refresh_status();
        if (reply.result == control::ok) feeds_.publish(*this);
    });
    dispatcher_->on_result = [this](const OutboxRow&, const Delivery&) { service_.refresh_status(); };
    dispatcher_->on_store_state = [this] { service_.refresh_status(); };
    return exit_code::ok;
}

int Daemon::run() {
    if (int code = open(); code != exit_code::ok) return code;
    const auto& config = setup_->config;
    // Admin commands: root, the user taratd runs as, and members of the admin group. The group is
    // looked up once, here: a changed admin_group takes effect at the next start.
    control::AdminRule admin_rule{::geteuid(), control::find_group_id(config.admin_group)};
    if (!admin_rule.admin_gid)
        spdlog::warn("admin group '{}' does not exist: only root and uid {} may run admin commands",
                     config.admin_group, ::geteuid());
    server_ = std::make_unique<control::Server>(io_, commands_, control::Limits{}, admin_rule);
    if (options_.activated_socket) {
        server_->adopt(*options_.activated_socket);  // socket activation: the socket unit owns the path
    } else {
        create_public_dir(config.socket_path.parent_path());
        server_->listen(config.socket_path);
        spdlog::info("listening on {} — ask it: {} --socket {} status", config.socket_path.string(),
                     taratctl_command(), config.socket_path.string());
    }
    watch_signals();
    dispatcher_->poke();
    service_.ready();  // the database is migrated, the plugins are loaded, the socket listens
    io_.run();
    dispatcher_.reset();  // waits for sends in flight
    spdlog::info("stopped");
    return exit_code::ok;
}

}  // namespace tarat
