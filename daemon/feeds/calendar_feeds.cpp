#include "feeds/calendar_feeds.hpp"

#include "core/atomic_file.hpp"
#include "core/terms.hpp"
#include "core/text.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace tarat {
namespace {

constexpr std::size_t kWriteSize = std::size_t{1} << 20;  // a feed goes to its file in pieces of 1 MiB

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
    feeds::IcsCalendar calendar{calendar_name(in, scope), plan.timezone, plan.from, {}};
    for (const auto& stored : in.store.events(filter))
        if (everyone || concerns(plan, centres, stored.event, scope.id))
            calendar.events.push_back(entry_of(in, stored, centres).ics);
    return calendar;
}

bool FeedPublisher::keep(const FeedInputs& in, const std::vector<StoredEvent>& events, Instant now,
                         bool setup_changed) {
    bool changed = events.size() != kept_.size();
    std::optional<std::vector<StoredCentre>> centres;  // read when an entry is made
    std::unordered_set<std::string_view> present;
    for (const auto& stored : events) {
        present.insert(stored.event.id);
        EventInputs inputs{stored.event, stored.state, stored.sequence, stored.postponed_from, stored.cancel_reason};
        auto [at, added] = kept_.try_emplace(stored.event.id);
        Kept& kept = at->second;
        if (!added && !setup_changed && kept.inputs == inputs) continue;
        if (!centres) centres = in.store.centres();
        FeedEntry entry = entry_of(in, stored, *centres);
        kept.inputs = std::move(inputs);
        kept.people.assign(entry.people.begin(), entry.people.end());
        // The text names the zone (TZID) too, which the event itself does not hold.
        if (added || !(entry.ics == kept.ics) || kept.timezone != in.setup.plan.timezone) {
            kept.timezone = in.setup.plan.timezone;
            kept.text = feeds::ics_event(entry.ics, kept.timezone, now);
            kept.ics = std::move(entry.ics);
            kept.version = ++last_version_;
            changed = true;
        }
    }
    std::erase_if(kept_, [&](const auto& k) { return !present.contains(k.first); });
    return changed || setup_changed;
}

void FeedPublisher::publish(const FeedInputs& in, Instant now, bool setup_changed) {
    const auto& dir = in.setup.config.feeds_dir;
    if (dir.empty()) return;
    if (dir_ != dir) written_.clear(), kept_.clear();  // a new folder (reload) gets every feed
    dir_ = dir;
    try {
        const auto events = in.store.events({});
        // Nothing to do when no entry changed, once every feed is written.
        if (!keep(in, events, now, setup_changed) && !written_.empty()) return;
        // Each feed's events in the store's order, filed by centre, district and person.
        const auto& plan = in.setup.plan;
        std::vector<const Kept*> every;
        std::unordered_map<std::string_view, std::vector<const Kept*>> by_centre, by_district, by_person;
        for (const auto& stored : events) {
            const Kept* kept = &kept_.at(stored.event.id);
            every.push_back(kept);
            by_centre[stored.event.centre].push_back(kept);
            by_district[stored.event.district].push_back(kept);
            for (const auto& person : kept->people) by_person[person].push_back(kept);
        }
        std::filesystem::create_directories(dir);
        size_t count = 0;
        auto write = [&](const std::string& file, const FeedScope& scope, const std::vector<const Kept*>& those) {
            Written now_written{calendar_name(in, scope), plan.timezone, plan.from, {}};
            for (const Kept* k : those) now_written.versions.push_back(k->version);
            auto known = written_.find(file);
            if (known != written_.end() && known->second == now_written) return;
            // all.ics of a national plan is 80 MB: written a piece at a time, not made whole first.
            // Not synced: a feed lost in a crash is written again at the next start.
            AtomicFile out(dir / file, 0644, ModeRule::exact);
            std::string text = feeds::ics_head({now_written.name, plan.timezone, plan.from, {}});
            for (const Kept* k : those) {
                text += k->text;
                if (text.size() < kWriteSize) continue;
                out.write(text);
                text.clear();
            }
            text += feeds::kIcsTail;
            out.write(text);
            out.commit(/*synced=*/false);
            written_[file] = std::move(now_written);
            ++count;
        };
        const std::vector<const Kept*> none;
        auto of = [&](const auto& index, const std::string& id) -> const std::vector<const Kept*>& {
            auto found = index.find(id);
            return found == index.end() ? none : found->second;
        };
        write("all.ics", {}, every);
        for (const auto& c : plan.centres)
            write("centre-" + c.id + ".ics", {FeedScope::Kind::centre, c.id}, of(by_centre, c.id));
        for (const auto& d : plan.districts)
            write("district-" + d.id + ".ics", {FeedScope::Kind::district, d.id}, of(by_district, d.id));
        for (const auto& p : plan.people)
            write("person-" + p.id + ".ics", {FeedScope::Kind::person, p.id},
                  sees_everything(plan, p.id) ? every : of(by_person, p.id));
        if (count > 0) spdlog::info("feeds: wrote {} calendar file(s) in {}", count, dir.string());
    } catch (const std::exception& e) {
        written_.clear();  // what is on disk is not known: the next publish writes every feed
        spdlog::error("feeds: cannot publish in {}: {}", dir.string(), e.what());
    }
}

}  // namespace tarat
