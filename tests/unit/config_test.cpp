#include "config/config.hpp"
#include "config/days_off_loader.hpp"
#include "config/plan_loader.hpp"
#include "config/setup.hpp"
#include "config/text_rules.hpp"
#include "config/toml_guard.hpp"
#include "core/input_file.hpp"
#include "core/text.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <sys/stat.h>

#include <algorithm>
#include <sstream>

using namespace tarat;
using tarat::testing::TempDir;

namespace {

// Line numbers in the tests below refer to this text.
const std::string kPlan = R"([plan]
id = "test-plan"
title = "Сынақ жоспары"
timezone = "Asia/Aqtobe"
from = 2026-12-01
to = 2027-05-31
calendar = "days-off.toml"
overseer = "bertleuova"
coordinator = "zhamanbayeva"

[person.bertleuova]
name = "Н. Бертлеуова"
locale = "kk"

[person.zhamanbayeva]
name = "Д.Жаманбаева"
locale = "ru"

[person.bashanov]
name = "А.Башанов"

[district.shalkar]
name = "Шалқар ауданы"
head = "bashanov"

[centre.erkemai]
name = "«Еркемай» бөбекжай-бақшасы» МКҚК"
district = "shalkar"
director = "bertleuova"

[form.seminar]
name = { kk = "Семинар", ru = "Семинар", en = "Seminar" }
duration = "3 hours"
report_due = "3 working days"
reminders = ["10 working days", "1 working day"]

[[event]]
id = "erkemai-seminar-1"
form = "seminar"
centre = "erkemai"
date = 2026-12-09
start = "11:00"
title = "Ойын арқылы оқыту"

[[rule]]
id = "seminar-quarterly"
form = "seminar"
centres = "all"
every = "quarter"
weekdays = ["tue", "wed", "thu"]
start = "11:00"
title = "Тоқсандық семинар"
)";

const std::string kDaysOff = R"([calendar]
country = "KZ"
weekend = ["sat", "sun"]
years = [2026, 2027]

[[day]]
date = 2026-12-16
kind = "holiday"
name = { kk = "Тәуелсіздік күні", ru = "День Независимости", en = "Independence Day" }
status = "verified"
)";

const std::string kConfig = R"([daemon]
plan = "plan.toml"
state_dir = "state"
socket = "state/tarat.sock"
templates = ")" TARAT_SOURCE_DIR R"(/etc/templates"
)";

std::string replace(std::string text, const std::string& from, const std::string& to) {
    auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
}

// Loads config + plan + days off from a temp dir; returns every diagnostic with the dir stripped.
struct Loaded {
    std::optional<Setup> setup;
    std::vector<std::string> messages;
    bool has(const std::string& m) const { return std::find(messages.begin(), messages.end(), m) != messages.end(); }
};

Loaded load(const std::string& plan, const std::string& days_off = kDaysOff, const std::string& config = kConfig) {
    TempDir dir;
    dir.write("tarat.toml", config);
    dir.write("plan.toml", plan);
    if (!days_off.empty()) dir.write("days-off.toml", days_off);
    Diagnostics d;
    Loaded out;
    out.setup = load_setup(dir / "tarat.toml", {}, d);
    std::string prefix = dir.path().string() + "/";
    for (const auto& item : d.items()) {
        auto text = item.format();
        if (text.rfind(prefix, 0) == 0) text = text.substr(prefix.size());
        out.messages.push_back(text);
    }
    return out;
}

// Expects exactly one error, this one.
void expect_only(const Loaded& loaded, const std::string& message) {
    INFO("messages: " << Catch::Detail::stringify(loaded.messages));
    CHECK_FALSE(loaded.setup);
    REQUIRE(loaded.messages.size() == 1);
    CHECK(loaded.messages[0] == message);
}

}  // namespace

// The reference plan loads without a single diagnostic.
TEST_CASE("a valid plan loads cleanly") {
    auto loaded = load(kPlan);
    INFO(Catch::Detail::stringify(loaded.messages));
    REQUIRE(loaded.setup);
    CHECK(loaded.messages.empty());
    CHECK(loaded.setup->plan.events.size() == 1);
    CHECK(loaded.setup->plan.rules[0].every == Period::quarter);
    CHECK(loaded.setup->config.state_dir.filename() == "state");
    CHECK(loaded.setup->config.feeds_dir.empty());  // no feeds unless asked for
}

