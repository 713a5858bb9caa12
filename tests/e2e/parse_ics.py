#!/usr/bin/python3
"""Parses iCalendar files with Debian's python3-icalendar and prints what the tests compare, as JSON:
{"FILE": {"name": X-WR-CALNAME, "tzids": [...], "events": {UID: {"sequence", "status", "start", "end",
"summary", "alarms": [seconds before the start]}}}}. Run by /usr/bin/python3 (it sees Debian's packages)."""
import json
import sys

import icalendar


def event_facts(event):
    alarms = []
    for alarm in event.walk("VALARM"):
        trigger = alarm.decoded("TRIGGER")
        alarms.append(-int(trigger.total_seconds()))
    start = event.decoded("DTSTART")
    return {
        "sequence": int(event.get("SEQUENCE", 0)),
        "status": str(event.get("STATUS", "")),
        "start": start.isoformat(),
        "start_tzid": event["DTSTART"].params.get("TZID", ""),
        "end": event.decoded("DTEND").isoformat(),
        "summary": str(event.get("SUMMARY", "")),
        "location": str(event.get("LOCATION", "")),
        "alarms": alarms,
    }


def facts(path):
    with open(path, "rb") as f:
        calendar = icalendar.Calendar.from_ical(f.read())
    events = {}
    for event in calendar.walk("VEVENT"):
        uid = str(event["UID"])
        if uid in events:
            raise SystemExit(f"{path}: UID {uid} twice")
        events[uid] = event_facts(event)
    return {
        "name": str(calendar.get("X-WR-CALNAME", "")),
        "method": str(calendar.get("METHOD", "")),
        "tzids": [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")],
        "events": events,
    }


if __name__ == "__main__":
    json.dump({path: facts(path) for path in sys.argv[1:]}, sys.stdout, ensure_ascii=False)
