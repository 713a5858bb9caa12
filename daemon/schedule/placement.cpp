#include "schedule/placement.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <limits>
#include <map>
#include <string_view>
#include <tuple>
#include <unordered_map>

namespace tarat {
namespace {

// Day numbers (days since 1970-01-01) keep the hot loops on plain ints.
int day_number(Date d) { return static_cast<int>(d.time_since_epoch().count()); }
Date from_day_number(int n) { return Date{date::days{n}}; }

bool is_summer(unsigned month) { return month >= 6 && month <= 8; }

struct PeriodSpan {
    std::string label;  // "2027-03", "2027-Q1", "plan"
    int first = 0;      // day numbers, clipped to the plan
    int last = 0;
};

std::string two_digits(unsigned v) { return std::string(1, char('0' + v / 10)) + char('0' + v % 10); }

// The periods of one kind that intersect [from, to], clipped to it, in time order.
std::vector<PeriodSpan> periods_of(Period kind, Date from, Date to) {
    std::vector<PeriodSpan> out;
    if (to < from) return out;
    if (kind == Period::plan) {
        out.push_back({"plan", day_number(from), day_number(to)});
        return out;
    }
    const unsigned months = kind == Period::month ? 1 : 3;
    date::year_month_day f{from};
    unsigned first_month = (unsigned(f.month()) - 1) / months * months + 1;
    date::year_month ym{f.year(), date::month{first_month}};
    while (true) {
        Date start{ym / date::day{1}};
        if (start > to) break;
        auto next = ym + date::months{int(months)};
        Date end = Date{next / date::day{1}} - date::days{1};
        std::string label = std::to_string(int(ym.year())) + "-";
        if (kind == Period::month) label += two_digits(unsigned(ym.month()));
        else label += "Q" + std::to_string((unsigned(ym.month()) - 1) / 3 + 1);
        out.push_back({std::move(label), day_number(std::max(start, from)), day_number(std::min(end, to))});
        ym = next;
    }
    return out;
}

// Where events already are. Only the events of one centre and of one district are ever consulted,
// so a centre's placements depend on nothing outside its own district.
//
// min_gap is symmetric: two events at a centre keep the larger of their two gaps. Then every pair
// in a placed schedule satisfies the gap whichever was placed first, so re-placing with that
// schedule's events pinned puts every other event where it was and reports no drift.
class Occupancy {
public:
    Occupancy(int plan_first, int plan_last, size_t centres, size_t districts)
        : first_(plan_first), days_(plan_last - plan_first + 1), centres_(centres), district_counts_(districts) {}

    void add(int centre, int district, int day, int gap, bool regional) {
        if (regional && in_plan(day)) {
            if (regional_counts_.empty()) regional_counts_.assign(size_t(days_), 0);
            ++regional_counts_[size_t(day - first_)];
        }
        if (centre >= 0) {
            auto& c = centres_[size_t(centre)];
            Booking b{day, std::max(gap, 1)};
            c.bookings.insert(std::upper_bound(c.bookings.begin(), c.bookings.end(), b, by_day), b);
            c.widest_gap = std::max(c.widest_gap, b.gap);
        }
        if (district >= 0 && in_plan(day)) {
            auto& counts = district_counts_[size_t(district)];
            if (counts.empty()) counts.assign(size_t(days_), 0);
            ++counts[size_t(day - first_)];
        }
    }

    void remove(int centre, int district, int day, int gap, bool regional) {
        if (regional && in_plan(day) && !regional_counts_.empty() && regional_counts_[size_t(day - first_)] > 0)
            --regional_counts_[size_t(day - first_)];
        if (centre >= 0) {
            auto& v = centres_[size_t(centre)].bookings;
            auto [from, to] = std::equal_range(v.begin(), v.end(), Booking{day, 0}, by_day);
            auto it = std::find_if(from, to, [gap](const Booking& b) { return b.gap == std::max(gap, 1); });
            if (it == to) it = from;
            if (it != to) v.erase(it);
        }
        if (district >= 0 && in_plan(day)) {
            auto& counts = district_counts_[size_t(district)];
            if (!counts.empty() && counts[size_t(day - first_)] > 0) --counts[size_t(day - first_)];
        }
    }

