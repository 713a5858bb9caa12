// The network plugins (smtp, webhook, telegram) through the real PluginHost, against real servers
// on 127.0.0.1 (tests/servers/*.py, started per test on a free port), and the e-mail composer.
#include "notify/plugin_host.hpp"
#include "smtp/mime.hpp"
#include "support/process.hpp"
#include "support/support.hpp"
#include "support/temp_dir.hpp"
#include "support/test_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

using namespace tarat;
using tarat::testing::Child;
using tarat::testing::eventually;
using tarat::testing::TempDir;
using tarat::testing::kPython;
using tarat::testing::kServers;
using tarat::testing::MailServer;
using tarat::testing::TestServer;
using tarat::testing::FakeBotApi;
using Json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string kBuiltPlugins = TARAT_PLUGIN_BUILD_DIR;
const std::string kSubject = "Еске салу: «Ойын арқылы дамыту» семинары 5 қазанда, Шымкент қ. №17 бөбекжай-бақшасы";
const std::string kBody =
    "Құрметті Ахметова Г.С.!\n"
    "Семинар «Еркемай» бөбекжай-бақшасында сағат 10:00-де өтеді.\n"
    "Қатысушылар тізімін 3 қазанға дейін жіберіңіз: әғқңөұүһі ӘҒҚҢӨҰҮҺІ.\n"
    "\n"
    ".a line that starts with a dot\n"
    "Соңғы жол";

// A logger whose lines the test can read.
struct CapturedLog {
    std::shared_ptr<std::ostringstream> out = std::make_shared<std::ostringstream>();
    std::shared_ptr<spdlog::logger> logger;

    CapturedLog() {
        logger = std::make_shared<spdlog::logger>("delivery-test", std::make_shared<spdlog::sinks::ostream_sink_mt>(*out));
        logger->set_pattern("%l %v");
        logger->set_level(spdlog::level::trace);
    }
    std::string text() const {
        logger->flush();
        return out->str();
    }
};

OutgoingNotice notice(std::string address, std::string key = "reminder:ev-17:akhmetova:mail:2026-10-05T04:00:00Z") {
    OutgoingNotice n;
    n.idempotency_key = std::move(key);
    n.kind = "reminder";
    n.recipient = "akhmetova";
    n.address = std::move(address);
    n.locale = "kk";
    n.subject = kSubject;
    n.body = kBody;
    n.json = R"({"event":"ev-17","centre":"erkemai","date":"2026-10-05","title":"Ойын арқылы дамыту"})";
    return n;
}

ChannelConfig channel(std::string plugin, const Json& settings) {
    ChannelConfig c;
    c.name = plugin + "-test";
    c.plugin = std::move(plugin);
    c.settings_json = settings.dump();
    return c;
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
    return opened.error;
}

// A loopback port nothing listens on: bound (so no one else gets it) but never listening, so a
// connection is refused. release() frees it for a server to take.
class RefusingPort {
public:
    RefusingPort() {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd_ >= 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        socklen_t length = sizeof address;
        REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
        port_ = ntohs(address.sin_port);
    }
    ~RefusingPort() { release(); }
    RefusingPort(const RefusingPort&) = delete;
    RefusingPort& operator=(const RefusingPort&) = delete;
    int port() const { return port_; }
    void release() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

private:
    int fd_ = -1;
    int port_ = 0;
};

Json read_json(const fs::path& file) { return Json::parse(testing::read_file(file)); }

// A secret file as an administrator should leave it: readable by its owner only.
fs::path write_secret(const TempDir& dir, std::string_view name, std::string_view text) {
    fs::path file = dir.write(name, text);
    fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
    return file;
}

// `settings` with `patch`'s keys set.
Json with(Json settings, const Json& patch) {
    settings.update(patch);
    return settings;
}

std::string crlf_to_lf(std::string text) {
    std::string out;
    for (size_t i = 0; i < text.size(); ++i)
        if (!(text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) out += text[i];
    return out;
}

// ---- smtp ----

Json smtp_settings(const std::string& url) {
    return {{"url", url}, {"from", "tarat@edu.example.kz"}, {"tls", "off"}, {"timeout", 20}};
}

}  // namespace

// The Kazakh subject and body survive the trip byte for byte, in a message Python parses without
// a defect: encoded-words within 75 characters, base64 body lines within 76, the login from the
// password file, and a Message-ID that depends on the notice's key only.
TEST_CASE("smtp: a Kazakh notice arrives as a correct RFC 5322 message") {
    TempDir dir;
    write_secret(dir, "state/smtp.password", "s3cret-Passw0rd\n");
    MailServer mail(dir, {"--user", "tarat", "--password", "s3cret-Passw0rd"});
    CapturedLog log;
    PluginHost host(kBuiltPlugins, dir / "state", log.logger);
    Json settings = smtp_settings(mail.url());
    settings["from_name"] = "Тарат — семинарлар туралы хабарлама";
    settings["username"] = "tarat";
    settings["password_file"] = "smtp.password";
    auto smtp = open_ok(host, channel("smtp", settings));

    auto first = smtp->send(notice("akhmetova@example.kz"));
    INFO(first.error << "\n" << mail.server->err());
    REQUIRE(first.status == Delivery::sent);
    REQUIRE(smtp->send(notice("akhmetova@example.kz")).status == Delivery::sent);  // resent: same key
    REQUIRE(smtp->send(notice("akhmetova@example.kz", "reminder:ev-18:akhmetova:mail:2026-10-06T04:00:00Z")).status ==
            Delivery::sent);

    auto stored = mail.messages();
    REQUIRE(stored.size() == 3);
    Json m = mail.parsed(stored[0]);
    INFO(m.dump(1));
    CHECK(m["subject"] == kSubject);
    CHECK(crlf_to_lf(m["body"]) == kBody);
    CHECK(m["from_address"] == "tarat@edu.example.kz");
    CHECK(m["from_name_rfc2047"] == "Тарат — семинарлар туралы хабарлама");
    CHECK(m["to"] == "akhmetova@example.kz");
    CHECK(m["mime_version"] == "1.0");
    CHECK(m["content_type"] == "text/plain");
    CHECK(m["charset"] == "utf-8");
    CHECK(m["transfer_encoding"] == "base64");
    CHECK(m["content_language"] == "kk");
    CHECK(m["defects"].empty());
    CHECK(m["bare_lf"] == false);
    CHECK(m["max_line_length"].get<int>() <= 78);
    REQUIRE(m["encoded_words"].size() >= 3);  // the subject is too long for one word
    for (const auto& word : m["encoded_words"]) CHECK(word.get<std::string>().size() <= 75);
    CHECK(std::regex_match(m["message_id"].get<std::string>(), std::regex("<[0-9a-f]{32}@edu\\.example\\.kz>")));
    CHECK(std::regex_match(m["date"].get<std::string>(), std::regex("20\\d\\d-.*\\+00:00")));

    CHECK(mail.parsed(stored[1])["message_id"] == m["message_id"]);
    CHECK(mail.parsed(stored[2])["message_id"] != m["message_id"]);
    Json meta = read_json(fs::path(stored[0]).replace_extension(".json"));
    CHECK(meta["login"] == "tarat");
    CHECK(meta["mail_from"] == "tarat@edu.example.kz");
    CHECK(meta["rcpt_tos"] == Json::array({"akhmetova@example.kz"}));
    CHECK(log.text().empty());  // no warning for a private password file, and nothing else
}

