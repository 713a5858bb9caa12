// Why a rule's event could not be placed, in words: one template per cause and language, so the
// English reason of JSON and logs and the Kazakh and Russian of `taratd schedule` say the same.
#include "core/terms.hpp"
#include "core/text.hpp"
#include "schedule/placement.hpp"

#include <string>
#include <vector>

namespace tarat {
namespace {

struct CauseWords {
    Term text;
    Term option;  // the optional part, as {option}: summer excluded, regional events, a wider gap
};

// Indexed by UnplacedCause.
const CauseWords kCauses[]{
    {{"кезеңдегі әр {weekdays} күні демалыс{option}", "в этом периоде каждый день ({weekdays}) — выходной{option}",
      "every {weekdays} in the period{option} is a day off"},
     {" (маусым–тамыз алынбайды)", " (июнь–август не берутся)", " outside June–August"}},
    {{"кезеңде қалған жұмыс күндері ({weekdays}) тым жақын: алғашқы еске салу уақытында жетуі үшін жаңа іс-шара "
      "{date} немесе одан кейін қойылады",
      "оставшиеся в периоде рабочие дни ({weekdays}) слишком близко: новое мероприятие ставится на {date} или "
      "позже, чтобы первое напоминание успело уйти",
      "every working {weekdays} left in the period is too soon: a new event goes on {date} or later, so that its "
      "first reminder still goes out"},
     {}},
    {{"кезеңдегі әр {weekdays} күні демалыс немесе бос емес: оны осы орталық не {district}{option} алған",
      "в этом периоде каждый день ({weekdays}) — выходной или занят этим центром или районом «{district}»{option}",
      "every {weekdays} in the period is a day off or taken (by this centre or district {district}{option})"},
     {", не басқа облыстық іс-шара", ", или другим областным мероприятием", ", or by another regional event"}},
    {{"осы орталықтың басқа іс-шараларынан кемінде {gap} күн қашық әр жұмыс күнінде ({weekdays}) басқа облыстық "
      "іс-шара бар",
      "в каждый рабочий день ({weekdays}) этого периода не ближе {gap} дн. к другим мероприятиям центра уже есть "
      "другое областное мероприятие",
      "every working {weekdays} in the period at least {gap} days from other events at this centre has another "
      "regional event"},
     {}},
    {{"кезеңде осы орталықтың басқа іс-шараларынан кемінде {gap} күн қашық жұмыс күні ({weekdays}) жоқ{option}",
      "в этом периоде нет рабочего дня ({weekdays}) не ближе {gap} дн. к другим мероприятиям центра{option}",
      "no working {weekdays} in the period at least {gap} days from other events at this centre{option}"},
     {" (ондағы іс-шаралар арасы {widest} күнге дейін сақталады)", " (между уже назначенными — до {widest} дн.)",
      " (events already there keep up to {widest} days clear)"}},
};

constexpr std::string_view kEnglishWeekdays[7] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

std::string weekday_word(unsigned c_encoding, std::string_view locale) {
    if (locale == "en") return std::string(kEnglishWeekdays[c_encoding]);
    return std::string(weekday_term(c_encoding).in(locale));
}

// "Tue–Thu", "Mon, Wed, Fri", "сейсенбі–бейсенбі": Monday first, runs of three or more joined by a dash.
std::string weekdays_text(WeekdaySet set, std::string_view locale) {
    static constexpr unsigned kMondayFirst[7] = {1, 2, 3, 4, 5, 6, 0};
    auto has = [set](int i) { return ((set >> kMondayFirst[i]) & 1u) != 0; };
    std::vector<std::string> parts;
    for (int i = 0; i < 7; ++i) {
        if (!has(i)) continue;
        int j = i;
        while (j + 1 < 7 && has(j + 1)) ++j;
        if (j - i >= 2) {
            parts.push_back(weekday_word(kMondayFirst[i], locale) + "–" + weekday_word(kMondayFirst[j], locale));
        } else {
            for (int k = i; k <= j; ++k) parts.push_back(weekday_word(kMondayFirst[k], locale));
        }
        i = j;
    }
    std::string out;
    for (const auto& part : parts) out += (out.empty() ? "" : ", ") + part;
    return out;
}

bool has_option(const Unplaced& u) {
    switch (u.cause) {
        case UnplacedCause::days_off: return u.summer_excluded;
        case UnplacedCause::taken: return u.regional;
        case UnplacedCause::no_gap: return u.widest_gap > 0;
        case UnplacedCause::too_soon:
        case UnplacedCause::regional_apart: break;
    }
    return false;
}

}  // namespace

std::string unplaced_reason(const Unplaced& u, std::string_view locale, std::string_view district) {
    const CauseWords& words = kCauses[static_cast<size_t>(u.cause)];
    std::string text(words.text.in(locale));
    fill_in(text, "option", has_option(u) ? std::string(words.option.in(locale)) : std::string());
    return fill(std::move(text), {{"weekdays", weekdays_text(u.weekdays, locale)},
                                  {"date", locale == "en" ? format_date(u.earliest) : format_dotted(u.earliest)},
                                  {"district", std::string(district)},
                                  {"gap", std::to_string(u.gap)},
                                  {"widest", std::to_string(u.widest_gap)}});
}

std::string period_text(std::string_view period, std::string_view locale) {
    static constexpr Term kWholePlan{"жоспардың бүкіл кезеңі", "весь период плана", "the plan's whole period"};
    static constexpr Term kQuarter{"{year} ж. {roman} тоқсан", "{roman} квартал {year} г.", "Q{n} {year}"};
    static constexpr std::string_view kRoman[4] = {"I", "II", "III", "IV"};
    if (period == "plan") return std::string(kWholePlan.in(locale));
    if (period.size() != 7 || period[4] != '-') return std::string(period);
    const std::string year(period.substr(0, 4));
    if (period[5] == 'Q' && period[6] >= '1' && period[6] <= '4') {
        const int n = period[6] - '0';
        return fill(std::string(kQuarter.in(locale)),
                    {{"year", year}, {"roman", std::string(kRoman[n - 1])}, {"n", std::to_string(n)}});
    }
    const int month = (period[5] - '0') * 10 + (period[6] - '0');
    if (month < 1 || month > 12) return std::string(period);
    return std::string(month_term(unsigned(month)).in(locale)) + " " + year;
}

}  // namespace tarat
