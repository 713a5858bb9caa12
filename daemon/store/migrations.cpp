#include "store/internal.hpp"

#include <array>

namespace tarat::store_internal {
namespace {

// Conventions: STRICT tables; dates as ISO 'YYYY-MM-DD' text; instants as INTEGER unix seconds UTC;
// an empty person reference is NULL so that foreign keys accept it; `in_plan = 0` marks a row the
// plan dropped but that stays because a kept event (pinned or under way) still points at it.
constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE person (
    id        TEXT PRIMARY KEY,
    name      TEXT NOT NULL,
    position  TEXT NOT NULL DEFAULT '',
    locale    TEXT NOT NULL DEFAULT 'kk',
    email     TEXT NOT NULL DEFAULT '',
    telegram  TEXT NOT NULL DEFAULT '',
    webhook   TEXT NOT NULL DEFAULT '',
    channels  TEXT NOT NULL DEFAULT '',  -- ", "-separated; empty: the config's defaults
    in_plan   INTEGER NOT NULL DEFAULT 1 CHECK (in_plan IN (0, 1))
) STRICT;

CREATE TABLE district (
    id        TEXT PRIMARY KEY,
    name      TEXT NOT NULL,
    head      TEXT REFERENCES person(id),
    in_plan   INTEGER NOT NULL DEFAULT 1 CHECK (in_plan IN (0, 1))
) STRICT;
CREATE INDEX district_by_head ON district(head);

CREATE TABLE centre (
    id        TEXT PRIMARY KEY,
    name      TEXT NOT NULL,
    district  TEXT NOT NULL REFERENCES district(id),
    address   TEXT NOT NULL DEFAULT '',
    director  TEXT REFERENCES person(id),
    in_plan   INTEGER NOT NULL DEFAULT 1 CHECK (in_plan IN (0, 1))
) STRICT;
CREATE INDEX centre_by_district ON centre(district);
CREATE INDEX centre_by_director ON centre(director);

CREATE TABLE form (
    id                TEXT PRIMARY KEY,
    name_kk           TEXT NOT NULL DEFAULT '',
    name_ru           TEXT NOT NULL DEFAULT '',
    name_en           TEXT NOT NULL DEFAULT '',
    duration_minutes  INTEGER NOT NULL CHECK (duration_minutes >= 0),
    report_due        TEXT NOT NULL,             -- a span as format_span writes it
    reminders         TEXT NOT NULL DEFAULT '',  -- spans, ", "-separated
    in_plan           INTEGER NOT NULL DEFAULT 1 CHECK (in_plan IN (0, 1))
) STRICT;

-- The plan's own fields; a load leaves exactly one row.
CREATE TABLE plan (
    id           TEXT PRIMARY KEY,
    title        TEXT NOT NULL,
    basis        TEXT NOT NULL DEFAULT '',
    timezone     TEXT NOT NULL,
    period_from  TEXT NOT NULL,
    period_to    TEXT NOT NULL,
    overseer     TEXT REFERENCES person(id),
    coordinator  TEXT REFERENCES person(id),
    changed_at   INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX plan_by_overseer ON plan(overseer);
CREATE INDEX plan_by_coordinator ON plan(coordinator);

CREATE TABLE event (
    id              TEXT PRIMARY KEY,
    centre          TEXT NOT NULL REFERENCES centre(id),
    district        TEXT NOT NULL REFERENCES district(id),
    form            TEXT NOT NULL REFERENCES form(id),
    title           TEXT NOT NULL DEFAULT '',
    audience        TEXT NOT NULL DEFAULT '',
    responsible     TEXT REFERENCES person(id),
    date            TEXT NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    start_minutes   INTEGER NOT NULL CHECK (start_minutes BETWEEN 0 AND 1439),
    end_minutes     INTEGER NOT NULL CHECK (end_minutes BETWEEN 0 AND 1440),
    source          TEXT NOT NULL,  -- 'fixed' or the rule id
    pinned          INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1)),
    in_plan         INTEGER NOT NULL DEFAULT 1 CHECK (in_plan IN (0, 1)),
    -- Execution: written by commands (held, report, postpone, cancel), never by a plan load.
    state           TEXT NOT NULL DEFAULT 'planned'
                    CHECK (state IN ('planned', 'held', 'reported', 'cancelled')),
    held_date       TEXT,
    participants    INTEGER CHECK (participants >= 0),
    reported_date   TEXT,
    report_ref      TEXT,
    cancel_reason   TEXT,
    postponed_from  TEXT,
    sequence        INTEGER NOT NULL DEFAULT 0  -- revision counter for notices (iCalendar SEQUENCE)
) STRICT;
CREATE INDEX event_by_date ON event(date, start_minutes, id);
CREATE INDEX event_by_centre ON event(centre);
CREATE INDEX event_by_district ON event(district);
CREATE INDEX event_by_form ON event(form);
CREATE INDEX event_by_responsible ON event(responsible);

-- The outbox: written in the same transaction as the change that causes a notice.
-- No foreign key on event_id: a notice (e.g. "cancelled") may outlive its event.
CREATE TABLE notice (
    key              TEXT PRIMARY KEY,  -- deterministic idempotency key
    event_id         TEXT,              -- NULL for notices about no one event (digests)
    kind             TEXT NOT NULL,
    recipient        TEXT NOT NULL,     -- person id
    channel          TEXT NOT NULL,
    due_at           INTEGER NOT NULL,
    state            TEXT NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'sent', 'dead', 'superseded', 'expired')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,  -- due_at until a retry moves it
    last_error       TEXT,
    subject          TEXT NOT NULL DEFAULT '',
    body             TEXT NOT NULL DEFAULT '',
    created_at       INTEGER NOT NULL,
    sent_at          INTEGER
) STRICT;
-- The dispatcher's one timer: the earliest pending row.
CREATE INDEX notice_pending_by_time ON notice(next_attempt_at) WHERE state = 'pending';
CREATE INDEX notice_by_event ON notice(event_id);

