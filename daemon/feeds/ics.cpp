#include "feeds/ics.hpp"

#include <libical/ical.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace tarat::feeds {
namespace {

struct ComponentFree {
    void operator()(icalcomponent* c) const { icalcomponent_free(c); }
};
using Component = std::unique_ptr<icalcomponent, ComponentFree>;

constexpr const char* kProductId = "-//tarat//tarat event plan//KK";

// A wall-clock time; the TZID parameter names its zone.
icaltimetype local_time(Date day, int minutes_after_midnight) {
    const date::year_month_day ymd{day};
    icaltimetype t = icaltime_null_time();
    t.year = static_cast<int>(ymd.year());
    t.month = static_cast<int>(static_cast<unsigned>(ymd.month()));
    t.day = static_cast<int>(static_cast<unsigned>(ymd.day()));
    t.is_date = 0;
    icaltime_adjust(&t, 0, 0, minutes_after_midnight, 0);  // normalizes an end past midnight
    return t;
}

icaltimetype utc_time(Instant at) {
    return icaltime_from_timet_with_zone(static_cast<time_t>(at.time_since_epoch().count()), 0,
                                         icaltimezone_get_utc_timezone());
}

icalproperty* zoned(icalproperty* property, const std::string& tzid) {
    icalproperty_add_parameter(property, icalparameter_new_tzid(tzid.c_str()));
    return property;
}

std::string property_text(icalcomponent* c, icalproperty_kind kind) {
    icalproperty* p = icalcomponent_get_first_property(c, kind);
    const char* text = p ? icalproperty_get_value_as_string(p) : nullptr;
    return text ? text : "";
}

// tzdata's 32-bit section ends in 2038 and libical turns that end into an observance that changes
// neither offset nor name: dropped, with any other such no-op after the first observance.
void drop_no_op_observances(icalcomponent* vtz) {
    std::vector<icalcomponent*> observances, no_ops;
    for (auto* c = icalcomponent_get_first_component(vtz, ICAL_ANY_COMPONENT); c;
         c = icalcomponent_get_next_component(vtz, ICAL_ANY_COMPONENT))
        if (icalcomponent_isa(c) == ICAL_XSTANDARD_COMPONENT || icalcomponent_isa(c) == ICAL_XDAYLIGHT_COMPONENT)
            observances.push_back(c);
    for (size_t i = 1; i < observances.size(); ++i) {
        auto* c = observances[i];
        if (property_text(c, ICAL_TZOFFSETFROM_PROPERTY) == property_text(c, ICAL_TZOFFSETTO_PROPERTY) &&
            property_text(c, ICAL_TZNAME_PROPERTY) == property_text(observances[i - 1], ICAL_TZNAME_PROPERTY) &&
            !icalcomponent_get_first_property(c, ICAL_RRULE_PROPERTY))
            no_ops.push_back(c);
    }
    for (auto* c : no_ops) {
        icalcomponent_remove_component(vtz, c);
        icalcomponent_free(c);
    }
}

// libical builds the VTIMEZONE from the system's tzdata (/usr/share/zoneinfo); it is cut to the
// plan's period so a feed does not carry a century of Soviet-era transitions, and named by the
// plain IANA id instead of libical's "/freeassociation.sourceforge.net/" prefix.
Component vtimezone(const std::string& zone_name, Date from) {
    icaltimezone* zone = icaltimezone_get_builtin_timezone(zone_name.c_str());
    if (!zone) throw IcsError("libical does not know the time zone '" + zone_name + "'");
    Component vtz(icalcomponent_new_clone(icaltimezone_get_component(zone)));
    icaltimetype start = local_time(from, 0);
    start.zone = icaltimezone_get_utc_timezone();
    icaltimezone_truncate_vtimezone(vtz.get(), start, icaltime_null_time(), 0);
    if (icalproperty* tzid = icalcomponent_get_first_property(vtz.get(), ICAL_TZID_PROPERTY))
        icalproperty_set_tzid(tzid, zone_name.c_str());
    drop_no_op_observances(vtz.get());
    return vtz;
}

icalcomponent* valarm(const IcsAlarm& alarm) {
    icalcomponent* a = icalcomponent_new(ICAL_VALARM_COMPONENT);
    icalcomponent_add_property(a, icalproperty_new_action(ICAL_ACTION_DISPLAY));
    icaltriggertype trigger{};
    trigger.time = icaltime_null_time();
    trigger.duration = icaldurationtype_from_int(-static_cast<int>(alarm.before_start.count()));
    icalcomponent_add_property(a, icalproperty_new_trigger(trigger));
    icalcomponent_add_property(a, icalproperty_new_description(alarm.description.c_str()));
    return a;
}

icalcomponent* vevent(const IcsEvent& e, const std::string& tzid, Instant stamp) {
    icalcomponent* v = icalcomponent_new(ICAL_VEVENT_COMPONENT);
    icalcomponent_add_property(v, icalproperty_new_uid(e.uid.c_str()));
    icalcomponent_add_property(v, icalproperty_new_dtstamp(utc_time(stamp)));
    icalcomponent_add_property(v, icalproperty_new_sequence(e.sequence));
    icalcomponent_add_property(v, zoned(icalproperty_new_dtstart(local_time(e.date, e.start_minutes)), tzid));
    icalcomponent_add_property(v, zoned(icalproperty_new_dtend(local_time(e.date, e.end_minutes)), tzid));
    icalcomponent_add_property(v, icalproperty_new_summary(e.summary.c_str()));
    if (!e.location.empty()) icalcomponent_add_property(v, icalproperty_new_location(e.location.c_str()));
    if (!e.description.empty()) icalcomponent_add_property(v, icalproperty_new_description(e.description.c_str()));
    icalcomponent_add_property(
        v, icalproperty_new_status(e.cancelled ? ICAL_STATUS_CANCELLED : ICAL_STATUS_CONFIRMED));
    for (const auto& alarm : e.alarms) icalcomponent_add_component(v, valarm(alarm));
    return v;
}

}  // namespace

