#include "core/diagnostic.hpp"
#include "core/hmac.hpp"
#include "core/plan.hpp"
#include "core/span.hpp"
#include "core/text.hpp"
#include "core/time.hpp"

#include <catch2/catch.hpp>

using namespace tarat;
using namespace date::literals;

// ISO dates round-trip, and impossible or sloppy dates are refused.
TEST_CASE("dates parse strictly") {
    REQUIRE(parse_date("2026-12-01") == Date{2026_y / 12 / 1});
    CHECK(format_date(Date{2027_y / 2 / 28}) == "2027-02-28");
    CHECK_FALSE(parse_date("2027-02-29"));
    CHECK_FALSE(parse_date("2026-1-01"));
    CHECK_FALSE(parse_date("2026-13-01"));
    CHECK_FALSE(parse_date("2026-12-01x"));
}

// Times of day are HH:MM, 24 hours.
TEST_CASE("times of day parse strictly") {
    CHECK(parse_hhmm("10:30") == 630);
    CHECK(format_hhmm(630) == "10:30");
    CHECK_FALSE(parse_hhmm("24:00"));
    CHECK_FALSE(parse_hhmm("9:30"));
    CHECK_FALSE(parse_hhmm("10:60"));
}

// Instants read with an offset land on the right UTC moment.
TEST_CASE("instants parse with offsets") {
    auto at = parse_instant("2026-12-07T09:00:00+05:00");
    REQUIRE(at);
    CHECK(format_instant_utc(*at) == "2026-12-07T04:00:00Z");
    // Written by hand: the same as date::format's, early and late in a day, and before 1970.
    for (const char* text : {"2026-12-07T23:59:59Z", "2027-01-01T00:00:00Z", "1969-12-31T23:59:58Z", "2036-02-29T12:05:09Z"}) {
        auto parsed = parse_instant(text);
        REQUIRE(parsed);
        CHECK(format_instant_utc(*parsed) == text);
        CHECK(format_instant_utc(*parsed) == date::format("%Y-%m-%dT%H:%M:%SZ", *parsed));
    }
    CHECK(parse_instant("2026-12-07T04:00:00Z") == at);
    CHECK_FALSE(parse_instant("2026-12-07 04:00:00Z"));
    // And written back at an offset, east or west of UTC, each reading the same moment.
    CHECK(format_instant_at_offset(*at, std::chrono::hours{5}) == "2026-12-07T09:00:00+05:00");
    CHECK(format_instant_at_offset(*at, -std::chrono::minutes{9 * 60 + 30}) == "2026-12-06T18:30:00-09:30");
    CHECK(format_instant_at_offset(*at, std::chrono::seconds{0}) == "2026-12-07T04:00:00+00:00");
    for (const auto& text : {"2026-12-07T09:00:00+05:00", "2026-12-06T18:30:00-09:30"})
        CHECK(parse_instant(text) == at);
}

// Every documented spelling of a duration is understood; others are not.
TEST_CASE("spans accept long and short units") {
    CHECK(parse_span("3 working days") == Span{Span::Unit::working_days, 3});
    CHECK(parse_span("1 working day") == Span{Span::Unit::working_days, 1});
    CHECK(parse_span("2wd") == Span{Span::Unit::working_days, 2});
    CHECK(parse_span("10 days") == Span{Span::Unit::days, 10});
    CHECK(parse_span("3 hours") == Span{Span::Unit::minutes, 180});
    CHECK(parse_span("90 min") == Span{Span::Unit::minutes, 90});
    CHECK_FALSE(parse_span("three days"));
    CHECK_FALSE(parse_span("3 weeks"));
    CHECK_FALSE(parse_span("-3 days"));
    CHECK(parse_span("1000 working days") == Span{Span::Unit::working_days, 1000});
    CHECK_FALSE(parse_span("1001 working days"));  // a typo; the calendar walk would take seconds
    CHECK_FALSE(parse_span("999999 days"));
    CHECK(parse_span("999999 min") == Span{Span::Unit::minutes, 999999});
    CHECK(format_span(Span{Span::Unit::minutes, 180}) == "3 hours");
}

// Diagnostics print as FILE:LINE:COL: error: MESSAGE [key], sorted by position.
TEST_CASE("diagnostics format with positions") {
    Diagnostics d;
    d.error({"plan.toml", 12, 3}, "unknown key 'nmae'", "person.x.nmae");
    d.warning({"plan.toml", 2, 1}, "something");
    CHECK(d.error_count() == 1);
    CHECK(d.format() == "plan.toml:2:1: warning: something\nplan.toml:12:3: error: unknown key 'nmae' [person.x.nmae]\n");
}

// SHA-256 and HMAC-SHA256 against FIPS 180-4's and RFC 4231's vectors (button tokens rely on them).
TEST_CASE("sha256 and hmac_sha256 match the published test vectors") {
    auto hex = [](const std::array<std::uint8_t, 32>& d) {
        std::string out;
        for (auto b : d) out += "0123456789abcdef"[b >> 4], out += "0123456789abcdef"[b & 15];
        return out;
    };
    CHECK(hex(tarat::sha256("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(hex(tarat::sha256("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(hex(tarat::sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")) ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    CHECK(hex(tarat::sha256(std::string(1000000, 'a'))) ==
          "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    CHECK(hex(tarat::hmac_sha256(std::string(20, '\x0b'), "Hi There")) ==
          "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    CHECK(hex(tarat::hmac_sha256("Jefe", "what do ya want for nothing?")) ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    CHECK(hex(tarat::hmac_sha256(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First")) ==
          "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

// The wording tables' placeholders: every "{key}" replaced, a value that holds its own mark too.
TEST_CASE("fill replaces every placeholder, once each") {
    CHECK(tarat::fill("{date} — {date}, {name}", {{"date", "09.12.2026"}, {"name", "«Еркемай»"}}) ==
          "09.12.2026 — 09.12.2026, «Еркемай»");
    std::string text = "{x}";
    tarat::fill_in(text, "x", "{x}{x}");
    CHECK(text == "{x}{x}");
    CHECK(tarat::fill("no marks", {{"x", "y"}}) == "no marks");
}

// Lookups by id go through the plan's index, and stay right when the plan changes after it was made.
TEST_CASE("a plan finds people and centres by id, indexed or not, changed or not") {
    Plan plan;
    for (std::string id : {"a", "b", "c"}) plan.people.push_back(Person{id, "Name " + id, "", "kk", "", "", "", {}, {}});
    plan.centres.push_back(Centre{"c1", "Centre 1", "d", "", "a", {}});
    CHECK(plan.person("b")->name == "Name b");  // not indexed yet: scanned
    plan.index();
    CHECK(plan.person("c")->name == "Name c");
    CHECK(plan.centre("c1")->name == "Centre 1");
    CHECK(plan.person("") == nullptr);
    CHECK(plan.person("zz") == nullptr);
    CHECK(plan.district("d") == nullptr);
    // Changed since: renamed in place, grown, shrunk.
    plan.people[0].id = "a2";
    CHECK(plan.person("a") == nullptr);
    CHECK(plan.person("a2")->name == "Name a");
    plan.people.push_back(Person{"d", "Name d", "", "kk", "", "", "", {}, {}});
    CHECK(plan.person("d")->name == "Name d");
    plan.people.erase(plan.people.begin());
    CHECK(plan.person("b")->name == "Name b");
    CHECK(plan.person("a2") == nullptr);
    const Plan copy = plan;  // a copy shares the index and finds the same
    CHECK(copy.person("c")->name == "Name c");
    CHECK(copy.centre("c1") == &copy.centres[0]);
}