// feeds_dir, like the other paths, is relative to the config file's folder.
TEST_CASE("feeds_dir is read relative to the config") {
    auto loaded = load(kPlan, kDaysOff, kConfig + "feeds_dir = \"../www/feeds\"\n");
    INFO(Catch::Detail::stringify(loaded.messages));
    REQUIRE(loaded.setup);
    const auto& config = loaded.setup->config;
    CHECK(config.feeds_dir == (config.file.parent_path().parent_path() / "www/feeds"));
}

// Kazakh and Russian text comes out byte for byte as written.
TEST_CASE("names round-trip byte for byte") {
    auto loaded = load(kPlan);
    REQUIRE(loaded.setup);
    const auto& plan = loaded.setup->plan;
    CHECK(plan.centre("erkemai")->name == "\xC2\xAB\xD0\x95\xD1\x80\xD0\xBA\xD0\xB5\xD0\xBC\xD0\xB0\xD0\xB9\xC2\xBB "
                                         "\xD0\xB1\xD3\xA9\xD0\xB1\xD0\xB5\xD0\xBA\xD0\xB6\xD0\xB0\xD0\xB9-\xD0\xB1\xD0\xB0"
                                         "\xD2\x9B\xD1\x88\xD0\xB0\xD1\x81\xD1\x8B\xC2\xBB \xD0\x9C\xD0\x9A\xD2\x9A\xD0\x9A");
    CHECK(plan.district("shalkar")->name == "Шалқар ауданы");
    CHECK(plan.form("seminar")->name.ru == "Семинар");
    CHECK(plan.person("bertleuova")->name == "Н. Бертлеуова");
}

// A TOML syntax error is reported where it is.
TEST_CASE("syntax error has a position") {
    auto loaded = load(replace(kPlan, "title = \"Сынақ жоспары\"", "title = \"Сынақ жоспары"));
    CHECK_FALSE(loaded.setup);
    REQUIRE(loaded.messages.size() == 1);
    CHECK(loaded.messages[0] == "plan.toml:3:9: error: unterminated string");
}

// An unknown key names the key and suggests the closest known one.
TEST_CASE("unknown key suggests the known one") {
    expect_only(load(replace(kPlan, "name = \"А.Башанов\"", "name = \"А.Башанов\"\npositon = \"басшы\"")),
                "plan.toml:21:1: error: unknown key 'positon' (did you mean 'position'?) [person.bashanov.positon]");
}

// A missing required key is reported at its table.
TEST_CASE("missing required key") {
    expect_only(load(replace(kPlan, "district = \"shalkar\"\n", "")),
                "plan.toml:26:1: error: missing required key 'district' (a string) [centre.erkemai.district]");
}

// A value of the wrong type says what was expected and what was found.
TEST_CASE("wrong type") {
    expect_only(load(replace(kPlan, "every = \"quarter\"", "every = \"quarter\"\ncount = \"one\"")),
                "plan.toml:50:9: error: expected an integer, found a string [rule[0].count]");
}

// Two events with one id: the second is an error naming the first's line.
TEST_CASE("duplicate event id") {
    std::string second = "\n[[event]]\nid = \"erkemai-seminar-1\"\nform = \"seminar\"\ncentre = \"erkemai\"\n"
                         "date = 2026-12-10\nstart = \"11:00\"\ntitle = \"Қайта\"\n";
    expect_only(load(kPlan + second),
                "plan.toml:54:1: error: duplicate event id 'erkemai-seminar-1' (first defined at line 37) [event]");
}

