// The term catalogue (core/terms): every code worded in kk, ru and en, and the same word wherever
// it is shown — in notices (templates) and in taratctl's tables and reports.
#include "core/terms.hpp"
#include "core/text.hpp"
#include "ctl/labels.hpp"
#include "ctl/report.hpp"
#include "templates/templates.hpp"

#include <catch2/catch.hpp>

using namespace tarat;
using nlohmann::json;

namespace {

void check_worded(const Term& t, std::string_view code) {
    INFO(code);
    CHECK_FALSE(t.kk.empty());
    CHECK_FALSE(t.ru.empty());
    CHECK_FALSE(t.en.empty());
    CHECK(t.in("kk") == t.kk);
    CHECK(t.in("ru") == t.ru);
    CHECK(t.in("en") == t.en);
}

// A notice about `event` in `state` for a recipient reading `locale`, as the templates see it.
json notice_event(EventState state, const std::string& locale) {
    Plan plan;
    plan.people.push_back(Person{"p", "Name", "", locale, "", "", "", {}, {}});
    ScheduledEvent event{"e", "c", "d", "f", "Title", "", "p", *parse_date("2027-03-03"), 600, 660, "fixed", false};
    Notice notice{"key", NoticeKind::held_check, "e", "p", "log", Instant{}, {}};
    return notice_context(plan, notice, plan.people.front(), &event, state)["event"];
}

}  // namespace

TEST_CASE("terms: every event state, notice kind, notice state and outcome is worded in kk, ru and en") {
    for (int i = 0; i <= static_cast<int>(EventState::cancelled); ++i) {
        const auto s = static_cast<EventState>(i);
        check_worded(term(s), state_name(s));
        CHECK(find_term(Vocabulary::event_state, state_name(s)) == &term(s));
    }
    for (int i = 0; i <= static_cast<int>(NoticeKind::test); ++i) {
        const auto k = static_cast<NoticeKind>(i);
        check_worded(term(k), kind_name(k));
        CHECK(find_term(Vocabulary::notice_kind, kind_name(k)) == &term(k));
    }
    for (int i = 0; i <= static_cast<int>(NoticeState::expired); ++i) {
        const auto s = static_cast<NoticeState>(i);
        check_worded(term(s), state_name(s));
        CHECK(find_term(Vocabulary::notice_state, state_name(s)) == &term(s));
    }
    for (int i = 0; i <= static_cast<int>(Outcome::cancelled); ++i) {
        const auto o = static_cast<Outcome>(i);
        check_worded(term(o), outcome_name(o));
        CHECK(find_term(Vocabulary::outcome, outcome_name(o)) == &term(o));
    }
    check_worded(failed_notice_term(), "failed");
    check_worded(postponed_term(), "postponed");
    CHECK(find_term(Vocabulary::notice_state, "failed") == &failed_notice_term());
    CHECK(find_term(Vocabulary::outcome, "postponed") == &postponed_term());
    CHECK(find_term(Vocabulary::event_state, "done") == nullptr);
    CHECK(find_term(Vocabulary::event_state, "postponed") == nullptr);  // a count, not a state
}

// The product owner's wording (F9).
TEST_CASE("terms: the official wording") {
    CHECK(term(EventState::held).kk == "өткізілді");
    CHECK(term(EventState::held).ru == "проведено");
    CHECK(term(EventState::reported).kk == "есебі тапсырылды");
    CHECK(term(EventState::reported).ru == "отчёт представлен");
    CHECK(term(EventState::cancelled).kk == "күші жойылды");
    CHECK(term(EventState::cancelled).ru == "отменено");
    CHECK(term(Outcome::cancelled).kk == term(EventState::cancelled).kk);
    CHECK(postponed_term().kk == "кейінге қалдырылды");
    CHECK(postponed_term().ru == "перенесено");
    CHECK(term(Outcome::not_held).kk == "өткізілгені расталмаған");
    CHECK(term(Outcome::not_held).ru == "проведение не подтверждено");
}

// One source: taratctl's label for a state is the word a notice uses for it.
TEST_CASE("terms: taratctl and the notice templates word each event state alike") {
    CHECK(term_label(Lang::kk, Vocabulary::event_state, "held") == notice_event(EventState::held, "kk")["state_display"]);
    for (int i = 0; i <= static_cast<int>(EventState::cancelled); ++i) {
        const auto s = static_cast<EventState>(i);
        for (auto [lang, locale] : {std::pair{Lang::kk, "kk"}, {Lang::ru, "ru"}, {Lang::en, "en"}}) {
            INFO(state_name(s) << " " << locale);
            CHECK(term_label(lang, Vocabulary::event_state, std::string(state_name(s))) ==
                  notice_event(s, locale)["state_display"].get<std::string>());
        }
    }
    CHECK(term_label(Lang::ru, Vocabulary::notice_state, "failed") == "ошибка, повтор");
    CHECK(term_label(Lang::kk, Vocabulary::event_state, "done") == "done");  // an unknown code shows as sent
}

// The report's headings and legends are the catalogue's words, capitalised for headings.
TEST_CASE("terms: compliance headings and legends come from the catalogue") {
    CHECK(count_heading(Lang::kk, "held", "") == "Өткізілді");
    CHECK(count_heading(Lang::ru, "not_held", "") == "Проведение не подтверждено");
    CHECK(count_heading(Lang::kk, "postponed", "") == "Кейінге қалдырылды");
    CHECK(count_heading(Lang::en, "reported_on_time", "") == "Report on time");
    CHECK(count_heading(Lang::ru, "planned", "Planned") == "По плану");  // a count that is no term
    for (const auto& style : kOutcomeOrder)
        CHECK(outcome_legend(style, Lang::kk) == term_label(Lang::kk, Vocabulary::outcome, style.name));
    CHECK(overdue_status(OverdueItem{.held = true}, Lang::ru) == term(Outcome::report_missing).ru);
    CHECK(overdue_status(OverdueItem{.held = false}, Lang::kk) == term(Outcome::not_held).kk);
}

// Headings in capitals: Kazakh letters have their capitals too.
TEST_CASE("terms: capitals for Latin, Russian and Kazakh letters") {
    CHECK(to_upper("өткізілгені расталмаған") == "ӨТКІЗІЛГЕНІ РАСТАЛМАҒАН");
    CHECK(to_upper("әңгүұқһё report") == "ӘҢГҮҰҚҺЁ REPORT");
    CHECK(to_upper("отчёт, 3 дня") == "ОТЧЁТ, 3 ДНЯ");
    CHECK(capitalized("күші жойылды") == "Күші жойылды");
    CHECK(capitalized("ұйым") == "Ұйым");
    CHECK(capitalized("") == "");
    CHECK(to_upper("«өтті» — 12") == "«ӨТТІ» — 12");  // what has no capital stays
}
