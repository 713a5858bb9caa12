#include "templates/templates.hpp"

#include "core/text.hpp"

#include "core/terms.hpp"

#include "core/input_file.hpp"

#include <kainjow/mustache.hpp>

#include <algorithm>
#include <set>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <unordered_map>
#include <vector>

namespace tarat {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;
namespace mustache = kainjow::mustache;

constexpr std::array<std::string_view, 3> kLocales{"kk", "ru", "en"};
constexpr std::array<NoticeKind, 8> kKinds{NoticeKind::reminder,   NoticeKind::held_check, NoticeKind::report_due,
                                           NoticeKind::overdue,    NoticeKind::escalation, NoticeKind::change,
                                           NoticeKind::digest,     NoticeKind::test};
constexpr size_t kMaxTemplateBytes = 64 * 1024;
// Put at the start of every body line holding a section or comment tag; such a line that renders
// to nothing but whitespace is dropped (kainjow keeps the blank line when a section is skipped).
constexpr char kLineMarker = '\x1F';

// ── Locale-dependent text ──────────────────────────────────────────────────────────────────────

std::string_view known_locale(std::string_view locale) {
    for (auto l : kLocales)
        if (l == locale) return l;
    return "kk";
}

// kk and ru write 09.12.2026, en the ISO form.
std::string display_date(Date day, std::string_view locale) {
    if (locale == "en") return format_date(day);
    date::year_month_day ymd{day};
    char out[16];
    std::snprintf(out, sizeof out, "%02u.%02u.%04d", static_cast<unsigned>(ymd.day()),
                  static_cast<unsigned>(ymd.month()), static_cast<int>(ymd.year()));
    return out;
}

// Russian count forms: 1 день, 3 дня, 5 дней (11–14 take the last).
std::string_view ru_plural(int n, std::string_view one, std::string_view few, std::string_view many) {
    int tens = n % 100, units = n % 10;
    if (tens >= 11 && tens <= 14) return many;
    if (units == 1) return one;
    if (units >= 2 && units <= 4) return few;
    return many;
}

// "10 жұмыс күні", "через 10 рабочих дней" (ru in the form that follows «через»), "10 working days".
std::string display_span(const Span& span, std::string_view locale) {
    bool hours = span.unit == Span::Unit::minutes && span.count != 0 && span.count % 60 == 0;
    int n = hours ? span.count / 60 : span.count;
    std::string out = std::to_string(n) + " ";
    if (locale == "ru") {
        switch (span.unit) {
            case Span::Unit::working_days: out += ru_plural(n, "рабочий день", "рабочих дня", "рабочих дней"); break;
            case Span::Unit::days: out += ru_plural(n, "день", "дня", "дней"); break;
            case Span::Unit::minutes:
                out += hours ? ru_plural(n, "час", "часа", "часов") : ru_plural(n, "минуту", "минуты", "минут");
                break;
        }
    } else if (locale == "en") {
        switch (span.unit) {
            case Span::Unit::working_days: out += n == 1 ? "working day" : "working days"; break;
            case Span::Unit::days: out += n == 1 ? "day" : "days"; break;
            case Span::Unit::minutes: out += hours ? (n == 1 ? "hour" : "hours") : (n == 1 ? "minute" : "minutes"); break;
        }
    } else {
        switch (span.unit) {
            case Span::Unit::working_days: out += "жұмыс күні"; break;
            case Span::Unit::days: out += "күн"; break;
            case Span::Unit::minutes: out += hours ? "сағат" : "минут"; break;
        }
    }
    return out;
}

std::string date_text(const std::optional<Date>& day) { return day ? format_date(*day) : std::string{}; }
std::string date_display(const std::optional<Date>& day, std::string_view locale) {
    return day ? display_date(*day, locale) : std::string{};
}

// ── Views ──────────────────────────────────────────────────────────────────────────────────────

// "Д.Жаманбаева, Ақтөбе облыстық әдістемелік орталығының директоры"; the name alone when it already
// says the position («Еркемай» меңгерушісі, меңгеруші).
std::string with_position(const std::string& name, const std::string& position) {
    if (position.empty() || name.find(position) != std::string::npos) return name;
    return name + ", " + position;
}

// Whether a text needing `needs` (null: everything) looks `key` up; and what it needs of it (null:
// all of it). A view builds only what is looked up: a subject alone needs a few names of dozens.
bool wants(const ContextNeeds* needs, std::string_view key) {
    return !needs || needs->whole || needs->parts.find(key) != needs->parts.end();
}
const ContextNeeds* part(const ContextNeeds* needs, std::string_view key) {
    if (!needs || needs->whole) return nullptr;
    auto found = needs->parts.find(key);
    return found == needs->parts.end() || found->second.whole ? nullptr : &found->second;
}

// A view's keys, each made only when the text looks it up (every one without needs).
class View {
public:
    explicit View(const ContextNeeds* needs) : needs_(needs) {}
    template <class Make>
    View& add(const char* key, Make&& make) {
        if (wants(needs_, key)) json_[key] = make();
        return *this;
    }
    json take() { return std::move(json_); }

private:
    const ContextNeeds* needs_;
    json json_ = json::object();
};

json person_view(const Plan& plan, std::string_view id, const ContextNeeds* needs = nullptr) {
    const Person* p = plan.person(id);
    const std::string name = p ? p->name : std::string(id), position = p ? p->position : "";
    return View(needs)
        .add("id", [&] { return std::string(id); })
        .add("name", [&] { return name; })
        .add("position", [&] { return position; })
        .add("with_position", [&] { return with_position(name, position); })
        .take();
}

// "3 рет", "3 раза", "3 times": how often the people asked to act were reminded.
std::string display_times(int n, std::string_view locale) {
    if (locale == "ru") return std::to_string(n) + " " + std::string(ru_plural(n, "раз", "раза", "раз"));
    if (locale == "en") return n == 1 ? "once" : n == 2 ? "twice" : std::to_string(n) + " times";
    return std::to_string(n) + " рет";
}

// Late-report facts that come from the notice or the digest rather than from the event itself.
struct Progress {
    std::optional<Date> report_due;
    std::optional<Date> held_on;
    bool not_held = false;
    bool not_reported = false;
};

json event_view(const Plan& plan, const ScheduledEvent& e, std::optional<EventState> state, const Progress& progress,
                std::string_view locale, const ContextNeeds* needs = nullptr) {
    const Centre* centre = plan.centre(e.centre);
    std::string district_id = !e.district.empty() ? e.district : centre ? centre->district : std::string{};
    const District* district = plan.district(district_id);
    const Form* form = plan.form(e.form);
    std::string responsible = !e.responsible.empty() ? e.responsible : centre ? centre->director : std::string{};
    bool has_date = e.date != Date{};

    View view(needs);
    view.add("id", [&] { return e.id; })
        .add("title", [&] { return e.title; })
        .add("audience", [&] { return e.audience; })
        .add("date", [&] { return has_date ? format_date(e.date) : ""; })
        .add("date_display", [&] { return has_date ? display_date(e.date, locale) : ""; })
        .add("start", [&] { return has_date ? format_hhmm(e.start_minutes) : ""; })
        .add("end", [&] { return has_date && e.end_minutes > e.start_minutes ? format_hhmm(e.end_minutes) : ""; })
        .add("pinned", [&] { return e.pinned; })
        .add("form", [&] {
            return View(part(needs, "form"))
                .add("id", [&] { return e.form; })
                .add("name", [&] { return form ? form->name.in(locale) : e.form; })
                .take();
        })
        .add("state", [&] { return state ? std::string(state_name(*state)) : ""; })
        .add("state_display", [&] { return state ? std::string(term(*state).in(locale)) : ""; })
        .add("planned", [&] { return state == EventState::planned; })
        .add("held", [&] { return state == EventState::held; })
        .add("reported", [&] { return state == EventState::reported; })
        .add("cancelled", [&] { return state == EventState::cancelled; })
        .add("report_due_date", [&] { return date_text(progress.report_due); })
        .add("report_due_date_display", [&] { return date_display(progress.report_due, locale); })
        .add("held_date", [&] { return date_text(progress.held_on); })
        .add("held_date_display", [&] { return date_display(progress.held_on, locale); })
        .add("not_held", [&] { return progress.not_held; })
        .add("not_reported", [&] { return progress.not_reported; })
        .add("centre", [&] {
            const ContextNeeds* of_centre = part(needs, "centre");
            return View(of_centre)
                .add("id", [&] { return e.centre; })
                .add("name", [&] { return centre ? centre->name : e.centre; })
                .add("address", [&] { return centre ? centre->address : ""; })
                .add("director", [&] { return person_view(plan, centre ? centre->director : "", part(of_centre, "director")); })
                .take();
        })
        .add("district", [&] {
            const ContextNeeds* of_district = part(needs, "district");
            return View(of_district)
                .add("id", [&] { return district_id; })
                .add("name", [&] { return district ? district->name : district_id; })
                .add("head", [&] { return person_view(plan, district ? district->head : "", part(of_district, "head")); })
                .take();
        })
        .add("responsible", [&] { return person_view(plan, responsible, part(needs, "responsible")); });
    return view.take();
}

json digest_event_view(const Plan& plan, const DigestItem& item, std::string_view locale) {
    Progress progress;
    progress.report_due = item.report_due;
    progress.held_on = item.held_date;
    progress.not_held = item.missing == NoticeFacts::Missing::held;
    progress.not_reported = item.missing == NoticeFacts::Missing::report;
    json view = event_view(plan, item.event, item.state, progress, locale);
    view["days_late"] = item.missing ? std::to_string(item.days_late) : "";
    view["days_late_display"] = item.missing ? display_span({Span::Unit::days, item.days_late}, locale) : "";
    view["reported_date"] = date_text(item.reported_date);
    view["reported_date_display"] = date_display(item.reported_date, locale);
    view["postponed"] = item.state != EventState::cancelled && item.previous_date.has_value();
    view["previous_date"] = date_text(item.previous_date);
    view["previous_date_display"] = date_display(item.previous_date, locale);
    view["reason"] = item.reason;
    return view;
}

// Numbers as text, as every number reaches the templates.
json counts_view(const DigestCounts& c) {
    return {{"planned", std::to_string(c.planned)},
            {"held", std::to_string(c.held)},
            {"reported_on_time", std::to_string(c.reported_on_time)},
            {"reported_late", std::to_string(c.reported_late)},
            {"missing", std::to_string(c.missing)},
            {"not_held", std::to_string(c.not_held)},
            {"not_confirmed", std::to_string(c.not_held)},
            {"report_pending", std::to_string(c.report_pending)},
            {"in_plan", std::to_string(c.in_plan)},
            {"cancelled", std::to_string(c.cancelled)}};
}

json dead_notice_view(const Plan& plan, const DigestDeadNotice& dead, std::string_view locale) {
    return {{"kind", std::string(kind_name(dead.kind))},
            {"kind_display", std::string(term(dead.kind).in(locale))},
            {"event_id", dead.event_id},
            {"title", dead.title},
            {"recipient", person_view(plan, dead.recipient)},
            {"channel", dead.channel},
            {"due", format_instant_utc(dead.due)},
            {"error", dead.error}};
}

// A digest list's items the shipped texts show; the rest are counted (`<list>_more`): a national
// plan's two weeks ahead are 4,000 events.
constexpr std::size_t kDigestListed = 25;

json digest_view(const Plan& plan, const DigestSummary& digest, std::string_view locale, const ContextNeeds* needs) {
    View view(needs);
    view.add("date", [&] { return date_text(digest.date); })
        .add("date_display", [&] { return date_display(digest.date, locale); })
        .add("from", [&] { return date_text(digest.from); })
        .add("from_display", [&] { return date_display(digest.from, locale); })
        .add("to", [&] { return date_text(digest.to); })
        .add("to_display", [&] { return date_display(digest.to, locale); });
    // Each list whole, its first kDigestListed, and how many more (a one-item list, for a section).
    auto listed = [&](const std::string& name, const auto& items, auto item_view) {
        auto first = [&](std::size_t n) {
            json out = json::array();
            for (std::size_t i = 0; i < std::min(n, items.size()); ++i) out.push_back(item_view(items[i]));
            return out;
        };
        view.add((name + "_count").c_str(), [&] { return std::to_string(items.size()); })
            .add(name.c_str(), [&] { return first(items.size()); })
            .add((name + "_shown").c_str(), [&] { return first(kDigestListed); })
            .add((name + "_more").c_str(), [&] {
                if (items.size() <= kDigestListed) return json::array();
                return json::array({{{"count", std::to_string(items.size() - kDigestListed)}}});
            });
    };
    auto event_item = [&](const DigestItem& item) { return digest_event_view(plan, item, locale); };
    listed("upcoming", digest.upcoming, event_item);
    listed("held_last_week", digest.held_last_week, event_item);
    listed("overdue", digest.overdue, event_item);
    listed("not_confirmed", digest.not_confirmed, event_item);
    listed("report_missing", digest.report_missing, event_item);
    listed("report_late", digest.report_late, event_item);
    listed("postponed_or_cancelled", digest.postponed_or_cancelled, event_item);
    listed("dead_notices", digest.dead_notices,
           [&](const DigestDeadNotice& d) { return dead_notice_view(plan, d, locale); });
    auto centre_row = [](const DigestCentre& c) {
        json row = counts_view(c.counts);
        row["id"] = c.id;
        row["name"] = c.name;
        row["district"] = {{"id", c.district}, {"name", c.district_name}};
        return row;
    };
    listed("centres", digest.centres, centre_row);
    // A large plan's table is per district, each summing its centres (listed by district).
    std::vector<DigestCentre> districts;
    for (const auto& c : digest.centres) {
        if (districts.empty() || districts.back().id != c.district)
            districts.push_back({c.district, c.district_name, c.district, c.district_name, {}});
        districts.back().counts += c.counts;
    }
    listed("districts", districts, centre_row);
    const bool per_district = shown_per_district(digest.centres.size());
    view.add("by_district", [&] { return per_district; });
    view.add("table", [&] {  // the rows the shipped texts show, each with its `label`
        json rows = json::array();
        for (const auto& row : per_district ? districts : digest.centres) {
            rows.push_back(centre_row(row));
            rows.back()["label"] = per_district ? row.name : row.name + ", " + row.district_name;
        }
        return rows;
    });
    view.add("compliance", [&] { return counts_view(digest.compliance); });
    return view.take();
}

}  // namespace

