// F16: what a user trial met at the terminal — two admins at once (--if-revision), repeats that
// answer alike, free text limited in characters, and `retry --wait` — through the commands and the
// lifecycle over a real SQLite file.
#include "support/command_world.hpp"
#include "support/text.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace tarat;
using tarat::testing::CommandWorld;
using tarat::testing::contains;
using tarat::testing::repeated;
using nlohmann::json;

namespace {

// The first planned event from 15.03.2027 on: room to postpone it twice inside the plan.
std::string march_event(CommandWorld& w) {
    return w.first_event([](const StoredEvent& e) {
               return e.state == EventState::planned && e.event.date >= *parse_date("2027-03-15");
           }).event.id;
}

}  // namespace

TEST_CASE("two admins at once: the second hears of the first, or is refused with --if-revision") {
    CommandWorld w;
    const std::string id = march_event(w);
    const Actor alice = Actor::local("alice", 1000, 11), bob = Actor::local("bob", 1001, 12);
    const auto read_at = w.lifecycle.revision(id);
    w.lifecycle.note_read(alice, id);
    w.lifecycle.note_read(bob, id);

    PostponeInput to_4{*parse_date("2027-04-06"), std::nullopt, "зал бос емес"};
    auto first = w.lifecycle.postpone(alice, id, to_4, {read_at});
    REQUIRE(first.status == LifecycleResult::Status::changed);
    CHECK(first.revision == read_at + 1);
    CHECK_FALSE(contains(first.text, "changed after you read it"));

    // Bob read the same revision: with it, his postponement is refused and changes nothing.
    PostponeInput to_5{*parse_date("2027-04-07"), std::nullopt, "мұғалімдер семинарда"};
    auto stale = w.lifecycle.postpone(bob, id, to_5, {read_at});
    CHECK(stale.status == LifecycleResult::Status::refused);
    CHECK(contains(stale.text, "is at revision " + std::to_string(read_at + 1) + ", not " + std::to_string(read_at)));
    CHECK(contains(stale.text, "event.postponed by alice (uid 1000"));
    CHECK(w.store->event(id)->event.date == *parse_date("2027-04-06"));

    // Without it, the change is made and the reply says what happened since he read it.
    auto blind = w.lifecycle.postpone(bob, id, to_5);
    REQUIRE(blind.status == LifecycleResult::Status::changed);
    CHECK(contains(blind.text, id + " changed after you read it at revision " + std::to_string(read_at) +
                                   " (event.postponed by alice (uid 1000"));
    // He knows it now: his next step says nothing more.
    auto confirmed = w.lifecycle.confirm(bob, id);
    CHECK(confirmed.ok());
    CHECK_FALSE(contains(confirmed.text, "changed after you read it"));

    // Over the socket: `event` shows the revision, `--if-revision` travels as if_revision.
    auto shown = w.call("event", {{"id", id}});
    REQUIRE(shown.result == control::ok);
    const auto revision = shown.arguments["details"]["revision"].get<std::int64_t>();
    CHECK(revision == w.lifecycle.revision(id));
    auto refused = w.call("cancel", {{"id", id}, {"reason", "карантин"}, {"if_revision", revision - 1}});
    CHECK(refused.result == control::bad_request);
    CHECK(w.store->event(id)->state == EventState::planned);
    auto cancelled = w.call("cancel", {{"id", id}, {"reason", "карантин"}, {"if_revision", revision}});
    CHECK(cancelled.result == control::ok);
    CHECK(cancelled.arguments["revision"] == revision + 1);
}

TEST_CASE("repeats answer alike: nothing changed, never refused") {
    CommandWorld w;
    const std::string id = march_event(w);
    const Actor root = Actor::local("root", 0, 1);
    const auto stored = *w.store->event(id);
    PostponeInput same{stored.event.date, std::nullopt, "сол күн"};
    auto postponed = w.lifecycle.postpone(root, id, same);
    CHECK(postponed.status == LifecycleResult::Status::unchanged);
    CHECK(contains(postponed.text, "nothing changed"));
    CHECK(w.call("postpone", {{"id", id}, {"to", format_date(stored.event.date)}, {"reason", "сол күн"}}).result ==
          control::ok);
    REQUIRE(w.lifecycle.confirm(root, id).status == LifecycleResult::Status::changed);
    auto again = w.lifecycle.confirm(root, id);
    CHECK(again.status == LifecycleResult::Status::unchanged);
    CHECK(contains(again.text, "nothing changed"));
    REQUIRE(w.lifecycle.cancel(root, id, "карантин").ok());
    auto twice = w.lifecycle.cancel(root, id, "карантин");
    CHECK(twice.status == LifecycleResult::Status::unchanged);
    CHECK(contains(twice.text, "nothing changed"));
}

TEST_CASE("free text is limited in characters, and says so") {
    CommandWorld w;
    const std::string id = march_event(w);
    const Actor root = Actor::local("root", 0, 1);
    // 700 Kazakh letters are 1,400 bytes: kept.
    auto kept = w.lifecycle.cancel(root, id, repeated("ә", 700));
    CHECK(kept.status == LifecycleResult::Status::changed);
    CHECK(w.store->event(id)->cancel_reason == repeated("ә", 700));
    auto other = march_event(w);
    auto too_long = w.lifecycle.cancel(root, other, repeated("ә", 1001));
    CHECK(too_long.status == LifecycleResult::Status::refused);
    CHECK(too_long.text == "the reason is 1001 characters long; at most 1000 characters are accepted");
}

TEST_CASE("retry --wait answers with the attempt's result") {
    CommandWorld w;
    NoticeFilter pending;
    pending.state = NoticeState::pending;
    auto rows = w.store->notices(pending);
    // Reminders still to come (a reminder for an event under way would expire instead).
    std::erase_if(rows, [&](const OutboxRow& r) { return r.notice.due <= w.clock.now(); });
    REQUIRE(rows.size() >= 2);
    const std::string key = rows.front().notice.key;
    w.store->mark_dead(key, w.clock.now(), "550 no such mailbox");
    const auto sent_before = w.sender.sent.size();
    auto answer = w.call("retry", {{"notice", key}, {"wait", true}});
    INFO(answer.text);
    CHECK(answer.result == control::ok);
    CHECK(contains(answer.text, "notice '" + key + "' sent on channel " + rows.front().notice.channel));
    CHECK(answer.arguments["notice"]["state"] == "sent");
    CHECK(w.sender.sent.size() > sent_before);
    // Without --wait, the answer comes at once: requeued.
    const std::string other = rows[1].notice.key;
    w.store->mark_dead(other, w.clock.now(), "550 no such mailbox");
    CHECK(w.call("retry", {{"notice", other}}).text == "notice '" + other + "' requeued");
}
