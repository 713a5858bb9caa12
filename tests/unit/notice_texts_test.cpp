// F10, wrong words: every shipped template, for every kind, locale and variant, rendered over the
// shipped plan's own people, centres and events, says what is true in words people read: no tag
// left, nobody by id, dates DD.MM.YYYY in kk and ru, no label without its value, the overseer's
// copies informational, the others' asking for action, reasons shown, outcomes in their sections.
#include "config/setup.hpp"
#include "schedule/placement.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <functional>
#include <regex>
#include <set>

using namespace tarat;
using namespace date::literals;
using nlohmann::json;

namespace {

constexpr std::array<const char*, 3> kLocales{"kk", "ru", "en"};

struct World {
    testing::TempDir dir;
    Setup setup;
    std::vector<ScheduledEvent> events;

    World() {
        Diagnostics d;
        SetupOverrides overrides;
        overrides.state_dir = dir.path();
        overrides.socket_path = dir / "tarat.sock";
        auto loaded = load_setup(TARAT_SOURCE_DIR "/etc/tarat.toml", overrides, d);
        if (!loaded) throw std::runtime_error(d.format());
        setup = std::move(*loaded);
        events = place(setup.plan, *setup.calendar).events;
    }
    const Plan& plan() const { return setup.plan; }
    const ScheduledEvent& event(const std::string& id) const {
        for (const auto& e : events)
            if (e.id == id) return e;
        throw std::runtime_error("no event " + id);
    }
    // The centre's director, the district head, the coordinator, the overseer.
    std::string director_of(const ScheduledEvent& e) const { return plan().centre(e.centre)->director; }
};

struct Rendered {
    std::string what;  // the variant, for messages
    std::string locale;
    std::string subject, body;
    std::string text() const { return subject + "\n" + body; }
};

// Every person, centre and district id of the plan, as a whole word.
std::vector<std::string> plan_ids(const Plan& plan) {
    std::vector<std::string> ids;
    for (const auto& p : plan.people) ids.push_back(p.id);
    for (const auto& c : plan.centres) ids.push_back(c.id);
    for (const auto& d : plan.districts) ids.push_back(d.id);
    return ids;
}

bool has_word(const std::string& text, const std::string& word) {
    auto is_id_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; };
    for (size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
        const bool starts = at == 0 || !is_id_char(text[at - 1]);
        const bool ends = at + word.size() == text.size() || !is_id_char(text[at + word.size()]);
        if (starts && ends) return true;
    }
    return false;
}

std::string without(std::string text, const std::string& part) {
    for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at)) text.erase(at, part.size());
    return text;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    size_t from = 0;
    while (from < text.size()) {
        size_t end = text.find('\n', from);
        if (end == std::string::npos) end = text.size();
        lines.push_back(text.substr(from, end - from));
        from = end + 1;
    }
    return lines;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The checks every rendered notice passes.
void check_words(const World& w, const Rendered& r) {
    INFO(r.what << " [" << r.locale << "]\n" << r.subject << "\n\n" << r.body);
    CHECK_FALSE(r.subject.empty());
    for (const char* leftover : {"{{", "}}", "\x1F"}) CHECK_FALSE(contains(r.text(), leftover));
    // The event code may stay as a reference in the footer only; nobody and nothing else by id.
    std::string text = r.text();
    for (const auto& e : w.events) text = without(text, e.id);
    for (const auto& id : plan_ids(w.plan())) {
        INFO("id: " << id);
        CHECK_FALSE(has_word(text, id));
    }
    if (r.locale != "en") CHECK_FALSE(std::regex_search(text, std::regex(R"(\d{4}-\d{2}-\d{2})")));
    // No label without its value: "Жауапты: ", "(мерзімі: )", "№ :", ", ,", "()".
    const auto lines = lines_of(r.body);
    for (size_t i = 0; i < lines.size(); ++i) {
        INFO("line: " << lines[i]);
        const bool heading = !lines[i].empty() && lines[i].back() == ':' && i + 1 < lines.size() &&
                             lines[i + 1].rfind("– ", 0) == 0;  // a list follows
        CHECK((heading || !std::regex_search(lines[i], std::regex(R"(:\s*$)"))));
        CHECK_FALSE(std::regex_search(lines[i], std::regex(R"(:\s*[,;)]|\(\s*\)|,\s*[,;]|№\s*[:,;–]|–\s*[,;:])")));
        CHECK_FALSE(std::regex_search(lines[i], std::regex(R"(\s$)")));
    }
    CHECK_FALSE(std::regex_search(r.subject, std::regex(R"(:\s*[,;–]|№\s*[:,;–]|\(\s*\))")));
    // Official wording: postponed is «кейінге қалдырылды»; "not confirmed", never "not held".
    for (const char* wrong : {"шегер", "өткізілмеді", "не проведено", "not held"}) CHECK_FALSE(contains(text, wrong));
}