-- The audit trail: plan differences, socket commands, state changes.
CREATE TABLE history (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    at       INTEGER NOT NULL,
    actor    TEXT NOT NULL,
    action   TEXT NOT NULL,
    subject  TEXT NOT NULL DEFAULT '',  -- e.g. 'event:erkemai-seminar-1'
    detail   TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX history_by_at ON history(at);
CREATE INDEX history_by_subject ON history(subject);
)sql";

// The outbox as the dispatcher uses it: what the template needs beyond the event, whether a notice
// went out late, and a pending index that serves due_notices' whole order (ties by key) without a
// sort, so draining thousands of rows due at the same moment stays cheap.
constexpr std::string_view kSchemaV2 = R"sql(
ALTER TABLE notice ADD COLUMN detail TEXT NOT NULL DEFAULT '';
ALTER TABLE notice ADD COLUMN late INTEGER NOT NULL DEFAULT 0 CHECK (late IN (0, 1));
DROP INDEX notice_pending_by_time;
CREATE INDEX notice_pending_by_time ON notice(next_attempt_at, key) WHERE state = 'pending';
)sql";
// No index on state alone: without ANALYZE statistics the planner would prefer it to the partial
// index above and sort every pending row; counting by state scans the table instead.

// A notice's facts as typed JSON (F9) instead of a line of text the templates parsed back: the old
// lines, as the policy wrote them for each kind, are converted here once.
constexpr std::string_view kSchemaV3 = R"sql(
ALTER TABLE notice ADD COLUMN facts TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(facts));
UPDATE notice SET facts = CASE
  WHEN detail = '' THEN '{}'
  WHEN kind = 'reminder' THEN json_object('lead', detail)
  WHEN kind = 'report_due' THEN json_object('due_date', detail)
  WHEN kind = 'overdue' THEN json_object('missing', substr(detail, 1, instr(detail, ' ') - 1),
                                         'due_date', substr(detail, instr(detail, ' ') + 1, 10))
  WHEN kind = 'escalation' THEN json_object('missing', substr(detail, 1, instr(detail, ' ') - 1),
                                            'due_date', substr(detail, instr(detail, ' ') + 1, 10),
                                            'round', CAST(substr(detail, instr(detail, ' ') + 12) AS INTEGER))
  WHEN kind = 'change' AND detail = 'cancelled' THEN json_object('cancelled', json('true'))
  WHEN kind = 'change' THEN json_object('previous_date', substr(detail, 1, 10), 'new_date', substr(detail, -10))
  WHEN kind = 'digest' THEN json_object('day', detail)
  ELSE '{}' END;
