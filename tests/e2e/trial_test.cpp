// F16: what a new user met at the terminal, against the real taratd and taratctl on the shipped
// etc/: check's warnings about regional days, free text checked by taratctl before it is sent,
// test-notice's error alone, schedule --state-dir with the stored state, and repeats answering 0.
#include "support/checkout.hpp"
#include "support/text.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>
#include <string>

using namespace tarat::testing;
using nlohmann::json;

namespace {

struct Running {
    Checkout& co;
    Child daemon;
    explicit Running(Checkout& checkout) : co(checkout), daemon(checkout.daemon_args(), checkout.dir.path(), "taratd") {
        REQUIRE(eventually([&] { return co.answers() || !daemon.running(); }));
        INFO(daemon.err());
        REQUIRE(daemon.running());
    }
};

}  // namespace

TEST_CASE("check warns when fixed regional events share a day") {
    Checkout co;
    auto clean = co.taratd({"check", "--config", co.config().string()});
    INFO(clean.err);
    CHECK(clean.exit_code == 0);
    CHECK_FALSE(contains(clean.err, "regional"));
    CHECK_FALSE(contains(clean.err, "cannot place"));
    // Балауса's seminar moved onto Еркемай's day: both fixed, so only a warning can help.
    replace_in_file(co.plan(), "date = 2027-01-20", "date = 2026-12-09");
    auto warned = co.taratd({"check", "--config", co.config().string()});
    INFO(warned.err);
    CHECK(warned.exit_code == 0);
    CHECK(contains(warned.err, "warning: 2026-12-09: 2 regional events on one day (balausa-seminar-1, "
                               "erkemai-seminar-1); the coordinator and the overseer attend only one"));
    CHECK(contains(warned.out, "configuration OK"));
}

TEST_CASE("taratctl checks free text before sending it") {
    Checkout co;  // no daemon: these never reach one
    auto not_utf8 = co.ctl({"held", "erkemai-seminar-1", "--note", "ab\xff\xfe" "cd"});
    CHECK(not_utf8.exit_code == 65);
    CHECK(not_utf8.err == "taratctl: --note is not UTF-8 text (byte 3 of 6): write it in UTF-8\n");
    auto long_note = co.ctl({"held", "erkemai-seminar-1", "--note", std::string(70000, 'a')});
    CHECK(long_note.exit_code == 65);
    CHECK(long_note.err == "taratctl: --note is 70000 characters long; at most 1000 characters are accepted\n");
    auto long_reason = co.ctl({"cancel", "erkemai-seminar-1", "--reason", repeated("ә", 1001)});
    CHECK(long_reason.exit_code == 65);
    CHECK(contains(long_reason.err, "--reason is 1001 characters long"));
    // 700 Kazakh letters (1,400 bytes) pass taratctl: the daemon is asked (and is not running here).
    CHECK(co.ctl({"cancel", "erkemai-seminar-1", "--reason", repeated("ә", 700)}).exit_code == 69);
}

TEST_CASE("test-notice prints only the error when no channel was tried") {
    Checkout co;
    Running running(co);
    auto unknown = co.ctl({"test-notice", "nobody-at-all"});
    CHECK(unknown.exit_code == 65);
    CHECK(unknown.out.empty());
    CHECK(contains(unknown.err, "no person 'nobody-at-all'"));
}

