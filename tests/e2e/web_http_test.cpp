// End to end: the web front end (F12) of the real taratd, over real HTTP on 127.0.0.1. A notice's
// link opens its event and changes nothing; forms need the page's CSRF token and go through the
// lifecycle as "person X via web"; tampered, expired and other people's links are refused; uploads
// are judged by size and content; a slow client is cut off while the socket keeps answering;
// sign-in by a one-time link, sessions that survive a restart, and each person's scope.
#include "support/checkout.hpp"
#include "support/http_client.hpp"
#include "support/test_server.hpp"
#include "web/tokens.hpp"

#include <catch2/catch.hpp>

#include <cerrno>
#include <fstream>
#include <regex>
#include <thread>

using namespace tarat::testing;
using nlohmann::json;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The shipped etc/ with the web on a free port, first started before the plan (so it placed every
// event), then on 2026-12-11 at 10:00 in Aktobe: erkemai-seminar-1 (09.12.2026) is past and not
// confirmed, so its held check goes out through the file channel with each person's link.
struct Web {
    Checkout checkout{"2026-12-11T10:00:00+05:00"};
    std::unique_ptr<Child> daemon;
    int port = 0;

    explicit Web(const std::function<void(Checkout&)>& prepare = {}) {
        replace_in_file(checkout.config(), "listen = \"127.0.0.1:8553\"", "listen = \"127.0.0.1:0\"");
        if (prepare) prepare(checkout);
        checkout.ran_once_at("2026-11-20T10:00:00+05:00");
        start();
    }
    void start() {
        static int starts = 0;
        daemon = std::make_unique<Child>(checkout.daemon_args(), checkout.dir.path(), "taratd-" + std::to_string(starts++));
        REQUIRE(eventually([&] { return checkout.answers() || !daemon->running(); }));
        std::smatch m;
        std::string log = daemon->err() + daemon->out();
        INFO(log);
        REQUIRE(std::regex_search(log, m, std::regex(R"(web: listening on 127\.0\.0\.1:(\d+))")));
        port = std::stoi(m[1]);
    }
    void restart() {
        daemon->signal(SIGTERM);
        REQUIRE(daemon->wait() == 0);
        start();
    }
    // The link in the first notice of `kind` to `person`, once the file channel has written it.
    std::string link(const std::string& kind, const std::string& person) const {
        std::string found;
        eventually([&] {
            std::ifstream in(checkout.state / "notices.jsonl");
            for (std::string line; std::getline(in, line);) {
                auto j = json::parse(line);
                if (j["kind"] == kind && j["recipient"] == person && j["json"].contains("links")) {
                    found = j["json"]["links"]["event"].get<std::string>();
                    return true;
                }
            }
            return false;
        });
        return found;
    }
    std::string path_of(const std::string& url) const {
        auto at = url.find("/e/");
        return at == std::string::npos ? "" : url.substr(at);
    }
    json event(const std::string& id) const { return checkout.ctl_json({"event", id}); }
    std::string state_of(const std::string& id) const { return event(id)["event"]["state"].get<std::string>(); }
    std::size_t history_rows() const { return checkout.ctl_json({"history", "--all"})["history"].size(); }
    tarat::web::Signer signer() const { return tarat::web::Signer(read_file(checkout.state / "web.key")); }
};

std::string csrf_of(const std::string& page) {
    std::smatch m;
    if (!std::regex_search(page, m, std::regex(R"re(name="csrf" value="([^"]+)")re"))) return "";
    return m[1];
}

std::string form(const std::string& csrf, const std::string& rest) {
    return (csrf.empty() ? "" : "csrf=" + url_encode(csrf) + "&") + rest;
}

const std::string kFormType = "Content-Type: application/x-www-form-urlencoded\r\n";

std::string multipart(const std::string& csrf, const std::string& file_name, const std::string& content,
                      std::string& content_type) {
    const std::string b = "----tarat-test-boundary";
    content_type = "Content-Type: multipart/form-data; boundary=" + b + "\r\n";
    std::string body;
    auto field = [&](const std::string& name, const std::string& value) {
        body += "--" + b + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n";
    };
    field("csrf", csrf);
    field("date", "2026-12-10");
    field("ref", "№ 12-04/118");
    body += "--" + b + "\r\nContent-Disposition: form-data; name=\"report\"; filename=\"" + file_name +
            "\"\r\nContent-Type: application/octet-stream\r\n\r\n" + content + "\r\n--" + b + "--\r\n";
    return body;
}

}  // namespace

// A notice carries the person's link; opening it shows the event in their language with DD.MM.YYYY
// and the forms they may use, with the security headers, and changes nothing.
TEST_CASE("web: a notice's link shows the event and GET changes nothing") {
    Web web;
    auto url = web.link("held_check", "director-erkemai");
    REQUIRE(url.rfind("http://127.0.0.1:8553/e/", 0) == 0);
    auto rows_before = web.history_rows();
    auto page = web.path_of(url);
    for (int i = 0; i < 3; ++i) {
        auto a = http(web.port, "GET", page);
        REQUIRE(a.status == 200);
        CHECK(contains(a.body, "09.12.2026"));
        CHECK(contains(a.body, "«Еркемай»"));
        CHECK(contains(a.body, "action=\"/e/"));  // the held form
        CHECK(a.header("content-security-policy").rfind("default-src 'self'", 0) == 0);
        CHECK(a.header("x-content-type-options") == "nosniff");
        CHECK(a.header("referrer-policy") == "no-referrer");
    }
    CHECK(http(web.port, "HEAD", page).status == 200);
    CHECK(web.state_of("erkemai-seminar-1") == "planned");
    CHECK(web.history_rows() == rows_before);
    // The token never reaches the log.
    auto token = page.substr(3);
    CHECK_FALSE(contains(web.daemon->err() + web.daemon->out(), token));
}

// A POST needs the CSRF token of the page: none or a wrong one is refused and changes nothing; the
// right one records held with its participants through the lifecycle, audited as "person X via web".
TEST_CASE("web: recording held needs the page's CSRF token") {
    Web web;
    auto page = web.path_of(web.link("held_check", "director-erkemai"));
    auto csrf = csrf_of(http(web.port, "GET", page).body);
    REQUIRE(!csrf.empty());
    CHECK(http(web.port, "POST", page + "/held", "date=2026-12-09&participants=40", kFormType).status == 403);
    CHECK(http(web.port, "POST", page + "/held", form((csrf[0] == 'A' ? "B" : "A") + csrf.substr(1), "date=2026-12-09&participants=40"), kFormType).status == 403);
    CHECK(web.state_of("erkemai-seminar-1") == "planned");
    auto done = http(web.port, "POST", page + "/held", form(csrf, "date=2026-12-09&participants=40&note=ok"), kFormType);
    REQUIRE(done.status == 303);
    auto event = web.event("erkemai-seminar-1");
    CHECK(event["event"]["state"] == "held");
    CHECK(event["details"]["participants"] == 40);
    CHECK(contains(event.dump(), "person director-erkemai via web"));
    auto shown = http(web.port, "GET", done.header("location"));
    CHECK(contains(shown.body, "id=\"participants\">40<"));
    // A refusal says why in the director's language and changes nothing: a held event postponed.
    auto again = http(web.port, "POST", page + "/postpone", form(csrf, "date=2026-12-12&reason=x"), kFormType);
    CHECK(again.status == 422);
    CHECK(contains(again.body, "Іс-шара: өтті, 09.12.2026; тек жоспарланған іс-шараны ауыстыруға"));
    CHECK(!contains(again.body, "only a planned event"));
    auto not_a_date = http(web.port, "POST", page + "/postpone", form(csrf, "date=tomorrow&reason=x"), kFormType);
    CHECK(not_a_date.status == 422);
    CHECK(contains(not_a_date.body, "«tomorrow» — күн емес"));
}

// [inbound] narrows the web's forms as it narrows the bot's buttons: postponing left to the
// coordinator, the director's page has no postpone form and a postpone posted anyway is 403.
TEST_CASE("web: [inbound] narrows what a person's page offers and takes") {
    Web web([](Checkout& co) {
        std::ofstream(co.config(), std::ios::app) << "\n[inbound]\npostpone = [\"coordinator\"]\n";
    });
    auto page = web.path_of(web.link("held_check", "director-erkemai"));
    auto shown = http(web.port, "GET", page);
    REQUIRE(shown.status == 200);
    CHECK(contains(shown.body, "id=\"held\""));  // held is not narrowed
    auto csrf = csrf_of(shown.body);
    auto posted = http(web.port, "POST", page + "/postpone", form(csrf, "date=2026-12-29&reason=x"), kFormType);
    CHECK(posted.status == 403);
    CHECK(contains(posted.body, "мұны жасай алмайсыз"));
    CHECK(web.event("erkemai-seminar-1")["event"]["date"] == "2026-12-09");
    CHECK(web.state_of("erkemai-seminar-1") == "planned");
}

// Tampered, expired and other people's links are 403 with a page saying how to get a new one.
TEST_CASE("web: tampered, expired and other-person links are refused") {
    Web web;
    auto page = web.path_of(web.link("held_check", "director-erkemai"));
    auto signer = web.signer();
    auto claim = signer.read_link(page.substr(3));
    REQUIRE(claim);
    CHECK(claim->person == "director-erkemai");
    std::string tampered = page;
    tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
    auto swapped = *claim;
    swapped.person = "director-bolashak";  // the payload changed, the MAC kept
    std::string forged = "/e/" + signer.link_token(swapped).substr(0, signer.link_token(swapped).find('.')) +
                         page.substr(page.find('.'));
    auto expired = *claim;
    expired.expires = *tarat::parse_date("2026-12-09");
    auto other = *claim;
    other.person = "director-bolashak";  // signed, but not theirs to act on
    for (const auto& bad : {tampered, forged, "/e/" + signer.link_token(expired), "/e/" + signer.link_token(other),
                            std::string("/e/nonsense")}) {
        auto a = http(web.port, "GET", bad);
        INFO(bad);
        CHECK(a.status == 403);
        CHECK(contains(a.body, "href=\"/login\""));
        auto csrf = signer.csrf(bad.substr(3));
        CHECK(http(web.port, "POST", bad + "/held", form(csrf, "date=2026-12-09"), kFormType).status == 403);
    }
    CHECK(web.state_of("erkemai-seminar-1") == "planned");
}

// A report of 21 MiB and an executable are refused; a PDF is stored and listed with the event.
TEST_CASE("web: report uploads are judged by size and content") {
    Web web;
    auto page = web.path_of(web.link("held_check", "director-erkemai"));
    auto csrf = csrf_of(http(web.port, "GET", page).body);
    REQUIRE(http(web.port, "POST", page + "/held", form(csrf, "date=2026-12-09&participants=12"), kFormType).status == 303);
    std::string type;
    auto big = multipart(csrf, "report.pdf", "%PDF-1.4\n" + std::string(21 * 1024 * 1024, 'x'), type);
    CHECK(http(web.port, "POST", page + "/reported", big, type).status == 413);
    auto elf = multipart(csrf, "report.pdf", std::string("\x7f" "ELF\x02\x01\x01", 7) + std::string(4000, '\0'), type);
    auto refused = http(web.port, "POST", page + "/reported", elf, type);
    CHECK(refused.status == 422);
    CHECK(contains(refused.body, "PDF, DOCX, ODT, JPEG, PNG"));
    CHECK(!contains(refused.body, "is none of"));
    CHECK(web.state_of("erkemai-seminar-1") == "held");
    const std::string pdf = "%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
    auto stored = http(web.port, "POST", page + "/reported", multipart(csrf, "есеп.pdf", pdf, type), type);
    REQUIRE(stored.status == 303);
    CHECK(web.state_of("erkemai-seminar-1") == "reported");
    auto shown = http(web.port, "GET", page).body;
    std::smatch m;
    REQUIRE(std::regex_search(shown, m, std::regex(R"re(href="(/e/[^"]+/file/[^"]+\.pdf)")re")));
    CHECK(http(web.port, "GET", m[1]).body == pdf);
    // The file is named in the report's own history row, written in the same transaction.
    std::string reported_detail;
    const auto reported = web.event("erkemai-seminar-1");
    for (const auto& row : reported["history"])
        if (row["action"] == "event.reported") reported_detail = row["detail"];
    const std::string file_name = m[1].str().substr(m[1].str().rfind('/') + 1);
    CHECK(contains(reported_detail, "; file: " + file_name));
}

// Clients that send their header a byte at a time are cut off after the header timeout, while
// the control socket answers all along.
TEST_CASE("web: a slow client is cut off and the socket stays responsive") {
    Web web;
    std::vector<int> slow;
    for (int i = 0; i < 8; ++i) {
        slow.push_back(connect_to(web.port));
        send_all(slow.back(), "GET / HTTP/1.1\r\nHo");
    }
    auto start = std::chrono::steady_clock::now();
    int answered = 0;
    for (int i = 0; i < 5; ++i) answered += web.checkout.ctl({"status"}).exit_code == 0;
    CHECK(answered == 5);
    int closed = 0;
    while (closed < int(slow.size()) && std::chrono::steady_clock::now() - start < std::chrono::seconds(30)) {
        closed = 0;
        for (int fd : slow) {
            send_all(fd, "s");
            char c;
            auto n = ::recv(fd, &c, 1, MSG_DONTWAIT);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) ++closed;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    CHECK(closed == int(slow.size()));
    for (int fd : slow) ::close(fd);
    CHECK(web.checkout.ctl({"status"}).exit_code == 0);
}

// Link pages are rate limited per address: past 30 a minute, 429.
TEST_CASE("web: link pages are rate limited per address") {
    Web web;
    int limited = 0;
    for (int i = 0; i < 40; ++i) limited += http(web.port, "GET", "/e/x").status == 429;
    CHECK(limited >= 9);
    CHECK(http(web.port, "GET", "/static/tarat.css").status == 200);
}

// taratctl web-login prints a one-time link; opening it uses nothing up, signing in sets an HttpOnly
// SameSite=Strict cookie, the session survives a restart, signing out ends it; the code works once.
TEST_CASE("web: sign-in by a one-time link, sessions and sign-out") {
    Web web;
    CHECK(http(web.port, "GET", "/").status == 303);
    auto reply = web.checkout.ctl_json({"web-login", "bertleuova"});
    std::string url = reply["url"];
    REQUIRE(url.rfind("http://127.0.0.1:8553/login/", 0) == 0);
    auto path = url.substr(url.find("/login/"));
    auto confirm = http(web.port, "GET", path);
    REQUIRE(confirm.status == 200);
    confirm = http(web.port, "GET", path);  // a mail scanner's visit uses nothing up
    auto csrf = csrf_of(confirm.body);
    auto signed_in = http(web.port, "POST", path, form(csrf, ""), kFormType);
    REQUIRE(signed_in.status == 303);
    auto cookie = signed_in.header("set-cookie");
    CHECK(contains(cookie, "HttpOnly"));
    CHECK(contains(cookie, "SameSite=Strict"));
    CHECK(contains(cookie, "Max-Age=2592000"));
    CHECK_FALSE(contains(cookie, "Secure"));
    CHECK(http(web.port, "POST", path, form(csrf, ""), kFormType).status == 403);  // once only
    auto session = "Cookie: " + cookie.substr(0, cookie.find(';')) + "\r\n";
    auto overview = http(web.port, "GET", "/", "", session);
    REQUIRE(overview.status == 200);
    auto counts = web.checkout.ctl_json({"status"})["counts"];  // the same rule as status
    CHECK(counts["not_confirmed"].get<int>() >= 1);
    CHECK(contains(overview.body, "card-not-confirmed\">" + std::to_string(counts["not_confirmed"].get<int>()) + "<"));
    CHECK(contains(overview.body, "card-upcoming\">" + std::to_string(counts["upcoming"].get<int>()) + "<"));
    CHECK(contains(overview.body, "09.12.2026"));
    web.restart();
    overview = http(web.port, "GET", "/?lang=ru", "", session);
    REQUIRE(overview.status == 200);
    CHECK(contains(overview.body, "Проведение не подтверждено"));
    for (const auto& p : {"/centre/erkemai", "/district/shalkar", "/calendar?month=2026-12", "/event/erkemai-seminar-1",
                          "/compliance", "/compliance.csv", "/calendar.ics"})
        CHECK(http(web.port, "GET", p, "", session).status == 200);
    auto out = http(web.port, "POST", "/logout", form(csrf_of(overview.body), ""), kFormType + session);
    CHECK(out.status == 303);
    CHECK(http(web.port, "GET", "/", "", session).status == 303);
}

// A director sees their own centre's events only, and may not act on another's.
TEST_CASE("web: a director's dashboard holds their centre only") {
    Web web;
    std::string url = web.checkout.ctl_json({"web-login", "director-bolashak"})["url"];
    auto path = url.substr(url.find("/login/"));
    auto signed_in = http(web.port, "POST", path, form(csrf_of(http(web.port, "GET", path).body), ""), kFormType);
    auto cookie = signed_in.header("set-cookie");
    auto session = "Cookie: " + cookie.substr(0, cookie.find(';')) + "\r\n";
    auto overview = http(web.port, "GET", "/", "", session);
    REQUIRE(overview.status == 200);
    CHECK_FALSE(contains(overview.body, "erkemai-seminar-1"));
    CHECK(http(web.port, "GET", "/event/erkemai-seminar-1", "", session).status == 404);
    CHECK(http(web.port, "GET", "/event/bolashak-master-class-1", "", session).status == 200);
}

// The sign-in page mails a link to an address that is a person's own, at most once a minute per
// person; an unknown address gets the same answer and no mail. The mailed link signs in.
TEST_CASE("web: the sign-in page mails a one-time link") {
    std::unique_ptr<MailServer> mail;
    Web web([&](Checkout& c) {
        mail = std::make_unique<MailServer>(c.dir, std::vector<std::string>{});
        replace_in_file(c.config(), "url = \"smtp://127.0.0.1:25\"", "url = \"" + mail->url() + "\"");
        replace_in_file(c.config(), "tls = \"optional\"", "tls = \"off\"");
    });
    auto page = http(web.port, "GET", "/login");
    REQUIRE(page.status == 200);
    auto csrf = csrf_of(page.body);
    auto asked = http(web.port, "POST", "/login", form(csrf, "email=" + url_encode("Bertleuova@example.org")), kFormType);
    CHECK(asked.status == 200);
    CHECK(contains(asked.body, "role=\"status\""));
    auto unknown = http(web.port, "POST", "/login", form(csrf, "email=" + url_encode("nobody@example.org")), kFormType);
    CHECK(unknown.body == asked.body);  // nobody learns who is in the plan
    REQUIRE(eventually([&] { return mail->messages().size() == 1; }));
    auto message = mail->parsed(mail->messages().front());
    CHECK(message["to"].get<std::string>().find("bertleuova@example.org") != std::string::npos);
    std::smatch m;
    std::string body = message["body"];
    REQUIRE(std::regex_search(body, m, std::regex(R"(http://127\.0\.0\.1:8553(/login/[A-Za-z0-9_-]+))")));
    std::string path = m[1];
    auto signed_in = http(web.port, "POST", path, form(csrf_of(http(web.port, "GET", path).body), ""), kFormType);
    CHECK(signed_in.status == 303);
    CHECK(contains(signed_in.header("set-cookie"), "tarat_session="));
    // A second request within the minute mails nothing more.
    http(web.port, "POST", "/login", form(csrf, "email=bertleuova@example.org"), kFormType);
    CHECK(web.checkout.ctl({"status"}).exit_code == 0);  // the loop has handled the request
    CHECK(mail->messages().size() == 1);
}