Person in_locale(const Plan& plan, const std::string& id, const std::string& locale) {
    Person p = *plan.person(id);
    p.locale = locale;
    return p;
}

Rendered render(const World& w, const std::string& what, NoticeKind kind, const std::string& recipient,
                const std::string& locale, const ScheduledEvent* event, std::optional<EventState> state,
                const NoticeFacts& facts, const SendingFacts& sending = {}) {
    const Person person = in_locale(w.plan(), recipient, locale);
    const Notice n{"key", kind, event ? event->id : "", recipient, "file", Instant{}, facts};
    auto out = w.setup.templates->render(kind, locale, notice_context(w.plan(), n, person, event, state, sending));
    REQUIRE(out.locale == locale);
    return {what, locale, out.subject, out.body};
}

NoticeFacts lead(Span span) {
    NoticeFacts f;
    f.lead = span;
    return f;
}

NoticeFacts late(NoticeFacts::Missing missing, Date due, int round = 0) {
    NoticeFacts f;
    f.missing = missing;
    f.due_date = due;
    f.round = round;
    return f;
}

const char* for_information(const std::string& locale) {
    return locale == "kk" ? "Мәлімет үшін" : locale == "ru" ? "Для сведения" : "For information";
}
const char* take_action(const std::string& locale) {
    return locale == "kk" ? "шұғыл шара" : locale == "ru" ? "срочные меры" : "urgent action";
}
const char* without_delay(const std::string& locale) {
    return locale == "kk" ? "дереу" : locale == "ru" ? "незамедлительно" : "without delay";
}
const char* twice(const std::string& locale) { return locale == "kk" ? "2 рет" : locale == "ru" ? "2 раза" : "twice"; }

// A week of the shipped plan as the digest of 01.03.2027 would see it, every section filled.
DigestSummary full_digest(const World& w) {
    DigestSummary d;
    d.date = Date{2027_y / 3 / 1};
    d.from = Date{2027_y / 2 / 22};
    d.to = Date{2027_y / 2 / 28};
    auto item = [&](const std::string& id, EventState state) {
        const auto& e = w.event(id);
        DigestItem it{e, state, std::nullopt, Date{}, std::nullopt};
        it.report_due = w.setup.calendar->add_working_days(e.date, 3);
        return it;
    };
    auto never = item("seminar-quarterly.karlygash.2027-Q1", EventState::planned);
    never.missing = NoticeFacts::Missing::held;
    never.days_late = 20;
    auto no_report = item("bolashak-seminar-1", EventState::held);
    no_report.held_date = no_report.event.date;
    no_report.missing = NoticeFacts::Missing::report;
    no_report.days_late = 14;
    auto late_report = item("erkemai-seminar-1", EventState::reported);
    late_report.held_date = late_report.event.date;
    late_report.reported_date = Date{2027_y / 2 / 22};
    auto postponed = item("balausa-open-class-1", EventState::planned);
    postponed.previous_date = postponed.event.date;
    postponed.event.date = Date{2027_y / 3 / 12};
    auto cancelled = item("open-class-monthly.karlygash.2027-03", EventState::cancelled);
    cancelled.reason = "карантин";
    auto held = item("karlygash-master-class-1", EventState::held);
    held.held_date = Date{2027_y / 2 / 26};
    d.not_confirmed = {never};
    d.report_missing = {no_report};
    d.overdue = {never, no_report};
    d.report_late = {late_report};
    d.postponed_or_cancelled = {postponed, cancelled};
    d.upcoming = {item("karlygash-master-class-1", EventState::planned)};
    d.held_last_week = {held};
    for (const auto& c : w.plan().centres)
        d.centres.push_back({c.id, c.name, c.district, w.plan().district(c.district)->name, {5, 2, 1, 1, 0, 3, 0, 10, 0}});
    d.dead_notices = {{NoticeKind::reminder, "karlygash-master-class-1", w.event("karlygash-master-class-1").title,
                       "amanzhol", "mail", Instant{}, "550 5.1.1 mailbox unavailable"}};
    d.compliance = {21, 6, 2, 1, 1, 15, 2, 39, 1};
    return d;
}