// References to ids that do not exist, with suggestions.
TEST_CASE("dangling references") {
    SECTION("centre → district") {
        expect_only(load(replace(kPlan, "district = \"shalkar\"", "district = \"shalkr\"")),
                    "plan.toml:28:12: error: unknown district 'shalkr' (did you mean 'shalkar'?) [centre.erkemai.district]");
    }
    SECTION("district → head") {
        expect_only(load(replace(kPlan, "head = \"bashanov\"", "head = \"nobody\"")),
                    "plan.toml:24:8: error: unknown person 'nobody' [district.shalkar.head]");
    }
    SECTION("event → form") {
        expect_only(load(replace(kPlan, "form = \"seminar\"\ncentre", "form = \"seminr\"\ncentre")),
                    "plan.toml:39:8: error: unknown form 'seminr' (did you mean 'seminar'?) [event[0].form]");
    }
    SECTION("event → centre") {
        expect_only(load(replace(kPlan, "centre = \"erkemai\"", "centre = \"erkemay\"")),
                    "plan.toml:40:10: error: unknown centre 'erkemay' (did you mean 'erkemai'?) [event[0].centre]");
    }
    SECTION("plan → overseer") {
        expect_only(load(replace(kPlan, "overseer = \"bertleuova\"", "overseer = \"bertleuva\"")),
                    "plan.toml:8:12: error: unknown person 'bertleuva' (did you mean 'bertleuova'?) [plan.overseer]");
    }
}

// An event outside the plan period names the period.
TEST_CASE("date outside the plan period") {
    expect_only(load(replace(kPlan, "date = 2026-12-09", "date = 2027-06-15")),
                "plan.toml:41:8: error: date 2027-06-15 is outside the plan period 2026-12-01 … 2027-05-31 [event[0].date]");
}

// Durations, times and weekdays that cannot be read.
TEST_CASE("malformed duration, time and weekday") {
    SECTION("duration") {
        expect_only(load(replace(kPlan, "duration = \"3 hours\"", "duration = \"3 hrs\"")),
                    "plan.toml:33:12: error: '3 hrs' is not a duration: write \"N working days\", \"N days\", "
                    "\"N hours\" or \"N minutes\" (at most 1000 days) [form.seminar.duration]");
    }
    SECTION("reminder thousands of working days ahead") {
        // Walking the calendar 999999 working days back took seconds for every notice sync.
        expect_only(load(replace(kPlan, "\"10 working days\", \"1 working day\"", "\"999999 working days\", \"1 working day\"")),
                    "plan.toml:35:13: error: '999999 working days' is not a duration: write \"N working days\", \"N days\", "
                    "\"N hours\" or \"N minutes\" (at most 1000 days) [form.seminar.reminders]");
        CHECK(load(replace(kPlan, "\"10 working days\"", "\"1000 working days\"")).setup);
    }
    SECTION("time") {
        expect_only(load(replace(kPlan, "start = \"11:00\"\ntitle = \"Ойын", "start = \"25:00\"\ntitle = \"Ойын")),
                    "plan.toml:42:9: error: '25:00' is not a time HH:MM (00:00-23:59) [event[0].start]");
    }
    SECTION("weekday") {
        expect_only(load(replace(kPlan, "[\"tue\", \"wed\", \"thu\"]", "[\"tue\", \"wedn\"]")),
                    "plan.toml:50:12: error: unknown weekday 'wedn': use mon, tue, wed, thu, fri, sat, sun [rule[0].weekdays]");
    }
}

// An unknown time zone suggests a real one.
TEST_CASE("unknown time zone") {
    expect_only(load(replace(kPlan, "Asia/Aqtobe", "Asia/Aqtobee")),
                "plan.toml:4:12: error: unknown time zone 'Asia/Aqtobee' (did you mean 'Asia/Aqtobe'?) [plan.timezone]");
}

// A missing calendar file is an error naming it.
TEST_CASE("missing calendar file") {
    auto loaded = load(kPlan, "");
    CHECK_FALSE(loaded.setup);
    REQUIRE(loaded.messages.size() == 1);
    CHECK(loaded.messages[0] == "days-off.toml: error: cannot read: No such file or directory");
}

// A malformed calendar file points into that file.
TEST_CASE("malformed calendar file") {
    expect_only(load(kPlan, replace(kDaysOff, "status = \"verified\"", "status = \"sure\"")),
                "days-off.toml:10:10: error: unknown status 'sure': use verified, reported, planned, estimated or "
                "computed [day[0].status]");
}