// A 451 is temporary: one retry per deferral, then the message goes through exactly once.
TEST_CASE("smtp: 451 to RCPT, then to DATA, are retries, and the third attempt delivers once") {
    TempDir dir;
    MailServer mail(dir, {"--defer-rcpt", "1", "--defer-data", "1"});
    PluginHost host(kBuiltPlugins, dir.path());
    auto smtp = open_ok(host, channel("smtp", smtp_settings(mail.url())));

    auto first = smtp->send(notice("akhmetova@example.kz"));
    CHECK(first.status == Delivery::retry);
    CHECK_THAT(first.error, Catch::Contains("deferred") && Catch::Contains("451 4.7.1") && Catch::Contains("greylisted"));
    auto second = smtp->send(notice("akhmetova@example.kz"));
    CHECK(second.status == Delivery::retry);
    CHECK_THAT(second.error, Catch::Contains("451 4.3.0"));
    CHECK(mail.messages().empty());
    auto third = smtp->send(notice("akhmetova@example.kz"));
    INFO(third.error);
    CHECK(third.status == Delivery::sent);
    CHECK(mail.messages().size() == 1);
}

// A 5xx is final: rejected, and the error keeps the server's own words.
TEST_CASE("smtp: 550 rejects the notice with the server's text") {
    TempDir dir;
    MailServer mail(dir, {"--reject"});
    PluginHost host(kBuiltPlugins, dir.path());
    auto smtp = open_ok(host, channel("smtp", smtp_settings(mail.url())));
    auto d = smtp->send(notice("nobody@example.kz"));
    CHECK(d.status == Delivery::rejected);
    CHECK_THAT(d.error, Catch::StartsWith("the server refused the message: 550 5.1.1 <nobody@example.kz>: Recipient "
                                          "address rejected"));
    CHECK(mail.messages().empty());
}

// A refused sender is the channel's trouble (every notice would fail alike): a retry, not a loss.
TEST_CASE("smtp: a 5xx to MAIL FROM is a retry that names the command") {
    TempDir dir;
    MailServer mail(dir, {"--reject-mail"});
    PluginHost host(kBuiltPlugins, dir.path());
    auto d = open_ok(host, channel("smtp", smtp_settings(mail.url())))->send(notice("akhmetova@example.kz"));
    CHECK(d.status == Delivery::retry);
    CHECK_THAT(d.error, Catch::StartsWith("the server refused MAIL") && Catch::Contains("553 5.7.1") &&
                            Catch::Contains("Sender address rejected"));
}

// No address, or one that cannot be put in an envelope as it is, is rejected before connecting.
TEST_CASE("smtp: an empty or unusable address is rejected") {
    TempDir dir;
    PluginHost host(kBuiltPlugins, dir.path());
    RefusingPort nobody;
    auto smtp = open_ok(host, channel("smtp", smtp_settings("smtp://127.0.0.1:" + std::to_string(nobody.port()))));
    auto empty = smtp->send(notice(""));
    CHECK(empty.status == Delivery::rejected);
    CHECK(empty.error == "no e-mail address");
    for (std::string bad : {"akhmetova", "a b@example.kz", "<a@example.kz>", "a@example.kz\r\nBcc: x@evil.kz", "ахметова@мектеп.қаз"}) {
        INFO(bad);
        CHECK(smtp->send(notice(bad)).status == Delivery::rejected);
    }
}

// A wrong password is the channel's fault, not the notice's: retry; the password shows nowhere.
TEST_CASE("smtp: a refused login is a retry and never shows the password") {
    TempDir dir;
    dir.write("smtp.password", "Wrong-Passw0rd-xyz\r\n");  // readable by all: warned about
    MailServer mail(dir, {"--user", "tarat", "--password", "s3cret-Passw0rd"});
    CapturedLog log;
    PluginHost host(kBuiltPlugins, dir.path(), log.logger);
    Json settings = smtp_settings(mail.url());
    settings["username"] = "tarat";
    settings["password_file"] = "smtp.password";
    auto smtp = open_ok(host, channel("smtp", settings));
    auto d = smtp->send(notice("akhmetova@example.kz"));
    CHECK(d.status == Delivery::retry);
    CHECK_THAT(d.error, Catch::Contains("refused the login of user 'tarat'") && Catch::Contains("535"));
    CHECK(d.error.find("Wrong-Passw0rd") == std::string::npos);
    CHECK(log.text().find("Wrong-Passw0rd") == std::string::npos);
    CHECK_THAT(log.text(), Catch::Contains("password_file " + (dir / "smtp.password").string() + " may be read by any user"));
    CHECK(mail.messages().empty());
}

