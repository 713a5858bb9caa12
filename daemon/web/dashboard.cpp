// The dashboard: the overseer and the coordinator see every event, a director their centre's, a
// district head their district's (lifecycle/rights: the events each may act on). Overview, centre
// and district pages, an event page, a month calendar, the compliance report and the feeds.
#include "web/site.hpp"

#include "compliance/compliance.hpp"
#include "core/terms.hpp"
#include "ctl/report.hpp"
#include "feeds/calendar_feeds.hpp"
#include "lifecycle/rights.hpp"
#include "web/pages.hpp"
#include "web/views.hpp"

#include <algorithm>
#include <set>

namespace tarat::web {

using Json = nlohmann::json;

namespace {

std::string query_lang(const std::string& query) {
    auto values = parse_urlencoded(query);
    auto it = values.find("lang");
    return it == values.end() ? std::string() : it->second;
}

Lang report_lang(const std::string& lang) { return lang == "ru" ? Lang::ru : lang == "en" ? Lang::en : Lang::kk; }

}  // namespace

Response Site::dashboard(const Request& request, const std::string& person, const std::string& cookie) {
    const auto& setup = lifecycle_.setup();
    std::string lang = query_lang(request.query);
    if (lang.empty()) lang = [&] {
        for (std::string_view l : {"kk", "ru", "en"})
            if (request.cookie.find("tarat_lang=" + std::string(l)) != std::string::npos) return std::string(l);
        return std::string();
    }();
    Viewer viewer{person, pick_lang(lang, setup.plan.person(person)->locale), cookie, true};
    const auto& path = request.path;
    Response response;
    if (path == "/" || path.empty()) {
        response = overview(viewer, request);
    } else if (path.rfind("/centre/", 0) == 0) {
        response = event_list(viewer, request, true, path.substr(8));
    } else if (path.rfind("/district/", 0) == 0) {
        response = event_list(viewer, request, false, path.substr(10));
    } else if (path == "/calendar") {
        response = calendar(viewer, request);
    } else if (path == "/compliance" || path == "/compliance.html" || path == "/compliance.csv" || path == "/calendar.ics") {
        response = compliance(viewer, path.substr(path.find('.') == std::string::npos ? path.size() : path.find('.') + 1));
    } else if (path.rfind("/event/", 0) == 0) {
        std::string rest = path.substr(7);
        auto slash = rest.find('/');
        std::string id = rest.substr(0, slash), action = slash == std::string::npos ? "" : rest.substr(slash + 1);
        auto event = store_.event(id);
        if (!event || !may_act(setup.plan, person, event->event))
            return message(viewer, 404, "404", words(viewer.lang)["not_found"].get<std::string>());
        response = event_route(request, viewer, "/event/" + id, *event, action);
    } else {
        response = message(viewer, 404, "404", words(viewer.lang)["not_found"].get<std::string>());
    }
    if (!lang.empty() && lang == viewer.lang)  // the switch is remembered for the next pages
        response.headers.emplace_back("Set-Cookie", "tarat_lang=" + lang + "; Path=/; Max-Age=31536000; SameSite=Strict");
    return response;
}

namespace {

struct Scoped {
    std::vector<StoredEvent> events;  // what the person may act on, by date
};

Scoped visible(const Store& store, const Plan& plan, const std::string& person, const EventFilter& filter = {}) {
    Scoped out;
    for (auto& e : store.events(filter))
        if (may_act(plan, person, e.event)) out.events.push_back(std::move(e));
    return out;
}

Json event_rows(const Setup& setup, const std::vector<StoredEvent>& events, const std::string& lang) {
    Json rows = Json::array();
    for (const auto& e : events) {
        Json view = event_view(setup, e, lang);
        view["href"] = "/event/" + e.event.id;
        rows.push_back(std::move(view));
    }
    return rows;
}

}  // namespace

Response Site::overview(const Viewer& viewer, const Request& request) {
    const auto& setup = lifecycle_.setup();
    const Date today = lifecycle_.today();
    // Rendered once per change of the store, day or setup for each person and language.
    const std::string key = viewer.person + " " + viewer.lang;
    const std::string stamp = std::to_string(store_.generation()) + " " + format_date(today) + " " +
                              std::to_string(reinterpret_cast<std::uintptr_t>(&setup));
    std::string body;
    if (auto it = overview_cache_.find(key); it != overview_cache_.end() && it->second.first == stamp) {
        body = it->second.second;
    } else {
        const Plan& plan = setup.plan;
        auto scoped = visible(store_, plan, viewer.person);
        const auto& notices = lifecycle_.notices();
        int upcoming = 0, not_held = 0, missing = 0, on_time = 0, late = 0;
        Json overdue = Json::array();
        std::vector<StoredEvent> next;
        for (const auto& e : scoped.events) {
            Date due = notices.report_due(e);
            Outcome outcome = outcome_of(e, due, today);
            switch (outcome) {
                case Outcome::upcoming: ++upcoming; break;
                case Outcome::not_held: ++not_held; break;
                case Outcome::report_missing: ++missing; break;
                case Outcome::reported_on_time: ++on_time; break;
                case Outcome::reported_late: ++late; break;
                default: break;
            }
            if (outcome == Outcome::not_held || outcome == Outcome::report_missing) {
                Date from = outcome == Outcome::not_held ? e.event.date : due;
                NoticeFilter filter;
                filter.event_id = e.event.id;
                filter.state = NoticeState::sent;
                std::set<std::string> told;
                for (const auto& row : store_.notices(filter))
                    if (row.notice.kind != NoticeKind::reminder) told.insert(person_name(plan, row.notice.recipient));
                std::string told_text;
                for (const auto& name : told) told_text += (told_text.empty() ? "" : ", ") + name;
                Json row = event_view(setup, e, viewer.lang);
                row["href"] = "/event/" + e.event.id;
                row["status"] = std::string(term(outcome).in(viewer.lang));
                row["days_late"] = std::to_string((today - from).count());
                row["told"] = told_text.empty() ? "—" : told_text;
                row["late_by"] = (today - from).count();
                overdue.push_back(std::move(row));
            }
            if (e.state == EventState::planned && e.event.date >= today && e.event.date <= today + date::days(14))
                next.push_back(e);
        }
        std::stable_sort(overdue.begin(), overdue.end(),
                         [](const Json& a, const Json& b) { return a["late_by"].get<long>() > b["late_by"].get<long>(); });
        int due = on_time + late + missing;
        Json centres = Json::array(), districts = Json::array();
        std::set<std::string> seen_centres, seen_districts;
        for (const auto& e : scoped.events) {
            if (seen_centres.insert(e.event.centre).second)
                if (const Centre* c = plan.centre(e.event.centre)) centres.push_back({{"name", c->name}, {"href", "/centre/" + c->id}});
            std::string d = e.event.district;
            if (seen_districts.insert(d).second)
                if (const District* dd = plan.district(d)) districts.push_back({{"name", dd->name}, {"href", "/district/" + dd->id}});
        }
        std::string heading = words(viewer.lang)["overview"].get<std::string>() + " — " + person_name(plan, viewer.person);
        Json data = {{"heading", heading},
                     {"cards",
                      {{"upcoming", std::to_string(upcoming)},
                       {"not_confirmed", std::to_string(not_held)},
                       {"reports_missing", std::to_string(missing)},
                       {"on_time", due ? std::to_string(on_time * 100 / due) + " %" : "—"}}},
                     {"overdue", overdue},
                     {"has_overdue", !overdue.empty()},
                     {"has_next", !next.empty()},
                     {"centres", centres},
                     {"districts", districts}};
        data["next_rows"] = render_html(std::string(page_source(PageName::event_rows)),
                                        Json{{"rows", event_rows(setup, next, viewer.lang)}, {"t", words(viewer.lang)}});
        body = render_page(PageName::overview, viewer.lang, data, layout(viewer, heading, request));
        overview_cache_[key] = {stamp, body};
    }
    return Response{200, "text/html; charset=utf-8", body, {}};
}

Response Site::event_list(const Viewer& viewer, const Request& request, bool centre, const std::string& id) {
    const auto& setup = lifecycle_.setup();
    EventFilter filter;
    std::string heading;
    if (centre) {
        filter.centre = id;
        const Centre* c = setup.plan.centre(id);
        heading = c ? c->name : id;
    } else {
        filter.district = id;
        const District* d = setup.plan.district(id);
        heading = d ? d->name : id;
    }
    auto scoped = visible(store_, setup.plan, viewer.person, filter);
    Json data = {{"heading", heading}, {"has_rows", !scoped.events.empty()}};
    data["rows_html"] = render_html(std::string(page_source(PageName::event_rows)),
                                    Json{{"rows", event_rows(setup, scoped.events, viewer.lang)}, {"t", words(viewer.lang)}});
    return Response{200, "text/html; charset=utf-8",
                    render_page(PageName::events, viewer.lang, data, layout(viewer, heading, request)), {}};
}

Response Site::calendar(const Viewer& viewer, const Request& request) {
    const auto& setup = lifecycle_.setup();
    const Date today = lifecycle_.today();
    date::year_month month{date::year_month_day{today}.year(), date::year_month_day{today}.month()};
    auto values = parse_urlencoded(request.query);
    if (auto it = values.find("month"); it != values.end())
        if (auto first = parse_date(it->second + "-01")) month = {date::year_month_day{*first}.year(), date::year_month_day{*first}.month()};
    const Date first = date::sys_days{month / 1};
    const Date last = date::sys_days{month / date::last};
    EventFilter filter;
    filter.from = first;
    filter.to = last;
    auto scoped = visible(store_, setup.plan, viewer.person, filter);
    // Weeks from Monday: back from the 1st to its Monday, on to the Sunday after the last day.
    const Date start = first - date::days((date::weekday{first}.c_encoding() + 6) % 7);
    Json weeks = Json::array();
    for (Date week = start; week <= last; week += date::days(7)) {
        Json days = Json::array();
        for (int i = 0; i < 7; ++i) {
            Date d = week + date::days(i);
            Json events = Json::array();
            for (const auto& e : scoped.events)
                if (e.event.date == d)
                    events.push_back({{"title", e.event.title}, {"href", "/event/" + e.event.id}, {"state_code", std::string(state_name(e.state))}});
            days.push_back({{"day", std::to_string(unsigned(date::year_month_day{d}.day()))},
                            {"off", !setup.calendar->is_working_day(d)},
                            {"other", d < first || d > last},
                            {"events", events}});
        }
        weeks.push_back({{"days", days}});
    }
    auto month_text = [](date::year_month ym) {
        char out[16];
        std::snprintf(out, sizeof out, "%04d-%02u", int(ym.year()), unsigned(ym.month()));
        return std::string(out);
    };
    Json data = {{"month", month_label(month_text(month), report_lang(viewer.lang))},
                 {"previous", "/calendar?month=" + month_text(month - date::months(1))},
                 {"next", "/calendar?month=" + month_text(month + date::months(1))},
                 {"weeks", weeks}};
    return Response{200, "text/html; charset=utf-8",
                    render_page(PageName::calendar, viewer.lang, data,
                                layout(viewer, words(viewer.lang)["calendar"].get<std::string>(), request)),
                    {}};
}

Response Site::compliance(const Viewer& viewer, const std::string& format) {
    const auto& setup = lifecycle_.setup();
    if (format == "ics") {
        FeedScope scope{sees_everything(setup.plan, viewer.person) ? FeedScope::Kind::all : FeedScope::Kind::person,
                        viewer.person};
        auto calendar = feed_calendar({setup, lifecycle_.notices().policy(), store_}, scope);
        return Response{200, "text/calendar; charset=utf-8", feeds::render_ics(calendar, lifecycle_.clock().now()),
                        {{"Content-Disposition", "attachment; filename=\"tarat.ics\""}}};
    }
    // The same figures and renderer as `taratctl compliance`, over the events this person sees.
    auto scoped = visible(store_, setup.plan, viewer.person);
    std::set<std::string> centre_ids;
    for (const auto& e : scoped.events) centre_ids.insert(e.event.centre);
    std::vector<StoredCentre> centres;
    for (auto& c : store_.centres())
        if (sees_everything(setup.plan, viewer.person) || centre_ids.count(c.id)) centres.push_back(std::move(c));
    const auto& notices = lifecycle_.notices();
    ComplianceInput input{centres, setup.plan.forms, scoped.events,
                          [&notices](const StoredEvent& s) { return notices.report_due(s); }, lifecycle_.today(),
                          viewer.lang};
    auto info = store_.plan_info();
    const Date first = info ? info->from : input.today, last = info ? info->to : input.today;
    Json reply = compliance_groups(input, "centre");
    reply.update(compliance_detail(input, first, std::max(first, last)));
    reply["by"] = "centre";
    reply["today"] = format_date(input.today);
    reply["period"] = {{"from", format_date(first)}, {"to", format_date(last)}};
    reply["plan"] = info ? Json{{"id", info->id}, {"title", info->title}, {"basis", info->basis}} : Json::object();
    const Lang lang = report_lang(viewer.lang);
    if (format == "csv")
        return Response{200, "text/csv; charset=utf-8", render_report(ReportFormat::csv, reply, lang),
                        {{"Content-Disposition", "attachment; filename=\"compliance.csv\""}}};
    Response r{200, "text/html; charset=utf-8", render_report(ReportFormat::html, reply, lang), {}};
    // The report is one self-contained page: its CSS and SVG are inline; still nothing from elsewhere.
    r.headers.emplace_back("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:");
    if (format == "html") r.headers.emplace_back("Content-Disposition", "attachment; filename=\"compliance.html\"");
    return r;
}

}  // namespace tarat::web
