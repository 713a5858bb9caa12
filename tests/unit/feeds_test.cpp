// The iCalendar builder, parsed back with libical; atomic file replacement; base64 for blobs.
#include "control/blob.hpp"
#include "core/atomic_file.hpp"
#include "feeds/ics.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <libical/ical.h>
#include <sys/stat.h>

#include <fstream>
#include <memory>
#include <sstream>

using namespace tarat;
using namespace tarat::feeds;
using namespace std::chrono_literals;

namespace {

struct ComponentFree {
    void operator()(icalcomponent* c) const { icalcomponent_free(c); }
};
using Component = std::unique_ptr<icalcomponent, ComponentFree>;

const std::string kKazakhTitle =
    "Ойын арқылы оқыту – мектепке дейінгі тәрбиенің негізі: «Еркемай» бөбекжай-бақшасының озық тәжірибесі; "
    "ата-аналар, тәрбиешілер, әдіскерлер";

Date day(int y, unsigned m, unsigned d) { return date::sys_days{date::year{y} / m / d}; }

IcsCalendar sample() {
    IcsCalendar c{"Еркемай", "Asia/Aqtobe", day(2026, 9, 1), {}};
    IcsEvent seminar;
    seminar.uid = "erkemai-seminar-1@plan-553.tarat";
    seminar.sequence = 2;
    seminar.date = day(2026, 12, 16);
    seminar.start_minutes = 10 * 60;
    seminar.end_minutes = 12 * 60;
    seminar.summary = kKazakhTitle;
    seminar.location = "«Еркемай», Шалқар қаласы, Карагулин көшесі №17";
    seminar.description = "Семинар\nЖауапты: Ә. Сүлейменова, меңгеруші";
    seminar.alarms = {{24h, kKazakhTitle}, {72h + 1h, kKazakhTitle}, {240h, kKazakhTitle}};
    IcsEvent cancelled;
    cancelled.uid = "bolashak-master-class-1@plan-553.tarat";
    cancelled.sequence = 1;
    cancelled.cancelled = true;
    cancelled.date = day(2027, 1, 20);
    cancelled.start_minutes = 23 * 60;
    cancelled.end_minutes = 25 * 60;  // past midnight
    cancelled.summary = "Шебер сынып";
    c.events = {seminar, cancelled};
    return c;
}

Component parse(const std::string& text) {
    Component c(icalparser_parse_string(text.c_str()));
    REQUIRE(c);
    REQUIRE(icalcomponent_isa(c.get()) == ICAL_VCALENDAR_COMPONENT);
    return c;
}

icalcomponent* event_with_uid(icalcomponent* calendar, const std::string& uid) {
    for (auto* e = icalcomponent_get_first_component(calendar, ICAL_VEVENT_COMPONENT); e;
         e = icalcomponent_get_next_component(calendar, ICAL_VEVENT_COMPONENT))
        if (icalcomponent_get_uid(e) == uid) return e;
    return nullptr;
}

std::string read_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

// UID, SEQUENCE, STATUS, DTSTAMP and the calendar's headers survive a round trip through libical.
TEST_CASE("an ics feed parses back with its uids, sequences and statuses") {
    const Instant stamp = Instant{date::sys_days{date::year{2026} / 12 / 1}} + 4h;
    auto text = render_ics(sample(), stamp);
    auto calendar = parse(text);
    CHECK(icalcomponent_get_method(calendar.get()) == ICAL_METHOD_PUBLISH);
    CHECK(icalcomponent_count_components(calendar.get(), ICAL_VEVENT_COMPONENT) == 2);
    CHECK(text.find("X-WR-CALNAME:Еркемай\r\n") != std::string::npos);

    auto* seminar = event_with_uid(calendar.get(), "erkemai-seminar-1@plan-553.tarat");
    REQUIRE(seminar);
    CHECK(icalproperty_get_sequence(icalcomponent_get_first_property(seminar, ICAL_SEQUENCE_PROPERTY)) == 2);
    CHECK(icalcomponent_get_status(seminar) == ICAL_STATUS_CONFIRMED);
    CHECK(std::string(icaltime_as_ical_string(icalcomponent_get_dtstamp(seminar))) == "20261201T040000Z");

    auto* cancelled = event_with_uid(calendar.get(), "bolashak-master-class-1@plan-553.tarat");
    REQUIRE(cancelled);
    CHECK(icalcomponent_get_status(cancelled) == ICAL_STATUS_CANCELLED);
    CHECK(icalproperty_get_sequence(icalcomponent_get_first_property(cancelled, ICAL_SEQUENCE_PROPERTY)) == 1);
}

// Start and end are wall-clock times in Asia/Aqtobe, whose VTIMEZONE comes with the feed; an end
// past midnight falls on the next day.
TEST_CASE("an ics feed carries the Asia/Aqtobe VTIMEZONE and zoned times") {
    auto text = render_ics(sample(), Instant{});
    auto calendar = parse(text);
    auto* vtz = icalcomponent_get_first_component(calendar.get(), ICAL_VTIMEZONE_COMPONENT);
    REQUIRE(vtz);
    CHECK(std::string(icalproperty_get_tzid(icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY))) ==
          "Asia/Aqtobe");
    CHECK(text.find("TZOFFSETTO:+0500") != std::string::npos);
    // Aqtobe has kept UTC+5 since 2005: from the plan's start one observance describes it.
    CHECK(icalcomponent_count_components(vtz, ICAL_XSTANDARD_COMPONENT) == 1);
    CHECK(icalcomponent_count_components(vtz, ICAL_XDAYLIGHT_COMPONENT) == 0);
    CHECK(text.find("DTSTART;TZID=Asia/Aqtobe:20261216T100000\r\n") != std::string::npos);
    CHECK(text.find("DTEND;TZID=Asia/Aqtobe:20261216T120000\r\n") != std::string::npos);
    CHECK(text.find("DTEND;TZID=Asia/Aqtobe:20270121T010000\r\n") != std::string::npos);
    // libical resolves the TZID against the feed's own VTIMEZONE: 10:00 at UTC+5 is 05:00 UTC.
    auto* seminar = event_with_uid(calendar.get(), "erkemai-seminar-1@plan-553.tarat");
    auto start = icalcomponent_get_dtstart(seminar);
    auto* zone = icalcomponent_get_timezone(calendar.get(), "Asia/Aqtobe");
    REQUIRE(zone);
    start.zone = zone;
    CHECK(icaltime_as_timet_with_zone(start, zone) == 1797397200);  // 2026-12-16T05:00:00Z
}