// tls = "required" (the default) never falls back to plain text; with the server's certificate
// trusted through ca_file, STARTTLS and the login go through.
TEST_CASE("smtp: STARTTLS is required by default and verified against ca_file") {
    TempDir dir;
    auto made = testing::run({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                              "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout",
                              (dir / "key.pem").string(), "-out", (dir / "cert.pem").string()},
                             dir.path());
    INFO(made.err);
    REQUIRE(made.exit_code == 0);
    write_secret(dir, "smtp.password", "s3cret-Passw0rd\n");
    PluginHost host(kBuiltPlugins, dir.path());
    Json settings = smtp_settings("");
    settings.erase("tls");
    settings["username"] = "tarat";
    settings["password_file"] = "smtp.password";

    SECTION("a server without STARTTLS: retry, nothing sent in clear") {
        MailServer mail(dir, {});
        settings["url"] = mail.url();
        auto d = open_ok(host, channel("smtp", settings))->send(notice("akhmetova@example.kz"));
        CHECK(d.status == Delivery::retry);
        CHECK_THAT(d.error, Catch::Contains("STARTTLS"));
        CHECK(mail.messages().empty());
    }
    SECTION("a server with STARTTLS and a certificate the system does not trust: retry") {
        MailServer mail(dir, {"--tls-cert", (dir / "cert.pem").string(), "--tls-key", (dir / "key.pem").string()});
        settings["url"] = mail.url();
        auto d = open_ok(host, channel("smtp", settings))->send(notice("akhmetova@example.kz"));
        CHECK(d.status == Delivery::retry);
        CHECK_THAT(d.error, Catch::Contains("certificate"));
        CHECK(mail.messages().empty());
    }
    SECTION("the same server with ca_file: sent over TLS, logged in") {
        MailServer mail(dir, {"--tls-cert", (dir / "cert.pem").string(), "--tls-key", (dir / "key.pem").string(),
                              "--user", "tarat", "--password", "s3cret-Passw0rd"});
        settings["url"] = mail.url();
        settings["ca_file"] = "cert.pem";
        auto d = open_ok(host, channel("smtp", settings))->send(notice("akhmetova@example.kz"));
        INFO(d.error);
        CHECK(d.status == Delivery::sent);
        REQUIRE(mail.messages().size() == 1);
        Json meta = read_json(fs::path(mail.messages()[0]).replace_extension(".json"));
        CHECK(meta["tls"] == true);
        CHECK(meta["login"] == "tarat");
    }
}

// Nothing listening: a retry that says the connection was refused; once the server is up, sent.
TEST_CASE("smtp: a server that is down is a retry, and delivery follows once it is up") {
    TempDir dir;
    PluginHost host(kBuiltPlugins, dir.path());
    RefusingPort port;
    auto smtp = open_ok(host, channel("smtp", smtp_settings("smtp://127.0.0.1:" + std::to_string(port.port()))));
    auto down = smtp->send(notice("akhmetova@example.kz"));
    CHECK(down.status == Delivery::retry);
    CHECK_THAT(down.error, Catch::Contains("Connection refused"));
    port.release();
    MailServer mail(dir, {}, port.port());
    auto up = smtp->send(notice("akhmetova@example.kz"));
    INFO(up.error);
    CHECK(up.status == Delivery::sent);
    CHECK(mail.messages().size() == 1);
}

// Settings are checked at open: a typo, a missing or contradictory value fails the channel.
TEST_CASE("smtp: bad settings fail the open with a reason") {
    TempDir dir;
    write_secret(dir, "empty.password", "\n");
    PluginHost host(kBuiltPlugins, dir.path());
    auto error_for = [&](Json settings) { return open_error(host, channel("smtp", settings)); };
    Json good = smtp_settings("smtp://127.0.0.1:25");
    CHECK_THAT(error_for(with(good, {{"tsl", "off"}})), Catch::Contains("unknown key 'tsl'"));
    CHECK_THAT(error_for({{"from", "tarat@example.kz"}}), Catch::Contains("'url' is missing"));
    CHECK_THAT(error_for(with(good, {{"url", "http://127.0.0.1/"}})), Catch::Contains("'url' must start with smtp, smtps"));
    CHECK_THAT(error_for(with(good, {{"url", "smtp://tarat:pw@127.0.0.1/"}})), Catch::Contains("must not carry a user or password"));
    CHECK_THAT(error_for(with(good, {{"from", "Tarat <tarat@example.kz>"}})), Catch::Contains("'from' must be a plain address"));
    CHECK_THAT(error_for(with(good, {{"tls", "maybe"}})), Catch::Contains("'tls' must be"));
    CHECK_THAT(error_for(with(good, {{"url", "smtps://127.0.0.1"}, {"tls", "off"}})), Catch::Contains("smtps:// url always uses TLS"));
    CHECK_THAT(error_for(with(good, {{"username", "tarat"}})), Catch::Contains("'username' needs 'password_file'"));
    CHECK_THAT(error_for(with(good, {{"username", "tarat"}, {"password_file", "missing.password"}})),
               Catch::Contains("cannot read password_file " + (dir / "missing.password").string()));
    CHECK_THAT(error_for(with(good, {{"username", "tarat"}, {"password_file", "empty.password"}})), Catch::Contains("is empty"));
    CHECK_THAT(error_for(with(good, {{"timeout", 0}})), Catch::Contains("'timeout' must be more than 0"));
    CHECK_THAT(error_for(with(good, {{"connect_timeout", "10"}})), Catch::Contains("'connect_timeout' must be a number"));
}

// ---- the e-mail composer ----