// The lines between one heading and the next blank line.
std::string section(const std::string& body, const std::string& heading) {
    size_t at = body.find(heading);
    if (at == std::string::npos) return "";
    size_t end = body.find("\n\n", at);
    return body.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

}  // namespace

TEST_CASE("every kind, locale and variant renders in words people read") {
    World w;
    const Plan& plan = w.plan();
    const ScheduledEvent& fixed = w.event("erkemai-seminar-1");                 // a named responsible
    const ScheduledEvent& rule = w.event("seminar-quarterly.karlygash.2027-Q1");  // the director is
    const Date due = w.setup.calendar->add_working_days(rule.date, 3);
    std::vector<Rendered> all;
    for (const std::string locale : kLocales) {
        for (const ScheduledEvent* e : {&fixed, &rule}) {
            const std::string director = w.director_of(*e);
            const std::string head = plan.district(e->district)->head;
            for (auto span : {Span{Span::Unit::working_days, 10}, Span{Span::Unit::working_days, 1},
                              Span{Span::Unit::working_days, 0}, Span{Span::Unit::minutes, 120}})
                all.push_back(render(w, "reminder", NoticeKind::reminder, head, locale, e, EventState::planned, lead(span)));
            all.push_back(render(w, "held check", NoticeKind::held_check, director, locale, e, EventState::planned, {}));
            NoticeFacts report;
            report.due_date = due;
            all.push_back(render(w, "report due", NoticeKind::report_due, director, locale, e, EventState::held, report));
            for (auto missing : {NoticeFacts::Missing::held, NoticeFacts::Missing::report})
                for (const auto& who : {plan.overseer, plan.coordinator, director})
                    for (int reminded : {0, 2}) {
                        const auto state = missing == NoticeFacts::Missing::held ? EventState::planned : EventState::held;
                        const SendingFacts sending{nullptr, reminded};
                        all.push_back(render(w, "overdue to " + who, NoticeKind::overdue, who, locale, e, state,
                                             late(missing, due), sending));
                        for (int round = 1; round <= 3; ++round)
                            all.push_back(render(w, "escalation to " + who, NoticeKind::escalation, who, locale, e,
                                                 state, late(missing, due, round), sending));
                    }
            NoticeFacts postponed;
            postponed.previous_date = e->date - date::days{7};
            postponed.new_date = e->date;
            postponed.reason = "зал жөнделуде";
            all.push_back(render(w, "postponed", NoticeKind::change, head, locale, e, EventState::planned, postponed));
            NoticeFacts cancelled;
            cancelled.previous_date = e->date;
            cancelled.cancelled = true;
            cancelled.reason = "карантин";
            all.push_back(render(w, "cancelled", NoticeKind::change, plan.overseer, locale, e, EventState::cancelled, cancelled));
            all.push_back(render(w, "updated", NoticeKind::change, head, locale, e, EventState::planned, {}));
        }
        const DigestSummary full = full_digest(w);
        DigestSummary quiet;
        quiet.date = full.date;
        quiet.from = full.from;
        quiet.to = full.to;
        NoticeFacts day;
        day.day = full.date;
        for (const auto& who : {plan.overseer, plan.coordinator}) {
            all.push_back(render(w, "digest", NoticeKind::digest, who, locale, nullptr, std::nullopt, day, {&full}));
            all.push_back(render(w, "quiet digest", NoticeKind::digest, who, locale, nullptr, std::nullopt, day, {&quiet}));
        }
        all.push_back(render(w, "test", NoticeKind::test, plan.overseer, locale, nullptr, std::nullopt, {}));
    }
    CHECK(all.size() == 3 * (2 * (4 + 2 + 2 * 3 * 2 * 4 + 3) + 4 + 1));
    for (const auto& r : all) check_words(w, r);
}

