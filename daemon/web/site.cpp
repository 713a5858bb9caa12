#include "web/site.hpp"

#include "core/atomic_file.hpp"
#include "core/secret_key.hpp"
#include "core/terms.hpp"
#include "core/text.hpp"
#include "lifecycle/rights.hpp"
#include "web/forms.hpp"
#include "web/pages.hpp"
#include "web/views.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <fstream>

namespace tarat::web {

namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace {

constexpr const char* kCookie = "tarat_session";

std::string query_value(const std::string& query, const std::string& name) {
    auto values = parse_urlencoded(query);
    auto it = values.find(name);
    return it == values.end() ? std::string() : it->second;
}

std::string cookie_value(const std::string& header, const std::string& name) {
    std::string_view rest = header;
    while (!rest.empty()) {
        auto semi = rest.find(';');
        auto pair = rest.substr(0, semi);
        while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
        if (pair.substr(0, name.size() + 1) == name + "=") return std::string(pair.substr(name.size() + 1));
        if (semi == std::string_view::npos) break;
        rest.remove_prefix(semi + 1);
    }
    return "";
}

Response redirect(const std::string& to) {
    Response r{303, "text/plain; charset=utf-8", "", {}};
    r.headers.emplace_back("Location", to);
    return r;
}

// An event id as a folder name: anything but letters, digits, '.', '-', '_' becomes '_'.
std::string safe_name(std::string id) {
    for (char& c : id)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') c = '_';
    if (id.empty() || id[0] == '.') id.insert(0, "_");
    return id;
}

std::string human_size(std::size_t bytes) {
    if (bytes >= 1024 * 1024) return std::to_string((bytes + 512 * 1024) / (1024 * 1024)) + " MiB";
    if (bytes >= 1024) return std::to_string((bytes + 512) / 1024) + " KiB";
    return std::to_string(bytes) + " B";
}

std::optional<Date> form_date(const std::string& text) {
    if (auto iso = parse_date(text)) return iso;
    if (text.size() == 10 && text[2] == '.' && text[5] == '.')  // DD.MM.YYYY as people type it
        return parse_date(text.substr(6, 4) + "-" + text.substr(3, 2) + "-" + text.substr(0, 2));
    return std::nullopt;
}

const char* content_type_of(const std::string& name) {
    auto ext = fs::path(name).extension().string();
    if (ext == ".pdf") return "application/pdf";
    if (ext == ".png") return "image/png";
    if (ext == ".jpg") return "image/jpeg";
    if (ext == ".odt") return "application/vnd.oasis.opendocument.text";
    if (ext == ".docx") return "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    return "application/octet-stream";
}

}  // namespace

std::string new_sign_in_link(Store& store, const std::string& base_url, const std::string& person, Instant now) {
    std::string code = fresh_secret();
    store.add_link_code(stored_hash(code), person, "web", now + kSignInLife);
    return base_url + "/login/" + code;
}

Site::Site(Store& store, EventLifecycle& lifecycle, Signer signer, SiteSettings settings, Dispatcher* dispatcher)
    : store_(store),
      lifecycle_(lifecycle),
      signer_(std::move(signer)),
      settings_(std::move(settings)),
      dispatcher_(dispatcher),
      per_address_(settings_.link_requests_per_minute) {}

std::string Site::event_link(const Person& person, const StoredEvent& event) const {
    LinkClaim claim{person.id, event.event.id, event.event.date + date::days(kLinkDays)};
    return settings_.base_url + "/e/" + signer_.link_token(claim);
}

Json Site::layout(const Viewer& viewer, const std::string& title, const Request& request) const {
    Json langs = Json::array();
    for (const char* code : {"kk", "ru", "en"})
        langs.push_back({{"code", code}, {"href", request.path + "?lang=" + code}, {"current", viewer.lang == code}});
    Json out = {{"title", title}, {"langs", langs}};
    if (viewer.session) {
        out["who"] = person_name(lifecycle_.setup().plan, viewer.person);
        out["csrf"] = signer_.csrf(viewer.bearer);
    }
    return out;
}

Response Site::message(const Viewer& viewer, int status, const std::string& heading, const std::string& text) const {
    Request none;
    none.path = "/";
    Json data = {{"heading", heading}, {"text", text}};
    return Response{status, "text/html; charset=utf-8",
                    render_page(PageName::message, viewer.lang, data, layout(viewer, heading, none)), {}};
}

Response Site::denied(const Viewer& viewer, int status) const {
    Request none;
    none.path = "/";
    const Plan& plan = lifecycle_.setup().plan;
    Json data = {{"coordinator", plan.coordinator.empty() ? "" : person_name(plan, plan.coordinator)}};
    return Response{status, "text/html; charset=utf-8",
                    render_page(PageName::denied, viewer.lang, data,
                                layout(viewer, words(viewer.lang)["denied_title"].get<std::string>(), none)),
                    {}};
}

Response Site::too_many(const Viewer& viewer) const {
    auto r = message(viewer, 429, "429", words(viewer.lang)["too_many"].get<std::string>());
    r.headers.emplace_back("Retry-After", "60");
    return r;
}

std::optional<std::string> Site::session_person(const Request& request, std::string* cookie) const {
    std::string value = cookie_value(request.cookie, kCookie);
    if (value.empty() || value.size() > 100) return std::nullopt;
    const Instant now = lifecycle_.clock().now();
    const std::string hash = stored_hash(value);
    std::optional<std::string> person;
    auto& cache = sessions_;
    if (auto it = cache.find(hash); it != cache.end() && it->second.second > now) {
        person = it->second.first;
    } else {
        person = store_.web_session_person(hash, now);
        if (person) {
            if (cache.size() > 10000) cache.clear();
            cache[hash] = {*person, now + std::chrono::minutes(10)};  // read again now and then: expiry
        }
    }
    if (person && !lifecycle_.setup().plan.person(*person)) return std::nullopt;  // no longer in the plan
    if (person && cookie) *cookie = value;
    return person;
}

Response Site::handle(const Request& request) {
    const auto& path = request.path;
    if (request.method != "GET" && request.method != "HEAD" && request.method != "POST")
        return Response{405, "text/plain; charset=utf-8", "method not allowed\n", {{"Allow", "GET, HEAD, POST"}}};
    if (path == "/static/tarat.css")
        return Response{200, "text/css; charset=utf-8", std::string(kStyleSheet), {}};
    if (path.rfind("/e/", 0) == 0) {
        auto slash = path.find('/', 3);
        std::string token = path.substr(3, slash == std::string::npos ? std::string::npos : slash - 3);
        return link_page(request, token, slash == std::string::npos ? "" : path.substr(slash + 1));
    }
    if (path == "/login" || path.rfind("/login/", 0) == 0) return sign_in(request, path.size() > 7 ? path.substr(7) : "");
    if (path == "/logout") return sign_out(request);
    std::string cookie;
    if (auto person = session_person(request, &cookie)) return dashboard(request, *person, cookie);
    if (request.method == "GET" || request.method == "HEAD") return redirect("/login");
    return Response{403, "text/plain; charset=utf-8", "sign in first\n", {}};
}

// ---- the signed link to an event ----

Response Site::link_page(const Request& request, const std::string& token, const std::string& rest) {
    const auto& setup = lifecycle_.setup();
    Viewer viewer{"", pick_lang(query_value(request.query, "lang"), setup.config.locale), token, false};
    if (!per_address_.take("link " + request.address)) return too_many(viewer);
    auto claim = signer_.read_link(token);
    const Person* person = claim ? setup.plan.person(claim->person) : nullptr;
    if (person) viewer.lang = pick_lang(query_value(request.query, "lang"), person->locale);
    if (!claim || !person || claim->expires < lifecycle_.today()) return denied(viewer);
    auto event = store_.event(claim->event_id);
    if (!event || !may_act(setup.plan, person->id, event->event)) return denied(viewer);
    viewer.person = person->id;
    return event_route(request, viewer, "/e/" + token, *event, rest);
}

Response Site::event_route(const Request& request, const Viewer& viewer, const std::string& base,
                           const StoredEvent& event, const std::string& rest) {
    if (request.method == "POST") {
        auto form = parse_form(request.content_type, request.body);
        if (!form || !signer_.csrf_matches(viewer.bearer, form->value("csrf"))) return denied(viewer);
        return act(request, *form, viewer, base, event, rest);
    }
    if (rest.rfind("file/", 0) == 0) return file_download(event, rest.substr(5));
    if (!rest.empty()) return message(viewer, 404, "404", words(viewer.lang)["not_found"].get<std::string>());
    std::string note = query_value(request.query, "done").empty() ? "" : words(viewer.lang)["recorded"].get<std::string>();
    return event_page(viewer, event, base, base + "/file/", note, "", 200, true);
}

Response Site::act(const Request&, const FormData& form_in, const Viewer& viewer, const std::string& base,
                   const StoredEvent& event, const std::string& action) {
    const auto& setup = lifecycle_.setup();
    const FormData* form = &form_in;
    const Actor actor = Actor::via_web(viewer.person);
    const std::string id = event.event.id;
    auto refuse = [&](const std::string& why) {
        return event_page(viewer, event, base, base + "/file/", "", why, 422, true);
    };
    // A form's refusal in the viewer's language, naming what was typed.
    auto refuse_input = [&](const char* word, const std::string& value = "") {
        return refuse(fill(words(viewer.lang)[word].get<std::string>(), {{"value", value}}));
    };
    if ((action == "held" || action == "reported" || action == "postpone") &&
        !may_take(setup.plan, setup.config.inbound, action, viewer.person, event.event))
        return message(viewer, 403, "403", words(viewer.lang)["not_allowed"].get<std::string>());
    LifecycleResult result;
    if (action == "held") {
        HeldInput input;
        input.date = form_date(form->value("date"));
        if (!form->value("date").empty() && !input.date) return refuse_input("not_a_date", form->value("date"));
        if (auto text = form->value("participants"); !text.empty()) {
            std::int64_t n = -1;
            auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
            if (ec != std::errc() || p != text.data() + text.size() || n < 0)
                return refuse_input("not_a_number", text);
            input.participants = n;
        }
        input.note = form->value("note");
        result = lifecycle_.held(actor, id, input);
    } else if (action == "reported") {
        ReportedInput input;
        input.date = form_date(form->value("date"));
        if (!form->value("date").empty() && !input.date) return refuse_input("not_a_date", form->value("date"));
        input.ref = form->value("ref");
        std::optional<fs::path> stored_file;
        if (auto it = form->files.find("report"); it != form->files.end()) {
            const auto& file = it->second;
            if (file.content.size() > kMaxReportBytes) return refuse_input("file_too_big");
            auto kind = report_kind(file.content);
            if (!kind) return refuse_input("file_kind");
            if (event.state != EventState::held) return refuse(explain(viewer.lang, lifecycle_.reported(actor, id, input).why));
            auto [day, minutes] = setup.calendar->instant_to_local(lifecycle_.clock().now());
            std::string stamp = format_date(day) + "-" + format_hhmm(minutes).replace(2, 1, "");
            fs::path dir = settings_.reports_dir / safe_name(id);
            fs::create_directories(dir);
            stored_file = dir / (stamp + "-" + stored_hash(file.content).substr(0, 8) + "." + *kind);
            write_file_atomically(*stored_file, file.content);
            input.file = stored_file->filename().string();
        }
        result = lifecycle_.reported(actor, id, input);
        if (!result.ok() && stored_file) {
            std::error_code ec;
            fs::remove(*stored_file, ec);
        }
    } else if (action == "postpone") {
        PostponeInput input;
        auto to = form_date(form->value("date"));
        if (!to) return refuse_input("not_a_date", form->value("date"));
        input.to = *to;
        input.reason = form->value("reason");
        result = lifecycle_.postpone(actor, id, input);
    } else {
        return message(viewer, 404, "404", words(viewer.lang)["not_found"].get<std::string>());
    }
    if (!result.ok()) {
        auto fresh = store_.event(id);
        return event_page(viewer, fresh ? *fresh : event, base, base + "/file/", "", explain(viewer.lang, result.why), 422,
                          true);
    }
    return redirect(base + "?done=" + action + "&lang=" + viewer.lang);
}

Response Site::event_page(const Viewer& viewer, const StoredEvent& event, const std::string& action_base,
                          const std::string& file_base, const std::string& note, const std::string& error, int status,
                          bool with_forms) {
    const auto& setup = lifecycle_.setup();
    const Date today = lifecycle_.today();
    Json data = {{"event", event_view(setup, event, viewer.lang)},
                 {"message", note},
                 {"error", error},
                 {"action", action_base},
                 {"csrf", signer_.csrf(viewer.bearer)},
                 {"today_iso", format_date(today)}};
    const bool planned = event.state == EventState::planned;
    auto allowed = [&](const char* action) {
        return with_forms && may_take(setup.plan, setup.config.inbound, action, viewer.person, event.event);
    };
    data["can_held"] = allowed("held") && planned && event.event.date <= today;
    data["can_report"] = allowed("reported") && event.state == EventState::held;
    data["can_postpone"] = allowed("postpone") && planned && event.event.date >= today;
    if (data["can_postpone"].get<bool>()) {
        Json days = Json::array();
        for (Date d = setup.calendar->next_working_day_on_or_after(today + date::days(1));
             d <= setup.plan.to && days.size() < 60; d = setup.calendar->next_working_day_on_or_after(d + date::days(1)))
            days.push_back({{"iso", format_date(d)}, {"label", format_dotted(d)}});
        data["working_days"] = days;
    }
    Json files = Json::array();
    std::error_code ec;
    fs::path dir = settings_.reports_dir / safe_name(event.event.id);
    std::vector<fs::directory_entry> entries;
    for (const auto& entry : fs::directory_iterator(dir, ec)) entries.push_back(entry);
    std::sort(entries.begin(), entries.end());
    for (const auto& entry : entries)
        files.push_back({{"name", entry.path().filename().string()},
                         {"href", file_base + entry.path().filename().string()},
                         {"size", human_size(entry.file_size(ec))}});
    data["has_files"] = !files.empty();
    data["files"] = files;
    Json history = Json::array();
    for (const auto& row : store_.history_about("event:" + event.event.id))
        history.push_back({{"at", dotted_moment(*setup.calendar, row.at)}, {"action", row.action},
                           {"detail", row.detail}, {"actor", actor_by_name(setup.plan, row.actor)}});
    data["has_history"] = !history.empty();
    data["history"] = history;
    if (viewer.session) {  // the dashboard also shows who was told what
        NoticeFilter filter;
        filter.event_id = event.event.id;
        Json notices = Json::array();
        for (const auto& row : store_.notices(filter))
            notices.push_back({{"due", dotted_moment(*setup.calendar, row.notice.due)},
                               {"kind", std::string(term(row.notice.kind).in(viewer.lang))},
                               {"recipient", person_name(setup.plan, row.notice.recipient)},
                               {"channel", row.notice.channel},
                               {"state", std::string(term(row.state).in(viewer.lang))}});
        data["has_notices"] = !notices.empty();
        data["notices"] = notices;
    }
    Request here;
    here.path = action_base;
    return Response{status, "text/html; charset=utf-8",
                    render_page(PageName::event, viewer.lang, data, layout(viewer, event.event.title, here)), {}};
}

Response Site::file_download(const StoredEvent& event, const std::string& name) const {
    if (name.empty() || name.find('/') != std::string::npos || name[0] == '.')
        return Response{404, "text/plain; charset=utf-8", "not found\n", {}};
    fs::path file = settings_.reports_dir / safe_name(event.event.id) / name;
    std::ifstream in(file, std::ios::binary);
    if (!in) return Response{404, "text/plain; charset=utf-8", "not found\n", {}};
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return Response{200, content_type_of(name), std::move(content),
                    {{"Content-Disposition", "attachment; filename=\"" + name + "\""}}};
}

// ---- sign-in, sessions ----

void Site::mail_sign_in(const Person& person) {
    const auto& setup = lifecycle_.setup();
    std::string channel;
    for (const auto& c : setup.config.channels)
        if (c.plugin == "smtp") channel = c.name;
    if (channel.empty() || !dispatcher_) {
        spdlog::warn("web: no e-mail channel for {}'s sign-in link", person.id);
        return;
    }
    const Instant now = lifecycle_.clock().now();
    std::string link = new_sign_in_link(store_, settings_.base_url, person.id, now);
    const std::string lang = pick_lang(person.locale, "kk");
    OutgoingNotice out;
    out.idempotency_key = "signin:" + person.id + ":" + format_instant_utc(now);
    out.kind = "signin";
    out.recipient = person.id;
    out.address = person.email;
    out.locale = lang;
    out.subject = words(lang)["sign_in_title"].get<std::string>() + ": tarat";
    out.body = words(lang)["login_confirm"].get<std::string>() + "\n\n" + link + "\n";
    out.json = Json{{"kind", "signin"}, {"recipient", person.id}}.dump();  // never the link: mail only
    dispatcher_->send_now({{channel, out}}, [id = person.id](std::vector<Delivery> results) {
        if (!results.empty() && results[0].status != Delivery::sent)
            spdlog::warn("web: sign-in mail to {} not sent: {}", id, results[0].error);
    });
}

Response Site::sign_in(const Request& request, const std::string& code) {
    const auto& setup = lifecycle_.setup();
    Viewer viewer{"", pick_lang(query_value(request.query, "lang"), setup.config.locale), "login", false};
    if (!per_address_.take("login " + request.address)) return too_many(viewer);
    if (code.empty()) {
        Json data = {{"csrf", signer_.csrf("login")}, {"sent", false}};
        if (request.method == "POST") {
            auto form = parse_form(request.content_type, request.body);
            if (!form || !signer_.csrf_matches("login", form->value("csrf"))) return denied(viewer);
            std::string email = form->value("email");
            std::transform(email.begin(), email.end(), email.begin(), [](unsigned char c) { return std::tolower(c); });
            for (const auto& person : setup.plan.people) {
                std::string own = person.email;
                std::transform(own.begin(), own.end(), own.begin(), [](unsigned char c) { return std::tolower(c); });
                if (!email.empty() && own == email && mails_per_person_.take(person.id)) mail_sign_in(person);
            }
            data["sent"] = true;  // the same answer for an unknown address: nobody learns who is in the plan
        }
        return Response{200, "text/html; charset=utf-8",
                        render_page(PageName::login, viewer.lang, data,
                                    layout(viewer, words(viewer.lang)["sign_in_title"].get<std::string>(), request)),
                        {}};
    }
    if (request.method != "POST") {  // a mail scanner opening the link uses nothing up
        Json data = {{"csrf", signer_.csrf("login/" + code)}, {"action", "/login/" + code}};
        Request here = request;
        here.path = "/login/" + code;
        return Response{200, "text/html; charset=utf-8",
                        render_page(PageName::login_confirm, viewer.lang, data,
                                    layout(viewer, words(viewer.lang)["sign_in_title"].get<std::string>(), here)),
                        {}};
    }
    auto form = parse_form(request.content_type, request.body);
    if (!form || !signer_.csrf_matches("login/" + code, form->value("csrf"))) return denied(viewer);
    const Instant now = lifecycle_.clock().now();
    auto person = store_.take_link_code(stored_hash(code), "web", now);
    if (!person || !setup.plan.person(*person))
        return message(viewer, 403, words(viewer.lang)["sign_in_title"].get<std::string>(),
                       words(viewer.lang)["login_invalid"].get<std::string>());
    std::string session = fresh_secret();
    store_.add_web_session(stored_hash(session), *person, now, now + kSessionLife);
    store_.add_history(now, Actor::via_web(*person).text(), "web.sign_in", "person:" + *person, "");
    auto response = redirect("/");
    std::string cookie = std::string(kCookie) + "=" + session + "; Path=/; Max-Age=" +
                         std::to_string(std::chrono::seconds(kSessionLife).count()) + "; HttpOnly; SameSite=Strict";
    if (settings_.base_url.rfind("https://", 0) == 0) cookie += "; Secure";
    response.headers.emplace_back("Set-Cookie", cookie);
    return response;
}

Response Site::sign_out(const Request& request) {
    Viewer viewer{"", pick_lang(query_value(request.query, "lang"), lifecycle_.setup().config.locale), "", false};
    std::string cookie;
    auto person = session_person(request, &cookie);
    if (request.method != "POST" || !person) return redirect("/login");
    auto form = parse_form(request.content_type, request.body);
    if (!form || !signer_.csrf_matches(cookie, form->value("csrf"))) return denied(viewer);
    store_.remove_web_session(stored_hash(cookie), lifecycle_.clock().now());
    sessions_.erase(stored_hash(cookie));
    auto response = redirect("/login");
    response.headers.emplace_back("Set-Cookie", std::string(kCookie) + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
    return response;
}

}  // namespace tarat::web