// Encoded-words hold whole UTF-8 characters, stay within 75 characters, and decode back to the
// text, for 1- to 4-byte characters at every offset.
TEST_CASE("mime: encoded-words never split a character and never pass 75 characters") {
    for (std::string unit : {"a", "қ", "€", "😀"}) {
        for (int prefix = 0; prefix < 6; ++prefix) {
            std::string text = std::string(static_cast<size_t>(prefix), 'x') + "ü";
            for (int i = 0; i < 40; ++i) text += unit;
            std::string folded = smtp::encode_header_text(text, 9);
            INFO(unit << " after " << prefix << ": " << folded);
            std::string decoded;
            size_t line_start = 0;
            bool first = true;
            for (size_t end = folded.find("\r\n"); ; end = folded.find("\r\n", line_start)) {
                std::string line = folded.substr(line_start, end == std::string::npos ? std::string::npos : end - line_start);
                CHECK((first ? 9 : 0) + line.size() <= 78);
                if (!first) {
                    REQUIRE(line.front() == ' ');
                    line.erase(0, 1);
                }
                CHECK(line.size() <= 75);
                REQUIRE(line.rfind("=?UTF-8?B?", 0) == 0);
                REQUIRE(line.substr(line.size() - 2) == "?=");
                auto bytes = plugin::base64_decode(line.substr(10, line.size() - 12));
                REQUIRE(bytes);
                CHECK(smtp::valid_utf8(*bytes) == *bytes);  // whole characters in every word
                decoded += *bytes;
                first = false;
                if (end == std::string::npos) break;
                line_start = end + 2;
            }
            CHECK(decoded == text);
        }
    }
}

// Plain short ASCII stays readable; anything a header cannot carry as it is gets encoded.
TEST_CASE("mime: header text is encoded only when it must be") {
    CHECK(smtp::encode_header_text("Reminder: seminar on 5 October", 9) == "Reminder: seminar on 5 October");
    CHECK(smtp::encode_header_text("two\r\nlines", 9) == "two  lines");  // no header injection
    CHECK(smtp::encode_header_text("looks =?like?= a word", 9).rfind("=?UTF-8?B?", 0) == 0);
    CHECK(smtp::encode_header_text(std::string(80, 'a'), 9).rfind("=?UTF-8?B?", 0) == 0);
    CHECK(smtp::encode_header_text("", 9).empty());
    CHECK(smtp::valid_utf8("a\xff" "b\xd2") == "a\xEF\xBF\xBD" "b\xEF\xBF\xBD");
}

// The parts of the message that must not depend on the locale or the clock's mood.
TEST_CASE("mime: date, body lines and Message-ID") {
    CHECK(smtp::rfc5322_date(0) == "Thu, 01 Jan 1970 00:00:00 +0000");
    CHECK(smtp::rfc5322_date(1791172800) == "Mon, 05 Oct 2026 04:00:00 +0000");
    std::string lines = smtp::base64_lines(std::string(1000, 'x'));
    for (size_t at = 0, end; (end = lines.find("\r\n", at)) != std::string::npos; at = end + 2) CHECK(end - at <= 76);
    CHECK(smtp::to_crlf("a\nb\r\nc\rd") == "a\r\nb\r\nc\r\nd");
    std::string id = smtp::message_id("reminder:ev-17", "tarat@edu.kz");
    CHECK(id == smtp::message_id("reminder:ev-17", "tarat@edu.kz"));
    CHECK(id != smtp::message_id("reminder:ev-18", "tarat@edu.kz"));
    CHECK(id != smtp::message_id("reminder:ev-17", "tarat@other.kz"));
    CHECK(std::regex_match(id, std::regex("<[0-9a-f]{32}@edu\\.kz>")));
}

// ---- webhook ----

namespace {

struct Receiver {
    fs::path state;
    std::unique_ptr<TestServer> server;

    Receiver(const TempDir& dir, const std::string& secret_file, const std::string& script, int port = 0) {
        static int counter = 0;
        state = dir / ("receiver-" + std::to_string(counter++) + ".json");
        server = std::make_unique<TestServer>(
            dir, "webhook_server.py",
            std::vector<std::string>{"--secret-file", (dir / secret_file).string(), "--state", state.string(), "--script", script},
            port);
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(server->port()) + "/hooks/tarat"; }
    Json seen() const { return read_json(state); }
};

Json webhook_settings(const std::string& url) { return {{"url", url}, {"secret_file", "webhook.secret"}, {"timeout", 20}}; }

}  // namespace

// 429 with Retry-After: 3 is a retry the dispatcher may schedule 3 s out; the next attempt is
// delivered, with a signature the receiver verifies, and counted once.
TEST_CASE("webhook: 429 with Retry-After is a retry after that long, then one signed delivery") {
    TempDir dir;
    write_secret(dir, "webhook.secret", "a-long-shared-secret-for-hmac\n");
    Receiver receiver(dir, "webhook.secret", "429:3");
    PluginHost host(kBuiltPlugins, dir.path());
    auto hook = open_ok(host, channel("webhook", webhook_settings(receiver.url())));

    auto first = hook->send(notice("https://crm.example.kz/akhmetova"));
    CHECK(first.status == Delivery::retry);
    REQUIRE(first.retry_after);
    CHECK(first.retry_after->count() == 3);
    CHECK_THAT(first.error, Catch::Contains("answered 429"));
    auto second = hook->send(notice("https://crm.example.kz/akhmetova"));
    INFO(second.error);
    CHECK(second.status == Delivery::sent);

    Json seen = receiver.seen();
    INFO(seen.dump(1));
    CHECK(seen["requests"] == 2);
    CHECK(seen["bad_signatures"] == 0);
    CHECK(seen["problems"].empty());
    CHECK(seen["last_path"] == "/hooks/tarat");
    REQUIRE(seen["deliveries"].size() == 1);
    Json payload = seen["deliveries"][0]["payload"];
    CHECK(seen["deliveries"][0]["key"] == "reminder:ev-17:akhmetova:mail:2026-10-05T04:00:00Z");
    CHECK(payload["key"] == "reminder:ev-17:akhmetova:mail:2026-10-05T04:00:00Z");
    CHECK(payload["kind"] == "reminder");
    CHECK(payload["recipient"] == "akhmetova");
    CHECK(payload["address"] == "https://crm.example.kz/akhmetova");
    CHECK(payload["locale"] == "kk");
    CHECK(payload["subject"] == kSubject);
    CHECK(payload["body"] == kBody);
    CHECK(payload["data"] == Json::parse(notice("").json));
}