nlohmann::json notice_context(const Plan& plan, const Notice& notice, const Person& recipient,
                              const ScheduledEvent* event, std::optional<EventState> state, const SendingFacts& sending,
                              const ContextNeeds* needs) {
    std::string locale(known_locale(recipient.locale));
    // Sent late on the event's own day (before it starts): "today", not "0 working days".
    const bool lead_shown = notice.kind == NoticeKind::reminder && notice.facts.lead.has_value();
    const bool today = lead_shown && notice.facts.lead->count == 0 && notice.facts.lead->unit != Span::Unit::minutes;
    const ContextNeeds* of_notice = part(needs, "notice");
    json context = View(needs)
        .add("locale", [&] { return locale; })
        .add("kind", [&] { return std::string(kind_name(notice.kind)); })
        .add("kind_display", [&] { return std::string(term(notice.kind).in(locale)); })
        .add("link", [&] { return sending.link; })
        .add("notice", [&] {
            return View(of_notice)
                .add("key", [&] { return notice.key; })
                .add("kind", [&] { return std::string(kind_name(notice.kind)); })
                .add("channel", [&] { return notice.channel; })
                .add("lead", [&] { return lead_shown && !today ? display_span(*notice.facts.lead, locale) : ""; })
                .add("today", [&] { return today; })
                .add("detail", [&] { return describe(notice.kind, notice.facts); })
                .add("due", [&] { return format_instant_utc(notice.due); })
                .take();
        })
        .add("recipient", [&] {
            return View(part(needs, "recipient"))
                .add("id", [&] { return recipient.id; })
                .add("name", [&] { return recipient.name; })
                .add("position", [&] { return recipient.position; })
                .add("with_position", [&] { return with_position(recipient.name, recipient.position); })
                .add("locale", [&] { return locale; })
                .take();
        })
        .add("plan", [&] {
            const ContextNeeds* of_plan = part(needs, "plan");
            return View(of_plan)
                .add("id", [&] { return plan.id; })
                .add("title", [&] { return plan.title; })
                .add("basis", [&] { return plan.basis; })
                .add("from", [&] { return format_date(plan.from); })
                .add("from_display", [&] { return display_date(plan.from, locale); })
                .add("to", [&] { return format_date(plan.to); })
                .add("to_display", [&] { return display_date(plan.to, locale); })
                .add("overseer", [&] { return person_view(plan, plan.overseer, part(of_plan, "overseer")); })
                .add("coordinator", [&] { return person_view(plan, plan.coordinator, part(of_plan, "coordinator")); })
                .take();
        })
        .take();

    if (notice.kind == NoticeKind::digest) {
        const DigestSummary week = DigestSummary::week_of(notice.facts.day.value_or(Date{}));
        if (wants(needs, "digest")) {
            const DigestSummary& digest = sending.digest ? *sending.digest : week;
            context["digest"] = digest_view(plan, digest, locale, part(needs, "digest"));
        }
        return context;
    }
    if (!event) return context;

    const NoticeFacts& facts = notice.facts;
    Progress progress;
    const bool late_kind = notice.kind == NoticeKind::overdue || notice.kind == NoticeKind::escalation;
    if (late_kind || notice.kind == NoticeKind::report_due) progress.report_due = facts.due_date;
    if (late_kind) {
        progress.not_held = facts.missing ? *facts.missing == NoticeFacts::Missing::held
                                          : !state || *state == EventState::planned;
        progress.not_reported = !progress.not_held;
    }
    if (wants(needs, "event")) context["event"] = event_view(plan, *event, state, progress, locale, part(needs, "event"));

    if (late_kind && wants(needs, kind_name(notice.kind))) {
        // The overseer controls execution: her copy informs; the director and the coordinator are asked to act.
        const Centre* centre = plan.centre(event->centre);
        const bool asked_to_act = recipient.id == plan.coordinator || (centre && recipient.id == centre->director);
        json late = {{"for_information", recipient.id == plan.overseer && !asked_to_act},
                     {"reminded", sending.reminded_count > 0},
                     {"reminded_count", std::to_string(sending.reminded_count)},
                     {"reminded_times", display_times(sending.reminded_count, locale)}};
        if (notice.kind == NoticeKind::escalation) late["round"] = facts.round ? std::to_string(facts.round) : std::string();
        context[std::string(kind_name(notice.kind))] = std::move(late);
    }
    if (notice.kind == NoticeKind::change && wants(needs, "change")) {
        const bool cancelled = facts.cancelled || state == EventState::cancelled;
        const std::optional<Date> previous = facts.previous_date != event->date ? facts.previous_date : std::nullopt;
        const bool restored = !cancelled && facts.restored;  // its cancellation withdrawn
        const bool postponed = !cancelled && !restored && previous.has_value();
        context["change"] = {{"cancelled", cancelled},
                             {"postponed", postponed},
                             {"restored", restored},
                             {"updated", !cancelled && !postponed && !restored},
                             {"previous_date", postponed ? date_text(previous) : ""},
                             {"previous_date_display", postponed ? date_display(previous, locale) : ""},
                             {"reason", facts.reason}};
    }
    return context;
}