ALTER TABLE notice DROP COLUMN detail;
)sql";

// F11, closing the loop in Telegram: where each receiving channel stands (the last update applied,
// written in the same transaction as what it changed), people linked to chats, one-time link codes,
// short numbers for events in button tokens, and the one open conversation per chat.
constexpr std::string_view kSchemaV4 = R"sql(
CREATE TABLE channel_position (
    channel  TEXT PRIMARY KEY,
    position INTEGER NOT NULL
) STRICT;
CREATE TABLE link (
    person    TEXT NOT NULL,
    channel   TEXT NOT NULL,
    chat      TEXT NOT NULL,
    user      TEXT NOT NULL DEFAULT '',
    locale    TEXT NOT NULL DEFAULT '',  -- chosen with /lang; '' = the plan's
    linked_at INTEGER NOT NULL,
    PRIMARY KEY (person, channel)
) STRICT;
CREATE UNIQUE INDEX link_by_chat ON link(channel, chat);
CREATE TABLE link_code (
    code       TEXT PRIMARY KEY,
    person     TEXT NOT NULL,
    channel    TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
) STRICT;
CREATE TABLE event_ref (
    ref      INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE
) STRICT;
CREATE TABLE conversation (
    channel    TEXT NOT NULL,
    chat       TEXT NOT NULL,
    data       TEXT NOT NULL CHECK (json_valid(data)),
    started_at INTEGER NOT NULL,
    PRIMARY KEY (channel, chat)
) STRICT;
)sql";

// F12, the web: dashboard sessions (the SHA-256 of the cookie, never the cookie), kept across
// restarts. One-time sign-in codes are link codes on channel "web".
constexpr std::string_view kSchemaV5 = R"sql(
CREATE TABLE web_session (
    id_hash    TEXT PRIMARY KEY,
    person     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
)sql";

// F14: the dead rows by time, as the digest and `retry` list them, without a scan of every row
// ever sent.
constexpr std::string_view kSchemaV6 = R"sql(
CREATE INDEX notice_dead_by_time ON notice(due_at, key) WHERE state = 'dead';
)sql";

// F14: where each event's derived notices stop. The horizon holds back every notice due at or after
// it; notices_beyond is the first of the event's held back when they were last derived (NULL: none).
// Moving the horizon then derives again only the events it passes, not every event of the plan.
constexpr std::string_view kSchemaV7 = R"sql(
ALTER TABLE event ADD COLUMN notices_beyond INTEGER;
CREATE INDEX event_by_notices_beyond ON event(notices_beyond) WHERE notices_beyond IS NOT NULL;
)sql";

