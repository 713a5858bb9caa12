#include "notify/plugin_host.hpp"
#include "notify/plugin_sender.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <tarat/plugin.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace tarat;
using tarat::testing::TempDir;
namespace fs = std::filesystem;

namespace {

const std::string kBuiltPlugins = TARAT_PLUGIN_BUILD_DIR;
const std::string kBrokenPlugins = TARAT_BROKEN_PLUGIN_DIR;

// A logger whose lines ("LEVEL message") the test can read.
struct CapturedLog {
    std::shared_ptr<std::ostringstream> out = std::make_shared<std::ostringstream>();
    std::shared_ptr<spdlog::logger> logger;

    CapturedLog() {
        logger = std::make_shared<spdlog::logger>("plugin-test", std::make_shared<spdlog::sinks::ostream_sink_mt>(*out));
        logger->set_pattern("%l %v");
        logger->set_level(spdlog::level::trace);
    }
    std::string text() const {
        logger->flush();
        return out->str();
    }
};

ChannelConfig channel(std::string name, std::string plugin, std::string settings = "{}") {
    ChannelConfig c;
    c.name = std::move(name);
    c.plugin = std::move(plugin);
    c.settings_json = std::move(settings);
    return c;
}

OutgoingNotice notice(std::string key = "reminder:ev-17:akhmetova:file:2026-10-05T04:00:00Z") {
    OutgoingNotice n;
    n.idempotency_key = std::move(key);
    n.kind = "reminder";
    n.recipient = "akhmetova";
    n.address = "akhmetova@example.kz";
    n.locale = "kk";
    n.subject = "Еске салу: «Ойын арқылы дамыту» семинары 5 қазанда";
    n.body = "Құрметті Ахметова Г.С.!\nСеминар «Еркемай» бөбекжай-бақшасында сағат 10:00-де өтеді.";
    n.json = R"({"event":"ev-17","centre":"erkemai","date":"2026-10-05"})";
    return n;
}

std::string read_text(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<nlohmann::json> read_lines(const fs::path& file) {
    std::vector<nlohmann::json> lines;
    std::ifstream in(file, std::ios::binary);
    for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
    return lines;
}

std::unique_ptr<Channel> open_ok(PluginHost& host, const ChannelConfig& config) {
    auto opened = host.open_channel(config);
    INFO(opened.error);
    REQUIRE(opened);
    return std::move(opened.channel);
}

std::string open_error(PluginHost& host, const ChannelConfig& config) {
    auto opened = host.open_channel(config);
    REQUIRE_FALSE(opened);
    REQUIRE(opened.channel == nullptr);
    return opened.error;
}

}  // namespace

// A plugin name that is not a bare word (so no '/' or '..') is refused before any file is touched.
TEST_CASE("plugin names that could leave the plugin directory are refused") {
    TempDir state;
    PluginHost host(kBuiltPlugins, state.path());
    const std::vector<std::string> names = {"../plugins/log", "..", "log/../log", "/usr/lib/tarat/plugins/log", "a/b",
                                            "", "log.so", "lo g", std::string("log\0x", 5)};
    for (const auto& name : names) {
        INFO(name);
        CHECK_FALSE(host.plugin_path(name));
        std::string error = open_error(host, channel("c", name));
        CHECK_THAT(error, Catch::Contains("not a plugin name") && Catch::Contains(kBuiltPlugins));
    }
    CHECK(host.plugin_path("log") == fs::path(kBuiltPlugins) / "tarat-log.so");
}

// A missing plugin is reported with the full path the host looked at.
TEST_CASE("a plugin that is not in the plugin directory names the file it looked for") {
    TempDir state;
    PluginHost host(kBuiltPlugins, state.path());
    CHECK(open_error(host, channel("sms", "sms")) ==
          "channel 'sms': plugin 'sms': no file " + (fs::path(kBuiltPlugins) / "tarat-sms.so").string());
}

// A file that is not a shared object fails with dlopen's reason.
TEST_CASE("a plugin file that is not a library is refused with dlopen's reason") {
    TempDir dir;
    dir.write("plugins/tarat-junk.so", "this is not an ELF file\n");
    PluginHost host(dir / "plugins", dir.path());
    CHECK_THAT(open_error(host, channel("j", "junk")), Catch::StartsWith("channel 'j': plugin 'junk': cannot load ") &&
                                                           Catch::Contains("tarat-junk.so: "));
}

// A library without tarat_plugin_abi is not a tarat plugin.
TEST_CASE("a library without tarat_plugin_abi is refused") {
    TempDir state;
    PluginHost host(kBrokenPlugins, state.path());
    CHECK_THAT(open_error(host, channel("x", "no-entry")), Catch::Contains("tarat-no-entry.so has no entry point tarat_plugin_abi"));
}

// A library with tarat_plugin_abi but without tarat_plugin_open is refused.
TEST_CASE("a library without tarat_plugin_open is refused") {
    TempDir state;
    PluginHost host(kBrokenPlugins, state.path());
    CHECK_THAT(open_error(host, channel("x", "no-open")), Catch::Contains("tarat-no-open.so has no entry point tarat_plugin_open"));
}

const std::string kHostAbi = std::to_string(TARAT_PLUGIN_ABI_MAJOR) + "." + std::to_string(TARAT_PLUGIN_ABI_MINOR);

// The major ABI version must match exactly.
TEST_CASE("a plugin built for the next major ABI is refused") {
    TempDir state;
    PluginHost host(kBrokenPlugins, state.path());
    CHECK_THAT(open_error(host, channel("x", "abi-major")),
               Catch::Contains("speaks plugin ABI " + std::to_string(TARAT_PLUGIN_ABI_MAJOR + 1) + ".0, this taratd speaks " +
                               kHostAbi + ": rebuild the plugin"));
}

// A plugin may not need a newer minor than the host offers.
TEST_CASE("a plugin built for a newer minor ABI is refused") {
    TempDir state;
    PluginHost host(kBrokenPlugins, state.path());
    CHECK_THAT(open_error(host, channel("x", "abi-minor")),
               Catch::Contains("needs plugin ABI " + std::to_string(TARAT_PLUGIN_ABI_MAJOR) + "." +
                               std::to_string(TARAT_PLUGIN_ABI_MINOR + 1) + ", this taratd offers only " + kHostAbi));
}

// A plugin built for ABI 1.0, before receiving existed, still loads and sends, even when the host
// offers it a receiver; it only cannot listen.
TEST_CASE("a plugin built for ABI 1.0 keeps loading under ABI 1.2") {
    TempDir state;
    PluginHost host(kBrokenPlugins, state.path());
    bool called = false;
    auto opened = host.open_channel(channel("old", "abi-1-0"), [&](const InboundUpdate&) -> std::optional<InboundAnswer> {
        called = true;
        return InboundAnswer{};
    });
    INFO(opened.error);
    REQUIRE(opened);
    OutgoingNotice n;
    n.idempotency_key = "k";
    n.buttons = R"([[["Held","held:x"]]])";
    CHECK(opened.channel->send(n).status == Delivery::sent);
    CHECK(opened.channel->listen(0) == "plugin 'abi-1-0' cannot receive (it has no listen, ABI 1.2)");
    CHECK_FALSE(called);
}

// A failed open passes the plugin's own message on, UTF-8 intact.
TEST_CASE("a plugin whose open fails gives its reason") {
    TempDir state;
    PluginHost host(kBrokenPlugins, state.path());
    CHECK(open_error(host, channel("sms", "open-fails")) ==
          "channel 'sms': plugin 'open-fails': SMS шлюзы жауап бермейді (gateway unreachable)");
}

// An exception out of open is a failed open, not a crash.
TEST_CASE("an exception thrown by a plugin's open is a failed open") {
    TempDir state;
    PluginHost host(kBrokenPlugins, state.path());
    CHECK(open_error(host, channel("t", "throws", R"({"throw_in":"open"})")) ==
          "channel 't': plugin 'throws': tarat_plugin_open threw: open broke");
}

// A channel is checked in a child process: the same verdict as opening it here, and a plugin that
// kills its process in open() is reported while the caller lives on.
TEST_CASE("check_channel: open's verdict from a child process, a crash included") {
    TempDir state;
    PluginHost broken(kBrokenPlugins, state.path());
    CHECK(broken.check_channel(channel("sms", "open-fails")) ==
          "channel 'sms': plugin 'open-fails': SMS шлюзы жауап бермейді (gateway unreachable)");
    CHECK(broken.check_channel(channel("c", "crashes")) ==
          "channel 'c': plugin 'crashes': crashed while opening (signal 6, Aborted)");
    CHECK(broken.check_channel(channel("x", "no-such-plugin")) == open_error(broken, channel("x", "no-such-plugin")));
    PluginHost built(kBuiltPlugins, state.path());
    CHECK(built.check_channel(channel("file", "file", R"({"path":"checked.jsonl"})")).empty());
    CHECK(built.check_channel(channel("file", "file", R"({"paht":"checked.jsonl"})")) ==
          open_error(built, channel("file", "file", R"({"paht":"checked.jsonl"})")));
}

// The sender checks every channel but loads a plugin only for its first notice: an idle daemon
// does not carry libcurl and a TLS stack for a mail channel nobody has used.
TEST_CASE("PluginSender loads a channel's plugin at its first notice") {
    TempDir state;
    auto mapped = [](const std::string& part) { return read_text("/proc/self/maps").find(part) != std::string::npos; };
    REQUIRE_FALSE(mapped("tarat-smtp.so"));
    PluginHost host(kBuiltPlugins, state.path());
    std::vector<std::string> errors;
    PluginSender sender(host,
                        {channel("mail", "smtp", R"({"url":"smtp://127.0.0.1:1","from":"tarat@example.kz","timeout":2})"),
                         channel("bad", "smtp", R"({"url":"http://127.0.0.1:1"})")},
                        errors);
    REQUIRE(errors.size() == 1);
    CHECK_THAT(errors[0], Catch::StartsWith("channel 'bad': plugin 'smtp': "));
    CHECK_FALSE(mapped("tarat-smtp.so"));
    CHECK_FALSE(mapped("libcurl"));
    CHECK_FALSE(sender.flush("mail"));  // nothing sent, nothing loaded

    Delivery d = sender.send("mail", notice());  // nobody listens on port 1: retry, after loading
    CHECK(d.status == Delivery::retry);
    CHECK(mapped("tarat-smtp.so"));
    CHECK(sender.send("bad", notice()).error == "channel 'bad' is not open");
}

// A channel that opened at the check but cannot open at its first notice (a file now stands where
// its folder was) keeps the notice for a retry, and opens once it can.
TEST_CASE("PluginSender: a channel that cannot open at its first notice is a retry") {
    TempDir state;
    fs::create_directories(state / "out");
    PluginHost host(kBuiltPlugins, state.path());
    std::vector<std::string> errors;
    PluginSender sender(host, {channel("file", "file", R"({"path":"out/notices.jsonl"})")}, errors);
    REQUIRE(errors.empty());
    fs::remove_all(state / "out");
    std::ofstream(state / "out") << "not a folder";
    Delivery d = sender.send("file", notice());
    CHECK(d.status == Delivery::retry);
    CHECK_THAT(d.error, Catch::StartsWith("channel 'file': plugin 'file': "));
    fs::remove(state / "out");
    fs::create_directories(state / "out");
    CHECK(sender.send("file", notice()).status == Delivery::sent);
    CHECK_FALSE(sender.flush("file"));
    CHECK(read_lines(state / "out/notices.jsonl").size() == 1);
}

// An exception out of send becomes retry with "plugin threw: …"; one out of close is only logged.
TEST_CASE("an exception thrown by a plugin's send becomes retry, and close's is logged") {
    TempDir state;
    CapturedLog log;
    PluginHost host(kBrokenPlugins, state.path(), log.logger);

    auto standard = open_ok(host, channel("t", "throws"));
    Delivery d = standard->send(notice());
    CHECK(d.status == Delivery::retry);
    CHECK(d.error == "plugin threw: жеткізу сәтсіз: the send broke");
    CHECK_FALSE(d.retry_after);

    auto other = open_ok(host, channel("u", "throws", R"({"throw_what":"int"})"));
    d = other->send(notice());
    CHECK(d.status == Delivery::retry);
    CHECK(d.error == "plugin threw: an exception that is not a std::exception");

    standard.reset();
    other.reset();
    CHECK_THAT(log.text(), Catch::Contains("warning channel 't': plugin 'throws' threw from close: close broke too"));
}

// RETRY with a suggested delay for the first fail_times calls, then SENT; each channel counts alone.
TEST_CASE("a plugin that fails twice and then sends") {
    TempDir state;
    PluginHost host(kBrokenPlugins, state.path());
    auto flaky = open_ok(host, channel("f", "flaky", R"({"fail_times": 2})"));
    auto other = open_ok(host, channel("g", "flaky", R"({"fail_times": 1})"));

    for (int attempt = 1; attempt <= 2; ++attempt) {
        Delivery d = flaky->send(notice());
        CHECK(d.status == Delivery::retry);
        CHECK(d.error == "attempt " + std::to_string(attempt) + " of 2 fails on purpose");
        CHECK(d.retry_after == std::chrono::seconds(7));
    }
    CHECK(other->send(notice()).status == Delivery::retry);
    Delivery sent = flaky->send(notice());
    CHECK(sent.status == Delivery::sent);
    CHECK(sent.error.empty());
    CHECK_FALSE(sent.retry_after);
    CHECK(other->send(notice()).status == Delivery::sent);
    CHECK(flaky->name() == "f");
    CHECK(flaky->plugin() == "flaky");
}

// REJECTED passes the reason on; a status outside tarat_status is treated as retry.
TEST_CASE("a rejected notice and an unknown status") {
    TempDir state;
    PluginHost host(kBrokenPlugins, state.path());
    auto rejecting = open_ok(host, channel("r", "flaky", R"({"final_status": 2})"));
    Delivery d = rejecting->send(notice());
    CHECK(d.status == Delivery::rejected);
    CHECK(d.error == "final status 2");

    auto bogus = open_ok(host, channel("b", "flaky", R"({"final_status": 42})"));
    d = bogus->send(notice());
    CHECK(d.status == Delivery::retry);
    CHECK(d.error == "the plugin returned an unknown status 42");
}

// A channel keeps its library loaded after the host that opened it is destroyed.
TEST_CASE("a channel outlives its plugin host") {
    TempDir state;
    std::unique_ptr<Channel> kept;
    {
        PluginHost host(kBrokenPlugins, state.path());
        kept = open_ok(host, channel("f", "flaky"));
        auto shared = open_ok(host, channel("g", "flaky"));  // the same library, a second notifier
    }
    CHECK(kept->send(notice()).status == Delivery::sent);
}

// The log plugin writes kind, recipient, subject and key, never the body or the address.
TEST_CASE("the log plugin logs one line per notice and reports sent") {
    TempDir state;
    CapturedLog log;
    PluginHost host(kBuiltPlugins, state.path(), log.logger);
    auto channel_log = open_ok(host, channel("log", "log"));
    OutgoingNotice n = notice();
    Delivery d = channel_log->send(n);
    CHECK(d.status == Delivery::sent);
    CHECK(log.text() == "info channel 'log': notice reminder for akhmetova: " + n.subject + " [key " + n.idempotency_key +
                            "]\n");
    CHECK_THAT(log.text(), !Catch::Contains("Құрметті") && !Catch::Contains("example.kz"));
}

// The log plugin has no settings; a key given to it is a mistake worth stopping for.
TEST_CASE("the log plugin refuses settings it does not know") {
    TempDir state;
    PluginHost host(kBuiltPlugins, state.path());
    CHECK(open_error(host, channel("log", "log", R"({"level":"debug"})")) ==
          "channel 'log': plugin 'log': unknown key 'level': the log plugin has no settings");
}

// Each notice becomes one JSON line with every field, the Kazakh text as UTF-8 (not \u escapes).
TEST_CASE("the file plugin appends one JSON line per notice") {
    TempDir state;
    PluginHost host(kBuiltPlugins, state.path());
    auto file = open_ok(host, channel("file", "file", R"({"path":"out/notices.jsonl"})"));
    OutgoingNotice first = notice("key-1");
    OutgoingNotice second = notice("key-2");
    second.kind = "report_due";
    CHECK(file->send(first).status == Delivery::sent);
    CHECK(file->send(second).status == Delivery::sent);

    fs::path written = state / "out/notices.jsonl";
    auto lines = read_lines(written);
    REQUIRE(lines.size() == 2);
    CHECK(lines[0] == nlohmann::json{{"key", "key-1"},
                                     {"kind", "reminder"},
                                     {"recipient", "akhmetova"},
                                     {"address", "akhmetova@example.kz"},
                                     {"locale", "kk"},
                                     {"subject", first.subject},
                                     {"body", first.body},
                                     {"json", {{"event", "ev-17"}, {"centre", "erkemai"}, {"date", "2026-10-05"}}}});
    CHECK(lines[1]["key"] == "key-2");
    CHECK(lines[1]["kind"] == "report_due");
    std::string text = read_text(written);
    CHECK_THAT(text, Catch::Contains("«Ойын арқылы дамыту»") && !Catch::Contains("\\u"));
    CHECK_THAT(text, Catch::StartsWith(R"({"key":"key-1","kind":"reminder",)"));
}

// A key already in the file is reported sent and not written again, also after a reopen.
TEST_CASE("the file plugin writes each key once, across reopening") {
    TempDir state;
    PluginHost host(kBuiltPlugins, state.path());
    const auto config = channel("file", "file", R"({"path":"notices.jsonl"})");
    {
        auto file = open_ok(host, config);
        CHECK(file->send(notice("key-1")).status == Delivery::sent);
        CHECK(file->send(notice("key-1")).status == Delivery::sent);
    }
    auto file = open_ok(host, config);
    CHECK(file->send(notice("key-1")).status == Delivery::sent);
    CHECK(file->send(notice("key-2")).status == Delivery::sent);
    auto lines = read_lines(state / "notices.jsonl");
    REQUIRE(lines.size() == 2);
    CHECK(lines[0]["key"] == "key-1");
    CHECK(lines[1]["key"] == "key-2");
}

// A line cut short by a crash is dropped on open (and its notice written again), the rest kept.
TEST_CASE("the file plugin repairs a torn last line") {
    TempDir state;
    CapturedLog log;
    const std::string whole = R"({"key":"key-1","kind":"reminder","subject":"Еске салу"})" "\n";
    const std::string torn = R"({"key":"key-2","kind":"remi)";
    state.write("notices.jsonl", whole + torn);

    PluginHost host(kBuiltPlugins, state.path(), log.logger);
    auto file = open_ok(host, channel("file", "file", R"({"path":"notices.jsonl"})"));
    CHECK(read_text(state / "notices.jsonl") == whole);
    CHECK_THAT(log.text(), Catch::Contains("warning channel 'file': cut a torn last line of " +
                                           std::to_string(torn.size()) + " bytes"));

    CHECK(file->send(notice("key-1")).status == Delivery::sent);  // already there
    CHECK(file->send(notice("key-2")).status == Delivery::sent);  // the torn one, now whole
    auto lines = read_lines(state / "notices.jsonl");
    REQUIRE(lines.size() == 2);
    CHECK(lines[1]["key"] == "key-2");
    CHECK(lines[1]["subject"] == notice().subject);
}

// Unknown and missing settings stop the channel from opening, with the key named.
TEST_CASE("the file plugin checks its settings") {
    TempDir state;
    PluginHost host(kBuiltPlugins, state.path());
    CHECK(open_error(host, channel("file", "file", R"({"path":"n.jsonl","fsync":false})")) ==
          "channel 'file': plugin 'file': unknown key 'fsync' (the file plugin knows only 'path')");
    CHECK_THAT(open_error(host, channel("file", "file")), Catch::EndsWith("'path' is missing: the file to append notices "
                                                                          "to, relative to the state dir"));
    CHECK_THAT(open_error(host, channel("file", "file", R"({"path":3})")), Catch::EndsWith("'path' must be a non-empty string"));
}

// Two channels appending to one file would each miss the other's keys: the second is refused.
TEST_CASE("the file plugin refuses a file another channel is writing") {
    TempDir state;
    PluginHost host(kBuiltPlugins, state.path());
    auto first = open_ok(host, channel("a", "file", R"({"path":"notices.jsonl"})"));
    CHECK_THAT(open_error(host, channel("b", "file", R"({"path":"notices.jsonl"})")),
               Catch::EndsWith("notices.jsonl is already written by another channel or process"));
    first.reset();
    CHECK(host.open_channel(channel("b", "file", R"({"path":"notices.jsonl"})")));
}

// A notice the file could never hold correctly is rejected, and nothing is written.
TEST_CASE("the file plugin rejects a notice without a key or with broken json") {
    TempDir state;
    PluginHost host(kBuiltPlugins, state.path());
    auto file = open_ok(host, channel("file", "file", R"({"path":"notices.jsonl"})"));
    Delivery d = file->send(notice(""));
    CHECK(d.status == Delivery::rejected);
    CHECK(d.error == "a notice without an idempotency key cannot be written exactly once");
    OutgoingNotice broken = notice();
    broken.json = R"({"event":)";
    d = file->send(broken);
    CHECK(d.status == Delivery::rejected);
    CHECK(d.error == "the notice's json is not valid JSON");
    CHECK(read_text(state / "notices.jsonl").empty());
}

// Sends from several threads on one channel are serialised: every line whole, a shared key once.
TEST_CASE("one file channel used from several threads") {
    TempDir state;
    PluginHost host(kBuiltPlugins, state.path());
    auto file = open_ok(host, channel("file", "file", R"({"path":"notices.jsonl"})"));
    std::vector<std::thread> workers;
    std::vector<int> failures(4, 0);
    for (int t = 0; t < 4; ++t)
        workers.emplace_back([&, t] {
            for (int i = 0; i < 10; ++i) {
                if (file->send(notice("t" + std::to_string(t) + "-" + std::to_string(i))).status != Delivery::sent) ++failures[t];
                if (file->send(notice("shared")).status != Delivery::sent) ++failures[t];
            }
        });
    for (auto& w : workers) w.join();
    CHECK(failures == std::vector<int>(4, 0));
    auto lines = read_lines(state / "notices.jsonl");
    CHECK(lines.size() == 41);
    CHECK(std::count_if(lines.begin(), lines.end(), [](const auto& l) { return l["key"] == "shared"; }) == 1);
}

// The static build of the file plugin answers through the C entry points without dlopen.
TEST_CASE("the file plugin linked statically, called through the C ABI") {
    TempDir state;
    std::vector<std::string> logged;
    const std::string state_dir = state.path().string();
    tarat_host host{};
    host.struct_size = sizeof host;
    host.context = &logged;
    host.log = [](void* context, tarat_log_level, const char* message) {
        static_cast<std::vector<std::string>*>(context)->push_back(message);
    };
    host.state_dir = state_dir.c_str();

    CHECK(tarat_plugin_abi() == TARAT_PLUGIN_ABI);
    tarat_notifier notifier{};
    notifier.struct_size = sizeof notifier;
    char error[256] = {};
    REQUIRE(tarat_plugin_open(R"({"path":"direct.jsonl"})", &host, &notifier, error, sizeof error) == 0);
    REQUIRE(notifier.send);
    REQUIRE(notifier.close);

    tarat_message m{};
    m.struct_size = sizeof m;
    m.idempotency_key = "k";
    m.kind = m.recipient = m.address = m.locale = m.subject = m.body = "";
    m.json = "{}";
    tarat_result result{};
    result.struct_size = sizeof result;
    CHECK(notifier.send(notifier.self, &m, &result, error, sizeof error) == TARAT_SENT);
    CHECK(notifier.send(notifier.self, &m, &result, error, sizeof error) == TARAT_SENT);
    notifier.close(notifier.self);

    CHECK(read_lines(state / "direct.jsonl").size() == 1);
    REQUIRE(logged.size() == 1);
    CHECK(logged[0] == "notice k is already in " + (state / "direct.jsonl").string() + ", not written again");
}

// The file plugin makes a batch durable at flush (ABI 1.1): lines are written by send, synced once.
TEST_CASE("file plugin flushes a batch") {
    TempDir state;
    PluginHost host(TARAT_PLUGIN_BUILD_DIR, state.path());
    auto opened = host.open_channel({"file", "file", R"({"path":"batch.jsonl"})", {}});
    REQUIRE(opened);
    for (int i = 0; i < 3; ++i) {
        OutgoingNotice n;
        n.idempotency_key = "k" + std::to_string(i);
        n.subject = "Еске салу";
        CHECK(opened.channel->send(n).status == Delivery::sent);
    }
    CHECK_FALSE(opened.channel->flush());
    CHECK_FALSE(opened.channel->flush());  // nothing new: still fine
    auto text = tarat::testing::read_file(state / "batch.jsonl");
    CHECK(std::count(text.begin(), text.end(), '\n') == 3);
}
