// Every control command's handler over a real SQLite file, with its refusals: the commands bound
// as taratd binds them, dispatched as the socket server dispatches them, no daemon running.
#include "commands/catalogue.hpp"
#include "core/text.hpp"
#include "ctl/render.hpp"
#include "feeds/calendar_feeds.hpp"
#include "support/command_world.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

using namespace tarat;
using tarat::testing::CommandWorld;
using nlohmann::json;

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A national plan's many centres: `count` more like the plan's first, loaded as the daemon would.
void add_centres(CommandWorld& w, int count) {
    auto bigger = std::make_shared<Setup>(w.lifecycle.setup());
    const Centre model = bigger->plan.centres.front();
    for (int i = 0; i < count; ++i) {
        Centre c = model;
        c.id = "extra-" + std::to_string(1000 + i);
        c.name = "Қосымша орталық " + std::to_string(i);
        bigger->plan.centres.push_back(c);
    }
    bigger->plan.index();
    w.lifecycle.apply_plan(bigger, Actor::system("taratd:start"));
}

}  // namespace

TEST_CASE("every described command has a handler, and every handler a description") {
    CommandWorld w;
    std::set<std::string> described, bound;
    for (const auto& c : commands::command_catalogue())
        if (c.daemon) described.insert(std::string(c.name));
    const auto listed = w.call("list-commands", json::object(), false);
    for (const auto& c : listed.arguments["commands"]) bound.insert(c["name"].get<std::string>());
    CHECK(bound == described);

    control::CommandTable table;
    commands::Handlers missing;  // nothing bound: the first described command is named
    CHECK_THROWS_WITH(commands::bind_commands(table, missing), Catch::Contains("is described but has no handler"));
    control::CommandTable other;
    commands::Handlers extra;
    commands::add_read_handlers(w.context, extra);
    commands::add_admin_handlers(w.context, extra);
    commands::add_test_notice_handler(w.context, extra);
    commands::add_link_handlers(w.context, extra);
    extra["frobnicate"] = {[](const json&, const control::Peer&) { return control::Reply{}; }, nullptr};
    CHECK_THROWS_WITH(commands::bind_commands(other, extra), Catch::Contains("'frobnicate' has a handler but no description"));
}

TEST_CASE("status") {
    CommandWorld w;
    auto r = w.call("status", json::object(), false);
    REQUIRE(r.result == control::ok);
    CHECK(r.arguments["plan"]["id"] == w.lifecycle.setup().plan.id);
    CHECK(r.arguments["centres"].size() == 4);
    CHECK(r.arguments["today"] == "2027-03-01");
    CHECK(w.call("status", {{"verbose", true}}, false).result == control::bad_request);
}

// A national plan's status lists its first 100 centres and counts them all: the reply stays
// small (5,000 centres made it 630 kB), and taratctl says where the rest are, in the reader's language.
TEST_CASE("status lists the first 100 centres of a national plan and counts them all") {
    CommandWorld w;
    add_centres(w, 150);

    auto r = w.call("status", json::object(), false);
    REQUIRE(r.result == control::ok);
    CHECK(r.arguments["centres"].size() == 100);
    CHECK(r.arguments["centres_total"] == 154);
    CHECK(r.text.find("154 centres") != std::string::npos);
    std::ostringstream kk, ru;
    render_reply("status", r.arguments, r.text, Lang::kk, kk);
    render_reply("status", r.arguments, r.text, Lang::ru, ru);
    CHECK(kk.str().find("… тағы 54 орталық: taratctl compliance --by centre") != std::string::npos);
    CHECK(ru.str().find("… и ещё центров: 54; taratctl compliance --by centre") != std::string::npos);

    // A region's plan is listed whole, with nothing more to say.
    CommandWorld region;
    auto small = region.call("status", json::object(), false);
    CHECK(small.arguments["centres"].size() == 4);
    CHECK(small.arguments["centres_total"] == 4);
    std::ostringstream whole;
    render_reply("status", small.arguments, small.text, Lang::kk, whole);
    CHECK(whole.str().find("compliance --by centre") == std::string::npos);
}

TEST_CASE("events") {
    CommandWorld w;
    auto all = w.call("events", json::object(), false);
    REQUIRE(all.result == control::ok);
    CHECK(all.arguments["events"].size() == w.store->events({}).size());
    auto one_centre = w.call("events", {{"centre", "erkemai"}}, false);
    REQUIRE(one_centre.result == control::ok);
    for (const auto& e : one_centre.arguments["events"]) CHECK(e["centre"] == "erkemai");
    auto typo = w.call("events", {{"centre", "erkemay"}}, false);
    CHECK(typo.result == control::not_found);
    CHECK(typo.arguments["did_you_mean"][0] == "erkemai");
    CHECK(w.call("events", {{"state", "done"}}, false).result == control::bad_request);
    CHECK(w.call("events", {{"from", "2027-02-01"}, {"to", "2027-01-01"}}, false).result == control::bad_request);
    CHECK(w.call("events", {{"from", "tomorrow"}}, false).result == control::bad_request);
}