    bool centre_busy(int centre, int day) const {
        const auto& v = centres_[size_t(centre)].bookings;
        return std::binary_search(v.begin(), v.end(), Booking{day, 0}, by_day);
    }

    bool district_busy(int district, int day) const {
        if (district < 0 || !in_plan(day)) return false;
        const auto& counts = district_counts_[size_t(district)];
        return !counts.empty() && counts[size_t(day - first_)] > 0;
    }

    // The coordinator and the overseer attend regional events: one a day across the region.
    bool regional_busy(int day) const {
        return in_plan(day) && !regional_counts_.empty() && regional_counts_[size_t(day - first_)] > 0;
    }

    int widest_gap(int centre) const { return centres_[size_t(centre)].widest_gap; }

    // Every event at the centre at least max(gap, its own gap) days away; never the same day.
    bool gap_ok(int centre, int day, int gap) const {
        gap = std::max(gap, 1);
        const auto& c = centres_[size_t(centre)];
        const int window = std::max(gap, c.widest_gap);
        auto it = std::lower_bound(c.bookings.begin(), c.bookings.end(), Booking{day - window + 1, 0}, by_day);
        for (; it != c.bookings.end() && it->day < day + window; ++it)
            if (std::abs(it->day - day) < std::max(gap, it->gap)) return false;
        return true;
    }

private:
    struct Booking {
        int day;
        int gap;  // at least 1
    };
    struct CentreBookings {
        std::vector<Booking> bookings;  // sorted by day, duplicates kept
        int widest_gap = 1;
    };
    static bool by_day(const Booking& a, const Booking& b) { return a.day < b.day; }
    bool in_plan(int day) const { return day >= first_ && day < first_ + days_; }

    int first_;
    int days_;
    std::vector<CentreBookings> centres_;
    std::vector<std::vector<std::uint16_t>> district_counts_;  // events per plan day, allocated on first use
    std::vector<std::uint16_t> regional_counts_;                // regional events per plan day, likewise
};

struct PinSlot {
    const ScheduledEvent* event = nullptr;
    bool pin = true;    // a pin (comes out pinned, kept when not produced); false: settled
    int centre = -1;    // index into plan.centres, -1 if the plan no longer has it
    int district = -1;  // index into the district table
    int gap = 0;        // the min_gap of the rule named as its source; 0 for a fixed event
    bool regional = false;  // its form is regional
    bool matched = false;
};

// A placed event as placement holds it: what it is made of and where it goes, 24 bytes where a
// ScheduledEvent with its strings is ~400 (a national plan's 200,000: 5 MB, not 80). event_of()
// makes the ScheduledEvent as it leaves.
struct Placed {
    enum class From : std::uint8_t { fixed, rule, kept };
    int day = 0;  // its date, as a day number
    int start_minutes = 0;
    std::uint32_t source = 0;  // fixed: index into plan.events; rule: into plan.rules; kept: into the pins
    std::int32_t centre = -1;  // index into plan.centres, -1 if none
    std::uint32_t period = 0;  // rule: index of its period's label
    std::uint16_t nth = 0;     // rule: 1, 2… when it places more than one a period, else 0
    From from = From::fixed;
    bool pinned = false;
};

class Placer {
public:
    Placer(const Plan& plan, const WorkingCalendar& calendar, const std::vector<ScheduledEvent>& pinned,
           const std::vector<ScheduledEvent>& settled, const std::optional<PlacementNow>& now)
        : plan_(plan),
          calendar_(calendar),
          now_(now),
          first_(day_number(plan.from)),
          last_(std::max(day_number(plan.to), day_number(plan.from))),
          occupancy_(first_, last_, 0, 0) {  // rebuilt below, once pins have named every district
        for (size_t i = 0; i < plan.districts.size(); ++i) district_index_.emplace(plan.districts[i].id, int(i));
        district_count_ = plan.districts.size();
        for (size_t i = 0; i < plan.centres.size(); ++i) {
            centre_index_.emplace(plan.centres[i].id, int(i));
            centre_district_.push_back(district_of(plan.centres[i].district));
        }
        for (const auto& e : pinned) pinned_sorted_.push_back(&e);
        for (const auto& e : settled) pinned_sorted_.push_back(&e);
        auto is_pin = [&pinned](const ScheduledEvent* e) {
            return !std::less<const ScheduledEvent*>{}(e, pinned.data()) &&
                   std::less<const ScheduledEvent*>{}(e, pinned.data() + pinned.size());
        };
        // The store's order must not matter: the first of equal ids by (date, start, id) wins.
        std::stable_sort(pinned_sorted_.begin(), pinned_sorted_.end(), [](const auto* a, const auto* b) {
            return std::tie(a->date, a->start_minutes, a->id) < std::tie(b->date, b->start_minutes, b->id);
        });
        for (const auto* e : pinned_sorted_) {
            if (pins_.count(e->id)) continue;
            PinSlot slot{e, is_pin(e), -1, -1, 0, is_regional(e->form), false};
            for (const auto& rule : plan.rules)
                if (rule.id == e->source) slot.gap = rule.min_gap_days;
            if (auto it = centre_index_.find(e->centre); it != centre_index_.end()) {
                slot.centre = it->second;
                slot.district = centre_district_[size_t(it->second)];
            } else {
                slot.district = district_of(e->district);
            }
            pins_.emplace(e->id, slot);
        }
        occupancy_ = Occupancy(first_, last_, plan.centres.size(), district_count_);
        day_flags_.resize(size_t(last_ - first_ + 1));
        for (int d = first_; d <= last_; ++d) {
            Date day = from_day_number(d);
            std::uint8_t flags = std::uint8_t(date::weekday{day}.c_encoding());
            if (calendar.is_working_day(day)) flags |= kWorking;
            if (is_summer(unsigned(date::year_month_day{day}.month()))) flags |= kSummer;
            day_flags_[size_t(d - first_)] = flags;
        }
    }