namespace {

// ── Template files ─────────────────────────────────────────────────────────────────────────────

// The position of a byte offset of a template's text, which starts at line `first_line` of `file`.
SourcePos position_in(const std::string& file, std::string_view text, size_t offset, int first_line) {
    const LineColumn at = line_column_at(text, offset);
    return {file, first_line + at.line - 1, at.column};
}

struct Tag {
    char type;  // 'v' variable, '&' unescaped, '#', '^', '/', '!', '>', '='
    std::string name;
    size_t offset;  // of the opening braces
    size_t end;     // just past the closing braces
};

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// The tags of a template kainjow has already accepted, with the default delimiters.
std::vector<Tag> scan_tags(std::string_view text) {
    std::vector<Tag> tags;
    size_t pos = 0;
    while ((pos = text.find("{{", pos)) != std::string_view::npos) {
        bool triple = pos + 2 < text.size() && text[pos + 2] == '{';
        size_t open = pos + (triple ? 3 : 2);
        size_t close = text.find(triple ? "}}}" : "}}", open);
        if (close == std::string_view::npos) break;
        std::string_view content = trim(text.substr(open, close - open));
        char type = triple ? '&' : 'v';
        if (!triple && !content.empty() && std::string_view("#^/!>=&").find(content.front()) != std::string_view::npos) {
            type = content.front();
            content = trim(content.substr(1));
        }
        size_t end = close + (triple ? 3 : 2);
        tags.push_back({type, std::string(content), pos, end});
        if (type == '=') break;  // the delimiters change: the rest cannot be read this way
        pos = end;
    }
    return tags;
}

// kainjow-style lookup: the dotted name from the innermost section outwards.
const json* resolve(const std::vector<const json*>& scopes, const std::string& name) {
    if (name == ".") return scopes.back();
    for (auto it = scopes.rbegin(); it != scopes.rend(); ++it) {
        const json* at = *it;
        size_t from = 0;
        while (at) {
            size_t dot = name.find('.', from);
            std::string part = name.substr(from, dot == std::string::npos ? std::string::npos : dot - from);
            auto found = at->is_object() ? at->find(part) : at->end();
            at = at->is_object() && found != at->end() ? &*found : nullptr;
            if (dot == std::string::npos) break;
            from = dot + 1;
        }
        if (at) return at;
    }
    return nullptr;
}

// A context holding every key a notice of this kind can have, for checking the names in templates.
json sample_context(NoticeKind kind) {
    Plan plan;
    plan.id = "sample";
    plan.title = "Жоспар";
    plan.from = Date{date::year{2026} / 12 / 1};
    plan.to = Date{date::year{2027} / 5 / 31};
    plan.overseer = plan.coordinator = "person";
    plan.people.push_back(Person{"person", "Аты", "Лауазымы", "kk", "", "", "", {}, {}});
    plan.districts.push_back(District{"district", "Аудан", "person", {}});
    plan.centres.push_back(Centre{"centre", "Орталық", "district", "Мекенжай", "person", {}});
    Form form;
    form.id = "form";
    form.name = {"Семинар", "Семинар", "Seminar"};
    form.duration_minutes = 60;
    plan.forms.push_back(form);
    ScheduledEvent event{"event", "centre", "district", "form", "Тақырып", "Қатысушылар", "person",
                         Date{date::year{2026} / 12 / 9}, 600, 660, "fixed", false};
    DigestItem item{event, EventState::held, event.date, Date{date::year{2026} / 12 / 14}, NoticeFacts::Missing::report};
    DigestSummary digest;
    digest.date = Date{date::year{2026} / 12 / 7};
    digest.from = Date{date::year{2026} / 11 / 30};
    digest.to = Date{date::year{2026} / 12 / 6};
    item.reported_date = item.previous_date = event.date;
    item.reason = "Себеп";
    // Every list longer than a digest shows, so that its `_more` has its keys too.
    const std::vector<DigestItem> items(kDigestListed + 1, item);
    digest.upcoming = digest.held_last_week = digest.overdue = digest.not_confirmed = digest.report_missing =
        digest.report_late = digest.postponed_or_cancelled = items;
    digest.centres = {{"centre", "Орталық", "district", "Аудан", {}}};
    digest.dead_notices.assign(kDigestListed + 1,
                               {NoticeKind::reminder, "event", "Тақырып", "person", "smtp", Instant{}, "550"});
    digest.compliance.planned = 1;
    NoticeFacts facts;
    facts.lead = Span{Span::Unit::working_days, 3};
    facts.due_date = Date{date::year{2026} / 12 / 14};
    facts.missing = NoticeFacts::Missing::report;
    facts.round = 2;
    facts.previous_date = Date{date::year{2026} / 12 / 2};
    facts.new_date = event.date;
    facts.reason = "Себеп";
    facts.day = Date{date::year{2026} / 12 / 7};
    Notice notice{"key", kind, kind == NoticeKind::digest ? "" : "event", "person", "log", Instant{}, facts};
    return notice_context(plan, notice, plan.people.front(), kind == NoticeKind::digest ? nullptr : &event,
                          EventState::planned, {&digest, 1});
}

struct ParsedFile {
    std::string subject;
    std::string body;  // from line 3
};

// Subject on line 1, a blank line 2, the body from line 3.
std::optional<ParsedFile> split_file(const std::string& file, std::string text, Diagnostics& diagnostics) {
    if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);
    if (auto bad = first_invalid_utf8(text)) {
        diagnostics.error(position_in(file, text, *bad, 1), "not UTF-8 text");
        return std::nullopt;
    }
    std::string unix_text;
    unix_text.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i)
        if (!(text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) unix_text += text[i];

    size_t first_end = unix_text.find('\n');
    ParsedFile parsed;
    parsed.subject = unix_text.substr(0, first_end);
    if (trim(parsed.subject).empty()) {
        diagnostics.error({file, 1, 1}, "the first line must be the subject");
        return std::nullopt;
    }
    size_t second_end = first_end == std::string::npos ? std::string::npos : unix_text.find('\n', first_end + 1);
    if (first_end == std::string::npos || second_end == std::string::npos) {
        diagnostics.error({file, first_end == std::string::npos ? 1 : 2, 1},
                          "no body: the subject line, a blank line, then the body");
        return std::nullopt;
    }
    if (!trim(std::string_view(unix_text).substr(first_end + 1, second_end - first_end - 1)).empty()) {
        diagnostics.error({file, 2, 1}, "line 2 must be blank: line 1 is the subject, the body starts on line 3");
        return std::nullopt;
    }
    parsed.body = unix_text.substr(second_end + 1);
    if (parsed.body.find_first_not_of(" \t\n") == std::string::npos) {
        diagnostics.error({file, 3, 1}, "the body is empty");
        return std::nullopt;
    }
    return parsed;
}

