#include "templates/templates.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace tarat;
using namespace date::literals;
using nlohmann::json;

namespace {

const std::filesystem::path kShipped = TARAT_SOURCE_DIR "/etc/templates";
constexpr std::array<NoticeKind, 8> kKinds{NoticeKind::reminder,   NoticeKind::held_check, NoticeKind::report_due,
                                           NoticeKind::overdue,    NoticeKind::escalation, NoticeKind::change,
                                           NoticeKind::digest,     NoticeKind::test};
constexpr std::array<const char*, 3> kLocales{"kk", "ru", "en"};

const std::string kCentreName = "«Қарлығаш» бөбекжай- бақшасы» МКҚК";
const std::string kTitle = "Мнемотехника және артикуляциялық гимнастика: «Ертегілер еліне саяхат» – әғқңөұүһі ӘҒҚҢӨҰҮҺІ";

Person person(std::string id, std::string name, std::string locale) {
    Person p;
    p.id = std::move(id);
    p.name = std::move(name);
    p.position = "Ақтөбе облыстық білім басқармасы";
    p.locale = std::move(locale);
    return p;
}

// A slice of etc/plan.toml: one centre, its district and one form.
Plan sample_plan() {
    Plan plan;
    plan.id = "order-553-2026-27";
    plan.title = "Құзыреттілік орталықтарының 2026–2027 оқу жылына арналған іс-шаралар жоспары";
    plan.from = Date{2026_y / 12 / 1};
    plan.to = Date{2027_y / 5 / 31};
    plan.overseer = "bertleuova";
    plan.coordinator = "zhamanbayeva";
    plan.people = {person("bertleuova", "Н. Бертлеуова", "kk"), person("zhamanbayeva", "Д.Жаманбаева", "ru"),
                   person("amanzhol", "Б.Аманжол", "kk"), person("director-karlygash", "«Қарлығаш» меңгерушісі", "en")};
    plan.districts.push_back({"mugalzhar", "Мұғалжар ауданы", "amanzhol", {}});
    plan.centres.push_back({"karlygash", kCentreName, "mugalzhar",
                            "Ақтөбе облысы Мұғалжар ауданы Қандыағаш қаласы «Достық» шағын ауданы 25 «А»",
                            "director-karlygash", {}});
    Form form;
    form.id = "master-class";
    form.name = {"Шеберлік сынып", "Мастер-класс", "Master class"};
    form.duration_minutes = 120;
    plan.forms.push_back(form);
    return plan;
}

ScheduledEvent sample_event() {
    return {"karlygash-master-class-1", "karlygash", "mugalzhar", "master-class", kTitle,
            "облыстың мектепке дейінгі ұйымдарының тәрбиешілері мен логопедтері", "", Date{2027_y / 3 / 3},
            14 * 60 + 30, 16 * 60 + 30, "fixed", true};
}

// What the policy writes in Notice::detail for each kind.
NoticeFacts facts_for(NoticeKind kind) {
    NoticeFacts f;
    switch (kind) {
        case NoticeKind::reminder: f.lead = Span{Span::Unit::working_days, 3}; break;
        case NoticeKind::report_due: f.due_date = parse_date("2027-03-05"); break;
        case NoticeKind::overdue:
        case NoticeKind::escalation:
            f.missing = NoticeFacts::Missing::report;
            f.due_date = parse_date("2027-03-05");
            f.round = kind == NoticeKind::escalation ? 2 : 0;
            break;
        case NoticeKind::change:
            f.previous_date = parse_date("2027-02-24");
            f.new_date = parse_date("2027-03-03");
            break;
        case NoticeKind::digest: f.day = parse_date("2027-03-01"); break;
        default: break;
    }
    return f;
}

DigestSummary sample_digest() {
    ScheduledEvent event{"karlygash-master-class-1", "karlygash", "", "master-class", kTitle, "", "",
                         *parse_date("2027-03-03"), 14 * 60 + 30, 16 * 60 + 30, "fixed", false};
    DigestItem item{event, EventState::held, std::nullopt, *parse_date("2027-03-05"), NoticeFacts::Missing::report};
    DigestSummary digest;
    digest.date = *parse_date("2027-03-08");
    digest.upcoming = digest.held_last_week = digest.overdue = {item};
    digest.dead_notices = {{NoticeKind::reminder, "karlygash-master-class-1", kTitle, "amanzhol", "smtp", Instant{},
                            "550 5.1.1 mailbox unavailable"}};
    digest.compliance = {12, 3, 2, 0, 1, 0};
    return digest;
}

json context_for(const Plan& plan, NoticeKind kind, const std::string& locale, const ScheduledEvent& event,
                 EventState state = EventState::held, const DigestSummary& digest = sample_digest()) {
    Person recipient = *plan.person("amanzhol");
    recipient.locale = locale;
    Notice notice{"key", kind, kind == NoticeKind::digest ? "" : event.id, recipient.id, "smtp",
                  Instant{date::sys_days{2027_y / 3 / 1}}, facts_for(kind)};
    bool digest_kind = kind == NoticeKind::digest;
    return notice_context(plan, notice, recipient, digest_kind ? nullptr : &event,
                          digest_kind ? std::nullopt : std::optional<EventState>(state), {&digest});
}

std::string read(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// A copy of the shipped kk templates only.
void copy_kk(const testing::TempDir& dir) {
    for (NoticeKind kind : kKinds) {
        std::string name = "kk/" + std::string(kind_name(kind)) + ".mustache";
        dir.write(name, read(kShipped / name));
    }
}

}  // namespace

// The shipped templates load with no error and no warning (every name they use exists).
TEST_CASE("shipped templates load cleanly") {
    Diagnostics diagnostics;
    auto set = TemplateSet::load(kShipped, diagnostics);
    INFO(diagnostics.format());
    CHECK(diagnostics.items().empty());
    for (NoticeKind kind : kKinds)
        for (const char* locale : kLocales) CHECK(set.has(kind, locale));
}

// Every kind renders in every locale: one-line subject, tidy body, no tag left over.
TEST_CASE("every kind renders in every locale") {
    Diagnostics diagnostics;
    auto set = TemplateSet::load(kShipped, diagnostics);
    Plan plan = sample_plan();
    ScheduledEvent event = sample_event();
    for (NoticeKind kind : kKinds)
        for (const char* locale : kLocales) {
            INFO(kind_name(kind) << " " << locale);
            auto out = set.render(kind, locale, context_for(plan, kind, locale, event));
            INFO(out.subject << "\n" << out.body);
            CHECK(out.locale == locale);
            CHECK_FALSE(out.subject.empty());
            CHECK(out.subject.find('\n') == std::string::npos);
            for (const auto& text : {out.subject, out.body}) {
                CHECK(text.find("{{") == std::string::npos);
                CHECK(text.find("}}") == std::string::npos);
                CHECK(text.find('\x1F') == std::string::npos);
            }
            CHECK(out.body.find("\n\n\n") == std::string::npos);
            CHECK(out.body.back() == '\n');
            const bool about_an_event = kind != NoticeKind::digest && kind != NoticeKind::test;
            CHECK(out.body.find(about_an_event ? kTitle : "Б.Аманжол") != std::string::npos);
        }
}

// A context built for what a text looks up (TemplateSet::needs) renders exactly as the whole one,
// for every kind, locale and state, subject alone or with the body; and it leaves out what a
// subject alone does not look up (a preview without bodies builds a few names of dozens).
TEST_CASE("a context built for what its text needs renders as the whole one") {
    Diagnostics diagnostics;
    auto set = TemplateSet::load(kShipped, diagnostics);
    Plan plan = sample_plan();
    ScheduledEvent event = sample_event();
    const DigestSummary digest = sample_digest();
    for (NoticeKind kind : kKinds)
        for (const char* locale : kLocales)
            for (EventState state : {EventState::planned, EventState::held, EventState::cancelled})
                for (bool with_body : {true, false}) {
                    INFO(kind_name(kind) << " " << locale << " " << state_name(state) << " body " << with_body);
                    Person recipient = *plan.person("amanzhol");
                    recipient.locale = locale;
                    const bool digest_kind = kind == NoticeKind::digest;
                    Notice notice{"key", kind, digest_kind ? "" : event.id, recipient.id, "smtp",
                                  Instant{date::sys_days{2027_y / 3 / 1}}, facts_for(kind)};
                    auto context = [&](const ContextNeeds* needs) {
                        return notice_context(plan, notice, recipient, digest_kind ? nullptr : &event,
                                              digest_kind ? std::nullopt : std::optional(state), {&digest}, needs);
                    };
                    const ContextNeeds* needs = set.needs(kind, locale, with_body);
                    REQUIRE(needs);
                    const auto whole = set.render(kind, locale, context(nullptr), with_body);
                    const auto built = set.render(kind, locale, context(needs), with_body);
                    CHECK(built.subject == whole.subject);
                    CHECK(built.body == whole.body);
                    if (kind == NoticeKind::reminder && !with_body) {
                        CHECK_FALSE(context(needs).contains("plan"));
                        CHECK_FALSE(context(needs)["event"].contains("responsible"));
                        CHECK(context(nullptr)["event"].contains("responsible"));
                    }
                }
}

// Kazakh letters and the order's unbalanced «» reach the message byte for byte.
TEST_CASE("Kazakh text survives byte for byte") {
    Diagnostics diagnostics;
    auto set = TemplateSet::load(kShipped, diagnostics);
    Plan plan = sample_plan();
    auto out = set.render(NoticeKind::reminder, "kk", context_for(plan, NoticeKind::reminder, "kk", sample_event()));
    CHECK(out.subject.find(kCentreName) != std::string::npos);
    CHECK(out.body.find(kTitle) != std::string::npos);
    CHECK(out.body.find("Ақтөбе облысы Мұғалжар ауданы Қандыағаш қаласы «Достық» шағын ауданы 25 «А»") !=
          std::string::npos);
    CHECK(out.body.find("Құрметті Б.Аманжол!") != std::string::npos);
    CHECK(out.body.find("Іс-шараға 3 жұмыс күні қалды.") != std::string::npos);
}

// Values go out as written: no HTML entities for &, <, >, quotes or guillemets.
TEST_CASE("nothing is HTML-escaped") {
    Diagnostics diagnostics;
    auto set = TemplateSet::load(kShipped, diagnostics);
    Plan plan = sample_plan();
    ScheduledEvent event = sample_event();
    event.title = "Ойын & тіл: <сабақ> \"бірінші\" 'екінші' «үшінші»";
    plan.centres.front().name = "A&B <c>";
    for (const char* locale : kLocales) {
        auto out = set.render(NoticeKind::change, locale, context_for(plan, NoticeKind::change, locale, event));
        CHECK(out.body.find(event.title) != std::string::npos);
        CHECK(out.subject.find("A&B <c>") != std::string::npos);
        for (const char* entity : {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"}) {
            CHECK(out.body.find(entity) == std::string::npos);
            CHECK(out.subject.find(entity) == std::string::npos);
        }
    }
}

// Dates read DD.MM.YYYY in kk and ru, ISO in en; names follow the recipient's locale.
TEST_CASE("dates and names follow the locale") {
    Plan plan = sample_plan();
    ScheduledEvent event = sample_event();
    auto kk = context_for(plan, NoticeKind::reminder, "kk", event);
    auto ru = context_for(plan, NoticeKind::reminder, "ru", event);
    auto en = context_for(plan, NoticeKind::reminder, "en", event);
    CHECK(kk["event"]["date"] == "2027-03-03");
    CHECK(kk["event"]["date_display"] == "03.03.2027");
    CHECK(ru["event"]["date_display"] == "03.03.2027");
    CHECK(en["event"]["date_display"] == "2027-03-03");
    CHECK(kk["event"]["form"]["name"] == "Шеберлік сынып");
    CHECK(ru["event"]["form"]["name"] == "Мастер-класс");
    CHECK(en["event"]["form"]["name"] == "Master class");
    CHECK(kk["event"]["start"] == "14:30");
    CHECK(kk["event"]["end"] == "16:30");
    // No responsible person named: the centre's director is.
    CHECK(kk["event"]["responsible"]["name"] == "«Қарлығаш» меңгерушісі");
    CHECK(kk["event"]["district"]["head"]["name"] == "Б.Аманжол");
    CHECK(kk["plan"]["overseer"]["name"] == "Н. Бертлеуова");
    CHECK(kk["notice"]["lead"] == "3 жұмыс күні");
    CHECK(ru["notice"]["lead"] == "3 рабочих дня");
    CHECK(en["notice"]["lead"] == "3 working days");
    CHECK(kk["notice"]["today"] == false);
    CHECK(kk["event"]["responsible"]["with_position"] == "«Қарлығаш» меңгерушісі, Ақтөбе облыстық білім басқармасы");
    // Sent late on the event's own day: "today", not "0 working days".
    NoticeFacts none_left;
    none_left.lead = Span{Span::Unit::working_days, 0};
    Person amanzhol = *plan.person("amanzhol");
    auto today = notice_context(plan, {"k", NoticeKind::reminder, event.id, "amanzhol", "log", Instant{}, none_left},
                                amanzhol, &event, EventState::planned);
    CHECK(today["notice"]["today"] == true);
    CHECK(today["notice"]["lead"] == "");
}

// Russian spans agree with their number: 1 день, 2 дня, 5 дней, 11 дней, 21 день.
TEST_CASE("Russian leads take the right plural") {
    Plan plan = sample_plan();
    ScheduledEvent event = sample_event();
    Person recipient = person("amanzhol", "Б.Аманжол", "ru");
    auto lead = [&](const char* span) {
        NoticeFacts facts;
        facts.lead = parse_span(span);
        Notice n{"k", NoticeKind::reminder, event.id, recipient.id, "log", Instant{}, facts};
        return notice_context(plan, n, recipient, &event, EventState::planned)["notice"]["lead"].get<std::string>();
    };
    CHECK(lead("1 working day") == "1 рабочий день");
    CHECK(lead("2 working days") == "2 рабочих дня");
    CHECK(lead("5 working days") == "5 рабочих дней");
    CHECK(lead("11 working days") == "11 рабочих дней");
    CHECK(lead("21 working days") == "21 рабочий день");
    CHECK(lead("3 hours") == "3 часа");
    CHECK(lead("1 day") == "1 день");
}

// The policy's typed facts reach the context: what is late, until when, which round, what moved.
TEST_CASE("notice facts become context facts") {
    Plan plan = sample_plan();
    ScheduledEvent event = sample_event();
    auto overdue = context_for(plan, NoticeKind::overdue, "kk", event);
    CHECK(overdue["event"]["not_reported"] == true);
    CHECK(overdue["event"]["not_held"] == false);
    CHECK(overdue["event"]["report_due_date_display"] == "05.03.2027");
    NoticeFacts held_facts;
    held_facts.missing = NoticeFacts::Missing::held;
    held_facts.due_date = parse_date("2027-03-05");
    held_facts.round = 3;
    Notice never_held{"k", NoticeKind::escalation, event.id, "amanzhol", "log", Instant{}, held_facts};
    auto escalation = notice_context(plan, never_held, *plan.person("amanzhol"), &event, EventState::planned);
    CHECK(escalation["event"]["not_held"] == true);
    CHECK(escalation["escalation"]["round"] == "3");
    CHECK(escalation["escalation"]["for_information"] == false);  // the district head is not the overseer
    // The overseer's copy is for her information; the count of earlier reminders comes at sending time.
    auto hers = notice_context(plan, never_held, *plan.person("bertleuova"), &event, EventState::planned, {nullptr, 2});
    CHECK(hers["escalation"]["for_information"] == true);
    CHECK(hers["escalation"]["reminded"] == true);
    CHECK(hers["escalation"]["reminded_count"] == "2");
    CHECK(hers["escalation"]["reminded_times"] == "2 рет");
    auto coordinator = notice_context(plan, never_held, *plan.person("zhamanbayeva"), &event, EventState::planned, {nullptr, 1});
    CHECK(coordinator["escalation"]["for_information"] == false);
    CHECK(coordinator["escalation"]["reminded_times"] == "1 раз");
    CHECK(coordinator["escalation"]["reminded_count"] == "1");
    CHECK(overdue["overdue"]["for_information"] == false);
    CHECK(overdue["overdue"]["reminded"] == false);
    auto postponed = context_for(plan, NoticeKind::change, "ru", event, EventState::planned);
    CHECK(postponed["change"]["postponed"] == true);
    CHECK(postponed["change"]["previous_date_display"] == "24.02.2027");
    auto cancelled = context_for(plan, NoticeKind::change, "ru", event, EventState::cancelled);
    CHECK(cancelled["change"]["cancelled"] == true);
    CHECK(cancelled["change"]["postponed"] == false);
    NoticeFacts why;
    why.cancelled = true;
    why.reason = "карантин";
    auto with_reason = notice_context(plan, {"k", NoticeKind::change, event.id, "amanzhol", "log", Instant{}, why},
                                      *plan.person("amanzhol"), &event, EventState::cancelled);
    CHECK(with_reason["change"]["reason"] == "карантин");
    auto digest = context_for(plan, NoticeKind::digest, "ru", event);
    CHECK_FALSE(digest.contains("event"));
    CHECK(digest["digest"]["date_display"] == "08.03.2027");
    CHECK(digest["digest"]["upcoming"][0]["form"]["name"] == "Мастер-класс");
    CHECK(digest["digest"]["upcoming"][0]["centre"]["name"] == kCentreName);
    CHECK(digest["digest"]["upcoming"][0]["end"] == "16:30");
    CHECK(digest["digest"]["dead_notices"][0]["kind_display"] == "напоминание");
    CHECK(digest["digest"]["dead_notices"][0]["recipient"]["name"] == "Б.Аманжол");
    CHECK(digest["digest"]["compliance"]["planned"] == "12");
    CHECK(digest["digest"]["overdue_count"] == "1");
}

// A line whose section renders nothing disappears, with no doubled blank lines left behind.
TEST_CASE("empty sections leave no blank lines") {
    Diagnostics diagnostics;
    auto set = TemplateSet::load(kShipped, diagnostics);
    Plan plan = sample_plan();
    ScheduledEvent event = sample_event();
    event.audience.clear();
    auto reminder = set.render(NoticeKind::reminder, "kk", context_for(plan, NoticeKind::reminder, "kk", event));
    CHECK(reminder.body.find("Қатысушылар") == std::string::npos);
    CHECK(reminder.body.find("\nЖауапты: «Қарлығаш» меңгерушісі, Ақтөбе облыстық білім басқармасы\n") != std::string::npos);
    CHECK(reminder.body.find("14:30–16:30\nӨткізу орны") != std::string::npos);

    DigestSummary quiet_week;
    quiet_week.date = *parse_date("2027-03-08");
    quiet_week.compliance.planned = 12;
    auto digest = set.render(NoticeKind::digest, "kk",
                             context_for(plan, NoticeKind::digest, "kk", event, EventState::held, quiet_week));
    CHECK(digest.body.find("Алдағы екі аптадағы іс-шаралар: 0\n– жоқ\n\nӨткен аптада") != std::string::npos);
    CHECK(digest.body.find("\n\n\n") == std::string::npos);
    CHECK(digest.body.find("– 08.03.2027 дейін өтуі тиіс болғаны: 12 (бүкіл жоспарда 0)\n– өткізілгені: 0;") != std::string::npos);
    CHECK(digest.body.find("Орталықтар бойынша (08.03.2027 дейін):\n– жоқ\n\nЖеткізілмеген") != std::string::npos);
}

// A locale without a folder falls back to kk; only a warning says so.
TEST_CASE("a missing locale falls back to kk") {
    testing::TempDir dir;
    copy_kk(dir);
    Diagnostics diagnostics;
    auto set = TemplateSet::load(dir.path(), diagnostics);
    INFO(diagnostics.format());
    CHECK_FALSE(diagnostics.has_errors());
    CHECK(diagnostics.items().size() == 2);  // no ru, no en
    CHECK_FALSE(set.has(NoticeKind::reminder, "ru"));
    Plan plan = sample_plan();
    for (const char* locale : {"ru", "en", "de"}) {
        auto out = set.render(NoticeKind::reminder, locale, context_for(plan, NoticeKind::reminder, "kk", sample_event()));
        CHECK(out.locale == "kk");
        CHECK(out.body.rfind("Құрметті Б.Аманжол!", 0) == 0);
    }
}

// An unclosed section is a load error at its line in the file that has it.
TEST_CASE("a broken template is an error naming its file") {
    testing::TempDir dir;
    copy_kk(dir);
    dir.write("kk/held_check.mustache", "Тексеру: {{event.title}}\n\nҚұрметті {{recipient.name}}!\n{{#event.audience}}\n{{event.audience}}\n");
    Diagnostics diagnostics;
    auto set = TemplateSet::load(dir.path(), diagnostics);
    REQUIRE(diagnostics.error_count() == 1);
    for (const auto& d : diagnostics.items())
        if (d.severity == Diagnostic::Severity::error) CHECK(d.pos.file == (dir / "kk/held_check.mustache").string());
    CHECK(diagnostics.format().find("kk/held_check.mustache:4:1: error: does not compile: unclosed section") !=
          std::string::npos);
    CHECK_FALSE(set.has(NoticeKind::held_check, "kk"));
    CHECK(set.has(NoticeKind::reminder, "kk"));
}

// Layout mistakes, partials and missing files are errors; an unknown name is a warning at its line.
TEST_CASE("template files are checked") {
    testing::TempDir dir;
    copy_kk(dir);
    dir.write("kk/reminder.mustache", "Subject\nnot blank\nbody\n");
    dir.write("kk/report_due.mustache", "Subject\n\nBody {{> footer}}\n");
    dir.write("kk/overdue.mustache", "Subject {{event.titel}}\n\nBody\n{{#digest.upcoming}}{{title}}{{/digest.upcoming}}\n");
    std::filesystem::remove(dir / "kk/digest.mustache");
    Diagnostics diagnostics;
    TemplateSet::load(dir.path(), diagnostics);
    std::string report = diagnostics.format();
    INFO(report);
    CHECK(report.find("kk/reminder.mustache:2:1: error: line 2 must be blank") != std::string::npos);
    CHECK(report.find("kk/report_due.mustache:3:6: error: partials") != std::string::npos);
    CHECK(report.find("kk/digest.mustache: error: missing") != std::string::npos);
    CHECK(report.find("kk/overdue.mustache:1:9: warning: 'event.titel'") != std::string::npos);
    CHECK(report.find("kk/overdue.mustache:4:1: warning: 'digest.upcoming'") != std::string::npos);
    CHECK(diagnostics.error_count() == 3);
}

// Mustache is handed only the context's names a template uses, yet a section's item still sees
// the outer names (plan, recipient) and its own (title); a subject rendered alone is the same.
TEST_CASE("a template sees every name it uses, inside sections too") {
    testing::TempDir dir;
    copy_kk(dir);
    dir.write("kk/digest.mustache", "{{digest.date_display}} {{plan.id}}\n\n"
                                    "{{#digest.overdue}}\n{{title}} | {{plan.id}} | {{recipient.name}} | {{centre.name}}\n"
                                    "{{/digest.overdue}}\n");
    Diagnostics diagnostics;
    auto set = TemplateSet::load(dir.path(), diagnostics);
    REQUIRE_FALSE(diagnostics.has_errors());
    Plan plan = sample_plan();
    const auto context = context_for(plan, NoticeKind::digest, "kk", sample_event());
    auto whole = set.render(NoticeKind::digest, "kk", context);
    CHECK(whole.subject == "08.03.2027 order-553-2026-27");
    CHECK(whole.body == kTitle + " | order-553-2026-27 | Б.Аманжол | " + kCentreName + "\n");
    auto subject_only = set.render(NoticeKind::digest, "kk", context, /*with_body=*/false);
    CHECK(subject_only.subject == whole.subject);
    CHECK(subject_only.body.empty());
}

// A digest is summed (every event read) only for a text that shows its sums: the shipped subjects
// show the week's date alone, their bodies the sums; an administrator's subject may show a count.
TEST_CASE("a digest is summed only when its text shows more than its week") {
    Diagnostics diagnostics;
    auto shipped = TemplateSet::load(kShipped, diagnostics);
    for (const char* locale : {"kk", "ru", "en"}) {
        INFO(locale);
        CHECK_FALSE(shipped.shows_digest_sums(NoticeKind::digest, locale, /*with_body=*/false));
        CHECK(shipped.shows_digest_sums(NoticeKind::digest, locale, /*with_body=*/true));
    }
    testing::TempDir dir;
    copy_kk(dir);
    dir.write("kk/digest.mustache", "{{digest.from_display}}–{{digest.to_display}}: {{digest.overdue_count}}\n\nмәтін\n");
    auto counted = TemplateSet::load(dir.path(), diagnostics);
    REQUIRE_FALSE(diagnostics.has_errors());
    CHECK(counted.shows_digest_sums(NoticeKind::digest, "kk", /*with_body=*/false));
    dir.write("kk/digest.mustache", "{{#digest}}{{date_display}}{{/digest}}\n\nмәтін\n");
    auto sectioned = TemplateSet::load(dir.path(), diagnostics);
    CHECK(sectioned.shows_digest_sums(NoticeKind::digest, "kk", /*with_body=*/false));
}

// Rendering the same texts with the same context again gives what it gave; a set loaded anew,
// with another text, renders its own even for that same context (and wherever it is in memory).
TEST_CASE("a template set loaded anew renders its own text for the same context") {
    Plan plan = sample_plan();
    const auto context = context_for(plan, NoticeKind::digest, "kk", sample_event());
    std::string first_subject;
    for (const char* word : {"Бірінші", "Бірінші", "Екінші"}) {
        testing::TempDir dir;
        copy_kk(dir);
        dir.write("kk/digest.mustache", std::string(word) + " {{digest.date_display}}\n\n{{plan.id}}\n");
        Diagnostics diagnostics;
        auto set = std::make_unique<TemplateSet>(TemplateSet::load(dir.path(), diagnostics));
        REQUIRE_FALSE(diagnostics.has_errors());
        const auto once = set->render(NoticeKind::digest, "kk", context);
        const auto twice = set->render(NoticeKind::digest, "kk", context);
        CHECK(once.subject == std::string(word) + " 08.03.2027");
        CHECK(twice.subject == once.subject);
        CHECK(twice.body == "order-553-2026-27\n");
    }
}