namespace {

std::string as_text(icalcomponent* c) {
    char* text = icalcomponent_as_ical_string_r(c);
    std::string out = text ? text : "";
    std::free(text);
    return out;
}

}  // namespace

std::string ics_head(const IcsCalendar& calendar) {
    Component cal(icalcomponent_new(ICAL_VCALENDAR_COMPONENT));
    icalcomponent_add_property(cal.get(), icalproperty_new_prodid(kProductId));
    icalcomponent_add_property(cal.get(), icalproperty_new_version("2.0"));
    icalcomponent_add_property(cal.get(), icalproperty_new_calscale("GREGORIAN"));
    icalcomponent_add_property(cal.get(), icalproperty_new_method(ICAL_METHOD_PUBLISH));
    icalproperty* name = icalproperty_new_x(calendar.name.c_str());
    icalproperty_set_x_name(name, "X-WR-CALNAME");
    icalcomponent_add_property(cal.get(), name);
    icalproperty* zone = icalproperty_new_x(calendar.timezone.c_str());
    icalproperty_set_x_name(zone, "X-WR-TIMEZONE");
    icalcomponent_add_property(cal.get(), zone);
    icalcomponent_add_component(cal.get(), vtimezone(calendar.timezone, calendar.zone_from).release());
    std::string text = as_text(cal.get());
    if (!text.ends_with(kIcsTail)) throw IcsError("libical wrote a calendar without its END line");
    text.resize(text.size() - kIcsTail.size());  // the events and the tail follow
    return text;
}

std::string ics_event(const IcsEvent& event, const std::string& tzid, Instant stamp) {
    Component v(vevent(event, tzid, stamp));
    return as_text(v.get());
}

std::string render_ics(const IcsCalendar& calendar, Instant stamp) {
    std::string out = ics_head(calendar);
    for (const auto& e : calendar.events) out += ics_event(e, calendar.timezone, stamp);
    return out += kIcsTail;
}

}  // namespace tarat::feeds