// F14: SQLite (3.40) checks an IN list of more than two values by building a temporary b-tree,
// anew for each row written, and the state checks of events and notices had four and five: a
// sixth of a preview and a tenth of a plan load went there. The same sets as OR chains, which it
// compares in place. A CHECK cannot be changed where it stands, so both tables are built again with every
// column, row and index they had.
constexpr std::string_view kSchemaV8 = R"sql(
CREATE TABLE event_v8 (
    id              TEXT PRIMARY KEY,
    centre          TEXT NOT NULL REFERENCES centre(id),
    district        TEXT NOT NULL REFERENCES district(id),
    form            TEXT NOT NULL REFERENCES form(id),
    title           TEXT NOT NULL DEFAULT '',
    audience        TEXT NOT NULL DEFAULT '',
    responsible     TEXT REFERENCES person(id),
    date            TEXT NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    start_minutes   INTEGER NOT NULL CHECK (start_minutes BETWEEN 0 AND 1439),
    end_minutes     INTEGER NOT NULL CHECK (end_minutes BETWEEN 0 AND 1440),
    source          TEXT NOT NULL,  -- 'fixed' or the rule id
    pinned          INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1)),
    in_plan         INTEGER NOT NULL DEFAULT 1 CHECK (in_plan IN (0, 1)),
    -- Execution: written by commands (held, report, postpone, cancel), never by a plan load.
    state           TEXT NOT NULL DEFAULT 'planned'
                    CHECK (state = 'planned' OR state = 'held' OR state = 'reported' OR state = 'cancelled'),
    held_date       TEXT,
    participants    INTEGER CHECK (participants >= 0),
    reported_date   TEXT,
    report_ref      TEXT,
    cancel_reason   TEXT,
    postponed_from  TEXT,
    sequence        INTEGER NOT NULL DEFAULT 0,  -- revision counter for notices (iCalendar SEQUENCE)
    notices_beyond  INTEGER
) STRICT;
INSERT INTO event_v8 (id, centre, district, form, title, audience, responsible, date, start_minutes, end_minutes,
                      source, pinned, in_plan, state, held_date, participants, reported_date, report_ref,
                      cancel_reason, postponed_from, sequence, notices_beyond)
    SELECT id, centre, district, form, title, audience, responsible, date, start_minutes, end_minutes,
           source, pinned, in_plan, state, held_date, participants, reported_date, report_ref,
           cancel_reason, postponed_from, sequence, notices_beyond FROM event;
DROP TABLE event;
ALTER TABLE event_v8 RENAME TO event;
CREATE INDEX event_by_date ON event(date, start_minutes, id);
CREATE INDEX event_by_centre ON event(centre);
CREATE INDEX event_by_district ON event(district);
CREATE INDEX event_by_form ON event(form);
CREATE INDEX event_by_responsible ON event(responsible);
CREATE INDEX event_by_notices_beyond ON event(notices_beyond) WHERE notices_beyond IS NOT NULL;

CREATE TABLE notice_v8 (
    key              TEXT PRIMARY KEY,  -- deterministic idempotency key
    event_id         TEXT,              -- NULL for notices about no one event (digests)
    kind             TEXT NOT NULL,
    recipient        TEXT NOT NULL,     -- person id
    channel          TEXT NOT NULL,
    due_at           INTEGER NOT NULL,
    state            TEXT NOT NULL DEFAULT 'pending'
                     CHECK (state = 'pending' OR state = 'sent' OR state = 'dead' OR state = 'superseded' OR
                            state = 'expired'),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,  -- due_at until a retry moves it
    last_error       TEXT,
    subject          TEXT NOT NULL DEFAULT '',
    body             TEXT NOT NULL DEFAULT '',
    created_at       INTEGER NOT NULL,
    sent_at          INTEGER,
    late             INTEGER NOT NULL DEFAULT 0 CHECK (late IN (0, 1)),
    facts            TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(facts))
) STRICT;
INSERT INTO notice_v8 (key, event_id, kind, recipient, channel, due_at, state, attempts, next_attempt_at,
                       last_error, subject, body, created_at, sent_at, late, facts)
    SELECT key, event_id, kind, recipient, channel, due_at, state, attempts, next_attempt_at,
           last_error, subject, body, created_at, sent_at, late, facts FROM notice;
DROP TABLE notice;
ALTER TABLE notice_v8 RENAME TO notice;
CREATE INDEX notice_pending_by_time ON notice(next_attempt_at, key) WHERE state = 'pending';
CREATE INDEX notice_by_event ON notice(event_id);
CREATE INDEX notice_dead_by_time ON notice(due_at, key) WHERE state = 'dead';
)sql";

// F14: no index on an event's form. Three forms split 200,000 events in thirds: a page of one form
// read through it sorted a third of the plan by date (25 ms), through the date index it stops at
// its page (0.05 ms); each first load sorted it for nothing; and a form is deleted too rarely for
// its foreign key's scan of the events to matter.
constexpr std::string_view kSchemaV9 = R"sql(
DROP INDEX event_by_form;
)sql";

