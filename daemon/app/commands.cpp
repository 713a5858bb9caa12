#include "app/commands.hpp"

#include "app/daemon.hpp"
#include "app/event_json.hpp"

namespace tarat {
namespace {

using control::Permission;
using control::Reply;
using nlohmann::json;

constexpr size_t kNextEventsShown = 10;

json stored_event_json(const StoredEvent& stored) {
    auto j = to_json(stored.event);
    j["state"] = state_name(stored.state);
    return j;
}

Reply status(Daemon& daemon) {
    auto& store = daemon.store();
    auto info = store.plan_info();
    json plan = json::object();
    if (info)
        plan = {{"id", info->id},
                {"title", info->title},
                {"basis", info->basis},
                {"timezone", info->timezone},
                {"from", format_date(info->from)},
                {"to", format_date(info->to)},
                {"overseer", info->overseer},
                {"coordinator", info->coordinator}};
    json centres = json::array();
    size_t total = 0;
    for (const auto& c : store.centres()) {
        if (!c.in_plan) continue;
        centres.push_back({{"id", c.id},
                           {"name", c.name},
                           {"district", c.district},
                           {"district_name", c.district_name},
                           {"director", c.director},
                           {"events", c.event_count}});
        total += c.event_count;
    }
    json next = json::array();
    for (const auto& e : store.upcoming(daemon.today(), kNextEventsShown)) next.push_back(stored_event_json(e));
    std::string text = info ? "plan " + info->id + ": " + std::to_string(centres.size()) + " centres, " +
                                  std::to_string(total) + " events"
                            : std::string("no plan loaded");
    return {control::ok, text,
            {{"plan", plan}, {"today", format_date(daemon.today())}, {"centres", centres}, {"next_events", next}}};
}

Reply reload(Daemon& daemon, const control::Peer& peer) {
    auto outcome = daemon.reload("uid:" + std::to_string(peer.uid) + (peer.user.empty() ? "" : "(" + peer.user + ")"));
    return {outcome.taken ? control::ok : control::error, outcome.text,
            {{"taken", outcome.taken}, {"errors", outcome.errors}, {"changes", outcome.changes}}};
}

}  // namespace

void register_commands(control::CommandTable& table, Daemon& daemon) {
    table.add({"status", Permission::read, "The plan, its centres with their event counts, and the next events.", {},
               [&daemon](const json&, const control::Peer&) { return status(daemon); }});
    table.add({"reload", Permission::admin,
               "Re-read config, plan and calendar; an invalid new plan is refused and the old one kept.",
               {{"wait", "boolean"}},
               [&daemon](const json&, const control::Peer& peer) { return reload(daemon, peer); }});
}

}  // namespace tarat