// Compiles one template; a kainjow error ("Unclosed section \"x\" at 57") becomes FILE:LINE:COL.
bool compiles(const std::string& file, const std::string& text, int first_line, Diagnostics& diagnostics) {
    mustache::mustache compiled{text};
    if (compiled.is_valid()) return true;
    std::string message = compiled.error_message();
    size_t offset = 0;
    if (size_t at = message.rfind(" at "); at != std::string::npos) {
        std::string_view number = std::string_view(message).substr(at + 4);
        if (std::from_chars(number.data(), number.data() + number.size(), offset).ec == std::errc{}) message.erase(at);
    }
    if (!message.empty()) message[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(message[0])));
    diagnostics.error(position_in(file, text, offset, first_line), "does not compile: " + message);
    return false;
}

// Partials and delimiter changes are refused; names no notice of this kind has are warnings.
bool check_tags(const std::string& file, const std::string& text, int first_line, const json& sample,
                NoticeKind kind, Diagnostics& diagnostics) {
    std::vector<const json*> scopes{&sample};
    for (const auto& tag : scan_tags(text)) {
        SourcePos pos = position_in(file, text, tag.offset, first_line);
        if (tag.type == '>') {
            diagnostics.error(pos, "partials ({{> " + tag.name + "}}) are not supported");
            return false;
        }
        if (tag.type == '=') {
            diagnostics.error(pos, "changing the delimiters ({{=…=}}) is not supported");
            return false;
        }
        if (tag.type == '!') continue;
        if (tag.type == '/') {
            if (scopes.size() > 1) scopes.pop_back();
            continue;
        }
        const json* found = resolve(scopes, tag.name);
        if (!found)
            diagnostics.warning(pos, "'" + tag.name + "' is not in the context of " + std::string(kind_name(kind)) +
                                         " notices: it renders empty");
        if (tag.type == '#') {
            // A list is looked into through its first item; a name not found keeps the outer scope.
            const json* inner = found && found->is_array() ? (found->empty() ? nullptr : &found->front()) : found;
            scopes.push_back(inner ? inner : scopes.back());
        } else if (tag.type == '^') {
            scopes.push_back(scopes.back());
        }
    }
    return true;
}