// A fixed event on a holiday names the day off and the nearest working days.
TEST_CASE("fixed event on a day off") {
    expect_only(load(replace(kPlan, "date = 2026-12-09", "date = 2026-12-16")),
                "plan.toml:41:8: error: event 'erkemai-seminar-1' is on 2026-12-16, a day off (Independence Day); "
                "nearest working days: 2026-12-15 and 2026-12-17 [event[0].date]");
}

// Invalid UTF-8 is refused with its position (column in characters).
TEST_CASE("invalid UTF-8 has a position") {
    expect_only(load(replace(kPlan, "title = \"Сынақ жоспары\"", "title = \"Сынақ \xC3\x28\"")),
                "plan.toml:3:16: error: invalid UTF-8");
}

// Every error is reported, not only the first.
TEST_CASE("all errors are reported") {
    auto plan = replace(kPlan, "district = \"shalkar\"", "district = \"shalkr\"");
    plan = replace(plan, "date = 2026-12-09", "date = 2027-06-15");
    plan = replace(plan, "Asia/Aqtobe", "Mars/Olympus");
    auto loaded = load(plan);
    CHECK_FALSE(loaded.setup);
    CHECK(loaded.messages.size() == 3);
}

// Errors in the daemon's own settings file point there.
TEST_CASE("config errors") {
    SECTION("unknown channel") {
        auto config = kConfig + "\n[notify]\nchannels = [\"mail\"]\n";
        expect_only(load(kPlan, kDaysOff, config), "tarat.toml:8:12: error: unknown channel 'mail' [notify.channels]");
    }
    SECTION("bad log level") {
        auto config = replace(kConfig, "[daemon]\n", "[daemon]\nlog_level = \"loud\"\n");
        expect_only(load(kPlan, kDaysOff, config),
                    "tarat.toml:2:13: error: log_level 'loud' is not one of trace, debug, info, warning, error, critical, off [daemon.log_level]");
    }
    SECTION("working hours backwards") {
        auto config = kConfig + "\n[notify]\nworking_hours = { start = \"18:00\", end = \"09:00\" }\n";
        auto loaded = load(kPlan, kDaysOff, config);
        CHECK_FALSE(loaded.setup);
        REQUIRE(loaded.messages.size() == 1);
        CHECK(loaded.messages[0].find("working hours end before they start") != std::string::npos);
    }
}

// Inputs that crash Debian's toml++ 3.3.0 are stopped by the pre-scan with a clear error.
TEST_CASE("toml++ crashers are refused before parsing") {
    Diagnostics d;
    auto refuse = [&](std::string_view text) {
        Diagnostics local;
        auto table = parse_toml(text, "x.toml", local);
        CHECK_FALSE(table);
        CHECK(local.error_count() == 1);
        return local.items().empty() ? std::string{} : local.items()[0].format();
    };
    CHECK(refuse("[&") == "x.toml:1:2: error: expected a key");
    CHECK(refuse("[[[1]]]") == "x.toml:1:3: error: expected a key");
    CHECK(refuse(std::string("[\0x]", 4)) == "x.toml:1:2: error: control character U+0000 is not allowed here");
    CHECK(refuse("[напоминания]") ==
          "x.toml:1:2: error: a bare key may contain only A-Z a-z 0-9 _ - ; write other letters in quotes");
    std::string dotted = "[a";
    for (int i = 0; i < 200000; ++i) dotted += ".a";
    dotted += "]";
    CHECK(refuse(dotted) == "x.toml:1:34: error: a key may have at most 16 dotted parts");
    CHECK(refuse("x = " + std::string(100000, '[')) == "x.toml:1:38: error: values nested deeper than 32");
}

// The pre-scan accepts the TOML shapes the real files use (and toml++ then parses them).
TEST_CASE("pre-scan accepts valid TOML") {
    const char* valid = "# comment\n[a.\"quoted key\".b]\nx = 1\ny = [\n  1, # one\n  [2, 3],\n]\n"
                        "z = { p = 'lit', q = \"\"\"multi\nline\"\"\" }\nw = 1979-05-27 07:32:00\n"
                        "v = '''raw\n'''\n[[t]]\n\"ключ\" = \"мән\"\n";
    Diagnostics d;
    auto table = parse_toml(valid, "v.toml", d);
    INFO(d.format());
    REQUIRE(table);
    CHECK((*table)["t"][0]["ключ"].value<std::string>() == "мән");
}