// A receiver holding another secret cannot verify the signature and answers 401: rejected.
TEST_CASE("webhook: a signature the receiver cannot verify is rejected") {
    TempDir dir;
    write_secret(dir, "webhook.secret", "the-secret-tarat-has\n");
    write_secret(dir, "other.secret", "the-secret-the-receiver-has\n");
    Receiver receiver(dir, "other.secret", "");
    PluginHost host(kBuiltPlugins, dir.path());
    auto d = open_ok(host, channel("webhook", webhook_settings(receiver.url())))->send(notice(""));
    CHECK(d.status == Delivery::rejected);
    CHECK_THAT(d.error, Catch::StartsWith("the receiver at 127.0.0.1 answered 401") && Catch::Contains("signature does not verify"));
    CHECK(d.error.find("the-secret") == std::string::npos);
    CHECK(receiver.seen()["bad_signatures"] == 1);
    CHECK(receiver.seen()["deliveries"].empty());
}

// A whsec_ secret (Standard Webhooks' format) signs with its base64-decoded bytes.
TEST_CASE("webhook: a whsec_ secret signs with the decoded key") {
    TempDir dir;
    write_secret(dir, "webhook.secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n");
    Receiver receiver(dir, "webhook.secret", "");
    PluginHost host(kBuiltPlugins, dir.path());
    auto d = open_ok(host, channel("webhook", webhook_settings(receiver.url())))->send(notice(""));
    INFO(d.error);
    CHECK(d.status == Delivery::sent);
    CHECK(receiver.seen()["deliveries"].size() == 1);
}

// A key with bytes a header cannot carry goes percent-encoded in the headers, signed as sent; the
// payload keeps it as it is.
TEST_CASE("webhook: a key with spaces and Cyrillic is percent-encoded in the headers") {
    TempDir dir;
    write_secret(dir, "webhook.secret", "a-long-shared-secret-for-hmac\n");
    Receiver receiver(dir, "webhook.secret", "");
    PluginHost host(kBuiltPlugins, dir.path());
    auto hook = open_ok(host, channel("webhook", webhook_settings(receiver.url())));
    auto d = hook->send(notice("", "reminder:семинар 17:100%"));
    INFO(d.error);
    CHECK(d.status == Delivery::sent);
    Json seen = receiver.seen();
    CHECK(seen["problems"].empty());
    REQUIRE(seen["deliveries"].size() == 1);
    CHECK(seen["deliveries"][0]["key"] == "reminder:%D1%81%D0%B5%D0%BC%D0%B8%D0%BD%D0%B0%D1%80%2017:100%25");
    CHECK(seen["deliveries"][0]["payload"]["key"] == "reminder:семинар 17:100%");
}

// Down (connection refused): retry. Up on the same port: sent. Sent again (an at-least-once
// resend): the receiver's dedupe sees the key twice and counts one delivery.
TEST_CASE("webhook: a receiver that is down is a retry, and once it is up one delivery however often sent") {
    TempDir dir;
    write_secret(dir, "webhook.secret", "a-long-shared-secret-for-hmac\n");
    PluginHost host(kBuiltPlugins, dir.path());
    RefusingPort port;
    auto hook = open_ok(host, channel("webhook", webhook_settings("http://127.0.0.1:" + std::to_string(port.port()) + "/hooks/tarat")));

    auto down = hook->send(notice(""));
    CHECK(down.status == Delivery::retry);
    CHECK_FALSE(down.retry_after);
    CHECK_THAT(down.error, Catch::StartsWith("cannot deliver to 127.0.0.1: ") && Catch::Contains("Connection refused"));

    port.release();
    Receiver receiver(dir, "webhook.secret", "", port.port());
    CHECK(hook->send(notice("")).status == Delivery::sent);
    CHECK(hook->send(notice("")).status == Delivery::sent);
    Json seen = receiver.seen();
    CHECK(seen["requests"] == 2);
    CHECK(seen["deliveries"].size() == 1);
    CHECK(seen["duplicates"] == 1);
}

// 5xx and 408 may pass; other 4xx and redirects (never followed) will not.
TEST_CASE("webhook: 500, 503 and 408 are retries, 404 and a redirect are rejections") {
    TempDir dir;
    write_secret(dir, "webhook.secret", "a-long-shared-secret-for-hmac\n");
    Receiver receiver(dir, "webhook.secret", "500,408,404,302,503:7");
    PluginHost host(kBuiltPlugins, dir.path());
    auto hook = open_ok(host, channel("webhook", webhook_settings(receiver.url())));
    auto d500 = hook->send(notice(""));
    CHECK(d500.status == Delivery::retry);
    CHECK_FALSE(d500.retry_after);
    CHECK(hook->send(notice("")).status == Delivery::retry);
    CHECK(hook->send(notice("")).status == Delivery::rejected);
    auto redirect = hook->send(notice(""));
    CHECK(redirect.status == Delivery::rejected);
    CHECK_THAT(redirect.error, Catch::Contains("302") && Catch::Contains("follows none"));
    auto d503 = hook->send(notice(""));
    CHECK(d503.status == Delivery::retry);
    REQUIRE(d503.retry_after);
    CHECK(d503.retry_after->count() == 7);
    CHECK(receiver.seen()["requests"] == 5);
    CHECK(receiver.seen()["deliveries"].empty());
}

// The person's webhook address travels in the payload but is never where the POST goes.
TEST_CASE("webhook: only the configured url receives notices, whatever the address says") {
    TempDir dir;
    write_secret(dir, "webhook.secret", "a-long-shared-secret-for-hmac\n");
    Receiver configured(dir, "webhook.secret", "");
    Receiver elsewhere(dir, "webhook.secret", "");
    PluginHost host(kBuiltPlugins, dir.path());
    auto hook = open_ok(host, channel("webhook", webhook_settings(configured.url())));
    CHECK(hook->send(notice(elsewhere.url())).status == Delivery::sent);
    CHECK(configured.seen()["deliveries"].size() == 1);
    CHECK(configured.seen()["deliveries"][0]["payload"]["address"] == elsewhere.url());
    CHECK(elsewhere.seen()["requests"] == 0);
}