    Schedule run() {
        place_all();
        schedule_.events.reserve(placed_.size());
        for (const auto& p : placed_) schedule_.events.push_back(event_of(p));
        return std::move(schedule_);
    }

    // The same, its events handed to `each` in order, made one by one (see Placed).
    Schedule run(const std::function<void(ScheduledEvent&&)>& each) {
        place_all();
        for (const auto& p : placed_) each(event_of(p));
        return std::move(schedule_);
    }

private:
    void place_all() {
        fixed_forms_.assign(plan_.centres.size(), {});
        placed_.reserve(most_events());
        place_fixed();
        place_pinned();
        for (std::uint32_t r = 0; r < plan_.rules.size(); ++r) place_rule(r);
        keep_unmatched_pins();
        sort_placed();
        add_warnings();
    }

    // As many events as the plan can give, reserved at once: grown by doubling, a national plan's
    // ~200,000 records would be moved 18 times and, at the last move, held twice over.
    std::size_t most_events() const {
        std::size_t most = plan_.events.size() + pinned_sorted_.size();
        for (const auto& rule : plan_.rules) {
            const std::size_t centres = rule.all_centres ? plan_.centres.size() : rule.centres.size();
            most += centres * periods_of(rule.every, plan_.from, plan_.to).size() * std::size_t(std::max(rule.count, 1));
        }
        return most;
    }

    static constexpr std::uint8_t kWeekdayMask = 0x07;
    static constexpr std::uint8_t kWorking = 0x08;
    static constexpr std::uint8_t kSummer = 0x10;

