// The admin commands: each checks its input first (a refusal changes nothing), then makes the
// change, its history row and the notices it causes in ONE transaction, then wakes the dispatcher.
#include "app/command_support.hpp"
#include "app/commands.hpp"
#include "app/daemon.hpp"
#include "control/blob.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdint>

namespace tarat {
namespace {

using namespace commands;
using control::Permission;

constexpr std::int64_t kMaxParticipants = 100000;

Reply bad_request(std::string text) { return {control::bad_request, std::move(text)}; }

std::string when(const ScheduledEvent& e) { return format_date(e.date) + " " + format_hhmm(e.start_minutes); }

// The change is in the store; its notices go out as soon as they are due.
Reply changed(Daemon& daemon, const std::string& id, std::string text) {
    daemon.dispatcher().poke();
    json args = {{"changed", true}};
    if (auto stored = daemon.store().event(id)) args["event"] = stored_event_json(*stored);
    return {control::ok, std::move(text), std::move(args)};
}

Reply unchanged(const StoredEvent& stored, std::string text) {
    return {control::ok, std::move(text), {{"changed", false}, {"event", stored_event_json(stored)}}};
}

// Where the event stands, for refusals: "held on 2026-12-09", "cancelled (no hall)".
std::string standing(const StoredEvent& s) {
    switch (s.state) {
        case EventState::planned: return "planned for " + when(s.event);
        case EventState::held: return "held on " + format_date(s.held_date.value_or(s.event.date));
        case EventState::reported:
            return "held on " + format_date(s.held_date.value_or(s.event.date)) + " and reported on " +
                   (s.reported_date ? format_date(*s.reported_date) : std::string("?"));
        case EventState::cancelled:
            return "cancelled" + (s.cancel_reason.empty() ? std::string() : " (" + s.cancel_reason + ")");
    }
    return "";
}

// A free-text argument checked; "" when absent.
std::optional<Reply> read_text(const json& args, const char* name, const char* what, std::string& out) {
    out = string_arg(args, name).value_or("");
    if (auto problem = free_text_problem(out, what); !problem.empty()) return bad_request(problem);
    return std::nullopt;
}

Reply held(Daemon& daemon, const json& args, const control::Peer& peer) {
    const std::string id = *string_arg(args, "id");
    auto& store = daemon.store();
    auto stored = store.event(id);
    if (!stored) return unknown_event(daemon, id);
    const auto& e = stored->event;
    if (stored->state == EventState::cancelled)
        return bad_request(id + " was cancelled" +
                           (stored->cancel_reason.empty() ? "" : " (" + stored->cancel_reason + ")") +
                           "; a cancelled event cannot be held");

    std::optional<int> participants;
    if (auto it = args.find("participants"); it != args.end()) {
        // The table checked it is an integer; JSON integers may still be negative or huge.
        const bool fits = it->is_number_unsigned()
                              ? it->get<std::uint64_t>() <= static_cast<std::uint64_t>(kMaxParticipants)
                              : it->get<std::int64_t>() >= 0 && it->get<std::int64_t>() <= kMaxParticipants;
        if (!fits)
            return bad_request("participants must be a number from 0 to " + std::to_string(kMaxParticipants) +
                               ", not " + it->dump());
        participants = static_cast<int>(it->get<std::int64_t>());
    }
    std::string note;
    if (auto refusal = read_text(args, "note", "note", note)) return *refusal;

    if (stored->state != EventState::planned)
        return unchanged(*stored, id + " is already " + standing(*stored) + "; nothing changed");

    const Instant now = daemon.clock().now();
    const auto [today, minutes_now] = daemon.setup().calendar->instant_to_local(now);
    if (e.date > today || (e.date == today && e.start_minutes > minutes_now))
        return bad_request(id + " is planned for " + when(e) + ", which is still ahead; mark it held once it took place");
    const Date held_date = date_arg(args, "date").value_or(e.date);
    if (held_date > today)
        return bad_request("the held date " + format_date(held_date) + " is in the future (today is " +
                           format_date(today) + ")");

    std::string detail = "held on " + format_date(held_date);
    if (participants) detail += ", " + std::to_string(*participants) + " participants";
    if (!note.empty()) detail += "; note: " + note;
    store.in_transaction([&] {
        store.record_held(id, held_date, participants);
        store.add_history(now, actor_of(peer), "event.held", "event:" + id, detail);
        sync_event_notices(daemon, id, now);
    });
    return changed(daemon, id, id + " " + detail);
}

Reply reported(Daemon& daemon, const json& args, const control::Peer& peer) {
    const std::string id = *string_arg(args, "id");
    auto& store = daemon.store();
    auto stored = store.event(id);
    if (!stored) return unknown_event(daemon, id);
    std::string ref;
    if (auto refusal = read_text(args, "ref", "report reference", ref)) return *refusal;
    if (stored->state == EventState::planned || stored->state == EventState::cancelled)
        return bad_request(id + " is " + standing(*stored) + ", not held: mark it held before its report");
    if (stored->state == EventState::reported)
        return unchanged(*stored, id + " is already " + standing(*stored) + "; nothing changed");

    const Instant now = daemon.clock().now();
    const Date today = daemon.today();
    const Date reported_date = date_arg(args, "date").value_or(today);
    if (reported_date > today)
        return bad_request("the report date " + format_date(reported_date) + " is in the future (today is " +
                           format_date(today) + ")");
    const Date held_date = stored->held_date.value_or(stored->event.date);
    if (reported_date < held_date)
        return bad_request("the report date " + format_date(reported_date) + " is before the event was held (" +
                           format_date(held_date) + ")");

    const Date due = daemon.notices().policy().report_due_date(stored->event, held_date);
    std::string detail = "reported on " + format_date(reported_date) + (reported_date > due ? ", late" : ", on time") +
                         " (due " + format_date(due) + ")";
    if (!ref.empty()) detail += "; ref: " + ref;
    store.in_transaction([&] {
        store.record_report(id, reported_date, ref);
        store.add_history(now, actor_of(peer), "event.reported", "event:" + id, detail);
        sync_event_notices(daemon, id, now);
    });
    return changed(daemon, id, id + " " + detail);
}

// "2027-01-01 is a day off (New Year); the nearest working days are 2026-12-31 and 2027-01-04".
std::string day_off_text(Daemon& daemon, Date day, Date today) {
    const auto& calendar = *daemon.setup().calendar;
    std::string why;
    if (const DayEntry* entry = calendar.entry(day); entry && is_day_off_kind(entry->kind)) why = entry->name.in("en");
    static constexpr const char* kWeekdays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                "Thursday", "Friday", "Saturday"};
    if (why.empty()) why = kWeekdays[date::weekday{day}.c_encoding()];
    std::vector<std::string> nearest;
    const Date before = calendar.previous_working_day_on_or_before(day);
    if (before >= today) nearest.push_back(format_date(before));
    nearest.push_back(format_date(calendar.next_working_day_on_or_after(day)));
    std::string text = format_date(day) + " is a day off (" + why + "); the nearest working day";
    text += nearest.size() == 2 ? "s are " + nearest[0] + " and " + nearest[1] : " is " + nearest[0];
    return text;
}

Reply postpone(Daemon& daemon, const json& args, const control::Peer& peer) {
    const std::string id = *string_arg(args, "id");
    auto& store = daemon.store();
    auto stored = store.event(id);
    if (!stored) return unknown_event(daemon, id);
    const auto& e = stored->event;
    std::string reason;
    if (auto refusal = read_text(args, "reason", "reason", reason)) return *refusal;
    if (reason.empty()) return bad_request("give the reason for postponing " + id);
    if (stored->state != EventState::planned)
        return bad_request(id + " is " + standing(*stored) + "; only a planned event can be postponed");

    const Instant now = daemon.clock().now();
    const auto [today, minutes_now] = daemon.setup().calendar->instant_to_local(now);
    const Date to = *date_arg(args, "to");
    int start = e.start_minutes;
    if (auto text = string_arg(args, "start")) {
        auto parsed = parse_hhmm(*text);
        if (!parsed) return bad_request("--start '" + *text + "' is not a time HH:MM");
        start = *parsed;
    }
    const int end = start + (e.end_minutes - e.start_minutes);
    if (end > 24 * 60)
        return bad_request("starting at " + format_hhmm(start) + ", " + id + " would end after midnight");
    if (to < today || (to == today && start <= minutes_now))
        return bad_request(format_date(to) + " " + format_hhmm(start) + " is in the past (today is " +
                           format_date(today) + ")");
    if (!daemon.setup().calendar->is_working_day(to)) return bad_request(day_off_text(daemon, to, today));
    if (to == e.date && start == e.start_minutes) return bad_request(id + " is already planned for " + when(e));

    const Date from = e.date;
    const std::string change_detail = format_date(from) + " → " + format_date(to);
    const std::vector<std::string> told = store.recipients_told(id);
    store.in_transaction([&] {
        store.postpone_event(id, to, start, end);
        store.add_history(now, actor_of(peer), "event.postponed", "event:" + id,
                          when(e) + " → " + format_date(to) + " " + format_hhmm(start) + "; reason: " + reason);
        auto moved = store.event(id);
        sync_event_notices(daemon, id, now, daemon.notices().policy().change(moved->event, told, now, change_detail));
    });
    return changed(daemon, id,
                   id + " postponed from " + when(e) + " to " + format_date(to) + " " + format_hhmm(start) + "; " +
                       std::to_string(told.size()) + " people already told get a change notice");
}

Reply cancel(Daemon& daemon, const json& args, const control::Peer& peer) {
    const std::string id = *string_arg(args, "id");
    auto& store = daemon.store();
    auto stored = store.event(id);
    if (!stored) return unknown_event(daemon, id);
    std::string reason;
    if (auto refusal = read_text(args, "reason", "reason", reason)) return *refusal;
    if (reason.empty()) return bad_request("give the reason for cancelling " + id);
    if (stored->state == EventState::cancelled)
        return unchanged(*stored, id + " is already " + standing(*stored) + "; nothing changed");
    if (stored->state != EventState::planned)
        return bad_request(id + " is " + standing(*stored) + "; only a planned event can be cancelled");

    const Instant now = daemon.clock().now();
    const std::vector<std::string> told = store.recipients_told(id);
    store.in_transaction([&] {
        store.cancel_event(id, reason);
        store.add_history(now, actor_of(peer), "event.cancelled", "event:" + id,
                          "was planned for " + when(stored->event) + "; reason: " + reason);
        auto cancelled = store.event(id);
        sync_event_notices(daemon, id, now, daemon.notices().policy().change(cancelled->event, told, now, "cancelled"));
    });
    return changed(daemon, id,
                   id + " cancelled; " + std::to_string(told.size()) + " people already told get a change notice");
}

Reply confirm(Daemon& daemon, const json& args, const control::Peer& peer) {
    const std::string id = *string_arg(args, "id");
    auto& store = daemon.store();
    auto stored = store.event(id);
    if (!stored) return unknown_event(daemon, id);
    if (stored->state == EventState::cancelled)
        return bad_request(id + " is " + standing(*stored) + "; there is no date to confirm");
    if (stored->event.pinned) return unchanged(*stored, id + " is already confirmed for " + when(stored->event));
    const Instant now = daemon.clock().now();
    store.in_transaction([&] {
        store.pin_event(id);
        store.add_history(now, actor_of(peer), "event.confirmed", "event:" + id,
                          "pinned to " + when(stored->event) + ": re-planning no longer moves it");
        sync_event_notices(daemon, id, now);
    });
    return changed(daemon, id, id + " confirmed for " + when(stored->event) + "; re-planning no longer moves it");
}

Reply retry(Daemon& daemon, const json& args, const control::Peer& peer) {
    const std::string key = *string_arg(args, "notice");
    auto& store = daemon.store();
    auto row = store.notice(key);
    if (!row) {
        NoticeFilter dead;
        dead.state = NoticeState::dead;
        std::vector<std::string> keys;
        for (const auto& r : store.notices(dead)) keys.push_back(r.notice.key);
        auto suggestions = closest_names(key, keys);
        std::string shown = key.size() > 120 ? key.substr(0, 120) + "…" : key;
        return {control::not_found, "no notice '" + shown + "'" + suggestion_text(suggestions),
                {{"did_you_mean", suggestions}}};
    }
    if (row->state != NoticeState::dead)
        return bad_request("notice '" + key + "' is " + std::string(state_name(row->state)) +
                           "; only a dead notice can be retried");
    const Instant now = daemon.clock().now();
    store.in_transaction([&] {
        store.requeue(key, now);
        store.add_history(now, actor_of(peer), "notice.requeued", "notice:" + key,
                          "dead after " + std::to_string(row->attempts) + " attempts: " + row->last_error);
    });
    daemon.dispatcher().poke();
    return {control::ok, "notice '" + key + "' requeued", {{"notice", notice_json(daemon, *store.notice(key))}}};
}

Reply reload(Daemon& daemon, const json& args, const control::Peer& peer) {
    // Daemon::reload is synchronous, so the reply always knows the outcome; --wait is what
    // taratctl uses to show the diagnostics too (systemd's ExecReload=).
    auto outcome = daemon.reload(actor_of(peer));
    json reply_args = {{"taken", outcome.taken},
                       {"errors", outcome.errors},
                       {"changes", outcome.changes},
                       {"changes_total", outcome.change_count}};
    reply_args["waited"] = args.value("wait", false);
    return {outcome.taken ? control::ok : control::error, outcome.text, std::move(reply_args)};
}

// The reply carries the copy as base64: taratctl writes it with its caller's rights, and the daemon
// never opens a path a client names. A department's database is a few MB; taratctl reads replies
// up to 64 MiB, so a copy past this size is refused with a pointer to the offline way.
constexpr std::size_t kMaxBackupBytes = std::size_t{45} << 20;

Reply backup(Daemon& daemon, const json&, const control::Peer&) {
    const Instant taken_at = daemon.clock().now();
    const auto started = std::chrono::steady_clock::now();
    auto image = daemon.store().backup_image();
    spdlog::info("backup: {} bytes copied in {} ms", image.size(),
                 std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count());
    if (image.size() > kMaxBackupBytes)
        return {control::error, "the database is " + std::to_string(image.size()) +
                                    " bytes, too large to send over the socket; stop taratd and copy " +
                                    daemon.store().file().string() + " with sqlite3's .backup"};
    return {control::ok, "backup of " + daemon.store().file().string() + ": " + std::to_string(image.size()) + " bytes",
            {{"bytes", image.size()},
             {"taken_at", format_instant_utc(taken_at)},
             {"schema_version", daemon.store().schema_version()},
             {"data", control::encode_blob(image)}}};
}

}  // namespace

