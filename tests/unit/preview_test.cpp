// F14: `preview` (a scratch store, only what is due before the window ends, streamed) sends what a
// step-by-step run of the daemon's own dispatcher on a durable store holding every notice of the
// plan sends, on a generated 50-centre plan.
#include "lifecycle/lifecycle.hpp"
#include "notify/dispatcher.hpp"
#include "preview/preview.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <map>
#include <mutex>
#include <sstream>
#include <tuple>

using namespace tarat;
using tarat::testing::TempDir;

namespace {

struct Seen {
    Instant at;
    std::string key, kind, event, recipient, channel, subject, body;
    bool operator==(const Seen&) const = default;
};

std::ostream& operator<<(std::ostream& out, const Seen& s) {
    return out << format_instant_utc(s.at) << " " << s.key << " " << s.subject;
}

class Recorder final : public Sender {
public:
    Delivery send(const std::string&, const OutgoingNotice& notice) noexcept override {
        std::lock_guard lock(mutex_);
        sent[notice.idempotency_key] = notice;
        return {Delivery::sent, "", std::nullopt};
    }
    std::mutex mutex_;
    std::map<std::string, OutgoingNotice> sent;
};

Setup generated_plan(const TempDir& dir, int centres, int districts) {
    const std::string command = "/usr/bin/python3 " TARAT_SOURCE_DIR "/tests/bench/gen_national_plan.py " +
                                (dir / "plan").string() + " --centres " + std::to_string(centres) + " --districts " +
                                std::to_string(districts) + " --years 1 2>/dev/null";
    if (std::system(command.c_str()) != 0) throw std::runtime_error("gen_national_plan.py failed");
    Diagnostics d;
    SetupOverrides overrides;
    overrides.state_dir = dir / "state";
    auto setup = load_setup(dir / "plan/tarat.toml", overrides, d);
    if (!setup) throw std::runtime_error("the generated plan does not load:\n" + d.format());
    return std::move(*setup);
}

// The daemon as it runs: a durable store holding every notice of the plan, its dispatcher woken at
// each moment a notice falls due, and the people doing what preview assumes (held on the day at
// its end, reported at noon on the day it is due), each at its moment; or never a word from them.
std::vector<Seen> stepwise(const Setup& setup, Date from, Date to, const std::filesystem::path& db,
                           bool people_act = true) {
    const auto& calendar = *setup.calendar;
    auto store = Store::open(db);
    ManualClock clock(calendar.local_to_instant(std::min(from, setup.plan.from) - date::days{60}, 0));
    const Instant from_at = calendar.local_to_instant(from, 0), end = calendar.local_to_instant(to + date::days{1}, 0);
    EventLifecycle lifecycle(*store, clock, std::shared_ptr<const Setup>(&setup, [](const Setup*) {}));
    const Actor actor = Actor::system("preview");
    lifecycle.apply_plan(lifecycle.setup_ptr(), actor);
    REQUIRE(lifecycle.notices().horizon() == std::nullopt);

    std::multimap<Instant, std::tuple<std::string, EventState, Date>> steps;
    if (people_act)
        for (const auto& s : store->events({})) {
            const auto& e = s.event;
            steps.emplace(calendar.local_to_instant(e.date, e.end_minutes), std::tuple(e.id, EventState::held, e.date));
            Date due = lifecycle.notices().policy().report_due_date(e, e.date);
            steps.emplace(calendar.local_to_instant(due, 12 * 60), std::tuple(e.id, EventState::reported, due));
        }
    boost::asio::io_context io;
    Recorder sender;
    Dispatcher dispatcher(io, *store, clock, sender,
                          [&](const OutboxRow& row, Instant now) { return lifecycle.notices().prepare(row, now); });
    std::vector<Seen> seen;
    dispatcher.on_result = [&](const OutboxRow& row, const Delivery& delivery) {
        if (delivery.status != Delivery::sent || clock.now() < from_at) return;
        const OutgoingNotice& m = sender.sent.at(row.notice.key);
        seen.push_back({clock.now(), m.idempotency_key, m.kind, row.notice.event_id, m.recipient, row.notice.channel,
                        m.subject, m.body});
    };
    for (;;) {
        auto due = store->next_attempt_due();
        auto step = steps.begin();
        if (!due && step == steps.end()) break;
        // Ties: the people first (held at 14:00 beats a 14:00 check), by event id as they come.
        if (step != steps.end() && (!due || step->first <= *due)) {
            auto same = steps.equal_range(step->first);
            std::vector<std::tuple<std::string, EventState, Date>> now_steps;
            for (auto it = same.first; it != same.second; ++it) now_steps.push_back(it->second);
            std::sort(now_steps.begin(), now_steps.end());
            const Instant at = step->first;
            if (at >= end) break;
            steps.erase(same.first, same.second);
            clock.set(std::max(at, clock.now()));
            for (const auto& [id, state, day] : now_steps) {
                if (state == EventState::held) lifecycle.held(actor, id, {day, std::nullopt, ""});
                else lifecycle.reported(actor, id, {day, ""});
            }
            continue;
        }
        if (*due >= end) break;
        clock.set(std::max(*due, clock.now()));
        dispatcher.run_due_now();
    }
    std::stable_sort(seen.begin(), seen.end(), [](const Seen& a, const Seen& b) { return std::tie(a.at, a.key) < std::tie(b.at, b.key); });
    return seen;
}

std::vector<Seen> previewed(const Setup& setup, Date from, Date to, bool bodies = true,
                            PreviewAssumptions assume = {}) {
    std::vector<Seen> seen;
    preview(setup, {from, to, assume, std::nullopt, bodies}, [&](const PreviewNotice& n) {
        seen.push_back({n.at, n.key, std::string(kind_name(n.kind)), n.event, n.recipient, n.channel, n.subject, n.body});
    });
    return seen;
}

}  // namespace