// UTF-8 checking refuses overlongs and surrogates, and positions count characters.
TEST_CASE("utf-8 validation") {
    CHECK_FALSE(first_invalid_utf8("Қазақ тілі"));
    CHECK(first_invalid_utf8("ab\xC0\xAF") == 2u);
    CHECK(first_invalid_utf8("\xED\xA0\x80") == 0u);
    CHECK(first_invalid_utf8("ok\xF4\x90\x80\x80") == 2u);
    auto lc = line_column_at("а\nбв\xFF", 6);
    CHECK(lc.line == 2);
    CHECK(lc.column == 3);
}

// The shipped configuration passes the whole check.
TEST_CASE("shipped etc/ checks clean") {
    Diagnostics d;
    auto setup = load_setup(TARAT_SOURCE_DIR "/etc/tarat.toml", {}, d);
    INFO(d.format());
    REQUIRE(setup);
    CHECK(d.items().empty());
    const auto& plan = setup->plan;
    CHECK(plan.centres.size() == 4);
    for (const char* id : {"erkemai", "bolashak", "balausa", "karlygash"}) CHECK(plan.centre(id));
    for (const char* id : {"shalkar", "alga", "temir", "mugalzhar"}) CHECK(plan.district(id));
    for (const char* id : {"bertleuova", "zhamanbayeva", "kudaibergenov", "karabalina", "amanzhol", "bashanov", "kuzembayeva"})
        CHECK(plan.person(id));
    CHECK(plan.overseer == "bertleuova");
    CHECK(plan.coordinator == "zhamanbayeva");
}

// A secret-bearing file others may read is a warning (the channel still works); a missing one too,
// naming the key and the file. A secret readable by its owner only says nothing.
TEST_CASE("secret files readable by others are warned about") {
    TempDir dir;
    dir.write("plan.toml", kPlan);
    dir.write("days-off.toml", kDaysOff);
    dir.write("tarat.toml", kConfig + R"(
[channel.log]
plugin = "log"

[channel.file]
plugin = "file"

[channel.mail]
plugin = "smtp"
url = "smtp://127.0.0.1:25"
password_file = "smtp.password"

[channel.hook]
plugin = "webhook"
secret_file = ")" + (dir / "hook.secret").string() + R"("

[channel.bot]
plugin = "telegram"
token_file = "bot.token"
)");
    auto password = dir.write("state/smtp.password", "s3cret\n");
    auto secret = dir.write("hook.secret", "whsec\n");
    namespace fs = std::filesystem;
    fs::permissions(password, fs::perms::owner_read | fs::perms::owner_write);
    fs::permissions(secret, fs::perms::owner_read | fs::perms::owner_write | fs::perms::others_read);
    Diagnostics d;
    auto setup = load_setup(dir / "tarat.toml", {}, d);
    const std::string text = d.format();
    INFO(text);
    REQUIRE(setup);  // warnings only
    CHECK(d.items().size() == 2);
    CHECK(text.find("warning: secret_file " + secret.string() + " may be read by any user on this machine: chmod o-rwx it [channel.hook.secret_file]") != std::string::npos);
    CHECK(text.find("token_file " + (dir / "state/bot.token").string() + ": No such file or directory") != std::string::npos);
    CHECK(text.find("smtp.password") == std::string::npos);
}