// A receiver that accepts the connection and never answers is cut off at `timeout`: retry.
TEST_CASE("webhook: a receiver that never answers times out as a retry") {
    TempDir dir;
    write_secret(dir, "webhook.secret", "a-long-shared-secret-for-hmac\n");
    Receiver receiver(dir, "webhook.secret", "hang:60");
    PluginHost host(kBuiltPlugins, dir.path());
    Json settings = webhook_settings(receiver.url());
    settings["timeout"] = 0.5;
    auto d = open_ok(host, channel("webhook", settings))->send(notice(""));
    CHECK(d.status == Delivery::retry);
    CHECK_THAT(d.error, Catch::Contains("imed out"));
}

// Settings are checked at open; the URL itself (which may hold a token) is never echoed.
TEST_CASE("webhook: bad settings fail the open with a reason") {
    TempDir dir;
    write_secret(dir, "webhook.secret", "a-long-shared-secret-for-hmac\n");
    write_secret(dir, "bad.secret", "whsec_not*base64\n");
    PluginHost host(kBuiltPlugins, dir.path());
    auto error_for = [&](Json settings) { return open_error(host, channel("webhook", settings)); };
    Json good = webhook_settings("https://crm.example.kz/hook/SECRET-TOKEN");
    CHECK_THAT(error_for(with(good, {{"headers", "x"}})), Catch::Contains("unknown key 'headers'"));
    CHECK_THAT(error_for({{"url", "https://crm.example.kz/"}}), Catch::Contains("'secret_file' is missing"));
    CHECK_THAT(error_for({{"secret_file", "webhook.secret"}}), Catch::Contains("'url' is missing"));
    std::string ftp = error_for(with(good, {{"url", "ftp://crm.example.kz/SECRET-TOKEN"}}));
    CHECK_THAT(ftp, Catch::Contains("'url' must start with https, http"));
    CHECK(ftp.find("SECRET-TOKEN") == std::string::npos);
    CHECK_THAT(error_for(with(good, {{"url", "https://u:p@crm.example.kz/"}})), Catch::Contains("must not carry a user or password"));
    CHECK_THAT(error_for(with(good, {{"secret_file", "bad.secret"}})), Catch::Contains("not base64"));
    CHECK_THAT(error_for(with(good, {{"ca_file", "nowhere.pem"}})), Catch::Contains("ca_file"));
    CHECK(host.open_channel(channel("webhook", good)));
}

// ---- telegram ----

namespace {

const std::string kToken = "123456789:AAH-test_token-Kazakh-seminars";

// Length as Telegram counts it: UTF-16 code units.
size_t utf16_units(const std::string& text) {
    size_t units = 0;
    for (unsigned char c : text)
        if ((c & 0xC0) != 0x80) units += c >= 0xF0 ? 2 : 1;
    return units;
}

Json telegram_settings(const std::string& api_url) {
    return {{"api_url", api_url}, {"token_file", "telegram.token"}, {"timeout", 20}};
}

}  // namespace

// The subject, a blank line and the body arrive as plain text, Kazakh letters intact, to the chat.
TEST_CASE("telegram: a Kazakh notice arrives intact as plain text") {
    TempDir dir;
    write_secret(dir, "telegram.token", kToken + "\n");
    FakeBotApi api(dir, kToken, "ok");
    PluginHost host(kBuiltPlugins, dir.path());
    auto bot = open_ok(host, channel("telegram", telegram_settings(api.url() + "/")));
    auto d = bot->send(notice("123456789"));
    INFO(d.error);
    CHECK(d.status == Delivery::sent);
    CHECK(bot->send(notice("@erkemai_kz")).status == Delivery::sent);

    Json seen = api.seen();
    REQUIRE(seen["delivered"].size() == 2);
    Json sent = seen["delivered"][0];
    CHECK(sent["chat_id"] == 123456789);
    CHECK(sent["text"] == kSubject + "\n\n" + kBody);
    CHECK_FALSE(sent.contains("parse_mode"));
    CHECK(seen["delivered"][1]["chat_id"] == "@erkemai_kz");
    CHECK(seen["requests"][0]["content_type"] == "application/json");
    CHECK(seen["wrong_paths"] == 0);
}

// Past sendMessage's 4096 characters the text is cut on a character boundary, marked, and logged.
TEST_CASE("telegram: an over-long notice is cut to 4096 characters") {
    TempDir dir;
    write_secret(dir, "telegram.token", kToken + "\n");
    FakeBotApi api(dir, kToken, "");
    CapturedLog log;
    PluginHost host(kBuiltPlugins, dir.path(), log.logger);
    auto bot = open_ok(host, channel("telegram", telegram_settings(api.url())));
    OutgoingNotice long_one = notice("123456789");
    long_one.body.clear();
    for (int i = 0; i < 3000; ++i) long_one.body += "қ😀";  // 1 + 2 UTF-16 units each
    CHECK(bot->send(long_one).status == Delivery::sent);
    std::string text = api.seen()["delivered"][0]["text"];
    CHECK(text.rfind(kSubject + "\n\nқ😀", 0) == 0);
    CHECK(text.substr(text.size() - 3) == "…");
    CHECK(utf16_units(text) <= 4096);
    CHECK(utf16_units(text) >= 4094);
    CHECK_THAT(log.text(), Catch::Contains("longer than Telegram's 4096 characters: cut"));
}