// The overseer controls execution: her overdue notice and escalation inform her, with how often
// the director and the coordinator were reminded; theirs ask them to act. Each says its round.
TEST_CASE("the overseer's overdue notice and escalation are for her information") {
    World w;
    const Plan& plan = w.plan();
    const ScheduledEvent& e = w.event("seminar-quarterly.karlygash.2027-Q1");
    const Date due = w.setup.calendar->add_working_days(e.date, 3);
    const std::string director = w.director_of(e);
    const std::string director_name = plan.person(director)->name, coordinator_name = plan.person(plan.coordinator)->name;
    for (const std::string locale : kLocales)
        for (auto missing : {NoticeFacts::Missing::held, NoticeFacts::Missing::report}) {
            const auto state = missing == NoticeFacts::Missing::held ? EventState::planned : EventState::held;
            const SendingFacts reminded{nullptr, 2};
            auto hers = render(w, "escalation", NoticeKind::escalation, plan.overseer, locale, &e, state,
                               late(missing, due, 2), reminded);
            INFO(locale << "\n" << hers.subject << "\n\n" << hers.body);
            CHECK(contains(hers.subject, for_information(locale)));
            CHECK_FALSE(contains(hers.body, take_action(locale)));
            CHECK(contains(hers.body, twice(locale)));
            CHECK(contains(hers.body, director_name));
            CHECK(contains(hers.body, coordinator_name));
            CHECK(contains(hers.subject, "№ 2") != (locale == "en"));
            CHECK(contains(hers.subject, "no. 2") == (locale == "en"));
            for (const auto& who : {director, plan.coordinator}) {
                auto theirs = render(w, "escalation", NoticeKind::escalation, who, locale, &e, state,
                                     late(missing, due, 3), reminded);
                INFO(theirs.subject << "\n\n" << theirs.body);
                CHECK_FALSE(contains(theirs.subject, for_information(locale)));
                CHECK(contains(theirs.body, take_action(locale)));
                CHECK(contains(theirs.body, twice(locale)));
                CHECK(contains(theirs.subject, locale == "en" ? "no. 3" : "№ 3"));
            }
            auto overdue = render(w, "overdue", NoticeKind::overdue, plan.overseer, locale, &e, state, late(missing, due), reminded);
            INFO(overdue.subject << "\n\n" << overdue.body);
            CHECK(contains(overdue.subject, for_information(locale)));
            CHECK_FALSE(contains(overdue.body, without_delay(locale)));
            CHECK(contains(overdue.body, twice(locale)));
            auto to_director = render(w, "overdue", NoticeKind::overdue, director, locale, &e, state, late(missing, due), reminded);
            CHECK_FALSE(contains(to_director.subject, for_information(locale)));
            CHECK(contains(to_director.body, without_delay(locale)));
        }
}

// Postponed or cancelled, the change notice says why; kk says «кейінге қалдырылды».
TEST_CASE("change notices give the reason") {
    World w;
    const ScheduledEvent& e = w.event("karlygash-master-class-1");
    for (const std::string locale : kLocales) {
        NoticeFacts postponed;
        postponed.previous_date = Date{2027_y / 2 / 24};
        postponed.new_date = e.date;
        postponed.reason = "зал жөнделуде";
        auto moved = render(w, "postponed", NoticeKind::change, w.plan().overseer, locale, &e, EventState::planned, postponed);
        INFO(moved.body);
        CHECK(contains(moved.body, "зал жөнделуде"));
        CHECK(contains(moved.body, locale == "en" ? "2027-02-24" : "24.02.2027"));
        if (locale == "kk") CHECK(contains(moved.text(), "кейінге қалдырылды"));
        NoticeFacts cancelled;
        cancelled.cancelled = true;
        cancelled.reason = "карантин";
        auto gone = render(w, "cancelled", NoticeKind::change, w.plan().overseer, locale, &e, EventState::cancelled, cancelled);
        INFO(gone.body);
        CHECK(contains(gone.body, "карантин"));
    }
}

