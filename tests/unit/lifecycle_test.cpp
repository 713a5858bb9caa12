// The event lifecycle, one transition at a time, through two callers: a request over a real Unix
// socket (as taratctl sends it) and a direct call (as preview, Telegram and the web make it). Both
// must leave the same event and the same notices.
#include "control/client.hpp"
#include "control/server.hpp"
#include "support/command_world.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>

#include <functional>
#include <thread>

using namespace tarat;
using tarat::testing::CommandWorld;
using nlohmann::json;

namespace {

// What a transition leaves behind, without who did it or when the rows were written.
struct Outcome {
    EventState state;
    Date date;
    int start;
    bool pinned;
    std::optional<Date> held_date, reported_date, postponed_from;
    std::optional<int> participants;
    std::string report_ref, cancel_reason;
    std::vector<std::string> pending;  // the keys of the event's pending notices
    std::string last_action;           // the event's last history action, "event.*"
    bool operator==(const Outcome&) const = default;
};

Outcome outcome_of(CommandWorld& w, const std::string& id) {
    auto e = *w.store->event(id);
    Outcome o{e.state, e.event.date, e.event.start_minutes, e.event.pinned, e.held_date, e.reported_date,
              e.postponed_from, e.participants, e.report_ref, e.cancel_reason, {}, {}};
    NoticeFilter f;
    f.event_id = id;
    f.state = NoticeState::pending;
    for (const auto& row : w.store->notices(f)) o.pending.push_back(row.notice.key);
    for (const auto& row : w.store->history_about("event:" + id))
        if (row.action.starts_with("event.")) o.last_action = row.action;
    return o;
}

// Serves `w`'s commands on a real socket while it lives.
class Served {
public:
    explicit Served(CommandWorld& w)
        : w_(w), server_(w.io, w.table, control::Limits{}, [](const control::Peer&) { return true; }) {
        server_.listen(w.dir / "tarat.sock");
        thread_ = std::thread([this] { w_.io.run(); });
    }
    ~Served() {
        boost::asio::post(w_.io, [this] { server_.stop(); });
        guard_.reset();
        w_.io.stop();
        thread_.join();
        w_.io.restart();
    }
    json call(const std::string& command, json args) {
        return control::request(w_.dir / "tarat.sock", {{"command", command}, {"arguments", std::move(args)}},
                                std::chrono::seconds(30));
    }

private:
    CommandWorld& w_;
    control::Server server_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_{w_.io.get_executor()};
    std::thread thread_;
};

struct Transition {
    std::string command;
    std::function<json(const std::string& id)> args;
    std::function<LifecycleResult(EventLifecycle&, const Actor&, const std::string& id)> direct;
};

// Runs `prepare` then `t` on the same event in two fresh worlds, one through each caller.
void same_through_both(const std::function<StoredEvent(CommandWorld&)>& pick,
                       const std::vector<Transition>& steps) {
    CommandWorld by_socket, direct;
    const std::string id = pick(by_socket).event.id;
    REQUIRE(pick(direct).event.id == id);
    const Actor preview = Actor::system("preview");
    {
        Served served(by_socket);
        for (const auto& t : steps) {
            auto reply = served.call(t.command, t.args(id));
            INFO(t.command << ": " << reply.dump());
            REQUIRE(reply["result"] == 0);
        }
    }
    for (const auto& t : steps) {
        auto result = t.direct(direct.lifecycle, preview, id);
        INFO(t.command << ": " << result.text);
        REQUIRE(result.ok());
    }
    const auto a = outcome_of(by_socket, id), b = outcome_of(direct, id);
    CHECK(a == b);
    CHECK(a.last_action == "event." + std::string(steps.back().command == "postpone" ? "postponed"
                                                  : steps.back().command == "cancel"   ? "cancelled"
                                                  : steps.back().command == "confirm"  ? "confirmed"
                                                                                       : steps.back().command));
    // The history names each caller as given.
    auto actors = [&](CommandWorld& w) {
        std::string all;
        for (const auto& row : w.store->history_about("event:" + id)) all += row.actor + "\n";
        return all;
    };
    CHECK(actors(by_socket).find(" (uid ") != std::string::npos);  // the local user at the socket
    CHECK(actors(direct).find("preview") != std::string::npos);
}

StoredEvent past(CommandWorld& w) { return w.past_event(); }
StoredEvent future(CommandWorld& w) { return w.future_event(); }

const Transition held{"held", [](const std::string& id) { return json{{"id", id}, {"participants", 30}}; },
                      [](EventLifecycle& l, const Actor& a, const std::string& id) {
                          return l.held(a, id, {std::nullopt, 30, ""});
                      }};
const Transition reported{"reported",
                          [](const std::string& id) { return json{{"id", id}, {"date", "2027-02-26"}, {"ref", "№ 7"}}; },
                          [](EventLifecycle& l, const Actor& a, const std::string& id) {
                              return l.reported(a, id, {parse_date("2027-02-26"), "№ 7"});
                          }};
const Transition postpone{"postpone",
                          [](const std::string& id) {
                              return json{{"id", id}, {"to", "2027-03-30"}, {"start", "10:00"}, {"reason", "зал"}};
                          },
                          [](EventLifecycle& l, const Actor& a, const std::string& id) {
                              return l.postpone(a, id, {*parse_date("2027-03-30"), 10 * 60, "зал"});
                          }};
const Transition cancel{"cancel", [](const std::string& id) { return json{{"id", id}, {"reason", "карантин"}}; },
                        [](EventLifecycle& l, const Actor& a, const std::string& id) {
                            return l.cancel(a, id, "карантин");
                        }};
const Transition confirm{"confirm", [](const std::string& id) { return json{{"id", id}}; },
                         [](EventLifecycle& l, const Actor& a, const std::string& id) { return l.confirm(a, id); }};

}  // namespace

