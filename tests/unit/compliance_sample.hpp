#pragma once
// A small plan's execution for the compliance tests: two centres in two districts, two forms, every
// outcome once or more; today 2027-02-15; a report is due 3 days after the event was held.
#include "compliance/compliance.hpp"

namespace tarat::testing {

inline Date day(const char* iso) { return *parse_date(iso); }

inline StoredEvent event(const std::string& id, const std::string& centre, const std::string& form, const char* date,
                  EventState state) {
    StoredEvent s;
    s.event.id = id;
    s.event.centre = centre;
    s.event.district = centre == "a" ? "da" : "db";
    s.event.form = form;
    s.event.title = "title of " + id;
    s.event.date = day(date);
    s.state = state;
    return s;
}

inline StoredEvent held(StoredEvent s, const char* on, int participants, const char* reported = nullptr) {
    s.held_date = day(on);
    s.participants = participants;
    if (reported) {
        s.state = EventState::reported;
        s.reported_date = day(reported);
    } else {
        s.state = EventState::held;
    }
    return s;
}

inline ComplianceInput sample() {
    ComplianceInput in;
    in.centres = {{"a", "Centre A", "da", "District A", "dir-a", true, 0},
                  {"b", "Centre B", "db", "District B", "dir-b", true, 0}};
    Form seminar;
    seminar.id = "seminar";
    seminar.name = {"Семинар", "Семинар", "Seminar"};
    Form open;
    open.id = "open";
    open.name = {"Ашық сабақ", "Открытое занятие", "Open class"};
    in.forms = {seminar, open};
    in.today = day("2027-02-15");
    in.locale = "en";
    in.report_due = [](const StoredEvent& s) { return s.held_date.value_or(s.event.date) + date::days{3}; };
    in.events = {
        held(event("a1", "a", "seminar", "2026-12-09", EventState::planned), "2026-12-09", 30, "2026-12-11"),
        held(event("a2", "a", "open", "2027-01-13", EventState::planned), "2027-01-13", 12, "2027-01-20"),
        held(event("b1", "b", "seminar", "2026-12-10", EventState::planned), "2026-12-11", 20),
        event("b2", "b", "open", "2027-02-03", EventState::planned),
        event("b3", "b", "seminar", "2027-01-20", EventState::cancelled),
        event("a3", "a", "seminar", "2027-03-10", EventState::planned),
        held(event("a4", "a", "open", "2027-02-12", EventState::planned), "2027-02-12", 8),
    };
    in.events[5].postponed_from = day("2027-02-24");
    in.events[2].event.title = "Семинар \"ойын\", 1-бөлім; <b>";  // quotes, delimiters, markup
    in.events[3].event.title = "=HYPERLINK(\"x\")";                // a spreadsheet formula
    return in;
}

// The `compliance` reply with `detail`, as the daemon sends it for sample().
inline nlohmann::json sample_reply() {
    auto in = sample();
    auto reply = compliance_groups(in, "centre");
    reply.update(compliance_detail(in, day("2026-12-01"), day("2027-03-31")));
    reply["by"] = "centre";
    reply["today"] = "2027-02-15";
    reply["period"] = {{"from", "2026-12-01"}, {"to", "2027-03-31"}};
    reply["plan"] = {{"id", "p"}, {"title", "План <тест> & «жоспар»"}, {"basis", "order"}};
    return reply;
}

}  // namespace tarat::testing