// A national plan's digest was a megabyte: 5,000 centres, 4,000 events ahead. Each list shows its
// first 25 and counts the rest; a plan of more than 60 centres gets a row per district, summing
// its centres. A region's digest (above) stays whole.
TEST_CASE("a national digest lists 25 of each list and a row per district") {
    World w;
    DigestSummary digest = full_digest(w);
    digest.upcoming.assign(30, digest.upcoming.front());
    digest.dead_notices.assign(26, digest.dead_notices.front());
    digest.centres.clear();
    for (int i = 0; i < 61; ++i)  // 31 in the first district, 30 in the second
        digest.centres.push_back({"c" + std::to_string(i), "Орталық №" + std::to_string(i), i <= 30 ? "d1" : "d2",
                                  i <= 30 ? "Бірінші аудан" : "Екінші аудан", {2, 1, 1, 0, 0, 1, 0, 3, 0}});
    NoticeFacts day;
    day.day = digest.date;
    const std::map<std::string, std::tuple<const char*, const char*, const char*, const char*>> words{
        {"kk", {"Алдағы екі аптадағы іс-шаралар: 30", "– тағы 5", "– тағы 1", "Аудандар бойынша"}},
        {"ru", {"Мероприятия на ближайшие две недели: 30", "– и ещё 5", "– и ещё 1", "По районам"}},
        {"en", {"Next two weeks: 30", "– and 5 more", "– and 1 more", "By district"}}};
    for (const std::string locale : kLocales) {
        const auto& [next, five_more, one_more, by_district] = words.at(locale);
        auto r = render(w, "digest", NoticeKind::digest, w.plan().overseer, locale, nullptr, std::nullopt, day, {&digest});
        INFO(r.body);
        const std::string upcoming = section(r.body, next);
        REQUIRE_FALSE(upcoming.empty());
        std::size_t lines = 0;
        for (std::size_t at = upcoming.find("\n– "); at != std::string::npos; at = upcoming.find("\n– ", at + 1)) ++lines;
        CHECK(lines == 26);  // 25 events and the line that counts the rest
        CHECK(contains(upcoming, five_more));
        CHECK(contains(r.body, one_more));  // the 26th notice not delivered
        const std::string table = section(r.body, by_district);
        REQUIRE_FALSE(table.empty());
        CHECK(contains(table, "– Бірінші аудан: "));
        CHECK(contains(table, "– Екінші аудан: "));
        CHECK_FALSE(contains(r.body, "Орталық №"));
        // The first district's sums: 31 centres of 2 due, 1 held each.
        CHECK(contains(table, locale == "kk" ? "өтуі тиіс болғаны 62, өткізілгені 31"
                              : locale == "ru" ? "должно было состояться 62, проведено 31"
                                               : "due 62, held 31"));
    }
}

// Each event of the digest sits under the heading of its outcome, and only there.
TEST_CASE("the digest names each outcome in its own section") {
    World w;
    const DigestSummary digest = full_digest(w);
    struct Headings {
        const char *not_confirmed, *missing, *late, *changed, *next, *centres;
    };
    const std::map<std::string, Headings> headings{
        {"kk",
         {"Өткізілгені расталмаған іс-шаралар: 1", "Есебі тапсырылмаған іс-шаралар: 1",
          "Өткен аптада кешігіп тапсырылған есептер: 1", "Өткен аптада кейінге қалдырылған және күші жойылған іс-шаралар: 2",
          "Алдағы екі аптадағы іс-шаралар: 1", "Орталықтар бойынша"}},
        {"ru",
         {"Мероприятия, проведение которых не подтверждено: 1", "Мероприятия, по которым не представлен отчёт: 1", "Отчёты, представленные на прошедшей неделе с опозданием: 1",
          "Перенесены и отменены на прошедшей неделе: 2", "Мероприятия на ближайшие две недели: 1", "По центрам"}},
        {"en",
         {"Not confirmed as held: 1", "Report missing: 1", "Reports that came in late last week: 1",
          "Postponed and cancelled last week: 2", "Next two weeks: 1", "By centre"}}};
    NoticeFacts day;
    day.day = digest.date;
    for (const std::string locale : kLocales) {
        const Headings& h = headings.at(locale);
        auto r = render(w, "digest", NoticeKind::digest, w.plan().overseer, locale, nullptr, std::nullopt, day, {&digest});
        INFO(r.body);
        REQUIRE(digest.not_confirmed[0].event.date == Date{2027_y / 1 / 14});
        const std::string never = locale == "en" ? "2027-01-14" : "14.01.2027";
        const std::string not_confirmed = section(r.body, h.not_confirmed), missing = section(r.body, h.missing);
        CHECK(contains(not_confirmed, never));
        CHECK_FALSE(contains(missing, never));
        CHECK(contains(missing, digest.report_missing[0].event.title));
        CHECK_FALSE(contains(not_confirmed, digest.report_missing[0].event.title));
        CHECK(contains(section(r.body, h.late), digest.report_late[0].event.title));
        const std::string changed = section(r.body, h.changed);
        CHECK(contains(changed, digest.postponed_or_cancelled[0].event.title));
        CHECK(contains(changed, "карантин"));
        CHECK(contains(changed, locale == "en" ? "2027-03-11 → 2027-03-12" : "11.03.2027 → 12.03.2027"));
        CHECK(contains(section(r.body, h.next), digest.upcoming[0].event.title));
        const std::string centres = section(r.body, h.centres);
        for (const auto& c : w.plan().centres) {
            CHECK(contains(centres, c.name));
            CHECK(contains(centres, w.plan().district(c.district)->name));
        }
        // "21 planned" is said with what it is of.
        CHECK(contains(r.body, locale == "kk" ? "21 (бүкіл жоспарда 39)"
                               : locale == "ru" ? "21 (всего в плане 39)"
                                                : "21 (of 39 in the whole plan)"));
    }
}