void register_admin_commands(control::CommandTable& table, Daemon& daemon) {
    auto bind = [&daemon](Reply (*handler)(Daemon&, const json&, const control::Peer&)) {
        return [&daemon, handler](const json& args, const control::Peer& peer) { return handler(daemon, args, peer); };
    };
    table.add({"held", Permission::admin,
               "Record that an event took place (default: on its planned date); a second time changes nothing.",
               {{"id", "string!"}, {"date", "date"}, {"participants", "integer"}, {"note", "string"}}, bind(held)});
    table.add({"reported", Permission::admin, "Record that a held event's report arrived (default: today).",
               {{"id", "string!"}, {"date", "date"}, {"ref", "string"}}, bind(reported)});
    table.add({"postpone", Permission::admin,
               "Move a planned event to another working day (and start time); people already told get a change "
               "notice.",
               {{"id", "string!"}, {"to", "date!"}, {"start", "string"}, {"reason", "string!"}}, bind(postpone)});
    table.add({"cancel", Permission::admin, "Cancel a planned event; people already told get a change notice.",
               {{"id", "string!"}, {"reason", "string!"}}, bind(cancel)});
    table.add({"confirm", Permission::admin, "Pin an event to its date: re-planning no longer moves it.",
               {{"id", "string!"}}, bind(confirm)});
    table.add({"retry", Permission::admin, "Send a dead notice again (by its key), after fixing the cause.",
               {{"notice", "string!"}}, bind(retry)});
    table.add({"reload", Permission::admin,
               "Re-read config, plan and calendar; an invalid new plan is refused and the old one kept. The reply "
               "says which, and why.",
               {{"wait", "boolean"}}, bind(reload)});
    table.add({"backup", Permission::admin,
               "A consistent copy of the live database (SQLite's online backup API), base64 in \"data\"; taratctl "
               "writes it to the file its caller names.",
               {}, bind(backup)});
}

control::CommandTable::AdminAttemptHook audit_admin_attempts(Daemon& daemon) {
    return [&daemon](const control::Peer& peer, const std::string& command, const json& args,
                     const control::Reply& reply) {
        std::string subject;
        if (auto id = string_arg(args, "id")) subject = "event:" + *id;
        else if (auto key = string_arg(args, "notice")) subject = "notice:" + *key;
        static constexpr const char* kResultNames[] = {"ok", "error", "unknown command", "not found", "forbidden",
                                                       "bad request"};
        const bool named = reply.result >= 0 && reply.result <= 5;
        std::string detail = "result " + std::to_string(reply.result) +
                             (named ? std::string(" ") + kResultNames[reply.result] : std::string()) + ": " +
                             reply.text + "; arguments " +
                             args.dump(-1, ' ', false, json::error_handler_t::replace);
        daemon.store().add_history(daemon.clock().now(), actor_of(peer), "ctl." + command, subject, detail);
    };
}

}  // namespace tarat