// 429 waits parameters.retry_after; 403 and 400 are final with the API's description; 500 retries.
TEST_CASE("telegram: 429 is a retry after retry_after, 403 and 400 reject, 500 retries") {
    TempDir dir;
    write_secret(dir, "telegram.token", kToken + "\n");
    FakeBotApi api(dir, kToken, "429:3,403,400,500");
    PluginHost host(kBuiltPlugins, dir.path());
    auto bot = open_ok(host, channel("telegram", telegram_settings(api.url())));

    auto limited = bot->send(notice("123456789"));
    CHECK(limited.status == Delivery::retry);
    REQUIRE(limited.retry_after);
    CHECK(limited.retry_after->count() == 3);
    CHECK_THAT(limited.error, Catch::Contains("Too Many Requests"));
    auto blocked = bot->send(notice("123456789"));
    CHECK(blocked.status == Delivery::rejected);
    CHECK(blocked.error == "the Bot API answered 403: Forbidden: bot was blocked by the user");
    auto unknown = bot->send(notice("-1001234567890"));
    CHECK(unknown.status == Delivery::rejected);
    CHECK_THAT(unknown.error, Catch::Contains("chat not found"));
    auto broken = bot->send(notice("123456789"));
    CHECK(broken.status == Delivery::retry);
    CHECK_FALSE(broken.retry_after);
    CHECK(bot->send(notice("123456789")).status == Delivery::sent);
    CHECK(api.seen()["delivered"].size() == 1);
    CHECK(api.seen()["requests"][2]["json"]["chat_id"] == -1001234567890LL);
}

// No chat id, or something that is not one, is rejected without asking the API.
TEST_CASE("telegram: an empty or malformed chat id is rejected") {
    TempDir dir;
    write_secret(dir, "telegram.token", kToken + "\n");
    FakeBotApi api(dir, kToken, "");
    PluginHost host(kBuiltPlugins, dir.path());
    auto bot = open_ok(host, channel("telegram", telegram_settings(api.url())));
    auto empty = bot->send(notice(""));
    CHECK(empty.status == Delivery::rejected);
    CHECK(empty.error == "no Telegram chat id");
    CHECK(bot->send(notice("akhmetova@example.kz")).status == Delivery::rejected);
    CHECK(bot->send(notice("12 34")).status == Delivery::rejected);
    CHECK(api.seen()["requests"].empty());
}

// The token is part of the URL; it appears in no error, whether the API is down or refuses it.
TEST_CASE("telegram: the token shows in no error") {
    TempDir dir;
    write_secret(dir, "telegram.token", kToken + "\n");
    CapturedLog log;
    PluginHost host(kBuiltPlugins, dir.path(), log.logger);

    RefusingPort port;
    auto down = open_ok(host, channel("telegram", telegram_settings("http://127.0.0.1:" + std::to_string(port.port()))))
                    ->send(notice("123456789"));
    CHECK(down.status == Delivery::retry);
    CHECK_THAT(down.error, Catch::Contains("Connection refused"));
    CHECK(down.error.find("AAH-test_token") == std::string::npos);

    FakeBotApi api(dir, "987654321:another-token", "");
    auto refused = open_ok(host, channel("telegram", telegram_settings(api.url())))->send(notice("123456789"));
    CHECK(refused.status == Delivery::retry);
    CHECK_THAT(refused.error, Catch::Contains("404") && Catch::Contains("check token_file"));
    CHECK(refused.error.find("AAH-test_token") == std::string::npos);
    CHECK(log.text().find("AAH-test_token") == std::string::npos);
}

// Settings are checked at open; a token file that holds no token fails without showing it.
TEST_CASE("telegram: bad settings fail the open with a reason") {
    TempDir dir;
    write_secret(dir, "telegram.token", kToken + "\n");
    write_secret(dir, "bad.token", "not a token\nat all\n");
    PluginHost host(kBuiltPlugins, dir.path());
    auto error_for = [&](Json settings) { return open_error(host, channel("telegram", settings)); };
    CHECK_THAT(error_for({{"token_file", "telegram.token"}, {"parse_mode", "HTML"}}), Catch::Contains("unknown key 'parse_mode'"));
    CHECK_THAT(error_for(Json::object()), Catch::Contains("'token_file' is missing"));
    CHECK_THAT(error_for({{"token_file", "nowhere.token"}}), Catch::Contains("cannot read token_file"));
    std::string bad = error_for({{"token_file", "bad.token"}});
    CHECK_THAT(bad, Catch::Contains("does not hold a bot token"));
    CHECK(bad.find("not a token") == std::string::npos);
    CHECK_THAT(error_for({{"token_file", "telegram.token"}, {"api_url", "file:///etc/passwd"}}), Catch::Contains("'api_url' must start with"));
    CHECK(host.open_channel(channel("telegram", {{"token_file", "telegram.token"}})));  // api.telegram.org by default; not contacted
}

// ---- telegram: receiving (ABI 1.2) ----

namespace {

// What the host side of a receiving channel saw, filled on the plugin's thread.
struct Received {
    std::mutex mutex;
    std::vector<InboundUpdate> updates;
    bool refuse = false;  // answer as a stopping host does
    int refusals = 0;
    std::vector<InboundUpdate> copy() {
        std::lock_guard lock(mutex);
        return updates;
    }
};

InboundReceiver recording(Received& received) {
    return [&received](const InboundUpdate& u) -> std::optional<InboundAnswer> {
        std::lock_guard lock(received.mutex);
        if (received.refuse) {
            ++received.refusals;
            return std::nullopt;
        }
        received.updates.push_back(u);
        if (u.kind == "button") return InboundAnswer{"", "", "Өтті: " + u.text, "Қабылданды"};
        return InboundAnswer{"Сәлем, " + u.text, R"([[["Өтті","held:abc"],["Өтпеді","nothold:abc"]]])", "", ""};
    };
}

Json inbound_settings(const std::string& api_url) {
    return {{"api_url", api_url}, {"token_file", "telegram.token"}, {"timeout", 20}, {"inbound", true}, {"poll_timeout", 1}};
}

}  // namespace

