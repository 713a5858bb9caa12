#pragma once
// The web's pages and forms: a person's signed link to an event (GET shows it and the forms they
// may use, never changing anything; POST records held, reported with a report file, or a
// postponement through the lifecycle as "person X via web"), sign-in by a one-time link and
// sessions, and the dashboard (dashboard.cpp). Runs on the loop thread.
#include "lifecycle/lifecycle.hpp"
#include "notify/dispatcher.hpp"
#include "store/store.hpp"
#include "web/forms.hpp"
#include "web/http_server.hpp"
#include "web/rate_limit.hpp"
#include "web/tokens.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>

namespace tarat::web {

struct SiteSettings {
    std::string base_url;                   // without a trailing '/'
    std::filesystem::path reports_dir;      // STATE_DIR/reports: uploaded report files, per event
    double link_requests_per_minute = 30;  // per address, on link and sign-in pages
};

constexpr std::size_t kMaxReportBytes = 20 * 1024 * 1024;
constexpr auto kSignInLife = std::chrono::minutes(15);
constexpr auto kSessionLife = std::chrono::days(30);

// A fresh one-time sign-in link for `person` (15 minutes, once): `taratctl web-login` and the
// sign-in page's e-mail.
std::string new_sign_in_link(Store& store, const std::string& base_url, const std::string& person, Instant now);

class Site {
public:
    Site(Store& store, EventLifecycle& lifecycle, Signer signer, SiteSettings settings, Dispatcher* dispatcher);

    Response handle(const Request& request);

    // BASE/e/TOKEN for `person` and `event`, good until the event's date + 60 days.
    std::string event_link(const Person& person, const StoredEvent& event) const;

    // Who is asking, in which language.
    struct Viewer {
        std::string person;  // "" before sign-in
        std::string lang;
        std::string bearer;  // the link token or the session cookie: the CSRF token is made from it
        bool session = false;
    };

private:
    Response link_page(const Request& request, const std::string& token, const std::string& rest);
    // An event's page under `base` (a link or the dashboard's /event/ID): GET shows it, `rest`
    // file/NAME downloads a report file, POST `rest` (held, reported, postpone) acts.
    Response event_route(const Request& request, const Viewer& viewer, const std::string& base,
                         const StoredEvent& event, const std::string& rest);
    // A form's POST, its CSRF token already checked: held, reported or postpone through the
    // lifecycle; then back to `base` (the link or the dashboard's event page).
    Response act(const Request& request, const FormData& form, const Viewer& viewer, const std::string& base,
                 const StoredEvent& event, const std::string& action);
    Response event_page(const Viewer& viewer, const StoredEvent& event, const std::string& action_base,
                        const std::string& file_base, const std::string& message, const std::string& error, int status,
                        bool with_forms);
    Response file_download(const StoredEvent& event, const std::string& name) const;
    Response sign_in(const Request& request, const std::string& rest);
    Response sign_out(const Request& request);
    Response denied(const Viewer& viewer, int status = 403) const;
    Response message(const Viewer& viewer, int status, const std::string& heading, const std::string& text) const;
    Response too_many(const Viewer& viewer) const;
    nlohmann::json layout(const Viewer& viewer, const std::string& title, const Request& request) const;
    std::optional<std::string> session_person(const Request& request, std::string* cookie = nullptr) const;
    void mail_sign_in(const Person& person);

    // The dashboard (dashboard.cpp): signed-in people only, each seeing what they may act on.
    Response dashboard(const Request& request, const std::string& person, const std::string& cookie);
    Response overview(const Viewer& viewer, const Request& request);
    Response event_list(const Viewer& viewer, const Request& request, bool centre, const std::string& id);
    Response calendar(const Viewer& viewer, const Request& request);
    Response compliance(const Viewer& viewer, const std::string& format);

    Store& store_;
    EventLifecycle& lifecycle_;
    Signer signer_;
    SiteSettings settings_;
    Dispatcher* dispatcher_;
    RateLimit per_address_;
    RateLimit mails_per_person_{1};  // one sign-in mail a minute for each person
    // Sessions already read from the store (cookie hash → person, expiry): the dashboard's requests
    // do not each query SQLite. Sign-out drops its entry; a session is only ever made here.
    mutable std::map<std::string, std::pair<std::string, Instant>> sessions_;
    // The overview's page per person and language, until the store, the day or the setup changes.
    std::map<std::string, std::pair<std::string, std::string>> overview_cache_;  // key → (stamp, body)
};

}  // namespace tarat::web
