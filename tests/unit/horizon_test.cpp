// F14: the outbox holds what falls due before a horizon; moving the horizon on gives the pending
// rows a store deriving everything would hold before it — and a running daemon keeps 60 days.
#include "core/notice_json.hpp"
#include "lifecycle/lifecycle.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <set>

using namespace tarat;
using tarat::testing::TempDir;

namespace {

std::shared_ptr<const Setup> shipped(const TempDir& dir) {
    Diagnostics d;
    SetupOverrides overrides;
    overrides.state_dir = dir / "state";
    auto setup = load_setup(TARAT_SOURCE_DIR "/etc/tarat.toml", overrides, d);
    if (!setup) throw std::runtime_error(d.format());
    return std::make_shared<const Setup>(std::move(*setup));
}

Instant at(const char* iso) { return *parse_instant(iso); }

// Pending keys due before `before` (all when nullopt).
std::set<std::string> pending(const Store& store, std::optional<Instant> before = std::nullopt) {
    NoticeFilter filter;
    filter.state = NoticeState::pending;
    filter.to = before;
    std::set<std::string> keys;
    for (const auto& row : store.notices(filter)) keys.insert(row.notice.key);
    return keys;
}

// Every row of the outbox: its key → state, due, facts.
std::map<std::string, std::string> outbox(const Store& store) {
    std::map<std::string, std::string> rows;
    for (const auto& row : store.notices({}))
        rows[row.notice.key] = std::string(state_name(row.state)) + " " + format_instant_utc(row.notice.due) + " " +
                               to_json(row.notice.facts).dump();
    return rows;
}

}  // namespace

TEST_CASE("moving the notice horizon on gives the rows a store deriving everything holds before it") {
    TempDir dir;
    auto setup = shipped(dir);
    ManualClock clock(at("2026-11-20T10:00:00+05:00"));
    const Actor actor = Actor::system("test");

    auto everything = Store::open(dir / "everything.db");
    EventLifecycle all(*everything, clock, setup);
    all.apply_plan(setup, actor);

    auto bounded = Store::open(dir / "bounded.db");
    EventLifecycle within(*bounded, clock, setup);
    const Instant first = at("2026-12-15T00:00:00+05:00"), second = at("2027-03-01T00:00:00+05:00");
    within.set_notice_horizon(first);
    within.apply_plan(setup, actor);

    REQUIRE(pending(*everything, first).size() > 10);
    CHECK(pending(*bounded) == pending(*everything, first));
    CHECK(pending(*everything).size() > pending(*bounded).size());

    within.set_notice_horizon(second);
    within.notices().sync_all(clock.now());
    CHECK(pending(*bounded) == pending(*everything, second));
    CHECK(pending(*bounded).size() > pending(*everything, first).size());
}

// The daemon at each midnight and preview at each simulated day derive again only the events the
// new horizon reaches (their first notice held back, or planned and now near): the outbox must be
// what deriving every event at that horizon makes it, day after day, while events are held,
// reported and postponed far ahead.
TEST_CASE("moving the horizon on day by day leaves the outbox a full derivation at each horizon leaves") {
    TempDir dir;
    auto setup = shipped(dir);
    const auto& calendar = *setup->calendar;
    ManualClock clock(at("2026-11-20T00:00:00+05:00"));
    const Actor actor = Actor::system("test");
    auto midnight_after = [&](Instant t) {
        return calendar.local_to_instant(calendar.instant_to_local(t).first + date::days{1}, 0);
    };

    auto moved_store = Store::open(dir / "moved.db"), full_store = Store::open(dir / "full.db");
    EventLifecycle moved(*moved_store, clock, setup), full(*full_store, clock, setup);
    for (auto* lifecycle : {&moved, &full}) {
        lifecycle->set_notice_horizon(midnight_after(clock.now()));
        lifecycle->apply_plan(setup, actor);
    }
    REQUIRE(outbox(*moved_store) == outbox(*full_store));

    int held = 0, reported = 0, postponed = 0, compared = 0;
    for (int day = 0; day < 150; ++day) {
        const Date today = calendar.instant_to_local(clock.now()).first;
        EventFilter on_today;
        on_today.from = on_today.to = today;
        // Every third event goes far ahead in the morning, past where the horizon reads planned
        // events; the others are held at their end.
        const Date far_day = calendar.add_working_days(today, 40);
        for (const bool far : {true, false}) {
            for (const auto& e : moved_store->events(on_today)) {
                const bool goes_far = std::hash<std::string>{}(e.event.id) % 3 == 0 && far_day <= setup->plan.to;
                if (e.state != EventState::planned || goes_far != far) continue;
                clock.set(std::max(clock.now(), calendar.local_to_instant(today, far ? 7 * 60 : e.event.end_minutes)));
                for (auto* lifecycle : {&moved, &full}) {
                    auto result = far ? lifecycle->postpone(actor, e.event.id,
                                                            {far_day, std::nullopt, "зал"})
                                      : lifecycle->held(actor, e.event.id, {today, std::nullopt, ""});
                    INFO(e.event.id << ": " << result.text);
                    REQUIRE(result.ok());
                }
                ++(far ? postponed : held);
            }
        }
        EventFilter held_earlier;
        held_earlier.state = EventState::held;
        held_earlier.to = calendar.add_working_days(today, -2);
        for (const auto& e : moved_store->events(held_earlier)) {
            for (auto* lifecycle : {&moved, &full}) REQUIRE(lifecycle->reported(actor, e.event.id, {today, ""}).ok());
            ++reported;
        }
        clock.set(midnight_after(clock.now()));
        const Instant horizon = midnight_after(clock.now());
        moved.extend_notice_horizon(horizon, clock.now());
        full.set_notice_horizon(horizon);
        full.notices().sync_all(clock.now());
        INFO("horizon " << format_instant_utc(horizon));
        REQUIRE(outbox(*moved_store) == outbox(*full_store));
        ++compared;
    }
    CHECK(held > 5);
    CHECK(reported > 5);
    CHECK(postponed > 2);
    CHECK(outbox(*moved_store).size() > 50);
}

TEST_CASE("the running daemon's horizon is 60 days from today's midnight") {
    TempDir dir;
    auto setup = shipped(dir);
    auto store = Store::open(dir / "tarat.db");
    Notices notices(*setup, *setup->templates, *store);
    CHECK(notices.horizon_from(at("2026-12-01T09:00:00+05:00")) == at("2027-01-30T00:00:00+05:00"));
    CHECK(notices.horizon_from(at("2026-12-01T23:59:59+05:00")) == at("2027-01-30T00:00:00+05:00"));
    CHECK(notices.horizon_from(at("2026-12-02T00:00:00+05:00")) == at("2027-01-31T00:00:00+05:00"));
}