// Text and button updates reach the host with their chat, user and language; its answer is sent
// (buttons as an inline keyboard), a button's message edited and its query answered.
TEST_CASE("telegram: updates are received by long polling and answered") {
    TempDir dir;
    write_secret(dir, "telegram.token", kToken + "\n");
    FakeBotApi api(dir, kToken);
    CapturedLog log;
    PluginHost host(kBuiltPlugins, dir.path(), log.logger);
    Received received;
    auto opened = host.open_channel(channel("telegram", inbound_settings(api.url())), recording(received));
    INFO(opened.error);
    REQUIRE(opened);
    auto bot = std::move(opened.channel);
    CHECK(bot->listen(0) == "");

    api.enqueue(Json::array({testing::tg_text(555, "/start 12345678", "kk"), testing::tg_button(555, "held:abc", 77)}));
    bool all_answered = eventually([&] { return received.copy().size() == 2 && api.calls("editMessageText").size() == 1; });
    INFO(log.text());
    REQUIRE(all_answered);
    auto updates = received.copy();
    CHECK(updates[0].kind == "text");
    CHECK(updates[0].position == 1001);
    CHECK(updates[0].chat == "555");
    CHECK(updates[0].user == "555");
    CHECK(updates[0].text == "/start 12345678");
    CHECK(updates[0].language == "kk");
    CHECK(updates[1].kind == "button");
    CHECK(updates[1].position == 1002);
    CHECK(updates[1].text == "held:abc");
    CHECK(updates[1].message == "77");

    auto sent = api.calls("sendMessage");
    REQUIRE(sent.size() == 1);
    CHECK(sent[0]["chat_id"] == 555);
    CHECK(sent[0]["text"] == "Сәлем, /start 12345678");
    CHECK(sent[0]["reply_markup"]["inline_keyboard"][0][1] == Json{{"text", "Өтпеді"}, {"callback_data", "nothold:abc"}});
    auto edited = api.calls("editMessageText")[0];
    CHECK(edited["message_id"] == 77);
    CHECK(edited["text"] == "Өтті: held:abc");
    CHECK_FALSE(edited.contains("reply_markup"));
    auto answered = api.calls("answerCallbackQuery");
    REQUIRE(answered.size() == 1);
    CHECK(answered[0]["text"] == "Қабылданды");
    // The next poll confirms both.
    REQUIRE(eventually([&] {
        auto offsets = api.seen()["offsets"];
        return !offsets.empty() && offsets.back() == 1003;
    }));
}

// A reopened channel resumes after the position the host gives, and an update the host does not
// take (it is stopping) is not confirmed: it comes again.
TEST_CASE("telegram: polling resumes after the host's position, and a refused update stays unconfirmed") {
    TempDir dir;
    write_secret(dir, "telegram.token", kToken + "\n");
    FakeBotApi api(dir, kToken);
    PluginHost host(kBuiltPlugins, dir.path());
    Received received;
    received.refuse = true;
    {
        auto bot = open_ok(host, channel("telegram", inbound_settings(api.url())));  // no receiver
        CHECK(bot->listen(0) == "opened without a receiver");
    }
    {
        auto opened = host.open_channel(channel("telegram", inbound_settings(api.url())), recording(received));
        REQUIRE(opened);
        CHECK(opened.channel->listen(1500) == "");
        REQUIRE(eventually([&] { return api.seen()["polls"] >= 1; }));
        CHECK(api.seen()["offsets"][0] == 1501);
        api.enqueue(testing::tg_text(9, "hello"));  // 1501… but ids start at 1001 here
        api.enqueue(Json{{"update_id", 1600}, {"message", testing::tg_text(9, "hi")["message"]}});
        REQUIRE(eventually([&] {
            std::lock_guard lock(received.mutex);
            return received.refusals == 1;
        }));
    }
    CHECK(received.copy().empty());  // refused
    CHECK(api.calls("sendMessage").empty());
    {
        received.refuse = false;
        auto opened = host.open_channel(channel("telegram", inbound_settings(api.url())), recording(received));
        REQUIRE(opened);
        CHECK(opened.channel->listen(1500) == "");
        REQUIRE(eventually([&] { return received.copy().size() == 1; }));
        CHECK(received.copy()[0].position == 1600);
        CHECK(received.copy()[0].text == "hi");
    }
}

// Closing a channel ends a long poll in flight at once, not after poll_timeout.
TEST_CASE("telegram: closing a receiving channel does not wait out the long poll") {
    TempDir dir;
    write_secret(dir, "telegram.token", kToken + "\n");
    FakeBotApi api(dir, kToken);
    PluginHost host(kBuiltPlugins, dir.path());
    Received received;
    Json settings = inbound_settings(api.url());
    settings["poll_timeout"] = 50;
    auto opened = host.open_channel(channel("telegram", settings), recording(received));
    REQUIRE(opened);
    CHECK(opened.channel->listen(0) == "");
    REQUIRE(eventually([&] { return api.seen()["polls"] >= 1; }));
    auto started = std::chrono::steady_clock::now();
    opened.channel.reset();
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
}

// A notice's buttons go out as an inline keyboard; inbound without `true` is refused at listen.
TEST_CASE("telegram: a notice's buttons are an inline keyboard") {
    TempDir dir;
    write_secret(dir, "telegram.token", kToken + "\n");
    FakeBotApi api(dir, kToken);
    PluginHost host(kBuiltPlugins, dir.path());
    auto bot = open_ok(host, channel("telegram", telegram_settings(api.url())));
    auto n = notice("123");
    n.buttons = R"([[["Өтті","held:t1"]],[["Есеп тапсырылды","reported:t1"]]])";
    REQUIRE(bot->send(n).status == Delivery::sent);
    Json sent = api.seen()["delivered"][0];
    CHECK(sent["reply_markup"]["inline_keyboard"] ==
          Json::array({Json::array({{{"text", "Өтті"}, {"callback_data", "held:t1"}}}),
                       Json::array({{{"text", "Есеп тапсырылды"}, {"callback_data", "reported:t1"}}})}));
    CHECK(bot->send(notice("123")).status == Delivery::sent);
    CHECK_FALSE(api.seen()["delivered"][1].contains("reply_markup"));

    Received received;
    auto quiet = host.open_channel(channel("telegram", telegram_settings(api.url())), recording(received));
    REQUIRE(quiet);
    CHECK(quiet.channel->listen(0) == "inbound is not set for this channel");
}
