// The web's parts without a server: signed links and CSRF tokens, form and multipart parsing,
// report files judged by content, rate limits, and paths as the log shows them.
#include "config/config.hpp"
#include "web/forms.hpp"
#include "web/http_server.hpp"
#include "web/rate_limit.hpp"
#include "web/tokens.hpp"
#include "web/views.hpp"

#include <catch2/catch.hpp>

using namespace tarat;
using namespace tarat::web;

// A link reads back as signed; any change to it, or another key, is refused.
TEST_CASE("web: link tokens are signed and tamper-evident") {
    Signer signer(std::string(32, 'k'));
    LinkClaim claim{"director-erkemai", "erkemai-seminar-1", *parse_date("2027-02-07")};
    auto token = signer.link_token(claim);
    auto read = signer.read_link(token);
    REQUIRE(read);
    CHECK(read->person == claim.person);
    CHECK(read->event_id == claim.event_id);
    CHECK(read->expires == claim.expires);
    for (std::size_t i = 0; i < token.size(); i += 7) {
        auto changed = token;
        changed[i] = changed[i] == 'A' ? 'B' : 'A';
        if (changed != token) CHECK_FALSE(signer.read_link(changed));
    }
    CHECK_FALSE(Signer(std::string(32, 'j')).read_link(token));
    CHECK_FALSE(signer.read_link(""));
    CHECK_FALSE(signer.read_link("."));
    CHECK(signer.csrf_matches(token, signer.csrf(token)));
    CHECK_FALSE(signer.csrf_matches(token, ""));
    CHECK_FALSE(signer.csrf_matches(token, signer.csrf(token + "x")));
}

// URL-encoded forms and multipart bodies with a file come apart into fields and files.
TEST_CASE("web: forms and multipart bodies are parsed") {
    auto fields = parse_urlencoded("date=2026-12-09&participants=40&note=%D0%B0+b&bad=%zz&date=2");
    CHECK(fields["date"] == "2026-12-09");
    CHECK(fields["note"] == "а b");
    CHECK(fields["bad"] == "%zz");
    const std::string body =
        "--XX\r\nContent-Disposition: form-data; name=\"ref\"\r\n\r\n№ 1\r\n"
        "--XX\r\nContent-Disposition: form-data; name=\"report\"; filename=\"a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
        "%PDF-1.4\r\n--XY\r\n"
        "--XX--\r\n";
    auto form = parse_form("multipart/form-data; boundary=XX", body);
    REQUIRE(form);
    CHECK(form->value("ref") == "№ 1");
    REQUIRE(form->files.count("report"));
    CHECK(form->files["report"].content == "%PDF-1.4\r\n--XY");
    CHECK(form->files["report"].filename == "a.pdf");
    CHECK_FALSE(parse_form("multipart/form-data; boundary=XX", "--XX\r\nnonsense"));
    CHECK_FALSE(parse_form("text/plain", "a=b"));
}

// Reports are PDF, DOCX, ODT, JPEG or PNG by their bytes, whatever their name says.
TEST_CASE("web: report files are judged by content") {
    CHECK(report_kind("%PDF-1.7\n...") == "pdf");
    CHECK(report_kind(std::string("\x89PNG\r\n\x1a\n", 8) + "....") == "png");
    CHECK(report_kind("\xFF\xD8\xFF\xE0....") == "jpg");
    std::string odt = std::string("PK\x03\x04", 4) + std::string(26, '\0') + "mimetypeapplication/vnd.oasis.opendocument.text";
    CHECK(report_kind(odt) == "odt");
    std::string docx = std::string("PK\x03\x04", 4) + std::string(26, '\0') + "[Content_Types].xml....word/document.xml";
    CHECK(report_kind(docx) == "docx");
    CHECK_FALSE(report_kind(std::string("PK\x03\x04", 4) + std::string(60, '\0')));  // a ZIP that is no document
    CHECK_FALSE(report_kind(std::string("\x7f" "ELF\x02\x01\x01", 7)));
    CHECK_FALSE(report_kind("#!/bin/sh\nrm -rf /\n"));
    CHECK_FALSE(report_kind("MZ\x90\x00"));
}

// 30 a minute per key, then refused until the bucket refills; other keys are not affected.
TEST_CASE("web: per-address rate limits refill over time") {
    RateLimit limit(30);
    auto t0 = RateLimit::Clock::time_point{};
    int taken = 0;
    for (int i = 0; i < 40; ++i) taken += limit.take("a", t0);
    CHECK(taken == 30);
    CHECK(limit.take("b", t0));
    CHECK_FALSE(limit.take("a", t0 + std::chrono::seconds(1)));
    CHECK(limit.take("a", t0 + std::chrono::seconds(3)));
}

// The history's actors show people by name.
TEST_CASE("web: history actors by name") {
    Plan plan;
    plan.people.push_back(Person{"director-erkemai", "«Еркемай» меңгерушісі", "", "kk", "", "", "", {}, {}});
    CHECK(actor_by_name(plan, "person director-erkemai via web") == "«Еркемай» меңгерушісі via web");
    CHECK(actor_by_name(plan, "person someone via web") == "someone via web");
    CHECK(actor_by_name(plan, "taratd:start") == "taratd:start");
}

// Tokens never reach the log: the segment after /e/ and /login/ is cut out.
TEST_CASE("web: logged paths hide tokens") {
    CHECK(loggable_path("/e/abc.def/held") == "/e/…/held");
    CHECK(loggable_path("/e/abc.def") == "/e/…");
    CHECK(loggable_path("/login/secret") == "/login/…");
    CHECK(loggable_path("/calendar") == "/calendar");
}

// [web]: off without listen; listen needs base_url; a listen that is neither HOST:PORT nor
// unix:/PATH and a base_url without http(s) are errors at their line.
TEST_CASE("web: the [web] table of tarat.toml") {
    auto load = [](const std::string& web, Diagnostics& d) {
        return load_config_text("[daemon]\nplan = \"plan.toml\"\n" + web, "/etc/tarat/tarat.toml", d);
    };
    Diagnostics d;
    auto off = load("", d);
    REQUIRE(off);
    CHECK_FALSE(off->web.on());
    auto on = load("[web]\nlisten = \"unix:/run/tarat/web.sock\"\nbase_url = \"https://tarat.example.kz/\"\n", d);
    REQUIRE(on);
    CHECK(on->web.on());
    CHECK(on->web.base_url == "https://tarat.example.kz");
    CHECK(on->web.secret_file == "web.key");
    for (const char* bad : {"[web]\nlisten = \"127.0.0.1:8553\"\n", "[web]\nlisten = \"8553\"\nbase_url = \"http://x\"\n",
                            "[web]\nlisten = \"127.0.0.1:8553\"\nbase_url = \"ftp://x\"\n", "[web]\nport = 1\n"}) {
        Diagnostics errors;
        INFO(bad);
        CHECK_FALSE(load(bad, errors));
        CHECK(errors.has_errors());
    }
}