// Marks each line that holds a section or comment tag (unless the line starts inside a tag).
std::string with_line_markers(const std::string& body) {
    std::vector<size_t> starts{0};
    for (size_t i = 0; i < body.size(); ++i)
        if (body[i] == '\n') starts.push_back(i + 1);
    std::vector<bool> marked(starts.size(), false);
    auto tags = scan_tags(body);
    for (const auto& tag : tags) {
        if (std::string_view("#^/!").find(tag.type) == std::string_view::npos) continue;
        size_t line = static_cast<size_t>(std::upper_bound(starts.begin(), starts.end(), tag.offset) - starts.begin()) - 1;
        marked[line] = true;
    }
    for (const auto& tag : tags)
        for (size_t line = 0; line < starts.size(); ++line)
            if (starts[line] > tag.offset && starts[line] < tag.end) marked[line] = false;
    std::string out;
    out.reserve(body.size() + starts.size());
    for (size_t line = 0; line < starts.size(); ++line) {
        size_t end = line + 1 < starts.size() ? starts[line + 1] : body.size();
        if (marked[line]) out += kLineMarker;
        out.append(body, starts[line], end - starts[line]);
    }
    return out;
}

std::optional<std::string> read_small_file(const fs::path& path, Diagnostics& diagnostics) {
    auto file = read_input_file(path, kMaxTemplateBytes);
    if (!file.ok()) {
        diagnostics.error({path.string(), 0, 0}, file.error);
        return std::nullopt;
    }
    return std::move(file.text);
}

