#include "feeds/calendar_feeds.hpp"

#include "core/atomic_file.hpp"
#include "core/terms.hpp"
#include "core/text.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <set>

namespace tarat {
namespace {

// The words of an event's DESCRIPTION, in the config's language; "cancelled" is the catalogue's.
struct DescriptionWords {
    const char* audience;
    const char* responsible;
    const char* postponed_from;
};

const DescriptionWords& words_in(const std::string& locale) {
    static const DescriptionWords kk{"Қатысушылар", "Жауапты", "Кейінге қалдырылды, бұрынғы күні"};
    static const DescriptionWords ru{"Участники", "Ответственный", "Перенесено, прежняя дата"};
    static const DescriptionWords en{"Audience", "Responsible", "Postponed from"};
    return locale == "ru" ? ru : locale == "en" ? en : kk;
}

// An event as the feeds show it, and whom it concerns.
struct FeedEntry {
    feeds::IcsEvent ics;
    std::string centre;
    std::string district;
    std::set<std::string> people;
};

// The moments the event's reminders go out, as the notice policy derives them for a planned
// event, each as a VALARM relative to the start (TRIGGER:-P…): a working-day offset has no fixed
// length, so the duration is this event's own (re-derived, with SEQUENCE bumped, on every move).
std::vector<feeds::IcsAlarm> reminder_alarms(const FeedInputs& in, const StoredEvent& stored, const std::string& summary) {
    std::vector<feeds::IcsAlarm> alarms;
    if (stored.state == EventState::cancelled) return alarms;
    EventFacts planned{stored.event, EventState::planned, std::nullopt, std::nullopt};
    const Instant starts = in.setup.calendar->local_to_instant(stored.event.date, stored.event.start_minutes);
    std::set<Instant> dues;
    for (const auto& n : in.policy.for_event(planned).notices)
        if (n.kind == NoticeKind::reminder && n.due < starts) dues.insert(n.due);
    for (auto due = dues.rbegin(); due != dues.rend(); ++due)  // the nearest reminder first
        alarms.push_back({starts - *due, summary});
    return alarms;
}

// The centre's director, from the plan or, for a centre it dropped, as stored.
std::string_view director_of(const Plan& plan, const std::vector<StoredCentre>& centres, const std::string& centre_id) {
    if (const Centre* centre = plan.centre(centre_id)) return centre->director;
    for (const auto& c : centres)
        if (c.id == centre_id) return c.director;
    return {};
}

// Whom an event concerns: its centre's director, its district's head and whoever answers for it
// (each may be empty). Views into the plan, the centres and the event.
std::array<std::string_view, 3> people_of(const Plan& plan, const std::vector<StoredCentre>& centres,
                                          const ScheduledEvent& e) {
    const District* district = plan.district(e.district);
    return {director_of(plan, centres, e.centre), district ? std::string_view(district->head) : std::string_view(),
            e.responsible};
}

bool concerns(const Plan& plan, const std::vector<StoredCentre>& centres, const ScheduledEvent& e,
              const std::string& person) {
    const auto people = people_of(plan, centres, e);
    return std::find(people.begin(), people.end(), person) != people.end();
}

FeedEntry entry_of(const FeedInputs& in, const StoredEvent& stored, const std::vector<StoredCentre>& centres) {
    const auto& setup = in.setup;
    const auto& plan = setup.plan;
    const auto& e = stored.event;
    const auto& words = words_in(setup.config.locale);
    FeedEntry entry;
    entry.centre = e.centre;
    entry.district = e.district;
    for (auto person : people_of(plan, centres, e))
        if (!person.empty()) entry.people.emplace(person);
    auto& ics = entry.ics;
    ics.uid = e.id + "@" + plan.id + ".tarat";
    ics.sequence = stored.sequence;
    ics.cancelled = stored.state == EventState::cancelled;
    ics.date = e.date;
    ics.start_minutes = e.start_minutes;
    ics.end_minutes = e.end_minutes;
    const Form* form = plan.form(e.form);
    const std::string form_name = form ? form->name.in(setup.config.locale) : e.form;
    ics.summary = e.title.empty() ? form_name : e.title;

    const std::string director(director_of(plan, centres, e.centre));
    if (const Centre* centre = plan.centre(e.centre)) {
        ics.location = centre->name + (centre->address.empty() ? "" : ", " + centre->address);
    } else {
        for (const auto& c : centres)
            if (c.id == e.centre) ics.location = c.name;
    }

    std::vector<std::string> lines{form_name};
    if (!e.audience.empty()) lines.push_back(std::string(words.audience) + ": " + e.audience);
    if (const Person* responsible = plan.person(e.responsible.empty() ? director : e.responsible))
        lines.push_back(std::string(words.responsible) + ": " + responsible->name +
                        (responsible->position.empty() ? "" : ", " + responsible->position));
    if (stored.postponed_from) lines.push_back(std::string(words.postponed_from) + ": " + format_date(*stored.postponed_from));
    if (ics.cancelled)
        lines.push_back(capitalized(term(EventState::cancelled).in(setup.config.locale)) +
                        (stored.cancel_reason.empty() ? "" : ": " + stored.cancel_reason));
    for (const auto& line : lines) ics.description += (ics.description.empty() ? "" : "\n") + line;
    ics.alarms = reminder_alarms(in, stored, ics.summary);
    return entry;
}

bool sees_everything(const Plan& plan, const std::string& person) {
    return person == plan.overseer || person == plan.coordinator;
}

std::string calendar_name(const FeedInputs& in, const FeedScope& scope) {
    const auto& plan = in.setup.plan;
    switch (scope.kind) {
        case FeedScope::Kind::all: return plan.title.empty() ? plan.id : plan.title;
        case FeedScope::Kind::centre:
            if (const Centre* c = plan.centre(scope.id)) return c->name;
            break;
        case FeedScope::Kind::district:
            if (const District* d = plan.district(scope.id)) return d->name;
            break;
        case FeedScope::Kind::person:
            if (const Person* p = plan.person(scope.id)) return p->name;
            break;
    }
    return scope.id;
}

// The entries `at` (in the order given) as the calendar of `scope`.
feeds::IcsCalendar calendar_of(const FeedInputs& in, const std::vector<FeedEntry>& entries,
                               const std::vector<std::size_t>& at, const FeedScope& scope) {
    const auto& plan = in.setup.plan;
    feeds::IcsCalendar calendar{calendar_name(in, scope), plan.timezone, plan.from, {}};
    for (std::size_t i : at) calendar.events.push_back(entries[i].ics);
    return calendar;
}

// Every feed the daemon publishes, by file name. Each event's entry is made once and filed under
// its centre, district and people: a national plan has 15,000 feeds over 100,000 events.
std::map<std::string, feeds::IcsCalendar> feeds_from(const FeedInputs& in, const std::vector<StoredEvent>& events) {
    const auto& plan = in.setup.plan;
    const auto centres = in.store.centres();
    std::vector<FeedEntry> entries;
    std::vector<std::size_t> every;
    std::map<std::string, std::vector<std::size_t>> by_centre, by_district, by_person;
    for (const auto& stored : events) {
        const std::size_t i = entries.size();
        const FeedEntry& entry = entries.emplace_back(entry_of(in, stored, centres));
        every.push_back(i);
        by_centre[entry.centre].push_back(i);
        by_district[entry.district].push_back(i);
        for (const auto& person : entry.people) by_person[person].push_back(i);
    }
    std::map<std::string, feeds::IcsCalendar> feeds;
    feeds["all.ics"] = calendar_of(in, entries, every, {});
    for (const auto& c : plan.centres)
        feeds["centre-" + c.id + ".ics"] = calendar_of(in, entries, by_centre[c.id], {FeedScope::Kind::centre, c.id});
    for (const auto& d : plan.districts)
        feeds["district-" + d.id + ".ics"] =
            calendar_of(in, entries, by_district[d.id], {FeedScope::Kind::district, d.id});
    for (const auto& p : plan.people) {
        const auto& theirs = sees_everything(plan, p.id) ? every : by_person[p.id];
        feeds["person-" + p.id + ".ics"] = calendar_of(in, entries, theirs, {FeedScope::Kind::person, p.id});
    }
    return feeds;
}

}  // namespace

feeds::IcsCalendar feed_calendar(const FeedInputs& in, const FeedScope& scope) {
    // Only the events in scope get an entry (its alarms derive the event's notices): a centre's or
    // a district's are read by their index, a person's picked by whom each event concerns.
    const auto& plan = in.setup.plan;
    EventFilter filter;
    if (scope.kind == FeedScope::Kind::centre) filter.centre = scope.id;
    if (scope.kind == FeedScope::Kind::district) filter.district = scope.id;
    const bool everyone = scope.kind != FeedScope::Kind::person || sees_everything(plan, scope.id);
    const auto centres = in.store.centres();
    std::vector<FeedEntry> entries;
    std::vector<std::size_t> at;
    for (const auto& stored : in.store.events(filter))
        if (everyone || concerns(plan, centres, stored.event, scope.id)) {
            at.push_back(entries.size());
            entries.push_back(entry_of(in, stored, centres));
        }
    return calendar_of(in, entries, at, scope);
}

std::vector<FeedPublisher::EventInputs> FeedPublisher::inputs_of(const std::vector<StoredEvent>& events) {
    std::vector<EventInputs> inputs;
    for (const auto& e : events) inputs.push_back({e.event, e.state, e.sequence, e.postponed_from, e.cancel_reason});
    return inputs;
}

void FeedPublisher::publish(const FeedInputs& in, Instant now, bool setup_changed) {
    const auto& dir = in.setup.config.feeds_dir;
    if (dir.empty()) return;
    if (dir_ != dir) written_.clear(), built_from_.reset();  // a new folder (reload) gets every feed
    if (setup_changed) built_from_.reset();
    dir_ = dir;
    try {
        const auto events = in.store.events({});
        auto inputs = inputs_of(events);
        if (built_from_ == inputs) return;
        std::filesystem::create_directories(dir);
        const Instant stamp = now;
        size_t count = 0;
        for (auto& [name, calendar] : feeds_from(in, events)) {
            auto known = written_.find(name);
            if (known != written_.end() && known->second == calendar) continue;
            write_file_atomically(dir / name, feeds::render_ics(calendar, stamp), 0644, ModeRule::exact);
            written_[name] = std::move(calendar);
            ++count;
        }
        built_from_ = std::move(inputs);
        if (count > 0) spdlog::info("feeds: wrote {} calendar file(s) in {}", count, dir.string());
    } catch (const std::exception& e) {
        spdlog::error("feeds: cannot publish in {}: {}", dir.string(), e.what());
    }
}

}  // namespace tarat