// The in-memory loaders (the fuzz harnesses use them) check exactly what the file loaders check and
// name the given file in their positions.
TEST_CASE("loaders read text as they read files") {
    Diagnostics d;
    CHECK(load_plan_text(kPlan, "mem/plan.toml", d));
    CHECK(load_days_off_text(kDaysOff, "mem/days-off.toml", d));
    auto config = load_config_text(kConfig, "/mem/tarat.toml", d);
    INFO(d.format());
    REQUIRE(config);
    CHECK(config->plan_file == "/mem/plan.toml");
    CHECK(d.items().empty());

    Diagnostics plan, days_off, settings;
    CHECK_FALSE(load_plan_text(replace(kPlan, "centre = \"erkemai\"\ndate", "centre = \"erkemay\"\ndate"), "mem/plan.toml", plan));
    CHECK_FALSE(load_days_off_text("[calendar]\nweekend = [\"funday\"]\n", "mem/days-off.toml", days_off));
    CHECK_FALSE(load_config_text("[daemon]\nlog_level = 1\n", "/mem/tarat.toml", settings));
    REQUIRE(plan.items().size() == 1);
    CHECK(plan.items()[0].format() == "mem/plan.toml:40:10: error: unknown centre 'erkemay' (did you mean 'erkemai'?) [event[0].centre]");
    REQUIRE_FALSE(days_off.items().empty());
    CHECK(days_off.format().find("mem/days-off.toml:2:11: error: unknown weekday 'funday'") != std::string::npos);
    CHECK(settings.format().find("/mem/tarat.toml:2:13: error: expected a string") != std::string::npos);
}

// Found by fuzz_plan (tests/fuzz/crashers/plan/period-900-years): a mistyped year made placement
// run for centuries of quarters. The period is limited to 10 years.
TEST_CASE("a plan period of centuries is refused") {
    expect_only(load(replace(kPlan, "to = 2027-05-31", "to = 2927-05-31")),
                "plan.toml:6:6: error: the plan runs from 2026-12-01 to 2927-05-31, more than 10 years; is the year mistyped? [plan.to]");
    auto five_years = load(replace(kPlan, "to = 2027-05-31", "to = 2031-11-30"));
    INFO(Catch::Detail::stringify(five_years.messages));
    CHECK(five_years.setup);
}

namespace {

// The errors parse_input_toml reports for `text`, formatted; empty when it parses clean.
std::vector<std::string> input_errors(const std::string& text) {
    Diagnostics d;
    auto table = parse_input_toml(text, "p.toml", d);
    std::vector<std::string> out;  // in file order, as `check` prints them
    std::istringstream lines(d.format());
    for (std::string line; std::getline(lines, line);) out.push_back(line);
    CHECK(table.has_value() == out.empty());
    return out;
}

std::string repeated(std::string_view unit, size_t times) {
    std::string out;
    for (size_t i = 0; i < times; ++i) out += unit;
    return out;
}

}  // namespace

// Control characters in any string (raw or escaped) are refused where they are written, naming the
// character; keys too. A title with TAB, NUL, ESC and CR/LF used to pass `check`.
TEST_CASE("control characters in strings are refused with their position") {
    CHECK(input_errors("[plan]\ntitle = \"a\tb\"\n") ==
          std::vector<std::string>{"p.toml:2:9: error: title contains the control character U+0009 (TAB) at character 2 "
                                   "(not allowed in a single-line text) [plan.title]"});
    auto errors = input_errors("[[event]]\ntitle = \"x\\u0000y\"\nname = \"\\u001b[31mred\"\n"
                               "note = \"a\\r\\nb\"\n\"k\\u0007\" = \"v\"\n");
    REQUIRE(errors.size() == 4);
    CHECK(errors[0] == "p.toml:2:9: error: title contains the control character U+0000 (NUL) at character 2 "
                       "(not allowed in a single-line text) [event[0].title]");
    CHECK(errors[1].find("p.toml:3:8: error: name contains the control character U+001B (ESC) at character 1") == 0);
    CHECK(errors[2].find("p.toml:4:8: error: note contains the control character U+000D (CR)") == 0);
    CHECK(errors[3].find("p.toml:5:1: error: key contains the control character U+0007") == 0);
    CHECK(input_errors("x = \"\\u0085\"\n").at(0).find("U+0085") != std::string::npos);  // C1 too
}

