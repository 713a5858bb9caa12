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
#include <cstdint>
#include <unordered_map>
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

// Writes the feeds (all.ics, centre-<id>.ics, district-<id>.ics, person-<id>.ics) into a folder a
// web server can publish, each file atomically and only when its events changed since this
// publisher last wrote it (so an unchanged feed keeps its bytes and its ETag). Runs on the loop
// thread, so it keeps each event's VEVENT and remakes only the changed events': a national plan has
// 100,000 events in 10,000 feeds, and remaking every entry took 15 s after each change.
class FeedPublisher {
public:
    // Never throws: a failure is logged and the next change tries again. `setup_changed`: a
    // reload took a new config and plan (names, reminders, zone), so every entry is made again,
    // and a feed is rewritten where that changed it.
    void publish(const FeedInputs& in, Instant now, bool setup_changed = false);

private:
    // What an event's entry in the feeds is made of, as stored; the same means the same entry.
    struct EventInputs {
        ScheduledEvent event;
        EventState state;
        int sequence;
        std::optional<Date> postponed_from;
        std::string cancel_reason;
        friend bool operator==(const EventInputs&, const EventInputs&) = default;
    };
    // An event as last published: its inputs, its VEVENT (stamped when it last changed) and the
    // feeds it is in.
    struct Kept {
        EventInputs inputs;
        feeds::IcsEvent ics;
        std::string timezone;  // the zone `text` was written in
        std::string text;
        std::uint64_t version = 0;  // a new one whenever `text` changes
        std::vector<std::string> people;
    };
    // A feed as last written: its calendar's name and zone, and its events' versions in order.
    struct Written {
        std::string name, timezone;
        Date zone_from{};
        std::vector<std::uint64_t> versions;
        friend bool operator==(const Written&, const Written&) = default;
    };
    // Brings kept_ in line with `events`; whether anything changed.
    bool keep(const FeedInputs& in, const std::vector<StoredEvent>& events, Instant now, bool setup_changed);

    std::optional<std::filesystem::path> dir_;
    std::unordered_map<std::string, Kept> kept_;  // by event id
    std::uint64_t last_version_ = 0;
    std::map<std::string, Written> written_;  // by file name
};

}  // namespace tarat
