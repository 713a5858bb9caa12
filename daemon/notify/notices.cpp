#include "notify/notices.hpp"

#include "compliance/compliance.hpp"
#include "core/notice_json.hpp"

#include "schedule/event_json.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

namespace tarat {

Notices::Notices(const Setup& setup, const TemplateSet& templates, Store& store)
    : setup_(setup),
      templates_(templates),
      store_(store),
      routing_(setup.config),
      policy_(setup.plan, *setup.calendar, setup.config.notify, routing_) {
    load_links();
}

void Notices::load_links() {
    std::set<std::pair<std::string, std::string>> links;
    for (const auto& link : store_.links()) links.emplace(link.person, link.channel);
    routing_.set_links(std::move(links));
}

void Notices::follow_links(Instant now) {
    load_links();
    sync_all(now);
}

void Notices::drop_told_elsewhere(const std::string& event_id, std::vector<Notice>& derived, Instant now) const {
    auto on_a_link_and_past = [&](const Notice& n) { return n.due <= now && routing_.linked(n.recipient, n.channel); };
    if (!routing_.has_links() || std::none_of(derived.begin(), derived.end(), on_a_link_and_past)) return;
    NoticeFilter filter;
    filter.event_id = event_id;
    std::set<std::string> stored;
    std::set<std::tuple<NoticeKind, std::string, Instant>> told;
    for (const auto& row : store_.notices(filter)) {
        stored.insert(row.notice.key);
        if (row.state == NoticeState::sent) told.emplace(row.notice.kind, row.notice.recipient, row.notice.due);
    }
    std::erase_if(derived, [&](const Notice& n) {
        return on_a_link_and_past(n) && !stored.count(n.key) && told.count({n.kind, n.recipient, n.due});
    });
}

EventFacts Notices::facts_of(const StoredEvent& stored) {
    return {stored.event, stored.state, stored.held_date, stored.reported_date};
}

Instant Notices::horizon_from(Instant now) const {
    const auto& calendar = *setup_.calendar;
    return calendar.local_to_instant(calendar.instant_to_local(now).first + date::days{kNoticeHorizonDays}, 0);
}

DerivedNotices Notices::derive(const StoredEvent& event, std::optional<Instant> from) const {
    return policy_.for_event(facts_of(event), {from, horizon_});
}

Date Notices::reach(Instant horizon) const {
    return setup_.calendar->instant_to_local(horizon).first + date::days{policy_.max_lead_days()};
}

std::optional<DayRange> Notices::events_read_between(Instant from, Instant until, bool with_body) const {
    for (const auto& person : setup_.plan.people)
        if (templates_.shows_digest_sums(NoticeKind::digest, person.locale, with_body)) return std::nullopt;
    const Date from_day = setup_.calendar->instant_to_local(from).first;
    Date first = from_day;  // last_notice_day grows with the day: step back while it still reaches `from`
    while (policy_.last_notice_day(first - date::days{1}) >= from_day) first -= date::days{1};
    return DayRange{first, reach(until)};
}

void Notices::sync_event(const StoredEvent& event, Instant now, const std::optional<std::vector<Notice>>& changes) {
    auto [derived, beyond] = derive(event);
    store_.set_notices_beyond(event.event.id, beyond);
    drop_told_elsewhere(event.event.id, derived, now);
    if (!changes) {
        // Change notices come from commands, not from the event's state: a re-derivation keeps them.
        store_.sync_notices(event.event.id, derived, now, NoticeKind::change);
        return;
    }
    // A new change replaces a change notice that has not gone out yet.
    derived.insert(derived.end(), changes->begin(), changes->end());
    store_.sync_notices(event.event.id, derived, now);
}

void Notices::sync_digests(Instant now) {
    auto digests = policy_.digests({std::nullopt, horizon_}).notices;
    drop_told_elsewhere("", digests, now);
    store_.sync_notices(std::nullopt, digests, now);
}

void Notices::sync_all(Instant now) {
    store_.in_transaction([&] {
        std::set<std::string> pending = store_.events_with_pending_notices();
        // Within a horizon, a planned event dated well after it derives nothing: not even read.
        const auto events = horizon_ ? store_.events_except_planned_from(reach(*horizon_)) : store_.events({});
        for (const auto& e : events) {
            if (pending.erase(e.event.id) > 0) {
                sync_event(e, now);
                continue;
            }
            // Nothing pending (so no change notice to keep): only what is derived can change the
            // outbox, and most of a long plan derives nothing within the horizon.
            auto [derived, beyond] = derive(e);
            store_.set_notices_beyond(e.event.id, beyond);
            drop_told_elsewhere(e.event.id, derived, now);
            if (!derived.empty()) store_.sync_notices(e.event.id, derived, now);
        }
        // The rest with pending rows: an event not read above, or one gone from the store
        // (dropped by the plan), which keeps no pending notice.
        for (const auto& id : pending) {
            if (id.empty()) continue;
            if (auto e = store_.event(id)) sync_event(*e, now);
            else store_.sync_notices(id, {}, now);
        }
        sync_digests(now);
    });
}

void Notices::extend_horizon(Instant horizon, Instant now) {
    if (!horizon_ || horizon <= *horizon_) return;  // what is derived already reaches it
    const Instant before = *horizon_;
    try {
        store_.in_transaction([&] {
            // In sync at `before`: only the events with a notice held back before the new horizon
            // derive more, and the planned ones sync_all did not read then but would now.
            auto events = store_.events_held_back_before(horizon);
            auto reached = store_.planned_between(reach(before), reach(horizon));
            std::set<std::string_view> seen;
            for (const auto& e : events) seen.insert(e.event.id);
            for (auto& e : reached)
                if (!seen.contains(e.event.id)) events.push_back(std::move(e));
            horizon_ = horizon;
            // Every event is in sync at `before`: what it derives due from then on is all it adds.
            for (const auto& e : events) {
                auto [derived, beyond] = derive(e, before);
                store_.set_notices_beyond(e.event.id, beyond);
                drop_told_elsewhere(e.event.id, derived, now);
                store_.add_notices(e.event.id, derived, now);
            }
            // So are the digests: only those due from `before` on are new (a daily sync of every
            // digest of a ten-year plan read them all again each day).
            auto digests = policy_.digests({before, horizon_}).notices;
            drop_told_elsewhere("", digests, now);
            store_.add_notices(std::nullopt, digests, now);
        });
    } catch (...) {
        horizon_ = before;  // as stored: nothing was committed
        throw;
    }
}

// Notices that say the same thing again, each later one truer: the reminders of an event, its
// overdue notice and escalation rounds, a recipient's digests.
bool Notices::later_in_its_series_due(const Notice& n, Instant now) const {
    const bool overdue_series = n.kind == NoticeKind::overdue || n.kind == NoticeKind::escalation;
    return store_.pending_due_between(n.event_id, n.recipient, n.channel,
                                      overdue_series ? NoticeKind::overdue : n.kind,
                                      overdue_series ? NoticeKind::escalation : n.kind, n.due, now);
}

NoticeFacts Notices::true_facts(const Notice& n, const ScheduledEvent& event, Instant now) const {
    NoticeFacts facts = n.facts;
    if (n.kind != NoticeKind::reminder || !facts.lead || facts.lead->unit == Span::Unit::minutes) return facts;
    const auto& calendar = *setup_.calendar;
    const Date today = calendar.instant_to_local(now).first;
    if (facts.lead->unit == Span::Unit::days) {
        facts.lead->count = static_cast<int>((event.date - today).count());
        return facts;
    }
    int left = 0;
    for (Date d = today; d < event.date && left <= kMaxSpanDays; d = calendar.add_working_days(d, 1)) ++left;
    facts.lead->count = left;
    return facts;
}

Prepared Notices::prepare(const OutboxRow& row, Instant now) const {
    Notice n = row.notice;
    // Nothing outside working hours but what may go any time, whenever it was due.
    if (Instant at = policy_.sending_moment(n.kind, now); at > now) return Deferred{at};
    const Person* person = setup_.plan.person(n.recipient);
    if (!person) throw std::runtime_error("recipient '" + n.recipient + "' is no longer in the plan");
    std::optional<StoredEvent> stored;
    if (!n.event_id.empty()) {
        stored = store_.event(n.event_id);
        if (!stored) throw std::runtime_error("event '" + n.event_id + "' is no longer stored");
        // "Tomorrow" after the fact helps nobody; nor does "in 10 days" when "in 3 days" is due too.
        if (n.kind == NoticeKind::reminder &&
            (setup_.calendar->local_to_instant(stored->event.date, stored->event.start_minutes) <= now ||
             later_in_its_series_due(n, now)))
            return Expired{};
        n.facts = true_facts(n, stored->event, now);
    }
    if ((n.kind == NoticeKind::digest || n.kind == NoticeKind::overdue || n.kind == NoticeKind::escalation) &&
        !setup_.config.notify.catch_up_every && later_in_its_series_due(n, now))
        return Expired{};
    OutgoingNotice out;
    out.idempotency_key = n.key;
    out.kind = kind_name(n.kind);
    out.recipient = n.recipient;
    out.address = routing_.address(*person, n.channel);
    if (preview_ && now < preview_->shown_from) return out;
    SendingFacts sending;
    const bool with_body = !preview_ || preview_->bodies;
    std::optional<DigestSummary> week;
    if (n.kind == NoticeKind::digest) {
        const Date day = setup_.calendar->instant_to_local(n.due).first;
        if (templates_.shows_digest_sums(n.kind, person->locale, with_body)) {
            // Every recipient and channel of one week's digest is prepared in one batch: summed once.
            if (!digest_cache_ || digest_cache_->day != day || digest_cache_->generation != store_.generation())
                digest_cache_ = DigestCache{day, store_.generation(), digest_summary(day)};
            sending.digest = &digest_cache_->summary;
        } else {
            sending.digest = &week.emplace(DigestSummary::week_of(day));
        }
    }
    if (n.kind == NoticeKind::overdue || n.kind == NoticeKind::escalation) sending.reminded_count = reminded_before(n, *stored);
    if (stored && event_link) sending.link = event_link(*person, *stored);
    auto context = notice_context(setup_.plan, n, *person, stored ? &stored->event : nullptr,
                                  stored ? std::optional(stored->state) : std::nullopt, sending,
                                  templates_.needs(n.kind, person->locale, with_body));
    auto rendered = templates_.render(n.kind, person->locale, context, with_body);
    out.locale = rendered.locale;
    out.subject = std::move(rendered.subject);
    out.body = std::move(rendered.body);
    if (preview_) return out;
    nlohmann::json data = {{"kind", out.kind},
                           {"recipient", n.recipient},
                           {"due", format_instant_utc(n.due)},
                           {"facts", to_json(n.facts)}};
    if (stored) {
        data["event"] = to_json(stored->event);
        data["event"]["state"] = state_name(stored->state);
    }
    if (!sending.link.empty()) data["links"] = {{"event", sending.link}};
    out.json = data.dump();
    return out;
}

int Notices::reminded_before(const Notice& n, const StoredEvent& stored) const {
    const Centre* centre = setup_.plan.centre(stored.event.centre);
    const std::set<std::string> asked{setup_.plan.coordinator, centre ? centre->director : std::string{}};
    const NoticeKind first_ask = n.facts.missing == NoticeFacts::Missing::report ? NoticeKind::report_due : NoticeKind::held_check;
    auto same_matter = [&](const Notice& o) {
        if (o.kind == first_ask) return true;
        return (o.kind == NoticeKind::overdue || o.kind == NoticeKind::escalation) && o.facts.missing == n.facts.missing;
    };
    NoticeFilter filter;
    filter.state = NoticeState::sent;
    filter.event_id = n.event_id;
    filter.to = n.due;
    std::set<std::pair<NoticeKind, Instant>> times;  // one sending whatever the channel and however many people
    for (const auto& row : store_.notices(filter))
        if (asked.count(row.notice.recipient) && same_matter(row.notice)) times.emplace(row.notice.kind, row.notice.due);
    return static_cast<int>(times.size());
}

OutgoingNotice Notices::test_notice(const Person& person, const std::string& channel, Instant now) const {
    Notice n{notice_key(NoticeKind::test, "", person.id, channel, now), NoticeKind::test, "", person.id, channel, now, {}};
    auto rendered = templates_.render(n.kind, person.locale, notice_context(setup_.plan, n, person, nullptr, std::nullopt));
    OutgoingNotice out;
    out.idempotency_key = n.key;
    out.kind = kind_name(n.kind);
    out.recipient = person.id;
    out.address = routing_.address(person, channel);
    out.locale = rendered.locale;
    out.subject = rendered.subject;
    out.body = rendered.body;
    out.json = nlohmann::json{{"kind", out.kind}, {"recipient", person.id}, {"due", format_instant_utc(now)}}.dump();
    return out;
}

Date Notices::report_due(const StoredEvent& event) const {
    return policy_.report_due_date(event.event, event.held_date.value_or(event.event.date));
}

namespace {

// Adds one event to the counts as compliance's outcome_of places it on the digest's day.
void count(DigestCounts& counts, Outcome outcome, bool due_by_then) {
    if (outcome == Outcome::cancelled) {
        ++counts.cancelled;
        return;
    }
    ++counts.in_plan;
    if (!due_by_then) return;
    ++counts.planned;
    switch (outcome) {
        case Outcome::not_held: ++counts.not_held; return;
        case Outcome::reported_on_time: ++counts.reported_on_time; break;
        case Outcome::reported_late: ++counts.reported_late; break;
        case Outcome::report_missing: ++counts.missing; break;
        case Outcome::held: ++counts.report_pending; break;
        case Outcome::upcoming:  // dated before the day yet upcoming: cannot be, outcome_of says not_held
        case Outcome::cancelled: return;
    }
    ++counts.held;
}

}  // namespace

DigestSummary Notices::digest_summary(Date day) const {
    DigestSummary digest = DigestSummary::week_of(day);
    auto item = [&](const StoredEvent& e) {
        DigestItem it{e.event, e.state, e.held_date, report_due(e), std::nullopt};
        it.reported_date = e.reported_date;
        return it;
    };
    auto in_week = [&](const std::optional<Date>& d) { return d && *d >= digest.from && *d <= digest.to; };
    std::map<std::string, DigestCounts> by_centre;
    // Planned events two weeks ahead or later only count as in the plan: they are not read, but
    // counted below from each centre's number of events less those read here.
    const Date quiet_from = day + date::days{14};
    std::map<std::string, std::size_t> read_per_centre;
    for (const auto& e : store_.events_except_planned_from(quiet_from)) {
        ++read_per_centre[e.event.centre];
        const Date due = report_due(e);
        const Outcome outcome = outcome_of(e, due, day);
        count(digest.compliance, outcome, e.event.date < day);
        count(by_centre[e.event.centre], outcome, e.event.date < day);
        if (e.state == EventState::cancelled) continue;
        if (e.state == EventState::planned && e.event.date >= day && e.event.date < day + date::days{14})
            digest.upcoming.push_back(item(e));
        if (in_week(e.held_date)) digest.held_last_week.push_back(item(e));
        if (outcome == Outcome::reported_late && in_week(e.reported_date)) digest.report_late.push_back(item(e));
        if (e.event.date >= day) continue;
        if (outcome == Outcome::not_held || outcome == Outcome::report_missing) {
            DigestItem late = item(e);
            const bool held = outcome == Outcome::report_missing;
            late.missing = held ? NoticeFacts::Missing::report : NoticeFacts::Missing::held;
            late.days_late = static_cast<int>((day - (held ? due : e.event.date)).count());
            digest.overdue.push_back(late);
            (held ? digest.report_missing : digest.not_confirmed).push_back(std::move(late));
        }
    }
    // Postponed or cancelled during the week, as the history records it, each event once as it stands now.
    const auto& calendar = *setup_.calendar;
    const Instant week_start = calendar.local_to_instant(digest.from, 0), week_end = calendar.local_to_instant(day, 0);
    std::set<std::string> changed;
    for (const auto& row : store_.history(week_start)) {
        if (row.at >= week_end || (row.action != "event.postponed" && row.action != "event.cancelled")) continue;
        const std::string id = row.subject.substr(row.subject.find(':') + 1);
        if (!changed.insert(id).second) continue;
        auto e = store_.event(id);
        if (!e || (e->state != EventState::cancelled && !e->postponed_from)) continue;  // since restored
        DigestItem moved = item(*e);
        if (e->state == EventState::cancelled) moved.reason = e->cancel_reason;
        else moved.previous_date = e->postponed_from;
        digest.postponed_or_cancelled.push_back(std::move(moved));
    }
    const auto centres = store_.centres();
    for (const auto& c : centres) {
        auto read = read_per_centre.find(c.id);
        const auto quiet = static_cast<int>(c.event_count - (read == read_per_centre.end() ? 0 : read->second));
        if (quiet == 0) continue;
        digest.compliance.in_plan += quiet;
        by_centre[c.id].in_plan += quiet;
    }
    for (const auto& c : centres)
        if (c.in_plan || by_centre.count(c.id))
            digest.centres.push_back({c.id, c.name, c.district, c.district_name, by_centre[c.id]});
    NoticeFilter filter;
    filter.state = NoticeState::dead;
    for (const auto& row : store_.notices(filter)) {
        auto event = row.notice.event_id.empty() ? std::nullopt : store_.event(row.notice.event_id);
        digest.dead_notices.push_back({row.notice.kind, row.notice.event_id, event ? event->event.title : "",
                                       row.notice.recipient, row.notice.channel, row.notice.due, row.last_error});
    }
    return digest;
}

}  // namespace tarat
