#include "preview/preview.hpp"

#include "lifecycle/lifecycle.hpp"
#include "notify/dispatcher.hpp"
#include "schedule/placement.hpp"
#include "store/store.hpp"

#include <date/tz.h>
#include <stdlib.h>

#include <map>
#include <mutex>

namespace tarat {
namespace {

// Takes every notice; remembers what it was given.
class RecordingSender final : public Sender {
public:
    Delivery send(const std::string& channel, const OutgoingNotice& notice) noexcept override {
        std::lock_guard lock(mutex_);
        sent_[notice.idempotency_key] = {channel, notice.subject};
        return {Delivery::sent, "", std::nullopt};
    }
    std::pair<std::string, std::string> take(const std::string& key) {
        std::lock_guard lock(mutex_);
        return sent_[key];
    }

private:
    std::mutex mutex_;
    std::map<std::string, std::pair<std::string, std::string>> sent_;  // key → channel, subject
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

std::vector<Step> assumed_steps(const Setup& setup, const std::vector<StoredEvent>& events,
                                const NoticePolicy& policy, const PreviewAssumptions& assume) {
    const auto& calendar = *setup.calendar;
    std::vector<Step> steps;
    if (assume.held == PreviewAssumptions::Held::never) return steps;
    for (const auto& stored : events) {
        const ScheduledEvent& e = stored.event;
        steps.push_back({calendar.local_to_instant(e.date, e.end_minutes), e.id, EventState::held, e.date});
        Date due = policy.report_due_date(e, e.date);
        if (assume.report == PreviewAssumptions::Report::on_time)
            steps.push_back({calendar.local_to_instant(due, 12 * 60), e.id, EventState::reported, due});
        else if (assume.report == PreviewAssumptions::Report::late) {
            Date late = calendar.add_working_days(due, 2);  // after the first overdue notice
            steps.push_back({calendar.local_to_instant(late, 12 * 60), e.id, EventState::reported, late});
        }
    }
    std::sort(steps.begin(), steps.end(), [](const Step& a, const Step& b) {
        return std::tie(a.at, a.event, a.state) < std::tie(b.at, b.event, b.state);
    });
    return steps;
}

}  // namespace

std::string format_instant_local(Instant at, const date::time_zone* zone) {
    auto info = zone->get_info(at);
    auto local = at + info.offset;
    auto offset_minutes = std::chrono::duration_cast<std::chrono::minutes>(info.offset).count();
    char sign = offset_minutes < 0 ? '-' : '+';
    offset_minutes = std::abs(offset_minutes);
    char buf[8];
    std::snprintf(buf, sizeof buf, "%c%02d:%02d", sign, int(offset_minutes / 60), int(offset_minutes % 60));
    return date::format("%Y-%m-%dT%H:%M:%S", local) + buf;
}

std::vector<PreviewNotice> preview(const Setup& setup, Date from, Date to, const PreviewAssumptions& assume) {
    const auto& calendar = *setup.calendar;
    ScratchDir scratch;
    auto store = Store::open(scratch.path / "preview.db");
    const Instant start = calendar.local_to_instant(std::min(from, setup.plan.from) - date::days{60}, 0);
    const Instant end = calendar.local_to_instant(to + date::days{1}, 0);
    ManualClock clock(start);
    // The setup is the caller's; the lifecycle shares it without owning it.
    EventLifecycle lifecycle(*store, clock, std::shared_ptr<const Setup>(&setup, [](const Setup*) {}));
    const Actor actor = Actor::system("preview");
    lifecycle.apply_plan(lifecycle.setup_ptr(), actor);
    Notices& notices = lifecycle.notices();

    boost::asio::io_context io;
    RecordingSender sender;
    Dispatcher dispatcher(io, *store, clock, sender, [&](const OutboxRow& row, Instant now) { return notices.prepare(row, now); });
    std::vector<PreviewNotice> out;
    const Instant from_instant = calendar.local_to_instant(from, 0);
    dispatcher.on_result = [&](const OutboxRow& row, const Delivery& delivery) {
        if (delivery.status != Delivery::sent || clock.now() < from_instant) return;
        auto [channel, subject] = sender.take(row.notice.key);
        out.push_back({clock.now(), row.notice.kind, row.notice.event_id, row.notice.recipient, channel, subject,
                       row.notice.key});
    };

    auto steps = assumed_steps(setup, store->events({}), notices.policy(), assume);
    size_t next_step = 0;
    for (;;) {
        auto due = store->next_attempt_due();
        std::optional<Instant> step_at = next_step < steps.size() ? std::optional(steps[next_step].at) : std::nullopt;
        if (!due && !step_at) break;
        // A state change at the same moment as a due notice comes first: held at 14:00 beats a 14:00 check.
        bool change_first = step_at && (!due || *step_at <= *due);
        Instant t = change_first ? *step_at : *due;
        if (t >= end) break;
        clock.set(std::max(t, clock.now()));
        if (change_first) {
            const Step& step = steps[next_step++];
            if (step.state == EventState::held) lifecycle.held(actor, step.event, {step.day, std::nullopt, ""});
            else lifecycle.reported(actor, step.event, {step.day, ""});
        } else {
            dispatcher.run_due_now();
        }
    }
    std::stable_sort(out.begin(), out.end(), [](const PreviewNotice& a, const PreviewNotice& b) {
        return std::tie(a.at, a.key) < std::tie(b.at, b.key);
    });
    return out;
}

nlohmann::json preview_json(const Setup& setup, const std::vector<PreviewNotice>& notices) {
    auto list = nlohmann::json::array();
    for (const auto& n : notices)
        list.push_back({{"at", format_instant_local(n.at, setup.calendar->zone())},
                        {"kind", kind_name(n.kind)},
                        {"event", n.event},
                        {"recipient", n.recipient},
                        {"channel", n.channel},
                        {"subject", n.subject},
                        {"key", n.key}});
    return {{"notices", list}};
}

}  // namespace tarat
