// The admin commands: each reads its arguments and calls the event lifecycle, which checks the
// step, makes the change, its history row and its notices in one transaction.
#include "commands/support.hpp"
#include "control/blob.hpp"
#include "core/text.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <map>

namespace tarat::commands {
namespace {

Reply bad_request(std::string text) { return {control::bad_request, std::move(text)}; }

std::optional<std::int64_t> participants_arg(const json& args) {
    auto it = args.find("participants");
    if (it == args.end()) return std::nullopt;
    // The table checked it is an integer; JSON integers may still be huge.
    return it->is_number_unsigned() && it->get<std::uint64_t>() > std::uint64_t(INT64_MAX)
               ? std::numeric_limits<std::int64_t>::max()
               : it->get<std::int64_t>();
}

// `--if-revision N`: the revision the caller read (the lifecycle refuses the step when it moved on).
Expectation expectation_of(const json& args) {
    auto it = args.find("if_revision");
    if (it == args.end() || !it->is_number_integer()) return {};
    return {it->get<std::int64_t>()};
}

Reply held(Context& context, const json& args, const control::Peer& peer) {
    HeldInput input;
    input.date = date_arg(args, "date");
    input.participants = participants_arg(args);
    input.note = string_arg(args, "note").value_or("");
    input.force = args.value("force", false);
    return reply_of(context.lifecycle.held(actor_of(peer), *string_arg(args, "id"), input, expectation_of(args)));
}

Reply reported(Context& context, const json& args, const control::Peer& peer) {
    ReportedInput input{date_arg(args, "date"), string_arg(args, "ref").value_or("")};
    return reply_of(context.lifecycle.reported(actor_of(peer), *string_arg(args, "id"), input, expectation_of(args)));
}

Reply postpone(Context& context, const json& args, const control::Peer& peer) {
    PostponeInput input;
    input.to = *date_arg(args, "to");
    input.reason = string_arg(args, "reason").value_or("");
    const std::string id = *string_arg(args, "id");
    if (!context.store.event(id)) return unknown_event(context, id);
    if (auto text = string_arg(args, "start")) {
        input.start_minutes = parse_hhmm(*text);
        if (!input.start_minutes) return bad_request("--start '" + *text + "' is not a time HH:MM");
    }
    return reply_of(context.lifecycle.postpone(actor_of(peer), id, input, expectation_of(args)));
}

Reply cancel(Context& context, const json& args, const control::Peer& peer) {
    return reply_of(context.lifecycle.cancel(actor_of(peer), *string_arg(args, "id"),
                                             string_arg(args, "reason").value_or(""), expectation_of(args)));
}

Reply confirm(Context& context, const json& args, const control::Peer& peer) {
    return reply_of(context.lifecycle.confirm(actor_of(peer), *string_arg(args, "id"), expectation_of(args)));
}

Reply amend(Context& context, const json& args, const control::Peer& peer) {
    AmendInput input;
    input.participants = participants_arg(args);
    input.held_date = date_arg(args, "held_date");
    input.report_date = date_arg(args, "report_date");
    input.ref = string_arg(args, "ref");
    input.reason = string_arg(args, "reason").value_or("");
    input.force = args.value("force", false);
    return reply_of(context.lifecycle.amend(actor_of(peer), *string_arg(args, "id"), input, expectation_of(args)));
}

Reply reopen(Context& context, const json& args, const control::Peer& peer) {
    ReopenInput input{string_arg(args, "reason").value_or(""), date_arg(args, "to")};
    return reply_of(context.lifecycle.reopen(actor_of(peer), *string_arg(args, "id"), input, expectation_of(args)));
}

Reply retry(Context& context, const json& args, const control::Peer& peer) {
    const std::string key = *string_arg(args, "notice");
    auto& store = context.store;
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
    const Instant now = context.clock().now();
    store.in_transaction([&] {
        store.requeue(key, now);
        store.add_history(now, actor_of(peer).text(), "notice.requeued", "notice:" + key,
                          "dead after " + std::to_string(row->attempts) + " attempts: " + row->last_error);
    });
    if (context.dispatcher) context.dispatcher->poke();
    return {control::ok, "notice '" + key + "' requeued", {{"notice", notice_json(context, *store.notice(key))}}};
}

// What became of a requeued notice once the dispatcher settled it: ok only when it went out.
Reply retry_outcome(Context& context, const std::string& key, int attempts_before) {
    auto row = context.store.notice(key);
    if (!row) return {control::error, "notice '" + key + "' is gone"};
    json args = {{"notice", notice_json(context, *row)}};
    const std::string on = " on channel " + row->notice.channel;
    switch (row->state) {
        case NoticeState::sent:
            return {control::ok, "notice '" + key + "' sent" + on + " at " + local_time_text(context, *row->sent_at),
                    std::move(args)};
        case NoticeState::dead:
            return {control::error, "notice '" + key + "' rejected again" + on + ": " + row->last_error, std::move(args)};
        case NoticeState::pending:
            if (row->attempts > attempts_before)
                return {control::error, "notice '" + key + "' failed again" + on + ": " + row->last_error +
                                            "; next attempt at " + local_time_text(context, row->next_attempt_at),
                        std::move(args)};
            return {control::error, "notice '" + key + "' not sent yet: it waits until " +
                                        local_time_text(context, row->next_attempt_at) + " (working hours)",
                    std::move(args)};
        default: break;
    }
    return {control::error, "notice '" + key + "' is " + std::string(state_name(row->state)) + ", not sent",
            std::move(args)};
}

// `retry KEY --wait`: answers once the dispatcher has tried the notice (or put it off).
void retry_waiting(Context& context, const json& args, const control::Peer& peer, control::Respond respond) {
    Reply requeued = retry(context, args, peer);
    if (!args.value("wait", false) || requeued.result != control::ok || !context.dispatcher)
        return respond(std::move(requeued));
    const std::string key = *string_arg(args, "notice");
    const int attempts = context.store.notice(key)->attempts;
    context.dispatcher->when_settled(key, [&context, key, attempts, respond] {
        respond(retry_outcome(context, key, attempts));
    });
    context.dispatcher->poke();
}

json conflict_json(const PlanConflict& c) {
    return {{"id", c.event_id},
            {"plan_date", format_date(c.plan_date)},
            {"plan_start", format_hhmm(c.plan_start)},
            {"stored_date", format_date(c.stored_date)},
            {"stored_start", format_hhmm(c.stored_start)},
            {"postponed_by", c.postponed_by},
            {"postponed_at", format_instant_utc(c.postponed_at)},
            {"apply", c.how_to_apply}};
}

json dated_json(const ScheduledEvent& e) {
    return {{"id", e.id}, {"date", format_date(e.date)}, {"start", format_hhmm(e.start_minutes)}, {"centre", e.centre},
            {"form", e.form}};
}

Reply reload(Context& context, const json& args, const control::Peer& peer) {
    if (!context.reload) return {control::error, "this taratd has no files to re-read"};
    // The reload is synchronous, so the reply always knows the outcome; --wait is what taratctl
    // uses to show the diagnostics too (systemd's ExecReload=).
    PlanOptions options;
    options.allow_shrink = args.value("allow_shrink", false);
    options.dry_run = args.value("dry_run", false);
    auto outcome = context.reload(actor_of(peer), options);
    json reply_args = {{"taken", outcome.taken},
                       {"errors", outcome.errors},
                       {"changes", outcome.changes},
                       {"changes_total", outcome.change_count},
                       {"conflicts", json::array()},
                       {"removed", json::array()},
                       {"kept", json::array()}};
    for (const auto& c : outcome.conflicts) reply_args["conflicts"].push_back(conflict_json(c));
    for (const auto& e : outcome.removed) reply_args["removed"].push_back(dated_json(e));
    for (const auto& k : outcome.kept) {
        json kept = dated_json(k.event);
        kept["state"] = state_name(k.state);
        kept["pinned"] = k.event.pinned;
        reply_args["kept"].push_back(std::move(kept));
    }
    if (outcome.shrink_refused)
        reply_args["shrink"] = {{"future_events", outcome.future_events}, {"would_remove", outcome.future_removed}};
    reply_args["waited"] = args.value("wait", false);
    reply_args["dry_run"] = options.dry_run;
    reply_args["diff"] = json::array();
    for (const auto& d : outcome.diff)
        reply_args["diff"].push_back({{"change", diff_kind_name(d.kind)},
                                      {"id", d.id},
                                      {"date", format_date(d.date)},
                                      {"start", format_hhmm(d.start)},
                                      {"to_date", d.to_date ? json(format_date(*d.to_date)) : json()},
                                      {"to_start", d.to_date ? json(format_hhmm(d.to_start)) : json()},
                                      {"reason", d.reason},
                                      {"why", d.why},
                                      {"detail", d.detail},
                                      {"how", d.how}});
    return {outcome.taken ? control::ok : control::error, outcome.text, std::move(reply_args)};
}

// The reply carries the copy as base64: taratctl writes it with its caller's rights, and the daemon
// never opens a path a client names. A department's database is a few MB; taratctl reads replies
// up to 64 MiB, so a copy past this size is refused with a pointer to the offline way.
constexpr std::size_t kMaxBackupBytes = std::size_t{45} << 20;

Reply backup(Context& context, const json&, const control::Peer&) {
    const Instant taken_at = context.clock().now();
    const auto started = std::chrono::steady_clock::now();
    auto image = context.store.backup_image();
    spdlog::info("backup: {} bytes copied in {} ms", image.size(),
                 std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count());
    if (image.size() > kMaxBackupBytes)
        return {control::error, "the database is " + std::to_string(image.size()) +
                                    " bytes, too large to send over the socket; stop taratd and copy " +
                                    context.store.file().string() + " with sqlite3's .backup"};
    return {control::ok, "backup of " + context.store.file().string() + ": " + std::to_string(image.size()) + " bytes",
            {{"bytes", image.size()},
             {"taken_at", format_instant_utc(taken_at)},
             {"schema_version", context.store.schema_version()},
             {"data", control::encode_blob(image)}}};
}

}  // namespace

ReloadOutcome take_plan(EventLifecycle& lifecycle, std::shared_ptr<const Setup> setup, const Actor& actor,
                        const PlanOptions& options) {
    const std::string serving = lifecycle.setup().plan.id;
    const std::string setup_id = setup->plan.id;
    auto applied = lifecycle.apply_plan(std::move(setup), actor, options);
    ReloadOutcome outcome;
    outcome.taken = applied.taken;
    outcome.conflicts = std::move(applied.conflicts);
    outcome.removed = std::move(applied.removed);
    outcome.kept = std::move(applied.kept);
    outcome.future_events = applied.future_events;
    outcome.future_removed = applied.future_removed;
    if (!applied.taken) {
        outcome.shrink_refused = true;
        outcome.diff = std::move(applied.diff);
        outcome.errors.push_back(applied.refusal + "; if that is meant: taratctl reload --wait --allow-shrink");
        outcome.text = applied.refusal + ": refused; still serving plan " + serving;
        return outcome;
    }
    outcome.changes = std::move(applied.changes);
    outcome.change_count = applied.change_count;
    outcome.diff = std::move(applied.diff);
    if (options.dry_run) {
        std::map<PlanDiffEntry::Kind, std::size_t> counts;
        for (const auto& d : outcome.diff) ++counts[d.kind];
        outcome.text = "dry run: plan " + setup_id + " would add " + std::to_string(counts[PlanDiffEntry::Kind::add]) +
                       ", remove " + std::to_string(counts[PlanDiffEntry::Kind::remove]) + " and move " +
                       std::to_string(counts[PlanDiffEntry::Kind::move]) + " events, " +
                       std::to_string(counts[PlanDiffEntry::Kind::conflict]) + " in conflict (" +
                       std::to_string(outcome.change_count) + " changes in all); nothing changed";
        return outcome;
    }
    outcome.text = "plan " + lifecycle.setup().plan.id + " taken: " +
                   (applied.changed ? std::to_string(applied.change_count) + " changes" : std::string("no changes"));
    if (!outcome.conflicts.empty())
        outcome.text += ", " + std::to_string(outcome.conflicts.size()) + " postponed events kept against the plan";
    if (!outcome.removed.empty()) outcome.text += ", " + std::to_string(outcome.removed.size()) + " events removed";
    return outcome;
}

void add_admin_handlers(Context& context, Handlers& handlers) {
    handlers["held"] = bind(context, held);
    handlers["reported"] = bind(context, reported);
    handlers["postpone"] = bind(context, postpone);
    handlers["cancel"] = bind(context, cancel);
    handlers["confirm"] = bind(context, confirm);
    handlers["amend"] = bind(context, amend);
    handlers["reopen"] = bind(context, reopen);
    handlers["retry"] = Handler{nullptr, [&context](const json& args, const control::Peer& peer,
                                                    control::Respond respond) {
                                    retry_waiting(context, args, peer, std::move(respond));
                                }};
    handlers["reload"] = bind(context, reload);
    handlers["backup"] = bind(context, backup);
}

}  // namespace tarat::commands
