#pragma once
// The control commands taratd answers. Handlers take a narrow Context, never the daemon, so each is
// tested over a real store without a running daemon. Their descriptions are in catalogue.hpp; the
// handlers here are bound to them by name.
#include "commands/catalogue.hpp"
#include "control/command_table.hpp"
#include "core/time.hpp"
#include "lifecycle/lifecycle.hpp"
#include "notify/dispatcher.hpp"
#include "notify/plugin_host.hpp"
#include "store/store.hpp"

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tarat {

// What a reload did, for the log and for `taratctl reload --wait`.
struct ReloadOutcome {
    bool taken = false;
    std::string text;                  // one line
    std::vector<std::string> errors;   // formatted diagnostics when refused
    std::vector<std::string> changes;  // what changed in the store when taken (the first 1,000)
    std::size_t change_count = 0;      // all of them
    // What the plan did to events (lifecycle.hpp); removed also when refused for removing too many.
    std::vector<PlanConflict> conflicts;
    std::vector<ScheduledEvent> removed;
    std::vector<StoredEvent> kept;
    std::vector<PlanDiffEntry> diff;  // what the plan adds, removes, moves, leaves in conflict
    bool shrink_refused = false;  // more than half of the planned events ahead would go
    std::size_t future_events = 0, future_removed = 0;
};

namespace commands {

// The last reload's result, for `status`: when, by whom (the actor as the history shows it), taken
// or refused, and its one line.
struct ReloadRecord {
    std::uint64_t number = 0;  // 1 for the first since taratd started: `status`'s copy is remade
    Instant at{};
    std::string actor;
    bool taken = false;
    std::string text;
};

// All a handler may use. The daemon fills it; a test builds one over a temporary store.
struct Context {
    Store& store;
    EventLifecycle& lifecycle;
    // Sends test notices on its workers and is woken when a change makes notices due; may be null
    // where nothing is sent (then test-notice answers that it cannot send).
    Dispatcher* dispatcher = nullptr;
    // Re-reads config, plan and calendar (the daemon's files); null where there are none.
    std::function<ReloadOutcome(const Actor&, const PlanOptions&)> reload;
    // The last reload (taratctl's or SIGHUP's) since taratd started; null or empty: none yet.
    const std::optional<ReloadRecord>* last_reload = nullptr;
    // What the channels' plugins announced (the bot's user name); null where no plugin runs.
    const PluginHost* plugins = nullptr;

    const Setup& setup() const { return lifecycle.setup(); }
    Notices& notices() { return lifecycle.notices(); }
    const Clock& clock() const { return lifecycle.clock(); }
    Date today() const { return lifecycle.today(); }
};

// A handler answers at once, or (deferred) later through `respond`, on the loop thread.
struct Handler {
    std::function<control::Reply(const nlohmann::json& args, const control::Peer& peer)> now;
    std::function<void(const nlohmann::json& args, const control::Peer& peer, control::Respond respond)> deferred;
};
using Handlers = std::map<std::string, Handler, std::less<>>;

// Applies a freshly loaded setup through the lifecycle and words the outcome (the daemon's reload;
// tests call it with a setup of their own). Throws what the store throws.
ReloadOutcome take_plan(EventLifecycle& lifecycle, std::shared_ptr<const Setup> setup, const Actor& actor,
                        const PlanOptions& options);

void add_read_handlers(Context& context, Handlers& handlers);
void add_admin_handlers(Context& context, Handlers& handlers);
void add_test_notice_handler(Context& context, Handlers& handlers);
void add_link_handlers(Context& context, Handlers& handlers);

// The catalogue's command as the table takes it (the arguments the daemon reads), with `handler`.
control::Command command_of(const CommandSpec& spec, Handler handler);

// Adds every command of the catalogue to `table` with its handler. Throws std::logic_error naming
// the difference when a described command has no handler or a handler has no description: taratd
// refuses to start then.
void bind_commands(control::CommandTable& table, Handlers handlers);
// All of taratd's handlers over `context`.
void bind_commands(control::CommandTable& table, Context& context);

// Writes every attempt at an admin command, refused ones included, to the history: when, who
// (user, uid, pid), the command, its arguments (the first 1 KiB) and the result. A uid's refused
// attempts past 60 a minute are counted, not kept: one row says how many when its minute is over
// (or at flush()), so nobody can fill the disk with refusals.
class AdminAudit {
public:
    static constexpr std::size_t kMaxArgumentBytes = 1024;
    static constexpr int kRefusalsKeptPerMinute = 60;

    explicit AdminAudit(Context& context) : context_(context) {}
    void record(const control::Peer& peer, const std::string& command, const nlohmann::json& args,
                const control::Reply& reply);
    // Writes the counts of refusals not kept (taratd calls it when it stops).
    void flush();
    control::CommandTable::AdminAttemptHook hook();

private:
    struct Window {
        Instant start{};
        int kept = 0;
        int dropped = 0;
        std::string actor;
    };
    void write_dropped(uid_t uid, const Window& window);

    Context& context_;
    std::map<uid_t, Window> windows_;
};

}  // namespace commands
}  // namespace tarat
