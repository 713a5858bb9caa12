#include "preview/preview.hpp"

#include "core/text.hpp"
#include "lifecycle/lifecycle.hpp"
#include "notify/dispatcher.hpp"
#include "schedule/placement.hpp"
#include "store/store.hpp"

#include <date/tz.h>
#include <stdlib.h>

#include <cstdio>
#include <fstream>
#include <mutex>
#include <ostream>
#include <unordered_map>

namespace tarat {
namespace {

// Takes every notice; keeps what it was given until the caller takes it.
class RecordingSender final : public Sender {
public:
    Delivery send(const std::string& channel, const OutgoingNotice& notice) noexcept override {
        std::lock_guard lock(mutex_);
        sent_[notice.idempotency_key] = {channel, notice.subject, notice.body};
        return {Delivery::sent, "", std::nullopt};
    }
    struct Sent {
        std::string channel, subject, body;
    };
    Sent take(const std::string& key) {
        std::lock_guard lock(mutex_);
        auto found = sent_.find(key);
        if (found == sent_.end()) return {};
        Sent sent = std::move(found->second);
        sent_.erase(found);
        return sent;
    }

private:
    std::mutex mutex_;
    std::unordered_map<std::string, Sent> sent_;  // key → what went out
};

// A temporary state dir, removed afterwards.
struct ScratchDir {
    std::filesystem::path path;
    ScratchDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "tarat-preview-XXXXXX").string();
        if (!::mkdtemp(pattern.data())) throw std::runtime_error("cannot create a temporary directory");
        path = pattern;
    }
    ~ScratchDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
};

// One simulated state change: at `at`, the event becomes held or reported.
struct Step {
    Instant at;
    std::string event;
    EventState state;
    Date day;
};

// The assumed held and reported steps of the events dated up to `to` that are still to come
// after `start` (an event already held only waits for its report).
std::vector<Step> assumed_steps(const Setup& setup, const std::vector<StoredEvent>& events,
                                const NoticePolicy& policy, const PreviewAssumptions& assume, Instant start) {
    const auto& calendar = *setup.calendar;
    std::vector<Step> steps;
    if (assume.held == PreviewAssumptions::Held::never) return steps;
    auto add = [&](Step step) {
        if (step.at >= start) steps.push_back(std::move(step));
    };
    for (const auto& stored : events) {
        const ScheduledEvent& e = stored.event;
        if (stored.state != EventState::planned && stored.state != EventState::held) continue;
        Date held = stored.held_date.value_or(e.date);
        if (stored.state == EventState::planned)
            add({calendar.local_to_instant(e.date, e.end_minutes), e.id, EventState::held, e.date});
        Date due = policy.report_due_date(e, held);
        if (assume.report == PreviewAssumptions::Report::on_time)
            add({calendar.local_to_instant(due, 12 * 60), e.id, EventState::reported, due});
        else if (assume.report == PreviewAssumptions::Report::late) {
            Date late = calendar.add_working_days(due, 2);  // after the first overdue notice
            add({calendar.local_to_instant(late, 12 * 60), e.id, EventState::reported, late});
        }
    }
    std::sort(steps.begin(), steps.end(), [](const Step& a, const Step& b) {
        return std::tie(a.at, a.event, a.state) < std::tie(b.at, b.event, b.state);
    });
    return steps;
}

// A scratch copy, in `file`, of the database in `state_dir` as committed now.
std::unique_ptr<Store> copy_of_state(const std::filesystem::path& file, const std::filesystem::path& state_dir) {
    const auto stored = state_dir / "tarat.db";
    if (!std::filesystem::exists(stored)) throw std::runtime_error("no database in " + state_dir.string());
    const std::string image = Store::open_read_only(stored)->backup_image();
    std::ofstream out(file, std::ios::binary);
    out.write(image.data(), static_cast<std::streamsize>(image.size()));
    if (!out.flush()) throw std::runtime_error("cannot write " + file.string());
    return Store::open_scratch(file);
}

