// The read commands: anyone who can open the socket may ask them.
#include "commands/support.hpp"
#include "compliance/compliance.hpp"
#include "core/text.hpp"
#include "feeds/calendar_feeds.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <tuple>
#include <variant>

namespace tarat::commands {
namespace {

constexpr size_t kNextEventsShown = 10;
// A region's centres, all of them; a national plan's 5,000 made every `status` reply 630 kB, so
// it lists the first ones and counts the rest (each centre's figures: `compliance --by centre`).
constexpr size_t kCentresShown = 100;

Reply bad_request(std::string text) { return {control::bad_request, std::move(text)}; }

// A person's name as the plan writes it, for people reading; the id when the plan has no such person.
std::string person_name(const Context& context, const std::string& id) {
    const Person* person = context.setup().plan.person(id);
    return person ? person->name : id;
}

Reply status(Context& context) {
    auto& store = context.store;
    auto info = store.plan_info();
    json plan = json::object();
    if (info)
        plan = {{"id", info->id},
                {"title", info->title},
                {"basis", info->basis},
                {"timezone", info->timezone},
                {"from", format_date(info->from)},
                {"to", format_date(info->to)},
                {"overseer", info->overseer},
                {"overseer_name", person_name(context, info->overseer)},
                {"coordinator", info->coordinator},
                {"coordinator_name", person_name(context, info->coordinator)}};
    json centres = json::array();
    size_t total = 0, in_plan = 0;
    for (const auto& c : store.centres()) {
        if (!c.in_plan) continue;
        total += c.event_count;
        if (++in_plan > kCentresShown) continue;
        centres.push_back({{"id", c.id},
                           {"name", c.name},
                           {"district", c.district},
                           {"district_name", c.district_name},
                           {"director", c.director},
                           {"events", c.event_count}});
    }
    json next = json::array();
    for (const auto& e : store.upcoming(context.today(), kNextEventsShown)) next.push_back(stored_event_json(e));
    std::string text = info ? "plan " + info->id + ": " + std::to_string(in_plan) + " centres, " +
                                  std::to_string(total) + " events"
                            : std::string("no plan loaded");
    // Two aggregate queries; the outcomes by compliance's one rule.
    const auto outcomes = count_outcomes(
        store.event_groups(), [&](const StoredEvent& e) { return context.notices().report_due(e); }, context.today());
    const auto notices = store.notice_counts();
    json counts = {{"upcoming", outcomes[Outcome::upcoming]},
                   {"not_confirmed", outcomes[Outcome::not_held]},
                   {"reports_missing", outcomes[Outcome::report_missing]},
                   {"pending_notices", notices.pending},
                   {"dead_notices", notices.dead}};
    json last_reload;  // null: no reload since start
    if (context.last_reload && *context.last_reload) {
        const auto& r = **context.last_reload;
        last_reload = {{"at", format_instant_utc(r.at)},
                       {"at_local", local_time_text(context, r.at)},
                       {"by", r.actor},
                       {"taken", r.taken},
                       {"text", r.text}};
    }
    return {control::ok, text,
            {{"plan", plan},
             {"today", format_date(context.today())},
             {"centres", centres},
             {"centres_total", in_plan},  // listed above: the first kCentresShown
             {"next_events", next},
             {"counts", std::move(counts)},
             {"last_reload", std::move(last_reload)}}};
}

// Long lists come in pages, so no reply grows with the database: --limit rows (default 200, at
// most 1,000) after --after CURSOR, the cursor being the last row's key ("next" in the reply).
constexpr std::size_t kDefaultPage = 200, kMaxPage = 1000;

struct PageRequest {
    std::size_t limit = kDefaultPage;
    std::optional<std::string> after;
};

std::optional<Reply> read_page(const json& args, PageRequest& page) {
    if (auto it = args.find("limit"); it != args.end()) {
        if (!it->is_number_unsigned() || it->get<std::uint64_t>() == 0 || it->get<std::uint64_t>() > kMaxPage)
            return bad_request("--limit must be a number from 1 to " + std::to_string(kMaxPage) + ", not " + it->dump());
        page.limit = it->get<std::uint64_t>();
    }
    page.after = string_arg(args, "after");
    return std::nullopt;
}

Reply cursor_not_found(const std::string& after) {
    return {control::not_found,
            "--after '" + utf8_prefix(after, 120) + "' is not in the list (any more); start again without --after"};
}

// Where a page of `count` rows (in their order) starts and ends: after the row whose key
// (`key_at(i)`) is page.after, at most page.limit of them; a cursor no longer in the list is
// refused (the list changed meanwhile).
template <class KeyAt>
std::variant<std::pair<std::size_t, std::size_t>, Reply> page_window(std::size_t count, const PageRequest& page,
                                                                     KeyAt key_at) {
    std::size_t first = 0;
    if (page.after) {
        while (first < count && key_at(first) != *page.after) ++first;
        if (first == count) return cursor_not_found(*page.after);
        ++first;
    }
    return std::pair{first, std::min(count, first + page.limit)};
}

// A page's reply: the rows under `field`, "total" (of the whole list) and "next" (null on the last page).
Reply page_reply(json listed, std::size_t total, bool partial, json next, const char* field, const char* one,
                 const char* many) {
    std::string text = std::to_string(listed.size()) + (listed.size() == 1 ? one : many);
    if (partial) text = std::to_string(listed.size()) + " of " + std::to_string(total) + many;
    return {control::ok, text, {{field, std::move(listed)}, {"total", total}, {"next", std::move(next)}}};
}

// One page of `rows` (in their order), listed under `field` with "total" and "next"; `key_of`
// gives a row's cursor.
template <class Row, class KeyOf, class ToJson>
Reply paged(const std::vector<Row>& rows, const PageRequest& page, KeyOf key_of, ToJson to_json, const char* field,
            const char* one, const char* many) {
    auto window = page_window(rows.size(), page, [&](std::size_t i) { return key_of(rows[i]); });
    if (auto* refusal = std::get_if<Reply>(&window)) return std::move(*refusal);
    const auto [first, last] = std::get<0>(window);
    json listed = json::array();
    for (std::size_t i = first; i < last; ++i) listed.push_back(to_json(rows[i]));
    const bool more = last < rows.size();
    return page_reply(std::move(listed), rows.size(), more || first > 0, more ? json(key_of(rows[last - 1])) : json(),
                      field, one, many);
}

// A page the store read from its cursor: `rows` in their order, "next" the last one's key when
// `more` follow.
template <class Row, class KeyOf, class ToJson>
Reply stored_page(const std::vector<Row>& rows, std::size_t total, bool after_given, bool more, KeyOf key_of,
                  ToJson to_json, const char* field, const char* one, const char* many) {
    json listed = json::array();
    for (const auto& row : rows) listed.push_back(to_json(row));
    return page_reply(std::move(listed), total, after_given || more, more ? json(key_of(rows.back())) : json(), field,
                      one, many);
}

// The ids a filter argument may name, for "unknown centre 'x'; did you mean …".
std::vector<std::string> centre_ids(Context& context) {
    std::vector<std::string> ids;
    for (const auto& c : context.store.centres()) ids.push_back(c.id);
    return ids;
}

std::vector<std::string> district_ids(Context& context) {
    std::vector<std::string> ids;
    for (const auto& c : context.store.centres())
        if (std::find(ids.begin(), ids.end(), c.district) == ids.end()) ids.push_back(c.district);
    return ids;
}

std::vector<std::string> form_ids(Context& context) {
    std::vector<std::string> ids;
    for (const auto& f : context.setup().plan.forms) ids.push_back(f.id);
    for (const auto& e : context.store.events({}))
        if (std::find(ids.begin(), ids.end(), e.event.form) == ids.end()) ids.push_back(e.event.form);
    return ids;
}

// not_found for a filter naming nothing known, else nullopt.
// from/to as given, checked to be in order.
std::optional<Reply> read_period(const json& args, std::optional<Date>& from, std::optional<Date>& to) {
    from = date_arg(args, "from");
    to = date_arg(args, "to");
    if (from && to && *from > *to)
        return bad_request("--from " + format_date(*from) + " is after --to " + format_date(*to));
    return std::nullopt;
}

Reply events(Context& context, const json& args, const control::Peer&) {
    EventFilter filter;
    filter.centre = string_arg(args, "centre");
    filter.district = string_arg(args, "district");
    filter.form = string_arg(args, "form");
    if (filter.centre)
        if (auto refusal = unknown_name("centre", *filter.centre, centre_ids(context))) return *refusal;
    if (filter.district)
        if (auto refusal = unknown_name("district", *filter.district, district_ids(context))) return *refusal;
    if (filter.form)
        if (auto refusal = unknown_name("form", *filter.form, form_ids(context))) return *refusal;
    if (auto state = string_arg(args, "state")) {
        filter.state = parse_state(*state);
        if (!filter.state)
            return bad_request("unknown state '" + *state + "'; it is one of planned, held, reported, cancelled");
    }
    if (auto refusal = read_period(args, filter.from, filter.to)) return *refusal;
    PageRequest page;
    if (auto refusal = read_page(args, page)) return *refusal;
    auto read = context.store.events_page(filter, page.after, page.limit);
    if (!read) return cursor_not_found(*page.after);
    return stored_page(read->events, read->total, page.after.has_value(), read->more,
                       [](const StoredEvent& e) { return e.event.id; }, stored_event_json, "events", " event",
                       " events");
}

// Who confirmed an event held, as people read it: "Name via channel telegram (chat 5)" for a
// person who answered through a channel (F11), else the history's actor as it is.
std::string confirmed_by(const Context& context, const std::string& actor) {
    const std::string prefix = "person ";
    auto via = actor.find(" via ");
    if (actor.rfind(prefix, 0) != 0 || via == std::string::npos) return actor;
    const Person* person = context.setup().plan.person(actor.substr(prefix.size(), via - prefix.size()));
    return person ? person->name + actor.substr(via) : actor;
}

Reply event(Context& context, const json& args, const control::Peer& peer) {
    const std::string id = *string_arg(args, "id");
    auto& store = context.store;
    auto stored = store.event(id);
    if (!stored) return unknown_event(context, id);
    context.lifecycle.note_read(actor_of(peer), id);
    const auto& e = stored->event;
    auto date_or_null = [](const std::optional<Date>& d) { return d ? json(format_date(*d)) : json(); };
    std::string centre_name, district_name;
    for (const auto& c : store.centres())
        if (c.id == e.centre) centre_name = c.name, district_name = c.district_name;
    const Form* form = context.setup().plan.form(e.form);
    json details = {{"audience", e.audience},
                    {"responsible", e.responsible},
                    {"centre_name", centre_name},
                    {"district_name", district_name},
                    {"form_name", form ? json{{"kk", form->name.kk}, {"ru", form->name.ru}, {"en", form->name.en}}
                                       : json()},
                    {"in_plan", stored->in_plan},
                    {"sequence", stored->sequence},
                    {"revision", context.lifecycle.revision(id)},
                    {"held_date", date_or_null(stored->held_date)},
                    {"participants", stored->participants ? json(*stored->participants) : json()},
                    {"reported_date", date_or_null(stored->reported_date)},
                    {"report_ref", stored->report_ref},
                    {"cancel_reason", stored->cancel_reason},
                    {"postponed_from", date_or_null(stored->postponed_from)}};
    if (stored->state != EventState::cancelled)
        details["report_due"] = format_date(
            context.notices().policy().report_due_date(e, stored->held_date.value_or(e.date)));
    json history = json::array();
    for (const auto& row : store.history_about("event:" + id)) {
        history.push_back(history_json(context, row));
        if (row.action == "event.held") details["confirmed_by"] = confirmed_by(context, row.actor);
    }
    NoticeFilter of_event;
    of_event.event_id = id;
    json notices = json::array();
    for (const auto& row : store.notices(of_event)) notices.push_back(notice_json(context, row));
    return {control::ok, id + ": " + std::string(state_name(stored->state)) + ", " + format_date(e.date) + " " +
                             format_hhmm(e.start_minutes),
            {{"event", stored_event_json(*stored)}, {"details", details}, {"history", history}, {"notices", notices}}};
}

Reply notices(Context& context, const json& args, const control::Peer&) {
    NoticeFilter filter;
    bool failed_only = false;
    int chosen = 0;
    for (const char* flag : {"pending", "sent", "failed", "dead"}) {
        if (!args.value(flag, false)) continue;
        ++chosen;
        std::string name = flag;
        if (name == "failed") {
            failed_only = true;
            filter.state = NoticeState::pending;
        } else {
            filter.state = parse_notice_state(name);
        }
    }
    if (chosen > 1) return bad_request("choose one of --pending, --sent, --failed and --dead");
    if (auto id = string_arg(args, "event")) {
        NoticeFilter any_of_event;
        any_of_event.event_id = *id;
        any_of_event.limit = 1;
        if (!context.store.event(*id) && context.store.notices(any_of_event).empty())
            return unknown_event(context, *id);
        filter.event_id = *id;
    }
    if (auto person = string_arg(args, "person")) {
        if (auto refusal = unknown_name("person", *person, person_ids(context))) return *refusal;
        filter.recipient = *person;
    }
    PageRequest page;
    if (auto refusal = read_page(args, page)) return *refusal;
    auto to_json = [&](const OutboxRow& row) { return notice_json(context, row); };
    if (failed_only) {  // is_failed is the rule: the pending ones read, then picked
        auto rows = context.store.notices(filter);
        std::erase_if(rows, [](const OutboxRow& row) { return !is_failed(row); });
        return paged(rows, page, [](const OutboxRow& row) { return row.notice.key; }, to_json, "notices", " notice",
                     " notices");
    }
    auto read = context.store.notices_page(filter, page.after, page.limit);
    if (!read) return cursor_not_found(*page.after);
    return stored_page(read->rows, read->total, page.after.has_value(), read->more,
                       [](const OutboxRow& row) { return row.notice.key; }, to_json, "notices", " notice", " notices");
}

// compliance's groups for one by/from/to, kept while the events, the day and the setup stay: each
// page of a national plan's 5,000 centres counted every event again (0.34 s of the loop), and so
// did the first page after any notice sent or person signed in. The setup is held, so a newer one
// is never taken for it.
struct ComplianceCache {
    std::uint64_t generation = 0;  // Store::events_generation()
    Date today{};
    std::shared_ptr<const Setup> setup;
    std::string asked;
    json groups;  // compliance_groups' reply
};

Reply compliance(Context& context, const json& args, ComplianceCache& cache) {
    const std::string by = string_arg(args, "by").value_or("centre");
    if (by != "centre" && by != "district" && by != "form")
        return bad_request("--by '" + by + "' is none of centre, district, form");
    EventFilter filter;
    if (auto refusal = read_period(args, filter.from, filter.to)) return *refusal;
    PageRequest page;
    if (auto refusal = read_page(args, page)) return *refusal;
    auto& store = context.store;
    const auto& setup = context.setup();
    const auto& notices = context.notices();
    std::optional<ComplianceInput> read;  // every event of the period: only when not kept
    auto input = [&]() -> const ComplianceInput& {
        if (!read)
            read.emplace(ComplianceInput{store.centres(), setup.plan.forms, store.events(filter),
                                         [&notices](const StoredEvent& s) { return notices.report_due(s); },
                                         context.today(), setup.config.locale});
        return *read;
    };
    const std::string asked = by + " " + (filter.from ? format_date(*filter.from) : "") + " " +
                              (filter.to ? format_date(*filter.to) : "");
    if (cache.generation != store.events_generation() || cache.today != context.today() ||
        cache.setup != context.lifecycle.setup_ptr() || cache.asked != asked || cache.groups.is_null()) {
        cache = {store.events_generation(), context.today(), context.lifecycle.setup_ptr(), asked,
                 compliance_groups(input(), by)};
    }
    json reply = cache.groups;
    // A page of the groups, as events and notices come (a national plan's 5,000 centres made a
    // reply of 1 MB); "total" counts every group's events, "groups_total" the groups.
    json& groups = reply["groups"];
    auto window = page_window(groups.size(), page, [&](std::size_t i) { return groups[i]["id"].get<std::string>(); });
    if (auto* refusal = std::get_if<Reply>(&window)) return std::move(*refusal);
    const auto [first, last] = std::get<0>(window);
    reply["groups_total"] = groups.size();
    reply["next"] = last < groups.size() ? groups[last - 1]["id"] : json();
    json listed = json::array();
    for (std::size_t i = first; i < last; ++i) listed.push_back(std::move(groups[i]));
    groups = std::move(listed);
    const json& total = reply["total"];
    auto date_or_null = [](const std::optional<Date>& d) { return d ? json(format_date(*d)) : json(); };
    std::string text = std::to_string(total["planned"].get<int>()) + " events: " +
                       std::to_string(total["held"].get<int>()) + " held, " +
                       std::to_string(total["reported_on_time"].get<int>() + total["reported_late"].get<int>()) +
                       " reported, " + std::to_string(total["report_missing"].get<int>()) + " reports missing";
    reply["by"] = by;
    reply["from"] = date_or_null(filter.from);
    reply["to"] = date_or_null(filter.to);
    reply["today"] = format_date(context.today());
    if (args.value("detail", false)) {
        // The full report: its period is the plan's where the caller gave no bound.
        auto info = store.plan_info();
        const Date first = filter.from.value_or(info ? info->from : context.today());
        const Date last = filter.to.value_or(info ? info->to : context.today());
        reply.update(compliance_detail(input(), first, std::max(first, last)));
        reply["period"] = {{"from", format_date(first)}, {"to", format_date(last)}};
        reply["plan"] = info ? json{{"id", info->id}, {"title", info->title}, {"basis", info->basis}}
                             : json::object();
        // The report's heading and its "prepared by" line: the department, and the coordinator
        // who keeps the plan.
        const Plan& plan = context.setup().plan;
        const Person* coordinator = plan.person(plan.coordinator);
        reply["plan"]["department"] = plan.department;
        reply["plan"]["coordinator_name"] = coordinator ? coordinator->name : plan.coordinator;
        reply["plan"]["coordinator_position"] = coordinator ? coordinator->position : "";
    }
    return {control::ok, std::move(text), std::move(reply)};
}

Reply calendar(Context& context, const json& args, const control::Peer&) {
    const auto& calendar = *context.setup().calendar;
    int year = static_cast<int>(date::year_month_day{context.today()}.year());
    if (auto it = args.find("year"); it != args.end()) {
        if (!it->is_number_integer() || it->get<std::int64_t>() < 2000 || it->get<std::int64_t>() > 2100)
            return bad_request("--year must be between 2000 and 2100, not " + it->dump());
        year = static_cast<int>(it->get<std::int64_t>());
    }
    json days = json::array();
    for (const auto& d : calendar.days_off(year))
        days.push_back({{"date", format_date(d.date)},
                        {"weekday", weekday_name(date::weekday{d.date}.c_encoding())},
                        {"kind", day_kind_name(d.kind)},
                        {"day_off", !calendar.is_working_day(d.date)},
                        {"name", {{"kk", d.name.kk}, {"ru", d.name.ru}, {"en", d.name.en}}},
                        {"status", day_status_name(d.status)},
                        {"note", d.note}});
    const bool computed = calendar.year_is_computed(year);
    return {control::ok,
            std::to_string(year) + ": " + std::to_string(days.size()) + " entries" +
                (computed ? " (computed from the law: no table covers this year)" : ""),
            {{"year", year}, {"computed", computed}, {"days", days}}};
}

Reply history(Context& context, const json& args, const control::Peer&) {
    std::optional<Instant> since;
    if (auto text = string_arg(args, "since")) {
        if (auto day = parse_date(*text)) since = context.setup().calendar->local_to_instant(*day, 0);
        else since = parse_instant(*text);
        if (!since)
            return bad_request("--since '" + *text + "' is neither a date (YYYY-MM-DD) nor an instant "
                               "(2026-12-01T09:00:00+05:00)");
    }
    PageRequest page;
    if (auto refusal = read_page(args, page)) return *refusal;
    auto to_json = [&](const HistoryRow& row) { return history_json(context, row); };
    std::optional<std::int64_t> after;
    if (page.after) {
        // Forward from a row id, oldest first (--all pages this way from "0").
        std::int64_t id = 0;
        auto [end, ec] = std::from_chars(page.after->data(), page.after->data() + page.after->size(), id);
        if (ec != std::errc() || end != page.after->data() + page.after->size())
            return bad_request("--after '" + utf8_prefix(*page.after, 120) + "' is not a history row id");
        after = id;
    }
    const auto read = context.store.history_page(since, after, page.limit);
    const std::size_t count = read.rows.size();
    auto reply = stored_page(read.rows, after ? read.total : count, false, read.more,
                             [](const HistoryRow& row) { return std::to_string(row.id); }, to_json, "history",
                             " history row", " history rows");
    // Without a cursor: the newest rows; "total" counts them all.
    reply.arguments["total"] = read.total;
    if (!after && read.total > count) reply.text = "the last " + reply.text + " of " + std::to_string(read.total);
    return reply;
}

Reply ics(Context& context, const json& args, const control::Peer&) {
    FeedScope scope;
    int chosen = 0;
    for (auto [name, kind] : {std::pair{"centre", FeedScope::Kind::centre}, std::pair{"district", FeedScope::Kind::district},
                              std::pair{"person", FeedScope::Kind::person}}) {
        if (auto id = string_arg(args, name)) {
            ++chosen;
            scope = {kind, *id};
        }
    }
    if (chosen > 1) return bad_request("choose one of --centre, --district and --person");
    std::optional<Reply> refusal;
    if (scope.kind == FeedScope::Kind::centre) refusal = unknown_name("centre", scope.id, centre_ids(context));
    if (scope.kind == FeedScope::Kind::district) refusal = unknown_name("district", scope.id, district_ids(context));
    if (scope.kind == FeedScope::Kind::person) refusal = unknown_name("person", scope.id, person_ids(context));
    if (refusal) return *refusal;
    auto calendar = feed_calendar({context.setup(), context.notices().policy(), context.store}, scope);
    const auto count = calendar.events.size();
    return {control::ok, std::to_string(count) + (count == 1 ? " event" : " events") + " in '" + calendar.name + "'",
            {{"name", calendar.name},
             {"events", count},
             {"ics", feeds::render_ics(calendar, context.clock().now())}}};
}

// `plan`: the placed and tracked events as the official table (taratctl writes it as XLSX, HTML
// or CSV): names for every id, the centre's address, and who approves and who drew it up.
Reply plan_table(Context& context, const json& args, const control::Peer&) {
    EventFilter filter;
    filter.centre = string_arg(args, "centre");
    if (filter.centre)
        if (auto refusal = unknown_name("centre", *filter.centre, centre_ids(context))) return *refusal;
    if (auto refusal = read_period(args, filter.from, filter.to)) return *refusal;
    const Plan& plan = context.setup().plan;
    auto person = [&](const std::string& id) {
        const Person* p = plan.person(id);
        return json{{"id", id}, {"name", p ? p->name : id}, {"position", p ? p->position : ""}};
    };
    // In pages only when asked (limit or after): taratctl follows them for a national plan's table,
    // too large for one reply; a caller that asks for no page still gets every row at once.
    const bool in_pages = args.contains("limit") || args.contains("after");
    PageRequest page;
    if (in_pages)
        if (auto refusal = read_page(args, page)) return *refusal;
    std::optional<EventPage> read;
    if (in_pages) {
        read = context.store.events_page(filter, page.after, page.limit);
        if (!read) return cursor_not_found(*page.after);
    } else {
        read.emplace();
        read->events = context.store.events(filter);
        read->total = read->events.size();
    }
    json rows = json::array();
    for (const auto& stored : read->events) {
        const auto& e = stored.event;
        const Centre* centre = plan.centre(e.centre);
        const Form* form = plan.form(e.form);
        rows.push_back({{"id", e.id},
                        {"title", e.title},
                        {"form", e.form},
                        {"form_name", {{"kk", form ? form->name.in("kk") : e.form},
                                       {"ru", form ? form->name.in("ru") : e.form},
                                       {"en", form ? form->name.in("en") : e.form}}},
                        {"centre", e.centre},
                        {"centre_name", centre ? centre->name : e.centre},
                        {"address", centre ? centre->address : ""},
                        {"date", format_date(e.date)},
                        {"start", format_hhmm(e.start_minutes)},
                        {"end", format_hhmm(e.end_minutes)},
                        {"responsible", e.responsible},
                        {"responsible_name", person(e.responsible)["name"]},
                        {"audience", e.audience},
                        {"state", state_name(stored.state)}});
    }
    const auto count = rows.size();
    std::string text = std::to_string(count) + (count == 1 ? " event" : " events");
    if (page.after || read->more) text = std::to_string(count) + " of " + std::to_string(read->total) + " events";
    json next = read->more ? json(read->events.back().event.id) : json();
    return {control::ok, std::move(text),
            {{"plan", {{"id", plan.id},
                       {"title", plan.title},
                       {"basis", plan.basis},
                       {"from", format_date(plan.from)},
                       {"to", format_date(plan.to)},
                       {"overseer", person(plan.overseer)},
                       {"coordinator", person(plan.coordinator)}}},
             {"from", filter.from ? json(format_date(*filter.from)) : json()},
             {"to", filter.to ? json(format_date(*filter.to)) : json()},
             {"centre", filter.centre ? json(*filter.centre) : json()},
             {"rows", std::move(rows)},
             {"total", read->total},
             {"next", std::move(next)}}};
}

}  // namespace

void add_read_handlers(Context& context, Handlers& handlers) {
    // `status` is what everybody asks most: answered from a copy until the store's state, the day or
    // the last reload changes (a chat answered or an audit line written leaves the copy good).
    struct StatusCache {
        std::optional<std::tuple<std::uint64_t, Date, std::uint64_t>> made_at;  // store state, today, reload
        Reply reply;
    };
    auto cache = std::make_shared<StatusCache>();
    handlers["status"] = Handler{[&context, cache](const json&, const control::Peer&) {
                                     const bool reloaded = context.last_reload && *context.last_reload;
                                     std::tuple<std::uint64_t, Date, std::uint64_t> now{
                                         context.store.state_generation(), context.today(),
                                         reloaded ? (*context.last_reload)->number : 0};
                                     if (cache->made_at != now) {
                                         cache->reply = control::encoded_once(status(context));
                                         cache->made_at = now;
                                     }
                                     return cache->reply;
                                 },
                                 nullptr};
    handlers["events"] = bind(context, events);
    handlers["event"] = bind(context, event);
    handlers["notices"] = bind(context, notices);
    auto kept_groups = std::make_shared<ComplianceCache>();
    handlers["compliance"] = Handler{[&context, kept_groups](const json& args, const control::Peer&) {
                                         return compliance(context, args, *kept_groups);
                                     },
                                     nullptr};
    handlers["calendar"] = bind(context, calendar);
    handlers["history"] = bind(context, history);
    handlers["plan"] = bind(context, plan_table);
    handlers["ics"] = bind(context, ics);
}

}  // namespace tarat::commands