    // By (date, start, id), as the schedule has always been: by date and start first, then each
    // group of events sharing them by id, whose ids are made for that group alone. Stable, as the
    // order placed decides between equal ids.
    void sort_placed() {
        auto when = [](const Placed& p) { return std::pair(p.day, p.start_minutes); };
        std::stable_sort(placed_.begin(), placed_.end(), [&](const Placed& a, const Placed& b) { return when(a) < when(b); });
        std::vector<std::pair<std::string, Placed>> group;
        for (size_t first = 0, last = 0; first < placed_.size(); first = last) {
            for (last = first + 1; last < placed_.size() && when(placed_[last]) == when(placed_[first]);) ++last;
            if (last - first < 2) continue;
            group.clear();
            for (size_t k = first; k < last; ++k) group.emplace_back(id_of(placed_[k]), placed_[k]);
            std::stable_sort(group.begin(), group.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
            for (size_t k = first; k < last; ++k) placed_[k] = group[k - first].second;
        }
    }

    std::string id_of(const Placed& p) const {
        switch (p.from) {
            case Placed::From::fixed: return plan_.events[p.source].id;
            case Placed::From::kept: return pinned_sorted_[p.source]->id;
            case Placed::From::rule: break;
        }
        return rule_event_id(plan_.rules[p.source], size_t(p.centre), p.period, p.nth);
    }

    // "<rule>.<centre>.<period>[.<n>]"
    std::string rule_event_id(const Rule& rule, size_t centre, std::uint32_t period, std::uint16_t nth) const {
        std::string id = rule.id + "." + plan_.centres[centre].id + "." + labels_[period];
        if (nth > 0) id += "." + std::to_string(nth);
        return id;
    }

    const std::string& form_of(const Placed& p) const {
        switch (p.from) {
            case Placed::From::fixed: return plan_.events[p.source].form;
            case Placed::From::kept: return pinned_sorted_[p.source]->form;
            case Placed::From::rule: break;
        }
        return plan_.rules[p.source].form;
    }

    const std::string& centre_of(const Placed& p) const {
        switch (p.from) {
            case Placed::From::fixed: return plan_.events[p.source].centre;
            case Placed::From::kept: return pinned_sorted_[p.source]->centre;
            case Placed::From::rule: break;
        }
        return plan_.centres[size_t(p.centre)].id;
    }

    ScheduledEvent event_of(const Placed& p) const {
        if (p.from == Placed::From::kept) {
            ScheduledEvent kept = *pinned_sorted_[p.source];
            kept.pinned = true;
            return kept;
        }
        ScheduledEvent e;
        const Centre* centre = p.centre >= 0 ? &plan_.centres[size_t(p.centre)] : nullptr;
        if (p.from == Placed::From::fixed) {
            const FixedEvent& fixed = plan_.events[p.source];
            e.id = fixed.id;
            e.centre = fixed.centre;
            e.district = centre ? centre->district : std::string{};
            e.form = fixed.form;
            e.title = fixed.title;
            e.audience = fixed.audience;
            e.responsible = !fixed.responsible.empty() ? fixed.responsible : centre ? centre->director : std::string{};
            e.source = "fixed";
        } else {
            const Rule& rule = plan_.rules[p.source];
            e.id = rule_event_id(rule, size_t(p.centre), p.period, p.nth);
            e.centre = centre->id;
            e.district = centre->district;
            e.form = rule.form;
            e.title = rule.title;
            e.audience = rule.audience;
            e.responsible = centre->director;
            e.source = rule.id;
        }
        e.date = from_day_number(p.day);
        e.start_minutes = p.start_minutes;
        e.end_minutes = p.start_minutes + duration_of(e.form);
        e.pinned = p.pinned;
        return e;
    }

    std::uint32_t label_index(const std::string& label) {
        auto [it, fresh] = label_index_.emplace(label, std::uint32_t(labels_.size()));
        if (fresh) labels_.push_back(label);
        return it->second;
    }

    int district_of(const std::string& id) {
        if (id.empty()) return -1;
        auto [it, fresh] = district_index_.emplace(id, int(district_count_));
        if (fresh) ++district_count_;  // a district only a pinned event still names
        return it->second;
    }

    int duration_of(const std::string& form_id) const {
        const Form* form = plan_.form(form_id);
        return form ? form->duration_minutes : 0;
    }

    PinSlot* pin(const std::string& id) {
        if (pins_.empty()) return nullptr;
        auto it = pins_.find(id);
        return it == pins_.end() ? nullptr : &it->second;
    }

    // Pinned: the date and start people were told stay; the rest follows the current plan.
    void emit(Placed placed, PinSlot* slot) {
        if (slot) {
            slot->matched = true;
            placed.day = day_number(slot->event->date);
            placed.start_minutes = slot->event->start_minutes;
            placed.pinned = slot->pin || slot->event->pinned;
        }
        placed_.push_back(placed);
    }

    void place_fixed() {
        for (std::uint32_t i = 0; i < plan_.events.size(); ++i) {
            const FixedEvent& fixed = plan_.events[i];
            auto found = centre_index_.find(fixed.centre);
            const int c = found == centre_index_.end() ? -1 : found->second;
            if (c >= 0) fixed_forms_[size_t(c)].emplace_back(&fixed.form, day_number(fixed.date));
            Placed e;
            e.day = day_number(fixed.date);
            e.start_minutes = fixed.start_minutes;
            e.source = i;
            e.centre = c;
            e.from = Placed::From::fixed;
            PinSlot* slot = pin(fixed.id);
            if (slot) {
                // A pinned event is registered with the other pins; the plan's own date only drifts.
                if (slot->pin && slot->event->date != fixed.date)
                    schedule_.drift.push_back({fixed.id, slot->event->date, fixed.date});
            } else {
                occupancy_.add(c, c >= 0 ? centre_district_[size_t(c)] : -1, day_number(fixed.date), 0,
                               is_regional(fixed.form));
            }
            emit(e, slot);
        }
    }

    void place_pinned() {
        for (const auto* e : pinned_sorted_) {
            auto& slot = pins_.at(e->id);
            if (slot.event != e) continue;  // a duplicate id
            occupancy_.add(slot.centre, slot.district, day_number(e->date), slot.gap, slot.regional);
        }
    }

    bool is_regional(const std::string& form_id) const {
        const Form* form = plan_.form(form_id);
        return form && form->regional;
    }

    void keep_unmatched_pins() {
        for (std::uint32_t i = 0; i < pinned_sorted_.size(); ++i) {
            const ScheduledEvent* e = pinned_sorted_[i];
            auto& slot = pins_.at(e->id);
            if (slot.event != e || slot.matched || !slot.pin) continue;  // settled: the plan decides
            Placed kept;
            kept.day = day_number(e->date);
            kept.start_minutes = e->start_minutes;
            kept.source = i;
            kept.from = Placed::From::kept;
            kept.pinned = true;
            placed_.push_back(kept);
            schedule_.drift.push_back({e->id, e->date, std::nullopt});
        }
    }

    // The first day a new event of this rule may take: any without "now".
    int earliest_new_day(const Rule& rule) const {
        if (!now_) return std::numeric_limits<int>::min();
        int day = std::max(day_number(now_->today), first_);
        while (day <= last_ && !placeable(plan_, calendar_, *now_, rule.form, from_day_number(day), rule.start_minutes))
            ++day;
        return day;
    }

    // The days a rule may use in a period: working, an allowed weekday, June–August only if allowed.
    std::vector<int> eligible_days(const Rule& rule, const PeriodSpan& period) const {
        std::vector<int> out;
        for (int d = period.first; d <= period.last; ++d) {
            auto flags = day_flags_[size_t(d - first_)];
            if (!(flags & kWorking)) continue;
            if (!((rule.weekdays >> (flags & kWeekdayMask)) & 1u)) continue;
            if ((flags & kSummer) && !rule.allow_summer) continue;
            out.push_back(d);
        }
        return out;
    }

    bool period_is_all_summer(const PeriodSpan& period) const {
        for (int d = period.first; d <= period.last; ++d)
            if (!(day_flags_[size_t(d - first_)] & kSummer)) return false;
        return true;
    }

    // Fixed events of this form at this centre inside the period.
    size_t fixed_of_form(int centre, const std::string& form, const PeriodSpan& period) const {
        const auto& fixed = fixed_forms_[size_t(centre)];
        return size_t(std::count_if(fixed.begin(), fixed.end(), [&](const auto& f) {
            return *f.first == form && f.second >= period.first && f.second <= period.last;
        }));
    }

    bool taken(int centre, int district, int day, bool regional) const {
        return occupancy_.centre_busy(centre, day) || occupancy_.district_busy(district, day) ||
               (regional && occupancy_.regional_busy(day));
    }

    bool fits(int centre, int district, int day, int gap, bool regional) const {
        return !taken(centre, district, day, regional) && occupancy_.gap_ok(centre, day, gap);
    }

    // Nearest to the target first, in calendar days; on a tie the earlier day.
    // Days before `earliest` are passed over (a new event's, see PlacementNow).
    std::optional<int> find_day(const std::vector<int>& days, size_t target, int centre, int district, int gap,
                                bool regional, int earliest = std::numeric_limits<int>::min()) const {
        if (days.empty()) return std::nullopt;
        const int aim = days[target];
        std::ptrdiff_t lo = std::ptrdiff_t(target) - 1;
        size_t hi = target;
        while (lo >= 0 || hi < days.size()) {
            bool take_hi = lo < 0 || (hi < days.size() && days[hi] - aim < aim - days[size_t(lo)]);
            int day = take_hi ? days[hi++] : days[size_t(lo--)];
            if (day >= earliest && fits(centre, district, day, gap, regional)) return day;
        }
        return std::nullopt;
    }

    // Why no day was found: the cause, and what it depends on. unplaced_reason() words it.
    Unplaced why_unplaced(const Rule& rule, std::vector<int> days, int centre, int district, int earliest) const {
        Unplaced u;
        u.weekdays = rule.weekdays;
        if (days.empty()) {
            u.cause = UnplacedCause::days_off;
            u.summer_excluded = !rule.allow_summer;
            return u;
        }
        std::erase_if(days, [earliest](int d) { return d < earliest; });
        if (days.empty()) {
            u.cause = UnplacedCause::too_soon;
            u.earliest = from_day_number(earliest);
            return u;
        }
        const bool regional = is_regional(rule.form);
        bool any_free = std::any_of(days.begin(), days.end(), [&](int d) { return !taken(centre, district, d, regional); });
        if (!any_free) {
            u.cause = UnplacedCause::taken;
            u.district = plan_.centres[size_t(centre)].district;
            u.regional = regional;
            return u;
        }
        u.gap = std::max(rule.min_gap_days, 1);
        const bool kept_apart_by_region = regional && std::any_of(days.begin(), days.end(), [&](int d) {
            return !taken(centre, district, d, false) && occupancy_.gap_ok(centre, d, u.gap);
        });
        if (kept_apart_by_region) {
            u.cause = UnplacedCause::regional_apart;
            return u;
        }
        u.cause = UnplacedCause::no_gap;
        if (occupancy_.widest_gap(centre) > u.gap) u.widest_gap = occupancy_.widest_gap(centre);
        return u;
    }

    void place_rule(std::uint32_t rule_index) {
        const Rule& rule = plan_.rules[rule_index];
        std::vector<int> centres;
        if (rule.all_centres) {
            for (size_t i = 0; i < plan_.centres.size(); ++i) centres.push_back(int(i));
        } else {
            for (const auto& id : rule.centres)
                if (auto it = centre_index_.find(id); it != centre_index_.end()) centres.push_back(it->second);
            std::sort(centres.begin(), centres.end());
            centres.erase(std::unique(centres.begin(), centres.end()), centres.end());
        }
        if (centres.empty()) return;
        const size_t count = size_t(std::max(rule.count, 1));
        const int earliest = earliest_new_day(rule);
        const bool regional = is_regional(rule.form);
        for (const auto& period : periods_of(rule.every, plan_.from, plan_.to)) {
            if (!rule.allow_summer && period_is_all_summer(period)) continue;  // not generated at all
            const std::vector<int> days = eligible_days(rule, period);
            const std::uint32_t label = label_index(period.label);
            for (int c : centres) {
                const Centre& centre = plan_.centres[size_t(c)];
                const int district = centre_district_[size_t(c)];
                // "A seminar per quarter" is met by a fixed seminar there too: place only what is missing.
                const size_t needed = count - std::min(count, fixed_of_form(c, rule.form, period));
                for (size_t i = 0; i < needed; ++i) {
                    const auto nth = std::uint16_t(count > 1 ? i + 1 : 0);
                    // Aim at the middle of the i-th of `needed` equal slices of the usable days.
                    size_t target = days.empty() ? 0 : std::min(days.size() - 1, (2 * i + 1) * days.size() / (2 * needed));
                    // Without pins, no id is needed until the event leaves (event_of).
                    const std::string id = pins_.empty() ? std::string() : rule_event_id(rule, size_t(c), label, nth);
                    PinSlot* slot = pin(id);
                    std::optional<int> day;
                    if (slot) {
                        // Where would it go unpinned? Ask with its own pinned day set aside.
                        int pinned_day = day_number(slot->event->date);
                        occupancy_.remove(slot->centre, slot->district, pinned_day, slot->gap, slot->regional);
                        day = find_day(days, target, c, district, rule.min_gap_days, regional);
                        occupancy_.add(slot->centre, slot->district, pinned_day, slot->gap, slot->regional);
                        if (slot->pin && (!day || *day != pinned_day))
                            schedule_.drift.push_back(
                                {id, slot->event->date, day ? std::optional<Date>(from_day_number(*day)) : std::nullopt});
                    } else {
                        day = find_day(days, target, c, district, rule.min_gap_days, regional, earliest);
                        if (!day) {
                            if (period.last < earliest) continue;  // a period gone by: nothing new there
                            Unplaced u = why_unplaced(rule, days, c, district, earliest);
                            u.rule = rule.id;
                            u.centre = centre.id;
                            u.period = period.label;
                            u.reason = unplaced_reason(u, "en", u.district);
                            schedule_.unplaced.push_back(std::move(u));
                            continue;
                        }
                        occupancy_.add(c, district, *day, rule.min_gap_days, regional);
                    }
                    Placed e;
                    e.day = day ? *day : day_number(slot->event->date);
                    e.start_minutes = rule.start_minutes;
                    e.source = rule_index;
                    e.centre = c;
                    e.period = label;
                    e.nth = nth;
                    e.from = Placed::From::rule;
                    emit(e, slot);
                }
            }
        }
    }

    // Days off that are only planned or estimated may still move: say which events sit next to one.
    // A year the calendar computes gets one summary line, not one line per event.
    void add_warnings() {
        add_regional_clashes();
        std::map<int, size_t> computed_year_events;
        std::map<int, bool> computed;
        for (const auto& p : placed_) {
            int year = int(date::year_month_day{from_day_number(p.day)}.year());
            auto [it, fresh] = computed.emplace(year, false);
            if (fresh) it->second = calendar_.year_is_computed(year);
            if (it->second) ++computed_year_events[year];
        }
        for (const auto& [year, events] : computed_year_events)
            schedule_.warnings.push_back(std::to_string(year) + ": " + std::to_string(events) +
                                         " events in a year whose days off are computed by law, not confirmed "
                                         "(no Kurban Ait, no government transfers)");
        for (const auto& p : placed_) {
            const Date date = from_day_number(p.day);
            for (int offset : {-1, 0, 1}) {
                Date d = date + date::days{offset};
                const DayEntry* entry = calendar_.entry(d);
                if (!entry || (entry->status != DayStatus::planned && entry->status != DayStatus::estimated)) continue;
                std::string name = entry->name.in("en");
                schedule_.warnings.push_back(format_date(date) + " at " + centre_of(p) + ": " +
                                             (offset == 0 ? "on " : "next to ") + name + " (" +
                                             std::string(day_status_name(entry->status)) + ") — event " + id_of(p));
            }
            if (p.pinned && !calendar_.is_working_day(date))
                schedule_.warnings.push_back(format_date(date) + " at " + centre_of(p) + ": pinned event " + id_of(p) +
                                             " is now on a day off");
        }
    }

    // Rules never put two regional events on one day; fixed or pinned ones may sit there already.
    void add_regional_clashes() {
        std::map<Date, std::vector<std::string>> by_day;
        for (const auto& p : placed_)
            if (is_regional(form_of(p))) by_day[from_day_number(p.day)].push_back(id_of(p));
        for (auto& [day, ids] : by_day) {
            if (ids.size() < 2) continue;
            std::string list;
            for (const auto& id : ids) list += (list.empty() ? "" : ", ") + id;
            schedule_.clashes.push_back(format_date(day) + ": " + std::to_string(ids.size()) +
                                        " regional events on one day (" + list +
                                        "); the coordinator and the overseer attend only one");
        }
    }

    const Plan& plan_;
    const WorkingCalendar& calendar_;
    const std::optional<PlacementNow>& now_;
    int first_, last_;
    std::unordered_map<std::string, int> centre_index_;
    std::unordered_map<std::string, int> district_index_;
    size_t district_count_ = 0;
    std::vector<int> centre_district_;
    std::vector<std::vector<std::pair<const std::string*, int>>> fixed_forms_;  // per centre: (form, day)
    std::vector<const ScheduledEvent*> pinned_sorted_;
    std::unordered_map<std::string, PinSlot> pins_;
    std::vector<std::uint8_t> day_flags_;  // per plan day: weekday (c encoding) | kWorking | kSummer
    Occupancy occupancy_;
    std::vector<Placed> placed_;
    std::vector<std::string> labels_;  // the periods' labels, by Placed::period
    std::unordered_map<std::string, std::uint32_t> label_index_;
    Schedule schedule_;  // all but its events, which leave by run()'s `each`
};

}  // namespace

bool placeable(const Plan& plan, const WorkingCalendar& calendar, const PlacementNow& now, const std::string& form,
               Date day, int start_minutes) {
    if (day < now.today || (day == now.today && start_minutes <= now.minutes)) return false;  // gone by
    const Form* f = plan.form(form);
    const auto& reminders = f && !f->reminders.empty() ? f->reminders : now.default_reminders;
    // The first reminder (the earliest of them) must still be ahead, as the notice policy times it.
    constexpr long long kDay = 24 * 60;
    const long long at = (long long)day_number(now.today) * kDay + now.minutes;
    for (const auto& span : reminders) {
        long long due = 0;
        if (span.unit == Span::Unit::minutes)
            due = (long long)day_number(day) * kDay + start_minutes - span.count;
        else
            due = (long long)day_number(span.unit == Span::Unit::working_days ? calendar.add_working_days(day, -span.count)
                                                                              : day - date::days{span.count}) *
                      kDay +
                  calendar.work_start_minutes();
        if (due < at) return false;
    }
    return true;
}

Schedule place(const Plan& plan, const WorkingCalendar& calendar, const std::vector<ScheduledEvent>& pinned) {
    static const std::vector<ScheduledEvent> none;
    static const std::optional<PlacementNow> whole_plan;
    return Placer(plan, calendar, pinned, none, whole_plan).run();
}

Schedule place(const Plan& plan, const WorkingCalendar& calendar, const PlacementInput& input) {
    return Placer(plan, calendar, input.pinned, input.settled, input.now).run();
}

Schedule place_each(const Plan& plan, const WorkingCalendar& calendar, const PlacementInput& input,
                    const std::function<void(ScheduledEvent&&)>& each) {
    return Placer(plan, calendar, input.pinned, input.settled, input.now).run(each);
}

std::string format_schedule(const Schedule& schedule) {
    std::string out;
    out.reserve(schedule.events.size() * 96);
    for (const auto& e : schedule.events) {
        out += format_date(e.date);
        out += ' ';
        out += format_hhmm(e.start_minutes);
        out += '-';
        out += format_hhmm(e.end_minutes);
        out += ' ';
        out += e.centre;
        out += ' ';
        out += e.form;
        out += ' ';
        out += e.id;
        if (e.pinned) out += " pinned";
        out += '\n';
    }
    for (const auto& u : schedule.unplaced)
        out += "unplaced " + u.rule + " " + u.centre + " " + u.period + ": " + u.reason + "\n";
    for (const auto& d : schedule.drift)
        out += "drift " + d.event_id + " pinned " + format_date(d.pinned_date) + " would be " +
               (d.would_be ? format_date(*d.would_be) : std::string("(not produced)")) + "\n";
    for (const auto& c : schedule.clashes) out += "clash " + c + "\n";
    for (const auto& w : schedule.warnings) out += "warning " + w + "\n";
    return out;
}

}  // namespace tarat
