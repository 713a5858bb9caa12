#include "core/terms.hpp"

#include <iterator>

namespace tarat {
namespace {

// Official wording (product owner): held «өткізілді» / «проведено», cancelled «күші жойылды» /
// «отменено», reported «есебі тапсырылды» / «отчёт представлен», postponed «кейінге қалдырылды» /
// «перенесено», and "not confirmed held" rather than "not held".
constexpr Term kEventStates[]{
    {"жоспарланған", "запланировано", "planned"},
    {"өткізілді", "проведено", "held"},
    {"есебі тапсырылды", "отчёт представлен", "reported"},
    {"күші жойылды", "отменено", "cancelled"},
};

constexpr Term kNoticeKinds[]{
    {"еске салу", "напоминание", "reminder"},
    {"өткізілгенін растау", "запрос о проведении", "held check"},
    {"есеп туралы еске салу", "напоминание об отчёте", "report reminder"},
    {"мерзімнің өтуі туралы хабарлама", "уведомление о просрочке", "overdue notice"},
    {"қайталама хабарлама", "повторное уведомление", "escalation"},
    {"өзгеріс туралы хабарлама", "уведомление об изменении", "change notice"},
    {"апталық шолу", "еженедельная сводка", "weekly digest"},
    {"сынақ хабарлама", "тестовое уведомление", "test notice"},
};

constexpr Term kNoticeStates[]{
    {"күтуде", "ожидает", "pending"},
    {"жіберілді", "отправлено", "sent"},
    {"жеткізілмеді", "не доставлено", "dead"},
    {"ескірді", "заменено", "superseded"},
    {"мерзімі өтті", "просрочено", "expired"},
};
constexpr Term kWeekdays[]{
    {"жексенбі", "воскресенье", "Sunday"}, {"дүйсенбі", "понедельник", "Monday"}, {"сейсенбі", "вторник", "Tuesday"},
    {"сәрсенбі", "среда", "Wednesday"},    {"бейсенбі", "четверг", "Thursday"},  {"жұма", "пятница", "Friday"},
    {"сенбі", "суббота", "Saturday"},
};
constexpr Term kWeekdaysShort[]{{"жс", "вс", "sun"}, {"дс", "пн", "mon"}, {"сс", "вт", "tue"}, {"ср", "ср", "wed"},
                                {"бс", "чт", "thu"}, {"жм", "пт", "fri"}, {"сб", "сб", "sat"}};
constexpr Term kMonths[]{
    {"Қаңтар", "Январь", "January"},   {"Ақпан", "Февраль", "February"}, {"Наурыз", "Март", "March"},
    {"Сәуір", "Апрель", "April"},      {"Мамыр", "Май", "May"},          {"Маусым", "Июнь", "June"},
    {"Шілде", "Июль", "July"},         {"Тамыз", "Август", "August"},    {"Қыркүйек", "Сентябрь", "September"},
    {"Қазан", "Октябрь", "October"},   {"Қараша", "Ноябрь", "November"}, {"Желтоқсан", "Декабрь", "December"},
};

constexpr Term kFailed{"қате, қайталанады", "ошибка, повтор", "failed"};

constexpr Term kOutcomes[]{
    {"алда", "предстоит", "upcoming"},
    {"өткізілгені расталмаған", "проведение не подтверждено", "not confirmed held"},
    {"өткізілді, есеп мерзімі келмеген", "проведено, срок отчёта не наступил", "held, report not yet due"},
    {"есебі мерзімінде тапсырылды", "отчёт представлен в срок", "report on time"},
    {"есебі кешігіп тапсырылды", "отчёт представлен с опозданием", "report late"},
    {"есебі тапсырылмаған", "отчёт не представлен", "report missing"},
    kEventStates[3],  // cancelled: the same word as the state
};
constexpr Term kPostponed{"кейінге қалдырылды", "перенесено", "postponed"};

static_assert(std::size(kEventStates) == 4 && std::size(kNoticeKinds) == 8 && std::size(kNoticeStates) == 5 &&
              std::size(kOutcomes) == 7);

template <class Enum, size_t N>
const Term* by_code(const Term (&terms)[N], std::string_view (*name)(Enum), std::string_view code) {
    for (size_t i = 0; i < N; ++i)
        if (name(static_cast<Enum>(i)) == code) return &terms[i];
    return nullptr;
}

}  // namespace

std::string_view Term::in(std::string_view locale) const { return locale == "ru" ? ru : locale == "en" ? en : kk; }

const Term& term(EventState state) { return kEventStates[static_cast<size_t>(state)]; }
const Term& term(NoticeKind kind) { return kNoticeKinds[static_cast<size_t>(kind)]; }
const Term& term(NoticeState state) { return kNoticeStates[static_cast<size_t>(state)]; }
const Term& term(Outcome outcome) { return kOutcomes[static_cast<size_t>(outcome)]; }
const Term& weekday_term(unsigned c_encoding) { return kWeekdays[c_encoding % 7]; }
const Term& weekday_short_term(unsigned c_encoding) { return kWeekdaysShort[c_encoding % 7]; }
const Term& month_term(unsigned month) { return kMonths[(month + 11) % 12]; }
const Term& failed_notice_term() { return kFailed; }
const Term& postponed_term() { return kPostponed; }

const Term* find_term(Vocabulary vocabulary, std::string_view code) {
    switch (vocabulary) {
        case Vocabulary::event_state: return by_code<EventState>(kEventStates, state_name, code);
        case Vocabulary::notice_kind: return by_code<NoticeKind>(kNoticeKinds, kind_name, code);
        case Vocabulary::notice_state:
            return code == "failed" ? &kFailed : by_code<NoticeState>(kNoticeStates, state_name, code);
        case Vocabulary::outcome:
            return code == "postponed" ? &kPostponed : by_code<Outcome>(kOutcomes, outcome_name, code);
    }
    return nullptr;
}

}  // namespace tarat