// Notices come out at the simulated moment they were sent; those of one moment by key.
class InOrder {
public:
    explicit InOrder(const std::function<void(const PreviewNotice&)>& emit) : emit_(emit) {}
    void add(PreviewNotice notice) {
        if (!moment_.empty() && moment_.front().at != notice.at) flush();
        moment_.push_back(std::move(notice));
    }
    void flush() {
        std::stable_sort(moment_.begin(), moment_.end(),
                         [](const PreviewNotice& a, const PreviewNotice& b) { return a.key < b.key; });
        for (const auto& n : moment_) emit_(n);
        count_ += moment_.size();
        moment_.clear();
    }
    std::size_t count() const { return count_; }

private:
    const std::function<void(const PreviewNotice&)>& emit_;
    std::vector<PreviewNotice> moment_;
    std::size_t count_ = 0;
};

// A JSON string as nlohmann's dump() writes it: UTF-8 as it is, '"', '\\' and control characters
// escaped; text that is not UTF-8 is refused, as dump() refuses it.
void append_json_string(std::string& out, std::string_view text) {
    if (auto bad = first_invalid_utf8(text))
        throw std::runtime_error("a preview text is not UTF-8 at byte " + std::to_string(*bad));
    out += '"';
    for (char c : text) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (static_cast<unsigned char>(c) >= 0x20) {
                    out += c;
                } else {
                    char code[8];
                    std::snprintf(code, sizeof code, "\\u%04x", static_cast<unsigned>(c));
                    out += code;
                }
        }
    }
    out += '"';
}

}  // namespace

std::string format_instant_local(Instant at, const date::time_zone* zone) {
    return format_instant_at_offset(at, zone->get_info(at).offset);
}

std::size_t preview(const Setup& setup, const PreviewOptions& options,
                    const std::function<void(const PreviewNotice&)>& emit) {
    const auto& calendar = *setup.calendar;
    // A copy of a stored state goes to a file; an empty store lives in memory, where a commit
    // writes nothing (the national half year: 6% faster, 52 MB more at its peak).
    std::optional<ScratchDir> scratch;
    if (options.state_dir) scratch.emplace();
    auto store = options.state_dir ? copy_of_state(scratch->path / "preview.db", *options.state_dir) : Store::open_in_memory();
    const Instant from_instant = calendar.local_to_instant(options.from, 0);
    const Instant end = calendar.local_to_instant(options.to + date::days{1}, 0);
    // The plan is placed as on the eve of its start; a stored state is where it stands at its
    // latest moment, and the simulation goes on from there.
    Instant start = calendar.local_to_instant(std::min(options.from, setup.plan.from) - date::days{60}, 0);
    if (options.state_dir)
        if (auto latest = store->latest_moment()) start = std::max(start, *latest);
    ManualClock clock(start);
    // The setup is the caller's; the lifecycle shares it without owning it.
    EventLifecycle lifecycle(*store, clock, std::shared_ptr<const Setup>(&setup, [](const Setup*) {}));
    PlanOptions plan_options;
    plan_options.diff = false;
    Instant simulated_from = start;
    if (!options.state_dir)
        if (auto read = lifecycle.notices().events_read_between(from_instant, end, options.bodies)) {
            // Only the events whose notices can go out in the window are stored, and the simulation
            // starts at their first notice: `from` and `to` bound the work, not the plan's life.
            // Placement still sees the whole plan (events outside may move those inside).
            plan_options.store_only = read;
            const Date first_notice = lifecycle.notices().policy().first_notice_day(read->first);
            simulated_from = std::max(start, calendar.local_to_instant(first_notice, 0));
        }
    // Notices are derived a day ahead, as the simulation reaches it, and never after the window:
    // an event held or reported then has few rows to supersede, and the work ends with the window.
    auto next_midnight = [&](Instant t) {
        return std::min(end, calendar.local_to_instant(calendar.instant_to_local(t).first + date::days{1}, 0));
    };
    lifecycle.set_notice_horizon(next_midnight(simulated_from));
    const Actor actor = Actor::system("preview");
    lifecycle.apply_plan(lifecycle.setup_ptr(), actor, plan_options);
    clock.set(simulated_from);
    Notices& notices = lifecycle.notices();

    boost::asio::io_context io;
    RecordingSender sender;
    Dispatcher dispatcher(io, *store, clock, sender, [&](const OutboxRow& row, Instant now) { return notices.prepare(row, now); });
    InOrder out(emit);
    notices.render_for_preview(options.bodies, from_instant);
    dispatcher.on_result = [&](const OutboxRow& row, const Delivery& delivery) {
        if (delivery.status != Delivery::sent) return;
        auto sent = sender.take(row.notice.key);
        if (clock.now() < from_instant) return;
        out.add({clock.now(), row.notice.kind, row.notice.event_id, row.notice.recipient, std::move(sent.channel),
                 std::move(sent.subject), std::move(sent.body), row.notice.key});
    };

    EventFilter until_to;
    until_to.to = options.to;
    auto steps = assumed_steps(setup, store->events(until_to), notices.policy(), options.assume, simulated_from);
    size_t next_step = 0;
    for (;;) {
        auto due = store->next_attempt_due();
        std::optional<Instant> step_at = next_step < steps.size() ? std::optional(steps[next_step].at) : std::nullopt;
        const Instant horizon = *lifecycle.notices().horizon();
        if (horizon < end && (!due || horizon <= *due) && (!step_at || horizon <= *step_at)) {
            // The next day comes into view before anything of it happens.
            clock.set(std::max(horizon, clock.now()));
            lifecycle.extend_notice_horizon(next_midnight(horizon), clock.now());
            continue;
        }
        if (!due && !step_at) break;
        // A state change at the same moment as a due notice comes first: held at 14:00 beats a 14:00 check.
        bool change_first = step_at && (!due || *step_at <= *due);
        Instant t = change_first ? *step_at : *due;
        if (t >= end) break;
        clock.set(std::max(t, clock.now()));
        if (change_first) {
            // The changes of one moment (events end at the same hour) commit together; each is still
            // the lifecycle's own step, in a savepoint of its own.
            store->in_transaction([&] {
                for (; next_step < steps.size() && steps[next_step].at == t; ++next_step) {
                    const Step& step = steps[next_step];
                    if (step.state == EventState::held) lifecycle.held(actor, step.event, {step.day, std::nullopt, ""});
                    else lifecycle.reported(actor, step.event, {step.day, "", ""});
                }
            });
        } else {
            dispatcher.run_due_now();
        }
    }
    out.flush();
    return out.count();
}