mustache::data to_data(const json& value) {
    using data = mustache::data;
    switch (value.type()) {
        case json::value_t::object: {
            data out{data::type::object};
            for (const auto& [key, item] : value.items()) out.set(key, to_data(item));
            return out;
        }
        case json::value_t::array: {
            data out{data::type::list};
            for (const auto& item : value) out.push_back(to_data(item));
            return out;
        }
        case json::value_t::string: {
            const auto& s = value.get_ref<const std::string&>();
            return s.empty() ? data{false} : data{s};  // empty is false: {{#x}}…{{/x}} shows only what is there
        }
        case json::value_t::boolean: return data{value.get<bool>()};
        case json::value_t::number_integer:
        case json::value_t::number_unsigned:
        case json::value_t::number_float: return data{value.dump()};
        default: return data{false};
    }
}

// What of `value` `needed` names, as to_data would give it.
mustache::data to_data(const json& value, const ContextNeeds& needed) {
    if (needed.whole || !value.is_object()) return to_data(value);
    mustache::data out{mustache::data::type::object};
    for (const auto& [name, part] : needed.parts)
        if (auto found = value.find(name); found != value.end()) out.set(name, to_data(*found, part));
    return out;
}

// Adds what the tags of `text` can look up: a name outside every section by its dotted path; a
// name inside one by its first part, whole (it may be the item's or the context's). Partials and
// delimiter changes are refused at load, so the default delimiters read every tag.
void add_needs(std::string_view text, ContextNeeds& needed) {
    int depth = 0;
    for (const auto& tag : scan_tags(text)) {
        if (tag.type == '!') continue;
        if (tag.type == '/') {
            depth = std::max(0, depth - 1);
            continue;
        }
        if (tag.name == ".") {
            if (depth == 0) needed.whole = true;
        } else {
            std::string_view path = tag.name;
            if (depth > 0) path = path.substr(0, path.find('.'));
            ContextNeeds* at = &needed;
            for (size_t from = 0; !at->whole;) {
                const size_t dot = path.find('.', from);
                at = &at->parts[std::string(path.substr(from, dot == std::string_view::npos ? dot : dot - from))];
                if (dot == std::string_view::npos) break;
                from = dot + 1;
            }
            at->whole = true;
        }
        if (tag.type == '#' || tag.type == '^') ++depth;
    }
}

