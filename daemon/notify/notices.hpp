#pragma once
// The daemon's notices: what the policy derives for the stored events (synced into the outbox),
// and how an outbox row becomes a rendered message. Shared by the running daemon and `preview`.
#include "config/setup.hpp"
#include "core/digest.hpp"
#include "notify/dispatcher.hpp"
#include "notify/policy.hpp"
#include "templates/templates.hpp"
#include "store/store.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <cstdint>
#include <optional>

namespace tarat {

class Notices {
public:
    Notices(const Setup& setup, const TemplateSet& templates, Store& store);

    // No notice due at or after `horizon` is derived (nullopt: every one): the outbox then holds
    // what is due before it, not a whole ten-year plan. `preview` sets the end of its window.
    void set_horizon(std::optional<Instant> horizon) { horizon_ = horizon; }
    // The running daemon's: the local midnight kNoticeHorizonDays after `now`'s day.
    static constexpr int kNoticeHorizonDays = 60;
    Instant horizon_from(Instant now) const;
    const std::optional<Instant>& horizon() const { return horizon_; }
    // Moves the horizon on to `horizon` (never back), deriving only the events it reaches: those
    // with a notice held back before it, and the planned ones sync_all now reads. In one
    // transaction; the outbox is then what sync_all at `horizon` makes it. Without a horizon, nothing.
    void extend_horizon(Instant horizon, Instant now);

    // Makes the outbox match what every stored event's state and the digests call for. Joins the
    // caller's transaction, so a state change and its notices commit together.
    void sync_all(Instant now);
    // `changes`: change notices a command just made (postpone, cancel); without it the event's
    // pending change notices are kept.
    void sync_event(const StoredEvent& event, Instant now,
                    const std::optional<std::vector<Notice>>& changes = std::nullopt);

    // People linked their chats or were unlinked (F11): routing follows the store's links from now on,
    // and every pending notice is derived again, so one derived before a link goes to the linked chat.
    void follow_links(Instant now);

    // Renders a due row; a reminder for an event that has already begun by `now` is Expired.
    Prepared prepare(const OutboxRow& row, Instant now) const;
    // Notices prepared from now on carry only what a preview shows: their subject, their body if
    // `bodies`, no JSON for plugins; and those sent before `shown_from`, which it does not show, are
    // decided (sent, deferred, expired) as ever but not rendered at all.
    void render_for_preview(bool bodies, Instant shown_from) { preview_ = PreviewRendering{bodies, shown_from}; }

    // `taratctl test-notice`: a short message to `person` on `channel`, rendered at `now`.
    OutgoingNotice test_notice(const Person& person, const std::string& channel, Instant now) const;

    // The weekly digest's facts as of `day`; what is overdue and the counts are compliance's
    // outcome_of, as `taratctl compliance` and systemd's status line count them.
    DigestSummary digest_summary(Date day) const;
    // When a stored event's report is due: the policy's deadline from the day it was held (or is planned).
    Date report_due(const StoredEvent& event) const;
    const NoticePolicy& policy() const { return policy_; }
    // The days of the events whose notices can go out in [from, until) (held on their day or never),
    // when the texts rendered with or without bodies read no other: no digest shows sums over every
    // event. nullopt when one does.
    std::optional<DayRange> events_read_between(Instant from, Instant until, bool with_body) const;

    // The recipient's own link to the event (the web, F12): `{{link}}` in the text and
    // `links.event` in the JSON; unset or "" when the web is off.
    std::function<std::string(const Person&, const StoredEvent&)> event_link;
    const Routing& routing() const { return routing_; }

private:
    static EventFacts facts_of(const StoredEvent& stored);
    void load_links();
    // A chat linked later carries what is due from then on: a notice due before now that already
    // went out to the person on another channel is not said again on the linked one.
    void drop_told_elsewhere(const std::string& event_id, std::vector<Notice>& derived, Instant now) const;
    // What the policy calls for now, due from `from` on (unset: all) and before the horizon, and
    // the due of the first it held back.
    DerivedNotices derive(const StoredEvent& event, std::optional<Instant> from = std::nullopt) const;
    // A planned event dated `reach(horizon)` or later derives nothing due before the horizon.
    Date reach(Instant horizon) const;
    void sync_digests(Instant now);
    // After downtime several notices of one series may be due at once for the same event and
    // recipient (its reminders; its overdue notice and escalation rounds) or, for digests, the same
    // recipient: only the latest is worth sending.
    bool later_in_its_series_due(const Notice& n, Instant now) const;
    // Overdue, escalation: how many times the centre's director and the coordinator were already
    // reminded of the same matter (its held check or report reminder, overdue notice, escalation
    // rounds), by the outbox's sent rows due before this one; one per moment, whatever the channel.
    int reminded_before(const Notice& n, const StoredEvent& stored) const;
    // A reminder's lead as it is when it goes out: "in 4 working days", not the configured 10.
    NoticeFacts true_facts(const Notice& n, const ScheduledEvent& event, Instant now) const;

    const Setup& setup_;
    const TemplateSet& templates_;
    Store& store_;
    Routing routing_;
    NoticePolicy policy_;
    std::optional<Instant> horizon_;
    struct DigestCache {
        Date day;
        std::uint64_t generation;  // the store's: nothing committed since
        DigestSummary summary;
    };
    mutable std::optional<DigestCache> digest_cache_;
    struct PreviewRendering {
        bool bodies;
        Instant shown_from;
    };
    std::optional<PreviewRendering> preview_;
};

}  // namespace tarat