TEST_CASE("held: the same through the socket and a direct caller") { same_through_both(past, {held}); }

TEST_CASE("reported: the same through the socket and a direct caller") {
    // An event held before 26.02.2027, so that the report date is after it.
    auto pick = [](CommandWorld& w) {
        return w.first_event([](const StoredEvent& e) { return e.event.date < *parse_date("2027-02-20"); });
    };
    same_through_both(pick, {held, reported});
}

TEST_CASE("postpone: the same through the socket and a direct caller") { same_through_both(future, {postpone}); }

TEST_CASE("cancel: the same through the socket and a direct caller") { same_through_both(future, {cancel}); }

TEST_CASE("confirm: the same through the socket and a direct caller") { same_through_both(future, {confirm}); }

TEST_CASE("actors are recorded as given") {
    CHECK(Actor::local("root", 0, 4242).text() == "root (uid 0, pid 4242)");
    CHECK(Actor::via_channel("director-erkemai", "telegram", "123").text() ==
          "person director-erkemai via channel telegram (chat 123)");
    CHECK(Actor::system("taratd:start").text() == "taratd:start");

    CommandWorld w;
    const auto e = w.past_event();
    REQUIRE(w.lifecycle.held(Actor::via_channel("director-erkemai", "telegram", "123"), e.event.id, {}).ok());
    CHECK(w.store->history_about("event:" + e.event.id).back().actor ==
          "person director-erkemai via channel telegram (chat 123)");
}

TEST_CASE("a refused step changes nothing, and an unknown id gets the closest ids") {
    CommandWorld w;
    const auto e = w.future_event();
    const auto before = outcome_of(w, e.event.id);
    auto refused = w.lifecycle.held(Actor::system("test"), e.event.id, {});
    CHECK(refused.status == LifecycleResult::Status::refused);
    CHECK(outcome_of(w, e.event.id) == before);
    auto unknown = w.lifecycle.cancel(Actor::system("test"), e.event.id + "-", "x");
    CHECK(unknown.status == LifecycleResult::Status::not_found);
    CHECK(unknown.did_you_mean.front() == e.event.id);
}

// F10, "lost for good": an event postponed and moved back to its date has the notices a fresh
// daemon derives for it, not none.
TEST_CASE("postponed and moved back, an event has the notices of a fresh start") {
    CommandWorld moved, fresh;
    const auto e = future(moved);
    const Actor admin = Actor::local("root", 0, 1);
    REQUIRE(moved.lifecycle.postpone(admin, e.event.id, {*parse_date("2027-03-30"), std::nullopt, "зал"}).ok());
    REQUIRE(outcome_of(moved, e.event.id).pending != outcome_of(fresh, e.event.id).pending);
    REQUIRE(moved.lifecycle.postpone(admin, e.event.id, {e.event.date, std::nullopt, "зал босады"}).ok());
    const auto pending = outcome_of(moved, e.event.id).pending;
    CHECK_FALSE(pending.empty());
    CHECK(pending == outcome_of(fresh, e.event.id).pending);
}

// F10, "impossible records": a postponement stays inside the plan's period; a held date is not
// before the plan's start, and a day off or a date over 30 days before the planned one needs force.
TEST_CASE("postpone stays inside the plan's period; odd held dates need force") {
    CommandWorld w;
    const Actor admin = Actor::local("root", 0, 1);
    const auto future = w.future_event();
    auto summer = w.lifecycle.postpone(admin, future.event.id, {*parse_date("2027-06-15"), std::nullopt, "жаз"});
    CHECK(summer.status == LifecycleResult::Status::refused);
    CHECK(summer.text.find("outside the plan's period 2026-12-01 – 2027-05-31") != std::string::npos);

    const auto past = w.first_event([&](const StoredEvent& e) {
        return e.state == EventState::planned && e.event.date < *parse_date("2027-02-20") &&
               e.event.date > *parse_date("2027-01-20");
    });
    auto before_start = w.lifecycle.held(admin, past.event.id, {parse_date("2026-11-30"), std::nullopt, "", true});
    CHECK(before_start.status == LifecycleResult::Status::refused);
    CHECK(before_start.text.find("before the plan's start") != std::string::npos);
    const Date independence = *parse_date("2026-12-16");  // a day off
    auto day_off = w.lifecycle.held(admin, past.event.id, {independence, std::nullopt, "", false});
    CHECK(day_off.status == LifecycleResult::Status::refused);
    CHECK(day_off.text.find("--force") != std::string::npos);
    CHECK(w.store->event(past.event.id)->state == EventState::planned);
    auto forced = w.lifecycle.held(admin, past.event.id, {independence, std::nullopt, "", true});
    REQUIRE(forced.ok());
    CHECK(w.store->history_about("event:" + past.event.id).back().detail.find("forced") != std::string::npos);
}
