#pragma once
// The plan's events as iCalendar feeds: for `taratctl ics` and the files the daemon publishes in
// `feeds_dir` after every change.
#include "config/setup.hpp"
#include "feeds/ics.hpp"
#include "notify/policy.hpp"
#include "store/store.hpp"

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tarat {

// What the feeds are made of: the setup in force, its notice policy (for the alarms) and the store.
struct FeedInputs {
    const Setup& setup;
    const NoticePolicy& policy;
    const Store& store;
};

// Which events a feed holds. A person's feed: the events they answer for, direct (as centre
// director) or head (as district head); the plan's overseer and coordinator see every event.
struct FeedScope {
    enum class Kind { all, centre, district, person };
    Kind kind = Kind::all;
    std::string id;
};

// One feed's calendar, from the store as it stands.
feeds::IcsCalendar feed_calendar(const FeedInputs& in, const FeedScope& scope);

// Writes the feeds (all.ics, centre-<id>.ics, district-<id>.ics, person-<id>.ics) into a folder a web server can publish, each file atomically and only when
// its calendar changed since this publisher last wrote it (so an unchanged feed keeps its
// DTSTAMP and its ETag). Runs on the loop thread: a department's feeds are a few dozen small files.
class FeedPublisher {
public:
    // Never throws: a failure is logged and the next change tries again. `setup_changed`: a
    // reload took a new config and plan (names, reminders, zone), so the feeds are rebuilt even
    // when no stored event changed.
    void publish(const FeedInputs& in, Instant now, bool setup_changed = false);

private:
    // What an event's entry in the feeds is made of, as stored; the same for every event means the
    // same feeds, so an admin command that changed no event (most do not) costs one query.
    struct EventInputs {
        ScheduledEvent event;
        EventState state;
        int sequence;
        std::optional<Date> postponed_from;
        std::string cancel_reason;
        friend bool operator==(const EventInputs&, const EventInputs&) = default;
    };
    static std::vector<EventInputs> inputs_of(const std::vector<StoredEvent>& events);

    std::optional<std::filesystem::path> dir_;
    std::optional<std::vector<EventInputs>> built_from_;
    std::map<std::string, feeds::IcsCalendar> written_;
};

}  // namespace tarat
