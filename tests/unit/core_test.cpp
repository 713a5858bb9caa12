#include "core/diagnostic.hpp"
#include "core/span.hpp"
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
    CHECK(parse_instant("2026-12-07T04:00:00Z") == at);
    CHECK_FALSE(parse_instant("2026-12-07 04:00:00Z"));
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
