#pragma once
// The plan's events as iCalendar feeds: for `taratctl ics` and the files the daemon publishes in
// `feeds_dir` after every change.
#include "feeds/ics.hpp"

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tarat {

class Daemon;

// Which events a feed holds. A person's feed: the events they answer for, direct (as centre
// director) or head (as district head); the plan's overseer and coordinator see every event.
struct FeedScope {
    enum class Kind { all, centre, district, person };
    Kind kind = Kind::all;
    std::string id;
};

// One feed's calendar, from the store as it stands.
feeds::IcsCalendar feed_calendar(Daemon& daemon, const FeedScope& scope);

// Every feed the daemon publishes, by file name: all.ics, centre-<id>.ics, district-<id>.ics,
// person-<id>.ics.
std::map<std::string, feeds::IcsCalendar> all_feeds(Daemon& daemon);

// Writes the feeds into a folder a web server can publish, each file atomically and only when
// its calendar changed since this publisher last wrote it (so an unchanged feed keeps its
// DTSTAMP and its ETag). Runs on the loop thread: a department's feeds are a few dozen small files.
class FeedPublisher {
public:
    // Never throws: a failure is logged and the next change tries again.
    void publish(Daemon& daemon);

private:
    std::optional<std::filesystem::path> dir_;
    std::map<std::string, feeds::IcsCalendar> written_;
};

}  // namespace tarat
