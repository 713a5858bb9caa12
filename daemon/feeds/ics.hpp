#pragma once
// iCalendar (RFC 5545) feeds of the plan's events, written with libical: escaping, line folding
// and the VTIMEZONE are libical's, not ours.
#include "core/time.hpp"

#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tarat::feeds {

// A VALARM: a reminder that fires `before_start` ahead of the event's start.
struct IcsAlarm {
    std::chrono::seconds before_start{0};
    std::string description;
    friend bool operator==(const IcsAlarm&, const IcsAlarm&) = default;
};

// One VEVENT. Times are wall-clock times in the calendar's zone.
struct IcsEvent {
    std::string uid;    // never changes for the life of the event
    int sequence = 0;   // bumped by every revision (postpone, cancel, a plan change)
    bool cancelled = false;
    Date date{};
    int start_minutes = 0;
    int end_minutes = 0;  // may pass midnight (>= 24 * 60)
    std::string summary;
    std::string location;
    std::string description;
    std::vector<IcsAlarm> alarms;
    friend bool operator==(const IcsEvent&, const IcsEvent&) = default;
};

struct IcsCalendar {
    std::string name;      // X-WR-CALNAME
    std::string timezone;  // an IANA zone, e.g. "Asia/Aqtobe"
    Date zone_from{};      // the VTIMEZONE describes the zone from this day on (the plan's start)
    std::vector<IcsEvent> events;
    friend bool operator==(const IcsCalendar&, const IcsCalendar&) = default;
};

class IcsError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The VCALENDAR (METHOD:PUBLISH) as text with CRLF line ends. `stamp` becomes every DTSTAMP: pass
// the injected clock's now, so the same calendar at the same moment gives the same bytes.
// Throws IcsError when libical does not know the zone.
std::string render_ics(const IcsCalendar& calendar, Instant stamp);

// render_ics in pieces, for a publisher that keeps each event's text from one change to the next:
// the head (the calendar's properties and VTIMEZONE; `calendar.events` unused), each VEVENT, the tail.
std::string ics_head(const IcsCalendar& calendar);
std::string ics_event(const IcsEvent& event, const std::string& tzid, Instant stamp);
inline constexpr std::string_view kIcsTail = "END:VCALENDAR\r\n";

}  // namespace tarat::feeds