// One VALARM per reminder, each a DISPLAY alarm triggered that long before the start; a
// cancelled event has none.
TEST_CASE("an ics event has one VALARM per reminder offset") {
    auto calendar = parse(render_ics(sample(), Instant{}));
    auto* seminar = event_with_uid(calendar.get(), "erkemai-seminar-1@plan-553.tarat");
    CHECK(icalcomponent_count_components(seminar, ICAL_VALARM_COMPONENT) == 3);
    std::vector<int> triggers;
    for (auto* a = icalcomponent_get_first_component(seminar, ICAL_VALARM_COMPONENT); a;
         a = icalcomponent_get_next_component(seminar, ICAL_VALARM_COMPONENT)) {
        CHECK(icalproperty_get_action(icalcomponent_get_first_property(a, ICAL_ACTION_PROPERTY)) ==
              ICAL_ACTION_DISPLAY);
        auto trigger = icalproperty_get_trigger(icalcomponent_get_first_property(a, ICAL_TRIGGER_PROPERTY));
        triggers.push_back(icaldurationtype_as_int(trigger.duration));
    }
    CHECK(triggers == std::vector<int>{-24 * 3600, -73 * 3600, -240 * 3600});
    auto* cancelled = event_with_uid(calendar.get(), "bolashak-master-class-1@plan-553.tarat");
    CHECK(icalcomponent_count_components(cancelled, ICAL_VALARM_COMPONENT) == 0);
}