TEST_CASE("preview on a 50-centre plan sends what the daemon's dispatcher sends step by step") {
    TempDir dir;
    const Setup setup = generated_plan(dir, 50, 5);
    const Date from = *parse_date("2026-12-01"), to = *parse_date("2027-01-31");
    const auto expected = stepwise(setup, from, to, dir / "stepwise.db");
    const auto got = previewed(setup, from, to);
    REQUIRE(expected.size() > 1000);
    std::map<std::string, int> kinds;
    for (const auto& s : expected) ++kinds[s.kind];
    CHECK(kinds.count("reminder"));
    CHECK(kinds.count("digest"));
    CHECK(kinds.count("report_due"));
    REQUIRE(got.size() == expected.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        INFO(i);
        REQUIRE(got[i] == expected[i]);
    }

    // Without bodies no digest text shows sums over every event, so the scratch store holds only
    // the events whose notices can go out in the window, and the simulation starts at the first
    // notice of the first of them: the same notices still come out.
    TempDir probe_dir;
    auto probe_store = Store::open_scratch(probe_dir / "probe.db");
    const Notices notices(setup, *setup.templates, *probe_store);
    const Instant from_at = setup.calendar->local_to_instant(from, 0);
    const Instant end = setup.calendar->local_to_instant(to + date::days{1}, 0);
    CHECK_FALSE(notices.events_read_between(from_at, end, true));
    const auto read = notices.events_read_between(from_at, end, false);
    REQUIRE(read);
    CHECK(notices.policy().first_notice_day(read->first) > setup.plan.from);
    CHECK(read->before < setup.plan.to);
    auto same_subjects = [](const std::vector<Seen>& got, const std::vector<Seen>& expected) {
        REQUIRE(got.size() == expected.size());
        for (std::size_t i = 0; i < got.size(); ++i) {
            INFO(i);
            Seen want = expected[i];
            want.body.clear();
            REQUIRE(got[i] == want);
        }
    };
    same_subjects(previewed(setup, from, to, false), expected);

    // Nothing ever held: the escalation rounds of events weeks before the window still go out in it.
    PreviewAssumptions never;
    never.held = PreviewAssumptions::Held::never;
    const Date month_end = *parse_date("2026-12-31");
    const auto unheld = stepwise(setup, from, month_end, dir / "unheld.db", /*people_act=*/false);
    std::map<std::string, int> unheld_kinds;
    for (const auto& s : unheld) ++unheld_kinds[s.kind];
    CHECK(unheld_kinds["escalation"] > 0);
    same_subjects(previewed(setup, from, month_end, false, never), unheld);
}

// Without bodies (taratd preview without --bodies) the same notices with the same subjects come
// out, their bodies left unrendered.
TEST_CASE("preview without bodies gives the same notices and subjects") {
    TempDir dir;
    const Setup setup = generated_plan(dir, 5, 2);
    const Date from = *parse_date("2026-12-01"), to = *parse_date("2027-01-31");
    auto full = previewed(setup, from, to);
    const auto subjects = previewed(setup, from, to, false);
    REQUIRE(full.size() > 50);
    REQUIRE(subjects.size() == full.size());
    for (std::size_t i = 0; i < full.size(); ++i) {
        INFO(i);
        CHECK_FALSE(full[i].body.empty());
        CHECK(subjects[i].body.empty());
        full[i].body.clear();
        CHECK(subjects[i] == full[i]);
    }
}

TEST_CASE("the JSON writer writes each notice as nlohmann's dump(2) of the whole would, and refuses what is not UTF-8") {
    TempDir dir;
    const Setup setup = generated_plan(dir, 1, 1);
    const Instant at = setup.calendar->local_to_instant(*parse_date("2027-03-09"), 9 * 60 + 5) + std::chrono::seconds{7};
    const std::vector<PreviewNotice> notices{
        {at, NoticeKind::reminder, "e-1", "p\"1", "telegram", "Семинар «Ертегі» \\ 09.03.2027", "Құрметті\n\tжол\r\b\f\x01\x1f\x7f", "k1"},
        {at + std::chrono::hours{24 * 200}, NoticeKind::digest, "", "deputy", "email", "", "", "k2"},
    };
    for (bool bodies : {true, false}) {
        INFO("bodies " << bodies);
        std::ostringstream written;
        PreviewJsonWriter writer(written, setup, bodies);
        nlohmann::json whole = {{"notices", nlohmann::json::array()}};
        for (const auto& n : notices) {
            writer.add(n);
            nlohmann::json item = {{"at", format_instant_local(n.at, setup.calendar->zone())},
                                   {"kind", kind_name(n.kind)}, {"event", n.event}, {"recipient", n.recipient},
                                   {"channel", n.channel}, {"subject", n.subject}, {"key", n.key}};
            if (bodies) item["body"] = n.body;
            whole["notices"].push_back(item);
        }
        writer.finish();
        CHECK(written.str() == whole.dump(2) + "\n");
    }
    CHECK(format_instant_local(at, setup.calendar->zone()) == "2027-03-09T09:05:07+05:00");

    std::ostringstream refused;
    PreviewJsonWriter writer(refused, setup, false);
    PreviewNotice broken = notices[0];
    broken.subject = "Семинар \xd0";
    CHECK_THROWS_WITH(writer.add(broken), Catch::Contains("not UTF-8"));
}