std::string render_text(const std::string& file, const std::string& text, const mustache::data& data) {
    // Each thread keeps the texts it compiled as notices render them (plain text, never HTML):
    // compiling cost as much as rendering. Kept by text, so a TemplateSet stays const and
    // shareable and a reload's new texts simply compile anew.
    thread_local std::unordered_map<std::string, std::unique_ptr<mustache::mustache>> cache;
    auto found = cache.find(text);
    if (found == cache.end()) {
        if (cache.size() >= 256) cache.clear();  // reloads over months: never a growing heap
        auto made = std::make_unique<mustache::mustache>(text);
        made->set_custom_escape([](const std::string& s) { return s; });
        found = cache.emplace(text, std::move(made)).first;
    }
    mustache::mustache& compiled = *found->second;
    std::string out;
    if (compiled.is_valid()) compiled.render(data, [&out](const std::string& part) { out += part; });
    if (compiled.is_valid()) return out;
    const std::string error = file + ": " + compiled.error_message();
    cache.erase(found);  // an error stays with a compiled text: the next render starts afresh
    throw std::runtime_error(error);
}

}  // namespace

std::string render_html(const std::string& text, const nlohmann::json& data) {
    mustache::mustache compiled{text};  // kainjow's default escape: & < > " ' as entities
    std::string out = compiled.render(to_data(data));
    if (!compiled.is_valid()) throw std::runtime_error("page template: " + compiled.error_message());
    return out;
}

namespace {

std::string one_line(std::string_view text) {
    std::string out;
    for (char c : text) {
        bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == kLineMarker;
        if (space) {
            if (!out.empty() && out.back() != ' ') out += ' ';
        } else {
            out += c;
        }
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

// Drops marked lines that rendered empty, trailing blanks, and runs of blank lines.
std::string tidy_body(std::string_view text) {
    std::vector<std::string> lines;
    size_t from = 0;
    while (from <= text.size()) {
        size_t end = text.find('\n', from);
        if (end == std::string_view::npos) end = text.size();
        std::string line(text.substr(from, end - from));
        bool marked = line.find(kLineMarker) != std::string::npos;
        std::erase(line, kLineMarker);
        while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) line.pop_back();
        if (!(marked && trim(line).empty())) lines.push_back(std::move(line));
        from = end + 1;
    }
    std::string out;
    bool blank_pending = false;
    for (const auto& line : lines) {
        if (line.empty()) {
            blank_pending = !out.empty();
            continue;
        }
        if (blank_pending) out += '\n';
        blank_pending = false;
        out += line;
        out += '\n';
    }
    return out;
}

}  // namespace

TemplateSet TemplateSet::load(const std::filesystem::path& dir, Diagnostics& diagnostics) {
    TemplateSet set;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        diagnostics.error({dir.string(), 0, 0}, "no templates folder here");
        return set;
    }
    std::array<json, kKinds.size()> samples;
    for (NoticeKind kind : kKinds) samples[static_cast<size_t>(kind)] = sample_context(kind);

