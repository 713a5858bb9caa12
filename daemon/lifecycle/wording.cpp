#include "lifecycle/wording.hpp"

#include "core/terms.hpp"
#include "core/text.hpp"

#include <utility>

namespace tarat {
namespace {

using Code = Refusal::Code;


// One wording per code; {key} is a fact (a date DD.MM.YYYY, or a word).
const std::pair<Code, Term> kRefusals[] = {
    {Code::stale_revision,
     {"Іс-шара сіз ашқаннан кейін өзгерді; оны қайта қарап, содан кейін шешіңіз.",
      "Мероприятие изменилось после того, как вы его открыли; посмотрите его снова и решите.",
      "The event changed since you opened it; look at it again and decide."}},
    {Code::cancelled,
     {"Іс-шара болдырылмаған{reason}; болдырылмаған іс-шараны өтті деп белгілеуге болмайды.",
      "Мероприятие отменено{reason}; отменённое мероприятие нельзя отметить проведённым.",
      "The event was cancelled{reason}; a cancelled event cannot be held."}},
    {Code::participants_range,
     {"Қатысушылар саны 0-ден {max}-ге дейінгі сан болуы керек.", "Число участников должно быть от 0 до {max}.",
      "The number of participants must be from 0 to {max}."}},
    {Code::not_utf8,
     {"{what}: мәтін UTF-8 кодтауында емес.", "{what}: текст не в кодировке UTF-8.", "{what}: the text is not UTF-8."}},
    {Code::too_long,
     {"{what} тым ұзын: {chars} таңба, ең көбі {max}.", "{what}: слишком длинно — {chars} символов, не больше {max}.",
      "{what} is too long: {chars} characters, at most {max}."}},
    {Code::control_chars,
     {"{what} басқару таңбаларынсыз бір жол болуы керек.", "{what}: нужна одна строка без управляющих символов.",
      "{what} must be one line without control characters."}},
    {Code::still_ahead,
     {"Іс-шара {date} {time} күнге жоспарланған, ол әлі алда; өткен соң белгілеңіз.",
      "Мероприятие запланировано на {date} {time}, оно ещё впереди; отметьте его после проведения.",
      "The event is planned for {date} {time}, which is still ahead; mark it held once it took place."}},
    {Code::held_future,
     {"Өткізілген күні {date} әлі келген жоқ (бүгін {today}).", "Дата проведения {date} ещё не наступила (сегодня {today}).",
      "The held date {date} is in the future (today is {today})."}},
    {Code::held_before_plan,
     {"Өткізілген күні {date} жоспар басталғанға дейін ({from}).", "Дата проведения {date} раньше начала плана ({from}).",
      "The held date {date} is before the plan's start ({from})."}},
    {Code::held_day_off,
     {"{date} — демалыс күні; солай болса, әдістемелік орталыққа хабарласыңыз.",
      "{date} — выходной день; если это так, обратитесь в методический центр.",
      "{date} is a day off; if it is so, ask the methodological centre."}},
    {Code::held_too_early,
     {"{date} жоспарланған {planned} күнінен 30 күннен астам бұрын; солай болса, әдістемелік орталыққа хабарласыңыз.",
      "{date} более чем на 30 дней раньше запланированной даты {planned}; если это так, обратитесь в методический центр.",
      "{date} is more than 30 days before the planned {planned}; if it is so, ask the methodological centre."}},
    {Code::not_held,
     {"Іс-шара: {state}; есептен бұрын оның өткенін растаңыз.",
      "Мероприятие: {state}; до отчёта подтвердите его проведение.",
      "The event is {state}, not held: confirm it was held before its report."}},
    {Code::report_future,
     {"Есеп күні {date} әлі келген жоқ (бүгін {today}).", "Дата отчёта {date} ещё не наступила (сегодня {today}).",
      "The report date {date} is in the future (today is {today})."}},
    {Code::report_before_held,
     {"Есеп күні {date} іс-шара өткенге дейін ({held}).", "Дата отчёта {date} раньше проведения мероприятия ({held}).",
      "The report date {date} is before the event was held ({held})."}},
    {Code::reason_missing, {"Себебін жазыңыз.", "Укажите причину.", "Give the reason."}},
    {Code::not_planned,
     {"Іс-шара: {state}; тек жоспарланған іс-шараны ауыстыруға немесе болдырмауға болады.",
      "Мероприятие: {state}; перенести или отменить можно только запланированное мероприятие.",
      "The event is {state}; only a planned event can be postponed or cancelled."}},
    {Code::after_midnight,
     {"{time}-де басталса, іс-шара түн ортасынан кейін аяқталады.",
      "Начавшись в {time}, мероприятие закончится после полуночи.",
      "Starting at {time}, the event would end after midnight."}},
    {Code::date_past,
     {"{date} {time} өтіп кетті (бүгін {today}).", "{date} {time} уже прошло (сегодня {today}).",
      "{date} {time} is in the past (today is {today})."}},
    {Code::outside_period,
     {"{date} жоспар кезеңінен тыс ({from} – {to}).", "{date} вне периода плана ({from} – {to}).",
      "{date} is outside the plan's period ({from} – {to})."}},
    {Code::day_off,
     {"{date} — демалыс күні ({holiday}); ең жақын жұмыс күндері: {nearest}.",
      "{date} — выходной день ({holiday}); ближайшие рабочие дни: {nearest}.",
      "{date} is a day off ({holiday}); the nearest working days: {nearest}."}},
};

// The free-text field a refusal names, capitalised as it opens the sentence.
const std::pair<std::string_view, Term> kFields[] = {
    {"note", {"Ескертпе", "Примечание", "The note"}},
    {"reason", {"Себеп", "Причина", "The reason"}},
    {"ref", {"Есептің нөмірі", "Номер отчёта", "The report reference"}},
};

const Term kPostponedFrom{"ауыстырылды, бұрынғы күні {date}", "перенесено с {date}", "postponed from {date}"};

const std::pair<std::string_view, Term> kStates[] = {
    {"planned", {"жоспарланған, {date}", "запланировано на {date}", "planned for {date}"}},
    {"held", {"өтті, {date}", "проведено {date}", "held on {date}"}},
    {"reported", {"есеп тапсырылды, {date}", "отчёт сдан {date}", "reported on {date}"}},
    {"cancelled", {"болдырылмады", "отменено", "cancelled"}},
};

std::string word(const Refusal& r, const std::string& key) {
    auto it = r.words.find(key);
    return it == r.words.end() ? std::string() : it->second;
}

}  // namespace

std::string state_text(std::string_view locale, std::string_view state, Date date) {
    for (const auto& [name, words] : kStates)
        if (name == state) {
            std::string text(words.in(locale));
            fill_in(text, "date", format_dotted(date));
            return text;
        }
    return std::string(state);
}

std::string weekday_short(std::string_view locale, Date day) {
    return std::string(weekday_short_term(date::weekday{day}.c_encoding()).in(locale));
}

std::string stored_text(std::string_view locale, const StoredEvent& e) {
    std::string text;
    if (e.state != EventState::planned) {
        text = state_text(locale, e);
        if (e.state == EventState::cancelled && !e.cancel_reason.empty()) text += ": " + e.cancel_reason;
    }
    if (e.postponed_from) {
        std::string moved(kPostponedFrom.in(locale));
        fill_in(moved, "date", format_dotted(*e.postponed_from));
        text += (text.empty() ? "" : "; ") + moved;
    }
    return text;
}

Date state_day(const StoredEvent& e) {
    if (e.state == EventState::held) return e.held_date.value_or(e.event.date);
    if (e.state == EventState::reported) return e.reported_date.value_or(e.event.date);
    return e.event.date;
}

std::string state_text(std::string_view locale, const StoredEvent& event) {
    return state_text(locale, state_name(event.state), state_day(event));
}

std::string explain(std::string_view locale, const Refusal& r) {
    const Term* words = nullptr;
    for (const auto& [code, w] : kRefusals)
        if (code == r.code) words = &w;
    if (!words) return r.text;
    std::string text(words->in(locale));
    for (const auto& [key, day] : r.dates) fill_in(text, key, format_dotted(day));
    for (const auto& [name, field] : kFields)
        if (word(r, "what") == name) fill_in(text, "what", std::string(field.in(locale)));
    if (auto state = r.words.find("state"); state != r.words.end()) {
        auto day = r.dates.find("date");
        fill_in(text, "state", state_text(locale, state->second, day == r.dates.end() ? Date{} : day->second));
    }
    if (r.code == Code::cancelled) {
        const std::string reason = word(r, "reason");
        fill_in(text, "reason", reason.empty() ? "" : " (" + reason + ")");
    }
    if (r.code == Code::day_off) {
        std::string holiday = word(r, "holiday." + std::string(locale == "ru" || locale == "en" ? locale : "kk"));
        if (holiday.empty()) holiday = weekday_term(date::weekday{r.dates.at("date")}.c_encoding()).in(locale);
        fill_in(text, "holiday", holiday);
        std::string nearest;
        for (const char* key : {"before", "after"})
            if (auto it = r.dates.find(key); it != r.dates.end())
                nearest += (nearest.empty() ? "" : ", ") + format_dotted(it->second);
        fill_in(text, "nearest", nearest);
    }
    for (const auto& [key, value] : r.words) fill_in(text, key, value);
    return text;
}

}  // namespace tarat