TEST_CASE("schedule --state-dir shows the stored state beside the plan's view") {
    Checkout co;
    {
        Running running(co);
        REQUIRE(co.ctl({"cancel", "bolashak-master-class-1", "--reason", "карантин"}).exit_code == 0);
        REQUIRE(co.ctl({"postpone", "balausa-seminar-1", "--to", "2027-01-21", "--reason", "зал бос емес"}).exit_code ==
                0);
        // Repeats answer alike: 0 and "nothing changed".
        auto again = co.ctl({"postpone", "balausa-seminar-1", "--to", "2027-01-21", "--reason", "зал бос емес"});
        CHECK(again.exit_code == 0);
        CHECK(contains(again.out, "nothing changed"));
        auto cancelled_again = co.ctl({"cancel", "bolashak-master-class-1", "--reason", "карантин"});
        CHECK(cancelled_again.exit_code == 0);
        CHECK(contains(cancelled_again.out, "nothing changed"));
        running.daemon.signal(SIGTERM);
        REQUIRE(running.daemon.wait() == 0);
    }
    auto text = co.taratd({"schedule", "--config", co.config().string(), "--state-dir", co.state.string()});
    INFO(text.err);
    REQUIRE(text.exit_code == 0);
    auto line_of = [&](const std::string& id) {
        auto at = text.out.find("] " + id);
        REQUIRE(at != std::string::npos);
        auto start = text.out.rfind('\n', at) + 1;
        return text.out.substr(start, text.out.find('\n', at) - start);
    };
    // In the config's language (kk), dates DD.MM.YYYY, the form's and the day's names.
    CHECK(contains(line_of("bolashak-master-class-1"), "bolashak-master-class-1  — болдырылмады: карантин"));
    CHECK(contains(line_of("balausa-seminar-1"), "21.01.2027 бс 10:00-13:00  Семинар"));
    CHECK(contains(line_of("balausa-seminar-1"), "— ауыстырылды, бұрынғы күні 20.01.2027"));
    CHECK(line_of("erkemai-seminar-1").ends_with("] erkemai-seminar-1"));  // nothing stored beyond the plan
    auto in_russian = co.taratd({"schedule", "--config", co.config().string(), "--state-dir", co.state.string(), "--lang", "ru"});
    CHECK(contains(in_russian.out, "21.01.2027 чт 10:00-13:00  Семинар"));
    CHECK(contains(in_russian.out, "balausa-seminar-1  — перенесено с 20.01.2027"));
    CHECK(contains(in_russian.out, "bolashak-master-class-1  — отменено: карантин"));
    CHECK(contains(text.out, " іс-шара, әр ереже орналастырылды\n"));  // the summary too
    CHECK(contains(in_russian.out, ", все правила размещены\n"));
    CHECK(!contains(in_russian.out, "every rule placed"));
    CHECK(co.taratd({"schedule", "--config", co.config().string(), "--lang", "de"}).exit_code != 0);
    auto as_json = json::parse(co.taratd({"schedule", "--config", co.config().string(), "--state-dir",
                                          co.state.string(), "--json"}).out);
    for (const auto& e : as_json["events"]) {
        if (e["id"] == "bolashak-master-class-1") CHECK(e["state"] == "cancelled");
        if (e["id"] == "balausa-seminar-1") CHECK(e["postponed_from"] == "2027-01-20");
        if (e["id"] == "erkemai-seminar-1") CHECK(e["state"] == "planned");
    }
}

TEST_CASE("retry --wait prints the attempt's result") {
    Checkout co;
    std::filesystem::path plugins = co.dir / "plugins";
    std::filesystem::create_directories(plugins);
    for (const char* name : {"tarat-log.so", "tarat-file.so", "tarat-smtp.so"})
        std::filesystem::create_symlink(std::filesystem::path(TARAT_PLUGIN_BUILD_DIR) / name, plugins / name);
    std::filesystem::create_symlink(std::filesystem::path(TARAT_BROKEN_PLUGIN_DIR) / "tarat-flaky.so",
                                    plugins / "tarat-flaky.so");
    co.plugins = plugins;
    std::ofstream(co.config(), std::ios::app) << "\n[channel.reject]\nplugin = \"flaky\"\nfinal_status = 2\n";
    replace_in_file(co.plan(), "email = \"bertleuova@example.org\"",
                    "email = \"bertleuova@example.org\"\nchannels = [\"reject\"]");
    Running running(co);
    // A cancellation tells the overseer at once, on a channel that rejects everything: dead.
    REQUIRE(co.ctl({"cancel", "bolashak-master-class-1", "--reason", "карантин"}).exit_code == 0);
    REQUIRE(eventually([&] { return !co.ctl_json({"notices", "--dead"})["notices"].empty(); }));
    const std::string key = co.ctl_json({"notices", "--dead"})["notices"][0]["key"];
    auto waited = co.ctl({"retry", key, "--wait"});
    INFO(waited.out << waited.err);
    CHECK(waited.exit_code == 65);
    CHECK(contains(waited.err, "taratctl: notice '" + key + "' rejected again on channel reject: "));
    CHECK(contains(waited.err, "final status 2"));
    REQUIRE(eventually([&] { return !co.ctl_json({"notices", "--dead"})["notices"].empty(); }));
    CHECK(co.ctl({"retry", key}).out == "notice '" + key + "' requeued\n");
}