TEST_CASE("event") {
    CommandWorld w;
    const auto e = w.past_event();
    auto r = w.call("event", {{"id", e.event.id}}, false);
    REQUIRE(r.result == control::ok);
    CHECK(r.arguments["event"]["id"] == e.event.id);
    CHECK(r.arguments["details"].contains("report_due"));
    CHECK_FALSE(r.arguments["notices"].empty());
    auto unknown = w.call("event", {{"id", e.event.id + "x"}}, false);
    CHECK(unknown.result == control::not_found);
    CHECK(unknown.arguments["did_you_mean"][0] == e.event.id);
    CHECK(w.call("event", json::object(), false).result == control::bad_request);
}

TEST_CASE("notices") {
    CommandWorld w;
    auto pending = w.call("notices", {{"pending", true}}, false);
    REQUIRE(pending.result == control::ok);
    CHECK_FALSE(pending.arguments["notices"].empty());
    for (const auto& n : pending.arguments["notices"]) CHECK(n["state"] == "pending");
    CHECK(w.call("notices", {{"pending", true}, {"dead", true}}, false).result == control::bad_request);
    CHECK(w.call("notices", {{"person", "bertleuva"}}, false).result == control::not_found);
    CHECK(w.call("notices", {{"event", "no-such-event"}}, false).result == control::not_found);
}

TEST_CASE("compliance") {
    CommandWorld w;
    auto r = w.call("compliance", {{"by", "district"}}, false);
    REQUIRE(r.result == control::ok);
    CHECK(r.arguments["groups"].size() == 4);
    CHECK(r.arguments["by"] == "district");
    auto detail = w.call("compliance", {{"detail", true}}, false);
    REQUIRE(detail.result == control::ok);
    CHECK(detail.arguments.contains("overdue"));
    CHECK(w.call("compliance", {{"by", "region"}}, false).result == control::bad_request);
}

TEST_CASE("calendar") {
    CommandWorld w;
    auto r = w.call("calendar", {{"year", 2027}}, false);
    REQUIRE(r.result == control::ok);
    CHECK_FALSE(r.arguments["days"].empty());
    CHECK(w.call("calendar", {{"year", 1999}}, false).result == control::bad_request);
    CHECK(w.call("calendar", {{"year", "2027"}}, false).result == control::bad_request);
}

TEST_CASE("history") {
    CommandWorld w;
    auto r = w.call("history", {{"limit", 3}}, false);
    REQUIRE(r.result == control::ok);
    CHECK(r.arguments["history"].size() == 3);
    CHECK(w.call("history", {{"since", "yesterday"}}, false).result == control::bad_request);
    CHECK(w.call("history", {{"limit", 0}}, false).result == control::bad_request);
}

TEST_CASE("ics") {
    CommandWorld w;
    auto r = w.call("ics", {{"centre", "bolashak"}}, false);
    REQUIRE(r.result == control::ok);
    CHECK(has(r.arguments["ics"].get<std::string>(), "BEGIN:VCALENDAR"));
    CHECK(w.call("ics", {{"centre", "bolashak"}, {"person", "bertleuova"}}, false).result == control::bad_request);
    CHECK(w.call("ics", {{"person", "nobody"}}, false).result == control::not_found);
}

// Each feed holds its scope's events of the whole feed, in its order: a centre's and a district's
// own, a person's those they direct, head or answer for, every one for the overseer and the
// coordinator. (Only those get an entry: a district's feed of a national plan took 2.5 s.)
TEST_CASE("ics feeds hold their scope's events of the whole feed") {
    CommandWorld w;
    auto uids = [&](const json& args) {
        const auto r = w.call("ics", args, false);
        REQUIRE(r.result == control::ok);
        std::vector<std::string> found;
        std::istringstream text(r.arguments["ics"].get<std::string>());
        for (std::string line; std::getline(text, line);)
            if (line.rfind("UID:", 0) == 0) found.push_back(line.substr(4, line.find('@') - 4));
        CHECK(found.size() == r.arguments["events"].get<std::size_t>());
        return found;
    };
    const Plan& plan = w.lifecycle.setup().plan;
    std::vector<StoredEvent> events = w.store->events({});
    REQUIRE(uids(json::object()).size() == events.size());
    auto expected = [&](auto concerns) {
        std::vector<std::string> ids;
        for (const auto& s : events)
            if (concerns(s.event)) ids.push_back(s.event.id);
        return ids;
    };
    std::size_t non_empty = 0;
    for (const auto& c : plan.centres) {
        const auto want = expected([&](const ScheduledEvent& e) { return e.centre == c.id; });
        non_empty += !want.empty();
        CHECK(uids({{"centre", c.id}}) == want);
    }
    for (const auto& d : plan.districts)
        CHECK(uids({{"district", d.id}}) == expected([&](const ScheduledEvent& e) { return e.district == d.id; }));
    for (const auto& p : plan.people) {
        INFO(p.id);
        const auto want = expected([&](const ScheduledEvent& e) {
            const Centre* centre = plan.centre(e.centre);
            const District* district = plan.district(e.district);
            return p.id == plan.overseer || p.id == plan.coordinator || e.responsible == p.id ||
                   (centre && centre->director == p.id) || (district && district->head == p.id);
        });
        non_empty += !want.empty();
        CHECK(uids({{"person", p.id}}) == want);
    }
    CHECK(non_empty > plan.centres.size());  // the people's feeds are not all empty
}