// A newline is allowed in a (multi-line) description and nowhere else; CR never.
TEST_CASE("a newline is allowed in a description only") {
    CHECK(input_errors("[[event]]\ndescription = \"\"\"\nfirst line\nsecond line\"\"\"\n").empty());
    CHECK(input_errors("[[event]]\ntitle = \"\"\"\nfirst\nsecond\"\"\"\n").at(0).find("U+000A (LF, a newline)") !=
          std::string::npos);
    CHECK(input_errors("[[event]]\ndescription = \"a\\rb\"\n").at(0).find("(only a newline is allowed here)") !=
          std::string::npos);
}

// Lengths count characters (code points), not bytes, and the error names the limit.
TEST_CASE("string lengths are bounded in characters, naming the limit") {
    const std::string kazakh_300 = repeated("қ", 300);  // 600 bytes, 300 characters: allowed
    CHECK(input_errors("[plan]\ntitle = \"" + kazakh_300 + "\"\n").empty());
    CHECK(input_errors("[plan]\ntitle = \"" + kazakh_300 + "ы\"\n") ==
          std::vector<std::string>{"p.toml:2:9: error: title is 301 characters long; the limit is 300 [plan.title]"});
    CHECK(input_errors("[[event]]\ndescription = \"" + repeated("a", kMaxDescriptionChars) + "\"\n").empty());
    CHECK(input_errors("[[event]]\ndescription = \"" + repeated("a", kMaxDescriptionChars + 1) + "\"\n")
              .at(0)
              .find("description is 4001 characters long; the limit is 4000") != std::string::npos);
    CHECK(input_errors("[[event]]\nid = \"" + repeated("a", 65) + "\"\n").at(0).find("id is 65 characters long; the limit is 64") !=
          std::string::npos);
    CHECK(input_errors("[person." + repeated("a", 65) + "]\n").at(0).find("key is 65 characters long; the limit is 64") !=
          std::string::npos);
    CHECK(input_errors("[plan]\nbasis = \"" + repeated("b", 1001) + "\"\n").at(0).find("the limit is 1000") !=
          std::string::npos);
}

// A UTF-8 byte order mark (Notepad, Excel) is skipped in every TOML file; positions stay as shown.
TEST_CASE("a UTF-8 BOM at the start of a TOML file is accepted") {
    CHECK(input_errors("\xEF\xBB\xBF[plan]\nid = \"x\"\n").empty());
    CHECK(input_errors("\xEF\xBB\xBF[plan]\ntitle = \"a\tb\"\n").at(0).find("p.toml:2:9:") == 0);
    TempDir dir;
    auto plan = dir.write("plan.toml", "\xEF\xBB\xBF" + kPlan);
    dir.write("days-off.toml", "\xEF\xBB\xBF" + kDaysOff);
    Diagnostics d;
    auto loaded = load_plan(plan, d);
    INFO(d.format());
    CHECK(loaded);
    Diagnostics days;
    CHECK(load_days_off(dir / "days-off.toml", days));
}

// Anything but a regular file is refused at once and named for what it is; reads are bounded
// even where the size is unknown (/dev/zero used to grow memory without bound).
TEST_CASE("files that are not regular files are named for what they are") {
    TempDir dir;
    const auto fifo = dir / "fifo";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);  // nobody writes: a blocking open would never return
    CHECK(read_input_file(fifo).error == "is a FIFO, not a regular file");
    CHECK(read_input_file(dir.path()).error == "is a directory, not a regular file");
    CHECK(read_input_file("/dev/zero").error == "is a character device, not a regular file");
    CHECK(read_input_file(dir / "absent").error == "cannot read: No such file or directory");
    auto small = dir.write("small.toml", "x = 1\n");
    CHECK(read_input_file(small).text == "x = 1\n");
    auto big = dir.write("big.toml", std::string(2048, 'x'));
    CHECK(read_input_file(big, 1024).error == "is larger than 1 KiB, the limit for a file taratd reads");
    CHECK(read_input_file(big, 2048).ok());

    Diagnostics d;
    CHECK_FALSE(load_plan(dir.path(), d));
    CHECK(d.format() == dir.path().string() + ": error: is a directory, not a regular file\n");
    Diagnostics days;
    CHECK_FALSE(load_days_off(fifo, days));
    CHECK(days.format() == fifo.string() + ": error: is a FIFO, not a regular file\n");
}
