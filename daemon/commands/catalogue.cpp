#include "commands/catalogue.hpp"

#include "core/text.hpp"

namespace tarat::commands {

std::string_view to_string(Permission permission) { return permission == Permission::admin ? "admin" : "read"; }

namespace {

using Use = ArgumentSpec::Use;
constexpr auto admin = Permission::admin;
constexpr auto read = Permission::read;

ArgumentSpec event_id(std::string_view help = "the event's id") { return {"id", "string", true, "", "ID", help}; }

// A note, reason or reference: at most kMaxFreeTextChars characters, which taratctl checks first.
ArgumentSpec free_text(std::string_view name, bool required, std::string_view flag, std::string_view help) {
    return {name, "string", required, flag, "TEXT", help, {}, Use::sent, 0, kMaxFreeTextChars};
}

// Every command that changes an event: its id first, `--if-revision N` last.
std::vector<ArgumentSpec> event_change(std::vector<ArgumentSpec> arguments) {
    arguments.insert(arguments.begin(), event_id());
    arguments.push_back({"if_revision", "integer", false, "--if-revision", "N",
                         "only if the event is still at revision N (as `event` shows it); else refused, nothing changed"});
    return arguments;
}

// Paging (F13): `arguments` followed by --limit, --after and taratctl's own --all.
std::vector<ArgumentSpec> with_paging(std::vector<ArgumentSpec> arguments) {
    arguments.push_back({"limit", "integer", false, "--limit", "N", "at most N rows in one reply (default 200, at most 1000)"});
    arguments.push_back({"after", "string", false, "--after", "CURSOR", "the rows after this one (the reply's \"next\")"});
    arguments.push_back({"all", "boolean", false, "--all", "", "every row, page after page", {}, Use::local});
    return arguments;
}

ArgumentSpec from_date() { return {"from", "date", false, "--from", "DATE", "first date, YYYY-MM-DD"}; }
ArgumentSpec to_date() { return {"to", "date", false, "--to", "DATE", "last date, YYYY-MM-DD"}; }

std::vector<CommandSpec> make_catalogue() {
    return {
        {"status", read, "the plan, the centres, the next events, what is late and the last reload",
         "The plan, its centres with their event counts, the next events; counts of events upcoming, not confirmed "
         "held and with a report missing (by the compliance rule), of pending and dead notices; and the last "
         "reload since taratd started (when, by whom, taken or refused, its line).",
         {},
         "In JSON: _counts_ (_upcoming_, _not\\_confirmed_, _reports\\_missing_, _pending\\_notices_, "
         "_dead\\_notices_) and _last\\_reload_ (_at_, _at\\_local_, _by_, _taken_, _text_; null when there was "
         "none)."},
        {"events", read, "the events, by date; every option narrows the list",
         "The events, by date; every argument narrows the list (dates inclusive). In pages: limit (default 200), "
         "after the reply's next.",
         with_paging({{"centre", "string", false, "--centre", "ID", "a centre id"},
          {"district", "string", false, "--district", "ID", "a district id"},
          {"form", "string", false, "--form", "ID", "a form id (seminar, open-class, master-class…)"},
          {"state", "string", false, "--state", "STATE", "planned, held, reported or cancelled",
           {"planned", "held", "reported", "cancelled"}},
          from_date(),
          to_date()})},
        {"event", read, "everything about one event: state, history, notices",
         "Everything about one event: its state, history and notices.", {event_id()}},
        {"notices", read, "the notice outbox",
         "The notice outbox; failed = pending after a refused attempt. At most one of pending, sent, failed, dead. In "
         "pages: limit (default 200), after the reply's next.",
         with_paging({{"pending", "boolean", false, "--pending", "", "only pending notices", {}, Use::sent, 1},
          {"sent", "boolean", false, "--sent", "", "only sent notices", {}, Use::sent, 1},
          {"failed", "boolean", false, "--failed", "", "only pending notices refused at least once", {}, Use::sent, 1},
          {"dead", "boolean", false, "--dead", "", "only dead notices (retry them by key)", {}, Use::sent, 1},
          {"event", "string", false, "--event", "ID", "about this event id"},
          {"person", "string", false, "--person", "ID", "to this person id"}})},
        {"compliance", read, "held, postponed, cancelled and reported, per centre, district or form",
         "Per centre, district or form: planned, held (on the planned date), postponed, cancelled, reports on time / "
         "late / missing, participants. detail: all three groupings, the overdue list and the timeline by month, for "
         "the full report. The groups in pages: limit (default 200), after the reply's next; total counts them all.",
         with_paging({{"by", "string", false, "--by", "BY", "centre (default), district or form",
           {"centre", "district", "form"}},
          from_date(),
          to_date(),
          {"detail", "boolean", false, "", "", "the full report's data (taratctl sends it with --format)", {},
           Use::protocol},
          {"format", "string", false, "--format", "FORMAT",
           "the full report for the period: html, csv or md (Kazakh unless --lang)", {"html", "csv", "md"}, Use::local},
          {"output", "string", false, "-o,--output", "FILE", "write the report to FILE (default: standard output)", {},
           Use::local}}),
         "With *--format*, the full report for the period (default: the plan's): per centre, district and form, the "
         "overdue list with days late, and in HTML a timeline of events by month and a bar chart of on-time reports "
         "per centre (per district when the plan has more than 60 centres) as inline SVG (no script, A4). Kazakh "
         "unless *--lang*. CSV: UTF-8 with BOM, CRLF, one header row, ISO dates, delimiter *;* in Kazakh and "
         "Russian, *,* in English. _FILE_ is written by taratctl with the caller's rights (temporary file, then "
         "rename); without *-o*, standard output. Exit 73 when _FILE_ cannot be written."},
        {"plan", read, "the placed and tracked plan as the official table: XLSX, HTML (A4) or CSV",
         "The placed and tracked events as the official table: number, id, title, form, centre and address, date, "
         "time, responsible by name, audience, state; with the plan's title and who approves it and drew it up.",
         {{"centre", "string", false, "--centre", "ID", "a centre id"},
          from_date(),
          to_date(),
          {"format", "string", true, "--format", "FORMAT", "xlsx, html or csv (Kazakh unless --lang)",
           {"xlsx", "html", "csv"}, Use::local},
          {"output", "string", false, "-o,--output", "FILE", "write the table to FILE (default: standard output)", {},
           Use::local},
          {"limit", "integer", false, "", "",
           "rows in pages of at most N (1 to 1000); without limit or after, all at once", {}, Use::protocol},
          {"after", "string", false, "", "", "the rows after this event id (the reply's \"next\")", {}, Use::protocol}},
         "XLSX (libxlsxwriter): real date cells, a frozen header row, columns wide enough for Kazakh text; its "
         "headers are the ones *taratd import* reads, so an exported plan imports back. HTML: A4 with the plan's "
         "title, the approval block (БЕКІТЕМІН / УТВЕРЖДАЮ) and the signature line, for printing. CSV: UTF-8 with "
         "BOM, *;* in Kazakh and Russian. _FILE_ is written by taratctl with the caller's rights."},
        {"calendar", read, "days off and transferred working days of a year",
         "The year's days off and transferred working days, with their status (default: this year).",
         {{"year", "integer", false, "--year", "YEAR", "the year (default: this year)"}}},
        {"history", read, "the audit history",
         "The audit history: plan changes, state changes and every admin command, refused ones too. The last limit "
         "rows (default 200), or those after the row id given as after, oldest first.",
         {{"since", "string", false, "--since", "WHEN",
           "from this date (YYYY-MM-DD) or instant (2026-12-01T09:00:00+05:00)"},
          {"limit", "integer", false, "--limit", "N", "only the last N rows (default 200, at most 1000)"},
          {"after", "string", false, "--after", "ID", "the rows after this row id, oldest first"},
          {"all", "boolean", false, "--all", "", "every row, page after page", {}, Use::local}}},
        {"ics", read, "the events as an iCalendar feed: all, or one centre's, district's or person's",
         "The events as an iCalendar feed (all, or one centre's, district's or person's), in \"ics\".",
         {{"centre", "string", false, "--centre", "ID", "a centre id"},
          {"district", "string", false, "--district", "ID", "a district id"},
          {"person", "string", false, "--person", "ID", "a person id: the events they answer for"},
          {"output", "string", false, "-o,--output", "FILE", "write the feed to this file (default: standard output)",
           {}, Use::local}},
         "Stable UIDs, SEQUENCE raised by every postpone, STATUS:CANCELLED for cancelled events, a VALARM per "
         "reminder, times in the plan's zone. _FILE_ is written by *taratctl* with your rights (atomically)."},
        {"list-commands", read, "every command the daemon knows, with its permission",
         "List every command with its permission and help.", {}},
        {"help", read, "the daemon's help on one command, or on all",
         "Explain one command and its arguments, or list them all.",
         {{"command", "string", false, "", "COMMAND", "a command name"}}},
        {"held", admin, "record that an event took place",
         "Record that an event took place (default: on its planned date); a second time changes nothing.",
         event_change({{"date", "date", false, "--date", "DATE", "when it was held (default: its planned date)"},
          {"participants", "integer", false, "--participants", "N", "how many people took part"},
          free_text("note", false, "--note", "a one-line note for the history, at most 1000 characters"),
          {"force", "boolean", false, "--force", "", "a day off, or over 30 days before the planned date: it is so"}})},
        {"reported", admin, "record that a held event's report arrived",
         "Record that a held event's report arrived (default: today).",
         event_change({{"date", "date", false, "--date", "DATE", "when the report arrived (default: today)"},
          free_text("ref", false, "--ref", "the report's number or reference, at most 1000 characters")})},
        {"postpone", admin, "move a planned event to another working day",
         "Move a planned event to another working day (and start time); people already told get a change notice.",
         event_change({{"to", "date", true, "--to", "DATE", "the new date, YYYY-MM-DD"},
          {"start", "string", false, "--start", "HH:MM", "the new start time, HH:MM (default: unchanged)"},
          free_text("reason", true, "--reason", "why, at most 1000 characters")})},
        {"cancel", admin, "cancel a planned event",
         "Cancel a planned event; people already told, the overseer and the coordinator get a change notice.",
         event_change({free_text("reason", true, "--reason", "why, at most 1000 characters")})},
        {"confirm", admin, "pin an event to its date", "Pin an event to its date: re-planning no longer moves it.",
         event_change({})},
        {"amend", admin, "correct what was recorded of a held or reported event",
         "Correct a held or reported event's record: the fields given replace the stored ones, checked as held and "
         "reported check them; the history keeps the old and new values and the reason. The report is judged on "
         "time or late again, and the notices that follow from the held date are derived again.",
         event_change({{"participants", "integer", false, "--participants", "N", "how many people took part"},
          {"held_date", "date", false, "--held-date", "DATE", "when it was held"},
          {"report_date", "date", false, "--report-date", "DATE", "when the report arrived (a reported event)"},
          free_text("ref", false, "--ref", "the report's number or reference (a reported event)"),
          free_text("reason", true, "--reason", "why the record was wrong, at most 1000 characters"),
          {"force", "boolean", false, "--force", "", "a held date on a day off, or over 30 days before the planned "
                                                       "date: it is so"}}),
         "A refusal changes nothing (exit 65): a planned or cancelled event, a report field on an event not yet "
         "reported, nothing to change, or a date that *held* or *reported* would refuse."},
        {"reopen", admin, "take back the last step: reported, held or cancelled",
         "One step back: a reported event is held again (its report withdrawn), a held event planned again (not "
         "confirmed held once its day has passed), a cancelled event planned again at its date (or on the working "
         "day given as to); those told of its cancellation get a change notice. Its notices are derived again.",
         event_change({free_text("reason", true, "--reason", "why, at most 1000 characters"),
          {"to", "date", false, "--to", "DATE", "a cancelled event: restore it on this working day instead"}}),
         "A cancelled event whose date has passed needs *--to* (a working day ahead, inside the plan's period); "
         "*--to* is refused for an event that was not cancelled (use *postpone* once it is planned)."},
        {"retry", admin, "send a dead notice again", "Send a dead notice again (by its key), after fixing the cause.",
         {{"notice", "string", true, "", "KEY", "the notice's key (taratctl notices --dead)"},
          {"wait", "boolean", false, "--wait", "", "wait for the attempt and print its result"}},
         "With *--wait*, the answer comes once the attempt is made: sent, failed again (with the channel's error and "
         "the next attempt) or dead again, or put off until working hours (exit 65 unless sent)."},
        {"reload", admin, "re-read config, plan and calendar",
         "Re-read config, plan and calendar; an invalid new plan, or one that would remove more than half of the "
         "planned events ahead (unless allow_shrink), is refused and the old one kept. The reply says which, and why, "
         "with the events removed, those kept though no longer in the plan, and the postponements kept against it.",
         {{"wait", "boolean", false, "--wait", "", "print what changed, or every error when the new plan is refused"},
          {"allow_shrink", "boolean", false, "--allow-shrink", "",
           "take a plan that removes more than half of the planned events ahead"},
          {"dry_run", "boolean", false, "--dry-run", "",
           "list what the new plan would add, remove, move and leave in conflict, with reasons; change nothing"}},
         "With *--wait*, print what changed, or every error when the new plan is refused (and exit non-zero); the "
         "daemon keeps the old plan then. Held, reported, cancelled and pinned events are never removed or moved: "
         "those the plan no longer has are listed as kept. A plan date that differs from a postponed event's is "
         "listed as a conflict (the postponed date stays) with the command that takes the plan's date. A rule "
         "places no new event on a day gone by nor inside its first reminder's lead. A plan that would remove more "
         "than half of the planned events dated today or later is refused without *--allow-shrink* (a SIGHUP never "
         "takes one). *systemctl reload tarat* runs this. With *--dry-run*, nothing is stored: the reply lists each event "
         "the new plan would add, remove, move or leave in conflict (postponed, pinned, held), with the reason; "
         "*taratd check --diff* does the same offline."},
        {"test-notice", admin, "send a test notice to a person now and report each channel",
         "Send a short test notice to a person now, on their channels or one named channel, and report each "
         "channel's result.",
         {{"person", "string", true, "", "PERSON", "the person's id in the plan"},
          {"channel", "string", false, "--channel", "NAME", "only this channel (default: the person's channels)"}},
         "Nothing enters the outbox and nothing is retried: a channel that fails says why at once (exit 65). The "
         "first thing to run after configuring e-mail."},
        {"link", admin, "a one-time code that links a person to their chat on a receiving channel",
         "A one-time code (valid 7 days, single use) and the bot's deep link: the person sends /start CODE, and "
         "notices to them on that channel go to that chat from then on.",
         {{"person", "string", true, "", "PERSON", "the person's id in the plan"},
          {"channel", "string", false, "--channel", "NAME", "the channel (default: the only one with inbound = true)"}}},
        {"links", read, "the people linked to chats", "The people linked to their chats, per receiving channel.", {}},
        {"unlink", admin, "remove a person's chat link", "Remove a person's link to their chat on a channel.",
         {{"person", "string", true, "", "PERSON", "the person's id in the plan"},
          {"channel", "string", false, "--channel", "NAME", "the channel (default: the only one with inbound = true)"}}},
        {"web-login", admin, "a one-time sign-in link to the web dashboard for a person",
         "A one-time sign-in link (valid 15 minutes, once) to the web's dashboard for a person; opening it and "
         "pressing Sign in starts a 30-day session with that person's rights.",
         {{"person", "string", true, "", "PERSON", "the person's id in the plan"}},
         "Needs [web] listen and base_url in tarat.toml. The sign-in page also mails a link to a person's own address."},
        {"backup", admin, "a consistent copy of the live database, written to FILE",
         "A consistent copy of the live database (SQLite's online backup API), base64 in \"data\"; taratctl writes "
         "it to the file its caller names.",
         {{"file", "string", true, "", "FILE", "the file to write (mode 0600)", {}, Use::local}},
         "*taratctl* checks it with PRAGMA integrity_check and writes _FILE_ with your rights, mode 0600. Restore: "
         "stop *taratd*, copy _FILE_ over _STATE\\_DIR/tarat.db_, remove _tarat.db-wal_ and _tarat.db-shm_, start it."},
        {"call", read, "send any command with JSON arguments",
         "Send any command with raw JSON arguments: scripts, and commands this taratctl does not know yet.",
         {{"name", "string", true, "", "NAME", "the command"},
          {"arguments", "string", false, "", "JSON", "a JSON object (default {})"}},
         "For example *taratctl call events '{\"centre\":\"erkemai\"}'*.", /*daemon=*/false},
    };
}

}  // namespace

const std::vector<CommandSpec>& command_catalogue() {
    static const std::vector<CommandSpec> catalogue = make_catalogue();
    return catalogue;
}

const CommandSpec* find_command(std::string_view name) {
    for (const auto& c : command_catalogue())
        if (c.name == name) return &c;
    return nullptr;
}

}  // namespace tarat::commands
