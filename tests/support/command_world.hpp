#pragma once
// The commands and the lifecycle over a real SQLite file, without a daemon: the shipped etc/ loaded
// with its state in a temporary folder, a manual clock, and every command bound as taratd binds
// them. Senders record instead of sending.
#include "commands/commands.hpp"
#include "config/setup.hpp"
#include "control/command_table.hpp"
#include "lifecycle/lifecycle.hpp"
#include "notify/dispatcher.hpp"
#include "store/store.hpp"
#include "support/temp_dir.hpp"

#include <utility>  // before Asio (Boost 1.74 + GCC 12)
#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace tarat::testing {

// Takes every message and remembers it.
class RecordingSender final : public Sender {
public:
    Delivery send(const std::string& channel, const OutgoingNotice& notice) noexcept override {
        std::lock_guard lock(mutex_);
        sent.emplace_back(channel, notice);
        return {Delivery::sent, "", std::nullopt};
    }
    std::vector<std::pair<std::string, OutgoingNotice>> sent;

private:
    std::mutex mutex_;
};

inline std::shared_ptr<const Setup> shipped_setup(const std::filesystem::path& state_dir) {
    Diagnostics d;
    SetupOverrides overrides;
    overrides.state_dir = state_dir;
    overrides.socket_path = state_dir / "tarat.sock";
    auto setup = load_setup(TARAT_SOURCE_DIR "/etc/tarat.toml", overrides, d);
    if (!setup) throw std::runtime_error("the shipped etc/ does not load:\n" + d.format());
    return std::make_shared<const Setup>(std::move(*setup));
}

struct CommandWorld {
    // `placed_at`: the daemon first ran then (placing the plan: a rule places no new event in the
    // past) and is started again at `now`; by default it first runs at `now`.
    explicit CommandWorld(const char* now = "2027-03-01T09:00:00+05:00", const char* placed_at = nullptr)
        : clock(*parse_instant(placed_at ? placed_at : now)),
          store(Store::open(dir / "tarat.db")),
          lifecycle(*store, clock, shipped_setup(dir.path())),
          dispatcher(io, *store, clock, sender,
                     [this](const OutboxRow& row, Instant at) { return lifecycle.notices().prepare(row, at); }),
          context{*store, lifecycle, &dispatcher, [this](const Actor& actor, const PlanOptions& options) {
                      ++reloads;
                      return commands::take_plan(lifecycle, next_setup ? next_setup : lifecycle.setup_ptr(), actor,
                                                 options);
                  }} {
        lifecycle.apply_plan(lifecycle.setup_ptr(), Actor::system("taratd:start"));
        if (placed_at) {
            clock.set(*parse_instant(now));
            lifecycle.apply_plan(lifecycle.setup_ptr(), Actor::system("taratd:start"));
        }
        commands::bind_commands(table, context);
        table.on_admin_attempt(audit.hook());
    }

    // One request as the socket server dispatches it; a deferred answer is waited for on the loop.
    control::Reply call(const std::string& command, nlohmann::json args = nlohmann::json::object(),
                        bool admin = true) {
        const nlohmann::json request = {{"command", command}, {"arguments", std::move(args)}};
        std::optional<control::Reply> answer;
        table.dispatch(request.dump(), admin ? root : nobody, admin, [&](control::Reply r) { answer = std::move(r); });
        while (!answer) {
            io.restart();
            io.run_one();
        }
        // As the client reads it: a reply may have been encoded once and kept (status).
        auto line = nlohmann::json::parse(answer->to_json_line());
        return {line["result"].get<int>(), line["text"].get<std::string>(), line["arguments"]};
    }

    // A person's locale in the plan ("" for nobody).
    std::string setup_locale(const std::string& person) const {
        const Person* p = lifecycle.setup().plan.person(person);
        return p ? p->locale : "";
    }

    // The first stored event (by date) that matches.
    template <class Pred>
    StoredEvent first_event(Pred pred) const {
        for (auto& e : store->events({}))
            if (pred(e)) return e;
        throw std::runtime_error("no such event in the shipped plan");
    }
    StoredEvent past_event() const {
        return first_event([&](const StoredEvent& e) { return e.state == EventState::planned && e.event.date < lifecycle.today(); });
    }
    StoredEvent future_event() const {
        return first_event([&](const StoredEvent& e) { return e.state == EventState::planned && e.event.date > lifecycle.today(); });
    }

    TempDir dir;
    ManualClock clock;
    std::unique_ptr<Store> store;
    EventLifecycle lifecycle;
    boost::asio::io_context io;
    RecordingSender sender;
    Dispatcher dispatcher;
    commands::Context context;
    commands::AdminAudit audit{context};
    control::CommandTable table;
    int reloads = 0;
    std::shared_ptr<const Setup> next_setup;  // what `reload` takes (default: the setup in force)
    const control::Peer root{0, 0, 4242, {0}, "root"};
    const control::Peer nobody{65534, 65534, 4243, {65534}, "nobody"};
};

}  // namespace tarat::testing