// F14: an event's id is unique by an index of its own rather than as the PRIMARY KEY, which in a
// rowid table is the same b-tree but one SQLite keeps for the table's life: a first load can now
// set it aside with the others and sort it once after its rows (a national plan's ids arrive in
// date order, not id order: kept key by key, 0.4 s; sorted, 0.15 s). Duplicate ids are refused
// before any row is written. Rebuilt like version 8, with every column, row and index.
constexpr std::string_view kSchemaV10 = R"sql(
CREATE TABLE event_v10 (
    id              TEXT NOT NULL,
    centre          TEXT NOT NULL REFERENCES centre(id),
    district        TEXT NOT NULL REFERENCES district(id),
    form            TEXT NOT NULL REFERENCES form(id),
    title           TEXT NOT NULL DEFAULT '',
    audience        TEXT NOT NULL DEFAULT '',
    responsible     TEXT REFERENCES person(id),
    date            TEXT NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    start_minutes   INTEGER NOT NULL CHECK (start_minutes BETWEEN 0 AND 1439),
    end_minutes     INTEGER NOT NULL CHECK (end_minutes BETWEEN 0 AND 1440),
    source          TEXT NOT NULL,  -- 'fixed' or the rule id
    pinned          INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1)),
    in_plan         INTEGER NOT NULL DEFAULT 1 CHECK (in_plan IN (0, 1)),
    -- Execution: written by commands (held, report, postpone, cancel), never by a plan load.
    state           TEXT NOT NULL DEFAULT 'planned'
                    CHECK (state = 'planned' OR state = 'held' OR state = 'reported' OR state = 'cancelled'),
    held_date       TEXT,
    participants    INTEGER CHECK (participants >= 0),
    reported_date   TEXT,
    report_ref      TEXT,
    cancel_reason   TEXT,
    postponed_from  TEXT,
    sequence        INTEGER NOT NULL DEFAULT 0,  -- revision counter for notices (iCalendar SEQUENCE)
    notices_beyond  INTEGER
) STRICT;
INSERT INTO event_v10 (id, centre, district, form, title, audience, responsible, date, start_minutes, end_minutes,
                       source, pinned, in_plan, state, held_date, participants, reported_date, report_ref,
                       cancel_reason, postponed_from, sequence, notices_beyond)
    SELECT id, centre, district, form, title, audience, responsible, date, start_minutes, end_minutes,
           source, pinned, in_plan, state, held_date, participants, reported_date, report_ref,
           cancel_reason, postponed_from, sequence, notices_beyond FROM event ORDER BY rowid;
DROP TABLE event;
ALTER TABLE event_v10 RENAME TO event;
CREATE UNIQUE INDEX event_by_id ON event(id);
CREATE INDEX event_by_date ON event(date, start_minutes, id);
CREATE INDEX event_by_centre ON event(centre);
CREATE INDEX event_by_district ON event(district);
CREATE INDEX event_by_responsible ON event(responsible);
CREATE INDEX event_by_notices_beyond ON event(notices_beyond) WHERE notices_beyond IS NOT NULL;
)sql";

// F14: a load that fills the empty event table records their addition in one history row, and
// each event names it here; Store::history_about() gives it as the start of the event's history.
// A national plan's 200,000 rows of "added" were a third of its database and 0.3 s of its first
// load. NULL: the event's addition is a row of its own (a later load's, or from before).
constexpr std::string_view kSchemaV11 = R"sql(
ALTER TABLE event ADD COLUMN added_in INTEGER;
)sql";

constexpr std::array<std::string_view, 11> kMigrations{kSchemaV1, kSchemaV2, kSchemaV3, kSchemaV4,
                                                       kSchemaV5, kSchemaV6, kSchemaV7, kSchemaV8,
                                                       kSchemaV9, kSchemaV10, kSchemaV11};

}  // namespace

std::span<const std::string_view> schema_migrations() { return kMigrations; }

}  // namespace tarat::store_internal