PreviewJsonWriter::PreviewJsonWriter(std::ostream& out, const Setup& setup, bool bodies)
    : out_(out), setup_(setup), bodies_(bodies) {}

void PreviewJsonWriter::add(const PreviewNotice& n) {
    // As one item of {"notices": [...]}.dump(2): two levels in, the keys in nlohmann's sorted order.
    std::string& text = item_;
    text = count_++ == 0 ? "{\n  \"notices\": [\n    {" : ",\n    {";
    bool first = true;
    auto field = [&](std::string_view name, std::string_view value) {
        ((text += first ? "\n      \"" : ",\n      \"") += name) += "\": ";
        append_json_string(text, value);
        first = false;
    };
    field("at", format_instant_local(n.at, setup_.calendar->zone()));
    if (bodies_) field("body", n.body);
    field("channel", n.channel);
    field("event", n.event);
    field("key", n.key);
    field("kind", kind_name(n.kind));
    field("recipient", n.recipient);
    field("subject", n.subject);
    text += "\n    }";
    out_.write(text.data(), static_cast<std::streamsize>(text.size()));
}

void PreviewJsonWriter::finish() {
    out_ << (count_ == 0 ? "{\n  \"notices\": []\n}\n" : "\n  ]\n}\n");
    out_.flush();
}

void write_preview_line(std::ostream& out, const Setup& setup, const PreviewNotice& n, bool bodies) {
    out << format_instant_local(n.at, setup.calendar->zone()) << "  " << kind_name(n.kind) << "  "
        << (n.event.empty() ? "-" : n.event) << "  " << n.recipient << "  " << n.channel << "  " << n.subject << "\n";
    if (!bodies) return;
    std::string_view body = n.body;
    while (!body.empty()) {
        auto line_end = body.find('\n');
        out << "    " << body.substr(0, line_end) << "\n";
        if (line_end == std::string_view::npos) break;
        body.remove_prefix(line_end + 1);
    }
}

}  // namespace tarat