    bool any_locale = false;
    for (auto locale : kLocales) {
        fs::path folder = dir / locale;
        if (!fs::is_directory(folder, ec)) {
            diagnostics.warning({folder.string(), 0, 0}, "no " + std::string(locale) +
                                                             " templates: its recipients get another language");
            continue;
        }
        any_locale = true;
        for (NoticeKind kind : kKinds) {
            fs::path path = folder / (std::string(kind_name(kind)) + ".mustache");
            std::string file = path.string();
            if (!fs::is_regular_file(path, ec)) {
                diagnostics.error({file, 0, 0}, "missing: every locale folder needs a template for each notice kind");
                continue;
            }
            auto text = read_small_file(path, diagnostics);
            if (!text) continue;
            auto parsed = split_file(file, std::move(*text), diagnostics);
            if (!parsed) continue;
            const json& sample = samples[static_cast<size_t>(kind)];
            if (!compiles(file, parsed->subject, 1, diagnostics) || !compiles(file, parsed->body, 3, diagnostics))
                continue;
            if (!check_tags(file, parsed->subject, 1, sample, kind, diagnostics) ||
                !check_tags(file, parsed->body, 3, sample, kind, diagnostics))
                continue;
            std::string body = with_line_markers(parsed->body);
            if (!mustache::mustache{body}.is_valid()) {  // a marker landed where it must not: say so, not crash later
                diagnostics.error({file, 3, 1}, "cannot mark the body's section lines; simplify its tags");
                continue;
            }
            Template loaded{std::string(locale), file, std::move(parsed->subject), std::move(body), {}, {}};
            add_needs(loaded.subject, loaded.subject_needs);
            loaded.needs = loaded.subject_needs;
            add_needs(loaded.body, loaded.needs);
            set.templates_[{std::string(locale), kind}] = std::move(loaded);
        }
    }
    if (!any_locale) diagnostics.error({dir.string(), 0, 0}, "no kk, ru or en folder of templates");
    return set;
}

const TemplateSet::Template* TemplateSet::find(NoticeKind kind, std::string_view locale) const {
    auto it = templates_.find({std::string(locale), kind});
    if (it != templates_.end()) return &it->second;
    for (auto fallback : kLocales) {
        it = templates_.find({std::string(fallback), kind});
        if (it != templates_.end()) return &it->second;
    }
    return nullptr;
}

bool TemplateSet::has(NoticeKind kind, std::string_view locale) const {
    return templates_.count({std::string(locale), kind}) > 0;
}

const ContextNeeds* TemplateSet::needs(NoticeKind kind, std::string_view locale, bool with_body) const {
    const Template* tmpl = find(kind, locale);
    if (!tmpl) return nullptr;
    return with_body ? &tmpl->needs : &tmpl->subject_needs;
}

bool TemplateSet::shows_digest_sums(NoticeKind kind, std::string_view locale, bool with_body) const {
    const ContextNeeds* text = needs(kind, locale, with_body);
    if (!text) return true;
    if (!wants(text, "digest")) return false;
    const ContextNeeds* digest = part(text, "digest");
    if (!digest) return true;  // all of it
    // What digest_view gives of the week alone.
    static const std::set<std::string_view> week{"date", "date_display", "from", "from_display", "to", "to_display"};
    return std::any_of(digest->parts.begin(), digest->parts.end(),
                       [](const auto& key) { return !week.contains(key.first); });
}

RenderedNotice TemplateSet::render(NoticeKind kind, std::string_view locale, const nlohmann::json& context,
                                   bool with_body) const {
    const Template* tmpl = find(kind, locale);
    if (!tmpl) throw std::out_of_range("no template for " + std::string(kind_name(kind)) + " notices");
    // The same texts with the same context render the same: an event's notice to each recipient and
    // channel comes in a row, and a subject rarely names the recipient. Kept by text, not by
    // template, so that a reloaded set never meets an older one's rendering.
    struct Last {
        std::string subject, body;
        bool with_body = false;
        nlohmann::json context;
        RenderedNotice out;
    };
    thread_local std::optional<Last> last;
    if (last && last->with_body == with_body && last->context == context && last->subject == tmpl->subject &&
        (!with_body || last->body == tmpl->body) && last->out.locale == tmpl->locale)
        return last->out;
    auto data = to_data(context, with_body ? tmpl->needs : tmpl->subject_needs);
    RenderedNotice out;
    out.subject = one_line(render_text(tmpl->file, tmpl->subject, data));
    if (with_body) out.body = tidy_body(render_text(tmpl->file, tmpl->body, data));
    out.locale = tmpl->locale;
    last = Last{tmpl->subject, with_body ? tmpl->body : std::string(), with_body, context, out};
    return out;
}

}  // namespace tarat