// Kazakh text comes back byte for byte (commas, semicolons and newlines escaped), and no line is
// longer than 75 octets or split inside a UTF-8 character.
TEST_CASE("kazakh text is escaped and folded at 75 octets without splitting characters") {
    auto text = render_ics(sample(), Instant{});
    size_t at = 0;
    while (at < text.size()) {
        auto end = text.find("\r\n", at);
        REQUIRE(end != std::string::npos);
        std::string line = text.substr(at, end - at);
        CHECK(line.size() <= 75);
        // A continuation line starts with a space and then a character's first byte, never a
        // continuation byte (10xxxxxx).
        if (!line.empty() && line[0] == ' ' && line.size() > 1)
            CHECK((static_cast<unsigned char>(line[1]) & 0xC0) != 0x80);
        at = end + 2;
    }
    CHECK(text.find("\\;") != std::string::npos);
    CHECK(text.find("\\,") != std::string::npos);
    auto calendar = parse(text);
    auto* seminar = event_with_uid(calendar.get(), "erkemai-seminar-1@plan-553.tarat");
    CHECK(std::string(icalcomponent_get_summary(seminar)) == kKazakhTitle);
    CHECK(std::string(icalcomponent_get_location(seminar)) == "«Еркемай», Шалқар қаласы, Карагулин көшесі №17");
    CHECK(std::string(icalcomponent_get_description(seminar)) == "Семинар\nЖауапты: Ә. Сүлейменова, меңгеруші");
}

// The same calendar and stamp give the same bytes: feeds are reproducible.
TEST_CASE("an ics feed is reproducible from its calendar and stamp") {
    const Instant stamp = Instant{date::sys_days{date::year{2026} / 12 / 1}};
    CHECK(render_ics(sample(), stamp) == render_ics(sample(), stamp));
    CHECK(render_ics(sample(), stamp) != render_ics(sample(), stamp + 1s));
}

// A zone with summer time keeps its transitions inside the plan's period.
TEST_CASE("an ics feed in a zone with summer time carries its transitions") {
    auto c = sample();
    c.timezone = "Europe/Berlin";
    auto calendar = parse(render_ics(c, Instant{}));
    auto* vtz = icalcomponent_get_first_component(calendar.get(), ICAL_VTIMEZONE_COMPONENT);
    REQUIRE(vtz);
    CHECK(icalcomponent_count_components(vtz, ICAL_XDAYLIGHT_COMPONENT) >= 1);
    CHECK(icalcomponent_count_components(vtz, ICAL_XSTANDARD_COMPONENT) >= 1);
}

// A zone libical does not know is refused, not written as a broken feed.
TEST_CASE("an ics feed refuses an unknown time zone") {
    auto c = sample();
    c.timezone = "Asia/Nowhere";
    CHECK_THROWS_AS(render_ics(c, Instant{}), IcsError);
}

// A file is replaced whole, leaves no temporary file behind, and gets the mode asked for.
TEST_CASE("write_file_atomically replaces a file and leaves nothing else") {
    testing::TempDir dir;
    auto file = dir / "all.ics";
    write_file_atomically(file, "old");
    write_file_atomically(file, "new bytes", 0640, ModeRule::exact);
    CHECK(read_file(file) == "new bytes");
    struct stat st {};
    REQUIRE(::stat(file.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0640);
    CHECK(std::distance(std::filesystem::directory_iterator(dir.path()), std::filesystem::directory_iterator()) == 1);
    CHECK_THROWS_AS(write_file_atomically(dir / "missing-folder" / "x.ics", "x"), std::system_error);
}

// Bytes of every value, any length, come back from base64 unchanged; broken base64 is refused.
TEST_CASE("blobs round-trip through base64") {
    std::string bytes;
    for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
    for (size_t n : {0u, 1u, 2u, 3u, 4u, 255u, 256u}) {
        auto decoded = control::decode_blob(control::encode_blob(bytes.substr(0, n)));
        REQUIRE(decoded);
        CHECK(*decoded == bytes.substr(0, n));
    }
    CHECK(control::encode_blob("tarat") == "dGFyYXQ=");
    // RFC 4648's test vectors, both ways.
    for (auto [plain, coded] : {std::pair{"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="},
                                {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}}) {
        CHECK(control::encode_blob(plain) == coded);
        CHECK(control::decode_blob(coded) == std::optional<std::string>(plain));
    }
    CHECK_FALSE(control::decode_blob("dGFyYXQ"));
    CHECK_FALSE(control::decode_blob("dGF*YXQ="));
    CHECK_FALSE(control::decode_blob("Zg==Zm8="));  // padding only at the end
    CHECK_FALSE(control::decode_blob("Z==="));
}
