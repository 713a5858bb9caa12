// F14: the outbox holds what falls due before a horizon; moving the horizon on gives the pending
// rows a store deriving everything would hold before it — and a running daemon keeps 60 days.
#include "lifecycle/lifecycle.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

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

TEST_CASE("the running daemon's horizon is 60 days from today's midnight") {
    TempDir dir;
    auto setup = shipped(dir);
    auto store = Store::open(dir / "tarat.db");
    Notices notices(*setup, *setup->templates, *store);
    CHECK(notices.horizon_from(at("2026-12-01T09:00:00+05:00")) == at("2027-01-30T00:00:00+05:00"));
    CHECK(notices.horizon_from(at("2026-12-01T23:59:59+05:00")) == at("2027-01-30T00:00:00+05:00"));
    CHECK(notices.horizon_from(at("2026-12-02T00:00:00+05:00")) == at("2027-01-31T00:00:00+05:00"));
}
