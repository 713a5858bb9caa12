#include "ctl/labels.hpp"

#include <map>

namespace tarat {
namespace {

struct Translation {
    const char* kk;
    const char* ru;
};

// English key → Kazakh, Russian.
const std::map<std::string_view, Translation>& translations() {
    static const std::map<std::string_view, Translation> table{
        // Table headings.
        {"DATE", {"КҮНІ", "ДАТА"}},
        {"START", {"БАСТАЛУЫ", "НАЧАЛО"}},
        {"END", {"АЯҚТАЛУЫ", "КОНЕЦ"}},
        {"CENTRE", {"ОРТАЛЫҚ", "ЦЕНТР"}},
        {"DISTRICT", {"АУДАН", "РАЙОН"}},
        {"FORM", {"ТҮРІ", "ФОРМА"}},
        {"STATE", {"КҮЙІ", "СОСТОЯНИЕ"}},
        {"ID", {"ID", "ID"}},
        {"TITLE", {"АТАУЫ", "НАЗВАНИЕ"}},
        {"NAME", {"АТАУЫ", "НАЗВАНИЕ"}},
        {"EVENTS", {"ІС-ШАРАЛАР", "МЕРОПРИЯТИЯ"}},
        {"EVENT", {"ІС-ШАРА", "МЕРОПРИЯТИЕ"}},
        {"DUE", {"МЕРЗІМІ", "СРОК"}},
        {"KIND", {"ТҮРІ", "ВИД"}},
        {"RECIPIENT", {"АЛУШЫ", "ПОЛУЧАТЕЛЬ"}},
        {"CHANNEL", {"АРНА", "КАНАЛ"}},
        {"ATTEMPTS", {"ӘРЕКЕТ", "ПОПЫТКИ"}},
        {"ERROR", {"ҚАТЕ", "ОШИБКА"}},
        {"RESULT", {"НӘТИЖЕ", "РЕЗУЛЬТАТ"}},
        {"KEY", {"КІЛТ", "КЛЮЧ"}},
        {"PLANNED", {"ЖОСПАРДА", "ПО ПЛАНУ"}},
        {"HELD", {"ӨТТІ", "ПРОВЕДЕНО"}},
        {"ON DATE", {"ӨЗ КҮНІНДЕ", "В СВОЙ ДЕНЬ"}},
        {"NOT HELD", {"ӨТПЕДІ", "НЕ ПРОВЕДЕНО"}},
        {"POSTPONED", {"ШЕГЕРІЛДІ", "ПЕРЕНЕСЕНО"}},
        {"CANCELLED", {"БОЛДЫРЫЛМАДЫ", "ОТМЕНЕНО"}},
        {"ON TIME", {"ЕСЕП УАҚЫТЫНДА", "ОТЧЁТ В СРОК"}},
        {"LATE", {"ЕСЕП КЕШІККЕН", "ОТЧЁТ С ОПОЗДАНИЕМ"}},
        {"MISSING", {"ЕСЕП ЖОҚ", "НЕТ ОТЧЁТА"}},
        {"PARTICIPANTS", {"ҚАТЫСУШЫЛАР", "УЧАСТНИКИ"}},
        {"TOTAL", {"БАРЛЫҒЫ", "ВСЕГО"}},
        {"WEEKDAY", {"АПТА КҮНІ", "ДЕНЬ НЕДЕЛИ"}},
        {"DAY OFF", {"ДЕМАЛЫС", "ВЫХОДНОЙ"}},
        {"STATUS", {"МӘРТЕБЕСІ", "СТАТУС"}},
        {"AT", {"УАҚЫТЫ", "ВРЕМЯ"}},
        {"ACTOR", {"КІМ", "КТО"}},
        {"ACTION", {"ӘРЕКЕТ", "ДЕЙСТВИЕ"}},
        {"SUBJECT", {"НЫСАН", "ОБЪЕКТ"}},
        {"DETAIL", {"ТОЛЫҒЫРАҚ", "ПОДРОБНОСТИ"}},
        {"COMMAND", {"КОМАНДА", "КОМАНДА"}},
        {"PERMISSION", {"ҚҰҚЫҚ", "ПРАВО"}},
        {"HELP", {"СИПАТТАМА", "ОПИСАНИЕ"}},
        // Lines and labels.
        {"Plan", {"Жоспар", "План"}},
        {"Period", {"Кезең", "Период"}},
        {"overseer", {"бақылаушы", "контроль"}},
        {"coordinator", {"үйлестіруші", "координатор"}},
        {"Next events from", {"Алдағы іс-шаралар, басталуы", "Ближайшие мероприятия с"}},
        {"none", {"жоқ", "нет"}},
        {"yes", {"иә", "да"}},
        {"no", {"жоқ", "нет"}},
        {"Title", {"Атауы", "Название"}},
        {"Centre", {"Орталық", "Центр"}},
        {"District", {"Аудан", "Район"}},
        {"Form", {"Түрі", "Форма"}},
        {"Date", {"Күні", "Дата"}},
        {"Time", {"Уақыты", "Время"}},
        {"State", {"Күйі", "Состояние"}},
        {"Audience", {"Қатысушылар тобы", "Аудитория"}},
        {"Responsible", {"Жауапты", "Ответственный"}},
        {"Pinned", {"Бекітілген", "Закреплено"}},
        {"Held on", {"Өткен күні", "Проведено"}},
        {"Participants", {"Қатысушылар", "Участники"}},
        {"Reported on", {"Есеп берілген күні", "Отчёт сдан"}},
        {"Report reference", {"Есептің нөмірі", "Номер отчёта"}},
        {"Report due", {"Есеп мерзімі", "Срок отчёта"}},
        {"Postponed from", {"Ауыстырылды, бұрынғы күні", "Перенесено с"}},
        {"Cancel reason", {"Болдырмау себебі", "Причина отмены"}},
        {"History", {"Тарих", "История"}},
        {"Notices", {"Хабарламалар", "Уведомления"}},
        {"Changes", {"Өзгерістер", "Изменения"}},
        {"… and {} more (taratctl history)", {"… және тағы {} (taratctl history)", "… и ещё {} (taratctl history)"}},
        {"computed from the law", {"заң бойынша есептелген", "рассчитано по закону"}},
        // The compliance report (taratctl compliance --format html|csv|md).
        {"Report on the execution of the plan of events",
         {"Іс-шаралар жоспарының орындалуы туралы есеп", "Отчёт об исполнении плана мероприятий"}},
        {"as of {}", {"{} жағдай бойынша", "по состоянию на {}"}},
        {"Indicator", {"Көрсеткіш", "Показатель"}},
        {"By centre", {"Орталықтар бойынша", "По центрам"}},
        {"By district", {"Аудандар бойынша", "По районам"}},
        {"By form", {"Іс-шара түрлері бойынша", "По формам мероприятий"}},
        {"Overdue", {"Мерзімі өткендер", "Просроченное"}},
        {"Nothing is overdue.", {"Мерзімі өткен ештеңе жоқ.", "Просроченного нет."}},
        {"Events per centre by month", {"Орталықтардың іс-шаралары, айлар бойынша", "Мероприятия центров по месяцам"}},
        {"Reports on time per centre", {"Уақтылы берілген есептер, орталықтар бойынша", "Отчёты в срок по центрам"}},
        {"Planned", {"Жоспарда", "По плану"}},
        {"Held", {"Өтті", "Проведено"}},
        {"On the planned date", {"Өз күнінде", "В плановый день"}},
        {"Postponed", {"Шегерілді", "Перенесено"}},
        {"Cancelled", {"Болдырылмады", "Отменено"}},
        {"Not held", {"Өтпеді", "Не проведено"}},
        {"Report on time", {"Есеп уақытында", "Отчёт в срок"}},
        {"Report late", {"Есеп кешікті", "Отчёт с опозданием"}},
        {"Report missing", {"Есеп жоқ", "Нет отчёта"}},
        {"Report not yet due", {"Есеп мерзімі келмеген", "Срок отчёта не наступил"}},
        {"On-time rate", {"Уақтылы есеп үлесі", "Доля отчётов в срок"}},
        {"Total", {"Барлығы", "Всего"}},
        {"Section", {"Бөлім", "Раздел"}},
        {"Name", {"Атауы", "Название"}},
        {"Event", {"Іс-шара", "Мероприятие"}},
        {"Due", {"Мерзімі", "Срок"}},
        {"Days late", {"Кешігу, күн", "Просрочка, дней"}},
        {"Status", {"Күйі", "Состояние"}},
        {"not confirmed held", {"өткені расталмаған", "проведение не подтверждено"}},
        {"report not received", {"есеп берілмеген", "отчёт не сдан"}},
        {"upcoming", {"алда", "предстоит"}},
        {"held, report not yet due", {"өтті, есеп мерзімі келмеген", "проведено, срок отчёта не наступил"}},
        {"report on time", {"есеп уақытында", "отчёт в срок"}},
        {"report late", {"есеп кешікті", "отчёт с опозданием"}},
        {"report missing", {"есеп жоқ", "нет отчёта"}},
        {"no reports due yet", {"есеп мерзімдері әлі келмеген", "сроки отчётов ещё не наступили"}},
        {"On-time rate = reports on time / reports due (on time + late + missing).",
         {"Уақтылы есеп үлесі = уақытында берілген есептер / мерзімі келген есептер (уақытында + кешіккен + "
          "берілмеген).",
          "Доля отчётов в срок = отчёты, сданные в срок / отчёты, срок которых наступил (в срок + с опозданием + "
          "не сданные)."}},
        {"Not held: the planned day has passed and nobody has confirmed that the event took place.",
         {"Өтпеді: жоспарланған күн өтті, бірақ іс-шараның өткені әлі расталмаған.",
          "Не проведено: плановый день прошёл, а проведение мероприятия никто не подтвердил."}},
        {"Days late: calendar days past the due date, as of the report's date.",
         {"Кешігу: мерзімнен кейін өткен күнтізбелік күндер, есеп жасалған күн бойынша.",
          "Просрочка: календарные дни после срока, на дату отчёта."}},
        {"Prepared by taratd.", {"taratd жүйесі дайындады.", "Подготовлено системой taratd."}},
        {"January", {"Қаңтар", "Январь"}},
        {"February", {"Ақпан", "Февраль"}},
        {"March", {"Наурыз", "Март"}},
        {"April", {"Сәуір", "Апрель"}},
        {"May", {"Мамыр", "Май"}},
        {"June", {"Маусым", "Июнь"}},
        {"July", {"Шілде", "Июль"}},
        {"August", {"Тамыз", "Август"}},
        {"September", {"Қыркүйек", "Сентябрь"}},
        {"October", {"Қазан", "Октябрь"}},
        {"November", {"Қараша", "Ноябрь"}},
        {"December", {"Желтоқсан", "Декабрь"}},
        // States.
        {"planned", {"жоспарланған", "запланировано"}},
        {"held", {"өтті", "проведено"}},
        {"reported", {"есеп берілді", "отчёт сдан"}},
        {"cancelled", {"болдырылмады", "отменено"}},
        {"pending", {"күтуде", "ожидает"}},
        {"failed", {"қате, қайталанады", "ошибка, повтор"}},
        {"sent", {"жіберілді", "отправлено"}},
        {"dead", {"жеткізілмеді", "не доставлено"}},
        {"superseded", {"ескірді", "заменено"}},
        {"expired", {"мерзімі өтті", "просрочено"}},
    };
    return table;
}

std::optional<Lang> language_of_locale(std::string_view locale) {
    auto end = locale.find_first_of("_.@");
    return parse_lang(locale.substr(0, end));
}

}  // namespace

std::optional<Lang> parse_lang(std::string_view name) {
    if (name == "kk") return Lang::kk;
    if (name == "ru") return Lang::ru;
    if (name == "en") return Lang::en;
    return std::nullopt;
}

Lang pick_language(std::string_view flag, const char* lc_all, const char* lc_messages, const char* lang) {
    if (auto chosen = parse_lang(flag)) return *chosen;
    for (const char* locale : {lc_all, lc_messages, lang})
        if (locale && *locale) return language_of_locale(locale).value_or(Lang::en);
    return Lang::en;
}

std::string tr(Lang lang, std::string_view english) {
    if (lang == Lang::en) return std::string(english);
    const auto& table = translations();
    auto found = table.find(english);
    if (found == table.end()) return std::string(english);
    return lang == Lang::kk ? found->second.kk : found->second.ru;
}

std::string tr_format(Lang lang, std::string_view english, const std::string& value) {
    std::string text = tr(lang, english);
    if (auto at = text.find("{}"); at != std::string::npos) text.replace(at, 2, value);
    return text;
}

}  // namespace tarat