namespace {

std::string file_text(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

// The VEVENT block of `uid` in a feed, or "".
std::string vevent_of(const std::string& feed, const std::string& uid) {
    const auto at = feed.find("UID:" + uid);
    if (at == std::string::npos) return "";
    const auto begin = feed.rfind("BEGIN:VEVENT", at), end = feed.find("END:VEVENT\r\n", at);
    return feed.substr(begin, end + 12 - begin);
}

}  // namespace

// The publisher keeps each event's VEVENT: after a change, a feed with the event is rewritten
// with its new text (stamped then) beside the others' unchanged bytes; a feed without it is left
// alone; a publish that fails to write makes the next one write every feed.
TEST_CASE("published feeds remake only the changed events") {
    CommandWorld w;
    tarat::testing::TempDir feeds;
    auto setup = std::make_shared<Setup>(w.lifecycle.setup());
    setup->config.feeds_dir = feeds.path();
    const FeedInputs in{*setup, w.lifecycle.notices().policy(), *w.store};
    FeedPublisher publisher;
    publisher.publish(in, *parse_instant("2027-03-01T09:00:00Z"));
    const auto erkemai_before = file_text(feeds / "centre-erkemai.ics");
    const auto karlygash = file_text(feeds / "centre-karlygash.ics");
    const auto all_before = file_text(feeds / "all.ics");
    EventFilter at_erkemai;
    at_erkemai.centre = "erkemai";
    auto events = w.store->events(at_erkemai);
    REQUIRE(events.size() >= 2);
    const std::string changed = events.back().event.id, unchanged = events.front().event.id;
    const std::string suffix = "@" + setup->plan.id + ".tarat";
    REQUIRE(w.call("cancel", {{"id", changed}, {"reason", "карантин"}}).result == control::ok);

    publisher.publish(in, *parse_instant("2027-03-02T09:00:00Z"));
    const auto erkemai_after = file_text(feeds / "centre-erkemai.ics");
    CHECK(file_text(feeds / "centre-karlygash.ics") == karlygash);
    CHECK(erkemai_after != erkemai_before);
    CHECK(vevent_of(erkemai_after, unchanged + suffix) == vevent_of(erkemai_before, unchanged + suffix));
    const auto remade = vevent_of(erkemai_after, changed + suffix);
    CHECK(has(remade, "DTSTAMP:20270302T090000Z"));
    CHECK(has(remade, "STATUS:CANCELLED"));
    CHECK(vevent_of(file_text(feeds / "all.ics"), changed + suffix) == remade);
    // The same calendar as `taratctl ics` makes, but for the stamps.
    auto asked = w.call("ics", {{"centre", "erkemai"}}, false).arguments["ics"].get<std::string>();
    const std::regex stamp("DTSTAMP:[0-9TZ]+");
    CHECK(std::regex_replace(asked, stamp, "") == std::regex_replace(erkemai_after, stamp, ""));

    // all.ics cannot be written (a folder in its place): nothing is known on disk any more, so
    // the next publish, with no event changed, writes every feed.
    std::filesystem::remove(feeds / "all.ics");
    std::filesystem::remove(feeds / "centre-karlygash.ics");
    std::filesystem::create_directory(feeds / "all.ics");
    w.call("cancel", {{"id", unchanged}, {"reason", "карантин"}});
    publisher.publish(in, *parse_instant("2027-03-03T09:00:00Z"));
    std::filesystem::remove(feeds / "all.ics");
    publisher.publish(in, *parse_instant("2027-03-04T09:00:00Z"));
    CHECK(std::filesystem::exists(feeds / "all.ics"));
    CHECK(file_text(feeds / "centre-karlygash.ics") == karlygash);
    CHECK(all_before != file_text(feeds / "all.ics"));

    // A reload into another zone, with every event as it was: each VEVENT names the new zone.
    auto almaty = std::make_shared<Setup>(*setup);
    almaty->plan.timezone = "Asia/Almaty";
    publisher.publish({*almaty, w.lifecycle.notices().policy(), *w.store}, *parse_instant("2027-03-05T09:00:00Z"),
                      true);
    const auto moved = file_text(feeds / "centre-karlygash.ics");
    CHECK(has(moved, "X-WR-TIMEZONE:Asia/Almaty"));
    CHECK(has(moved, "DTSTART;TZID=Asia/Almaty:"));
    CHECK_FALSE(has(moved, "TZID=Asia/Aqtobe"));
}

TEST_CASE("list-commands and help") {
    CommandWorld w;
    CHECK(w.call("list-commands", json::object(), false).result == control::ok);
    auto help = w.call("help", {{"command", "postpone"}}, false);
    REQUIRE(help.result == control::ok);
    CHECK(help.arguments["arguments"]["to"] == "date!");
    CHECK(w.call("help", {{"command", "postpne"}}, false).result == control::unknown_command);
}

TEST_CASE("held") {
    CommandWorld w;
    const auto past = w.past_event(), future = w.future_event();
    CHECK(w.call("held", {{"id", past.event.id}}, false).result == control::forbidden);
    CHECK(w.call("held", {{"id", future.event.id}}).result == control::bad_request);
    CHECK(w.call("held", {{"id", past.event.id}, {"participants", -3}}).result == control::bad_request);
    CHECK(w.call("held", {{"id", past.event.id}, {"date", "2030-01-01"}}).result == control::bad_request);
    CHECK(w.call("held", {{"id", past.event.id}, {"note", "a\nb"}}).result == control::bad_request);
    CHECK(w.call("held", {{"id", "nope"}}).result == control::not_found);
    CHECK(w.store->event(past.event.id)->state == EventState::planned);  // refusals changed nothing

    auto r = w.call("held", {{"id", past.event.id}, {"participants", 42}});
    REQUIRE(r.result == control::ok);
    CHECK(r.arguments["changed"] == true);
    auto stored = w.store->event(past.event.id);
    CHECK(stored->state == EventState::held);
    CHECK(stored->participants == 42);
    auto again = w.call("held", {{"id", past.event.id}});
    CHECK(again.result == control::ok);
    CHECK(again.arguments["changed"] == false);
    CHECK(has(again.text, "nothing changed"));
    // The attempt and the change are both in the history, with who did it.
    auto rows = w.store->history_about("event:" + past.event.id);
    CHECK(rows.back().action == "ctl.held");
    CHECK(has(rows.back().actor, "root (uid 0, pid 4242)"));
}

TEST_CASE("reported") {
    CommandWorld w;
    const auto past = w.past_event();
    CHECK(w.call("reported", {{"id", past.event.id}}).result == control::bad_request);  // not held yet
    REQUIRE(w.call("held", {{"id", past.event.id}}).result == control::ok);
    CHECK(w.call("reported", {{"id", past.event.id}, {"date", "2030-01-01"}}).result == control::bad_request);
    CHECK(w.call("reported", {{"id", past.event.id}, {"date", "2020-01-01"}}).result == control::bad_request);
    auto r = w.call("reported", {{"id", past.event.id}, {"ref", "№ 12-04/118"}});
    REQUIRE(r.result == control::ok);
    CHECK(w.store->event(past.event.id)->report_ref == "№ 12-04/118");
    CHECK(w.call("reported", {{"id", past.event.id}}).arguments["changed"] == false);
}

TEST_CASE("postpone") {
    CommandWorld w;
    const auto future = w.future_event();
    json args = {{"id", future.event.id}, {"to", "2027-03-22"}, {"reason", "зал бос емес"}};  // Nauryz
    auto day_off = w.call("postpone", args);
    CHECK(day_off.result == control::bad_request);
    CHECK(has(day_off.text, "is a day off"));
    CHECK(w.call("postpone", {{"id", future.event.id}, {"to", "2027-02-01"}, {"reason", "x"}}).result ==
          control::bad_request);  // in the past
    CHECK(w.call("postpone", {{"id", future.event.id}, {"to", "2027-03-30"}, {"start", "25:00"}, {"reason", "x"}})
              .result == control::bad_request);
    CHECK(w.call("postpone", {{"id", future.event.id}, {"to", "2027-03-30"}}).result == control::bad_request);
    args["to"] = "2027-03-30";
    auto r = w.call("postpone", args);
    REQUIRE(r.result == control::ok);
    auto stored = w.store->event(future.event.id);
    CHECK(format_date(stored->event.date) == "2027-03-30");
    CHECK(stored->postponed_from == future.event.date);
}

TEST_CASE("cancel") {
    CommandWorld w;
    const auto future = w.future_event();
    CHECK(w.call("cancel", {{"id", future.event.id}}).result == control::bad_request);  // no reason
    CHECK(w.call("cancel", {{"id", future.event.id}, {"reason", ""}}).result == control::bad_request);
    auto r = w.call("cancel", {{"id", future.event.id}, {"reason", "карантин"}});
    REQUIRE(r.result == control::ok);
    CHECK(w.store->event(future.event.id)->state == EventState::cancelled);
    auto again = w.call("cancel", {{"id", future.event.id}, {"reason", "карантин"}});
    CHECK(again.result == control::ok);
    CHECK(again.arguments["changed"] == false);
    CHECK(w.call("held", {{"id", future.event.id}}).result == control::bad_request);
}

TEST_CASE("confirm") {
    CommandWorld w;
    const auto future = w.future_event();
    REQUIRE(w.call("confirm", {{"id", future.event.id}}).result == control::ok);
    CHECK(w.store->event(future.event.id)->event.pinned);
    CHECK(w.call("confirm", {{"id", future.event.id}}).arguments["changed"] == false);
    REQUIRE(w.call("cancel", {{"id", future.event.id}, {"reason", "x"}}).result == control::ok);
    CHECK(w.call("confirm", {{"id", future.event.id}}).result == control::bad_request);
}

TEST_CASE("amend") {
    CommandWorld w;
    const auto past = w.past_event();
    const std::string id = past.event.id;
    json args = {{"id", id}, {"participants", 25}, {"reason", "қате санаған"}};
    CHECK(w.call("amend", args, false).result == control::forbidden);
    CHECK(w.call("amend", {{"id", id}, {"participants", 25}}).result == control::bad_request);  // no reason
    CHECK(w.call("amend", {{"id", id}, {"held_date", "yesterday"}, {"reason", "x"}}).result == control::bad_request);
    CHECK(w.call("amend", {{"id", id + "x"}, {"participants", 2}, {"reason", "x"}}).result == control::not_found);
    auto planned = w.call("amend", args);  // not held yet
    CHECK(planned.result == control::bad_request);
    CHECK(has(planned.text, "not held: record it with held"));
    REQUIRE(w.call("held", {{"id", id}, {"participants", 20}}).result == control::ok);
    CHECK(w.call("amend", {{"id", id}, {"participants", 200000}, {"reason", "x"}}).result == control::bad_request);
    CHECK(w.call("amend", {{"id", id}, {"ref", "№ 1"}, {"reason", "x"}}).result == control::bad_request);
    CHECK(w.store->event(id)->participants == 20);  // refusals changed nothing

    auto r = w.call("amend", args);
    REQUIRE(r.result == control::ok);
    CHECK(r.arguments["changed"] == true);
    CHECK(r.arguments["event"]["id"] == id);
    CHECK(has(r.text, "participants 20 → 25"));
    CHECK(w.store->event(id)->participants == 25);
    CHECK(w.call("amend", args).arguments["changed"] == false);
    auto rows = w.store->history_about("event:" + id);
    CHECK(rows.back().action == "ctl.amend");
    CHECK(has(rows.back().actor, "root (uid 0, pid 4242)"));
    CHECK(std::any_of(rows.begin(), rows.end(), [](const HistoryRow& h) {
        return h.action == "event.amended" && h.detail.find("participants 20 → 25; reason: қате санаған") != std::string::npos;
    }));
}

TEST_CASE("reopen") {
    CommandWorld w;
    const auto future = w.future_event();
    const std::string id = future.event.id;
    json args = {{"id", id}, {"reason", "қате"}};
    CHECK(w.call("reopen", args, false).result == control::forbidden);
    CHECK(w.call("reopen", {{"id", id}}).result == control::bad_request);  // no reason
    auto planned = w.call("reopen", args);
    CHECK(planned.result == control::bad_request);
    CHECK(has(planned.text, "only a held, reported or cancelled event can be reopened"));
    REQUIRE(w.call("cancel", {{"id", id}, {"reason", "карантин"}}).result == control::ok);
    CHECK(w.call("reopen", {{"id", id}, {"reason", "x"}, {"to", "2027-03-22"}}).result == control::bad_request);
    CHECK(w.store->event(id)->state == EventState::cancelled);
    auto r = w.call("reopen", args);
    REQUIRE(r.result == control::ok);
    CHECK(r.arguments["changed"] == true);
    CHECK(r.arguments["event"]["state"] == "planned");
    CHECK(w.store->history_about("event:" + id).back().action == "ctl.reopen");
}

TEST_CASE("status counts events by outcome and notices by state, and shows the last reload") {
    CommandWorld w;
    auto counts = [&] {
        auto r = w.call("status", json::object(), false);
        REQUIRE(r.result == control::ok);
        return r.arguments["counts"];
    };
    const Date today = w.lifecycle.today();
    std::size_t upcoming = 0, not_confirmed = 0;
    for (const auto& e : w.store->events({})) (e.event.date >= today ? upcoming : not_confirmed) += 1;
    auto c = counts();
    CHECK(c["upcoming"] == upcoming);
    CHECK(c["not_confirmed"] == not_confirmed);
    CHECK(c["reports_missing"] == 0);
    CHECK(c["pending_notices"] == w.store->notice_counts().pending);
    CHECK(c["dead_notices"] == 0);

    // Held long ago and never reported: a missing report instead of an unconfirmed event.
    const auto first = w.past_event();
    REQUIRE(w.call("held", {{"id", first.event.id}}).result == control::ok);
    c = counts();
    CHECK(c["not_confirmed"] == not_confirmed - 1);
    CHECK(c["reports_missing"] == 1);
    REQUIRE(w.call("reported", {{"id", first.event.id}}).result == control::ok);
    CHECK(counts()["reports_missing"] == 0);
    const auto future = w.future_event();
    REQUIRE(w.call("cancel", {{"id", future.event.id}, {"reason", "карантин"}}).result == control::ok);
    CHECK(counts()["upcoming"] == upcoming - 1);
    REQUIRE(w.call("reopen", {{"id", future.event.id}, {"reason", "қайта"}}).result == control::ok);
    CHECK(counts()["upcoming"] == upcoming);
    NoticeFilter pending;
    pending.state = NoticeState::pending;
    w.store->mark_dead(w.store->notices(pending).front().notice.key, w.clock.now(), "550");
    c = counts();
    CHECK(c["dead_notices"] == 1);
    CHECK(c["pending_notices"] == w.store->notice_counts().pending);

    // The last reload as the daemon records it.
    CHECK(w.call("status", json::object(), false).arguments["last_reload"].is_null());
    std::optional<commands::ReloadRecord> last =
        commands::ReloadRecord{1, *parse_instant("2027-03-01T08:30:00+05:00"), "signal:SIGHUP", false, "refused (2 errors)"};
    w.context.last_reload = &last;
    auto reload = w.call("status", json::object(), false).arguments["last_reload"];
    CHECK(reload["at"] == "2027-03-01T03:30:00Z");
    CHECK(reload["at_local"] == "2027-03-01 08:30");
    CHECK(reload["by"] == "signal:SIGHUP");
    CHECK(reload["taken"] == false);
    CHECK(reload["text"] == "refused (2 errors)");
}

TEST_CASE("retry") {
    CommandWorld w;
    NoticeFilter pending;
    pending.state = NoticeState::pending;
    const auto row = w.store->notices(pending).front();
    CHECK(w.call("retry", {{"notice", "no-such-key"}}).result == control::not_found);
    CHECK(w.call("retry", {{"notice", row.notice.key}}).result == control::bad_request);  // not dead
    w.store->mark_dead(row.notice.key, w.clock.now(), "550 no such mailbox");
    auto r = w.call("retry", {{"notice", row.notice.key}});
    REQUIRE(r.result == control::ok);
    CHECK(w.store->notice(row.notice.key)->state == NoticeState::pending);
}

TEST_CASE("reload") {
    CommandWorld w;
    auto r = w.call("reload", {{"wait", true}});
    REQUIRE(r.result == control::ok);
    CHECK(r.arguments["taken"] == true);
    CHECK(r.arguments["waited"] == true);
    CHECK(w.reloads == 1);
    CHECK(w.call("reload", json::object(), false).result == control::forbidden);
    w.context.reload = nullptr;
    CHECK(w.call("reload").result == control::error);
}

TEST_CASE("backup") {
    CommandWorld w;
    auto r = w.call("backup");
    REQUIRE(r.result == control::ok);
    CHECK(r.arguments["bytes"].get<std::size_t>() > 0);
    CHECK_FALSE(r.arguments["data"].get<std::string>().empty());
    CHECK(w.call("backup", json::object(), false).result == control::forbidden);
}

TEST_CASE("test-notice") {
    CommandWorld w;
    auto r = w.call("test-notice", {{"person", "bertleuova"}});
    REQUIRE(r.result == control::ok);
    REQUIRE_FALSE(w.sender.sent.empty());
    CHECK(w.sender.sent.front().second.recipient == "bertleuova");
    CHECK(w.call("test-notice", {{"person", "bertleuva"}}).result == control::not_found);
    CHECK(w.call("test-notice", {{"person", "bertleuova"}, {"channel", "pigeon"}}).result == control::not_found);
    CHECK(w.call("test-notice", {{"person", "bertleuova"}}, false).result == control::forbidden);
    w.context.dispatcher = nullptr;
    CHECK(w.call("test-notice", {{"person", "bertleuova"}}).result == control::error);
}

// F13, "audit flood": refused attempts keep at most 1 KiB of their arguments, and past 60 a minute
// per uid they are counted, not kept; the count is kept when the minute is over.
TEST_CASE("refused admin attempts cannot fill the history") {
    CommandWorld w;
    const auto e = w.future_event();
    const std::string reason(60 * 1024, 'x');
    const auto before = w.store->history().size();
    for (int i = 0; i < 200; ++i)
        REQUIRE(w.call("cancel", {{"id", e.event.id}, {"reason", reason}}).result == control::bad_request);
    auto rows = w.store->history();
    REQUIRE(rows.size() - before == commands::AdminAudit::kRefusalsKeptPerMinute);
    for (auto it = rows.begin() + static_cast<std::ptrdiff_t>(before); it != rows.end(); ++it) {
        CHECK(it->action == "ctl.cancel");
        CHECK(it->detail.size() < 2 * commands::AdminAudit::kMaxArgumentBytes + 200);
        CHECK(it->detail.find("(61") != std::string::npos);  // says how long the arguments were
    }
    // A minute later the next refusal is kept again, after the count of those that were not.
    w.clock.advance(std::chrono::seconds(61));
    REQUIRE(w.call("cancel", {{"id", e.event.id}, {"reason", reason}}).result == control::bad_request);
    rows = w.store->history();
    REQUIRE(rows.size() - before == commands::AdminAudit::kRefusalsKeptPerMinute + 2);
    const auto& count = rows[rows.size() - 2];
    CHECK(count.action == "ctl.refusals");
    CHECK(count.detail.rfind("140 more refused attempts", 0) == 0);
    CHECK(rows.back().action == "ctl.cancel");
    // Another user has a minute of their own; a successful change is always kept.
    CHECK(w.call("cancel", {{"id", e.event.id}, {"reason", "карантин"}}).result == control::ok);
    CHECK(w.store->history().back().action == "ctl.cancel");
}

TEST_CASE("an audit row's arguments are cut on a character boundary") {
    const std::string kazakh = "ә";  // two bytes
    std::string text;
    for (int i = 0; i < 600; ++i) text += kazakh;
    const std::string cut = utf8_prefix(text, 1023);
    CHECK(cut.size() == 1022);
    CHECK_FALSE(first_invalid_utf8(cut));
    CHECK(utf8_prefix("short", 1024) == "short");
}

// F13: events, notices and history come in pages (default 200, at most 1,000), each reply naming
// the cursor of the next; following the cursors lists every row once.
TEST_CASE("events, notices and history are paged") {
    CommandWorld w;
    for (const char* command : {"events", "notices", "history"}) {
        INFO(command);
        const auto first = w.call(command, {{"limit", 5}}, false);
        REQUIRE(first.result == control::ok);
        const std::size_t total = first.arguments["total"].get<std::size_t>();
        REQUIRE(total > 5);
        CHECK(first.arguments[command].size() == 5);
        CHECK(w.call(command, {{"limit", 0}}, false).result == control::bad_request);
        CHECK(w.call(command, {{"limit", 1001}}, false).result == control::bad_request);
    }
    // Every notice once, page after page.
    std::set<std::string> seen;
    json after;
    int pages = 0;
    do {
        json args = {{"limit", 7}};
        if (!after.is_null()) args["after"] = after;
        const auto page = w.call("notices", args, false);
        REQUIRE(page.result == control::ok);
        for (const auto& n : page.arguments["notices"]) CHECK(seen.insert(n["key"].get<std::string>()).second);
        after = page.arguments["next"];
        ++pages;
    } while (!after.is_null() && pages < 10000);
    CHECK(seen.size() == w.store->notices({}).size());
    CHECK(w.call("notices", {{"after", "no-such-key"}}, false).result == control::not_found);
    // Without a limit, a page of 200.
    const auto defaults = w.call("notices", json::object(), false);
    CHECK(defaults.arguments["notices"].size() == std::min<std::size_t>(200, seen.size()));
    // History: the newest by default; forward from a row id with after.
    const auto rows = w.store->history();
    const auto newest = w.call("history", {{"limit", 3}}, false);
    CHECK(newest.arguments["history"][2]["id"] == rows.back().id);
    CHECK(newest.arguments["total"] == rows.size());
    const auto oldest = w.call("history", {{"after", "0"}, {"limit", 2}}, false);
    CHECK(oldest.arguments["history"][0]["id"] == rows.front().id);
    CHECK(oldest.arguments["next"] == std::to_string(rows[1].id));
}

// F14: a national plan's `compliance --by centre` listed 5,000 groups (1 MB). The groups come in
// pages as events do; the totals still count every event, and following the cursors lists each
// group once.
TEST_CASE("compliance groups are paged") {
    CommandWorld w;
    add_centres(w, 250);

    const auto defaults = w.call("compliance", json::object(), false);
    REQUIRE(defaults.result == control::ok);
    CHECK(defaults.arguments["groups"].size() == 200);
    CHECK(defaults.arguments["groups_total"] == 254);
    CHECK(defaults.arguments["next"] == defaults.arguments["groups"][199]["id"]);

    std::set<std::string> seen;
    json after;
    int pages = 0;
    do {
        json args = {{"limit", 100}};
        if (!after.is_null()) args["after"] = after;
        const auto page = w.call("compliance", args, false);
        REQUIRE(page.result == control::ok);
        CHECK(page.arguments["total"] == defaults.arguments["total"]);
        for (const auto& g : page.arguments["groups"]) CHECK(seen.insert(g["id"].get<std::string>()).second);
        after = page.arguments["next"];
        ++pages;
    } while (!after.is_null() && pages < 100);
    CHECK(pages == 3);
    CHECK(seen.size() == 254);
    CHECK(w.call("compliance", {{"after", "no-such-centre"}}, false).result == control::not_found);
    CHECK(w.call("compliance", {{"limit", 1001}}, false).result == control::bad_request);
    // The pages of one list count once; an event held between two pages is in the next one.
    const auto e = w.past_event();
    const int held = defaults.arguments["total"]["held"].get<int>();
    REQUIRE(w.call("held", {{"id", e.event.id}, {"participants", 12}}).result == control::ok);
    const auto after_held = w.call("compliance", {{"limit", 100}, {"after", defaults.arguments["next"]}}, false);
    CHECK(after_held.arguments["total"]["held"] == held + 1);
    // So is a reload that names a centre anew.
    auto renamed = std::make_shared<Setup>(w.lifecycle.setup());
    for (auto& c : renamed->plan.centres)
        if (c.id == defaults.arguments["groups"][0]["id"]) c.name = "Жаңа атау";
    renamed->plan.index();
    w.lifecycle.apply_plan(renamed, Actor::system("taratd:reload"));
    const auto first_again = w.call("compliance", {{"limit", 1}}, false);
    CHECK(first_again.arguments["groups"][0]["name"] == "Жаңа атау");
    // By district, a region's four are one page with nothing after it.
    const auto districts = w.call("compliance", {{"by", "district"}}, false);
    CHECK(districts.arguments["groups"].size() == 4);
    CHECK(districts.arguments["next"].is_null());
}

// F14: a national plan's table (107,000 rows, 45 MB) was refused as one reply. Asked with limit or
// after, `plan` comes in pages whose rows, followed by their cursors, are the whole table's; asked
// without, it is one reply as before.
TEST_CASE("the plan's table comes in pages when asked") {
    CommandWorld w;
    const auto whole = w.call("plan", json::object(), false);
    REQUIRE(whole.result == control::ok);
    const auto& rows = whole.arguments["rows"];
    REQUIRE(rows.size() > 5);
    CHECK(whole.arguments["total"] == rows.size());
    CHECK(whole.arguments["next"].is_null());
    json paged = json::array();
    json after;
    int pages = 0;
    do {
        json args = {{"limit", 4}};
        if (!after.is_null()) args["after"] = after;
        const auto page = w.call("plan", args, false);
        REQUIRE(page.result == control::ok);
        CHECK(page.arguments["rows"].size() <= 4);
        CHECK(page.arguments["total"] == rows.size());
        CHECK(page.arguments["plan"] == whole.arguments["plan"]);
        for (const auto& row : page.arguments["rows"]) paged.push_back(row);
        after = page.arguments["next"];
        ++pages;
    } while (!after.is_null() && pages < 1000);
    CHECK(paged == rows);
    CHECK(pages == static_cast<int>((rows.size() + 3) / 4));
    // A centre's rows in pages too; a cursor that is not among them is refused.
    const auto erkemai = w.call("plan", {{"centre", "erkemai"}, {"limit", 1000}}, false);
    for (const auto& row : erkemai.arguments["rows"]) CHECK(row["centre"] == "erkemai");
    CHECK(erkemai.arguments["next"].is_null());
    CHECK(w.call("plan", {{"after", "no-such-event"}}, false).result == control::not_found);
    CHECK(w.call("plan", {{"limit", 0}}, false).result == control::bad_request);
}
