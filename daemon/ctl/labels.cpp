#include "ctl/labels.hpp"

#include "core/text.hpp"

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
        {"ON DATE", {"ӨЗ КҮНІНДЕ", "В СВОЙ ДЕНЬ"}},
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
        {"Events", {"Іс-шаралар", "Мероприятия"}},
        {"Last reload", {"Баптауларды соңғы қайта оқу", "Последнее перечитывание настроек"}},
        {"taken", {"қабылданды", "принято"}},
        {"refused", {"қабылданбады", "отклонено"}},
        {"no reload since start", {"іске қосылғаннан бері болған жоқ", "с момента запуска не было"}},
        {"Next events from", {"Алдағы іс-шаралар, басталуы", "Ближайшие мероприятия с"}},
        {"… and {} more centres: taratctl compliance --by centre",
         {"… тағы {} орталық: taratctl compliance --by centre", "… и ещё центров: {}; taratctl compliance --by centre"}},
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
        {"Revision", {"Нұсқасы", "Версия"}},
        {"Held on", {"Өткізілген күні", "Дата проведения"}},
        {"Participants", {"Қатысушылар", "Участники"}},
        {"Confirmed by", {"Растаған", "Подтвердил(а)"}},
        {"Reported on", {"Есеп тапсырылған күні", "Дата представления отчёта"}},
        {"Report reference", {"Есептің нөмірі", "Номер отчёта"}},
        {"Report due", {"Есеп мерзімі", "Срок отчёта"}},
        {"Postponed from", {"Кейінге қалдырылды, бұрынғы күні", "Перенесено с"}},
        {"Cancel reason", {"Күшін жою себебі", "Причина отмены"}},
        {"History", {"Тарих", "История"}},
        {"Notices", {"Хабарламалар", "Уведомления"}},
        {"Changes", {"Өзгерістер", "Изменения"}},
        {"Postponed against the plan: the postponed date stays",
         {"Жоспарға қайшы кейінге қалдырылғандар: қалдырылған күні сақталады",
          "Перенесены вопреки плану: сохраняется дата переноса"}},
        {"the plan says {}", {"жоспарда: {}", "по плану: {}"}},
        {"stays on {}", {"қалатын күні: {}", "остаётся: {}"}},
        {"postponed by {}", {"кейінге қалдырған: {}", "перенёс: {}"}},
        {"to take the plan's date: {}", {"жоспардағы күнді қабылдау үшін: {}", "чтобы принять дату плана: {}"}},
        {"the plan's date has gone by", {"жоспардағы күні өтіп кетті", "дата по плану уже прошла"}},
        {"Removed, no longer in the plan", {"Алынып тасталды, жоспарда енді жоқ", "Удалены, в плане их больше нет"}},
        {"Kept, no longer in the plan", {"Сақталды, жоспарда енді жоқ", "Сохранены, в плане их больше нет"}},
        {"Would add", {"Қосылар еді", "Будут добавлены"}},
        {"dry run: {} changes in all; nothing changed",
         {"сынақ: барлығы {} өзгеріс болар еді; ештеңе өзгерген жоқ", "пробный прогон: всего изменений — {}; ничего не изменено"}},
        {"a new event in the plan", {"жоспардағы жаңа іс-шара", "новое мероприятие в плане"}},
        {"back in the plan", {"жоспарға қайта енді", "снова в плане"}},
        {"placed by rule {}", {"{} ережесі бойынша орналастырылды", "размещено по правилу {}"}},
        {"rule {} places it there now", {"{} ережесі енді осы күнге қояды", "правило {} теперь ставит его сюда"}},
        {"the plan's date or time changed", {"жоспардағы күні немесе уақыты өзгерді", "в плане изменилась дата или время"}},
        {"no longer in the plan", {"жоспарда енді жоқ", "в плане больше нет"}},
        {"no longer in the plan, kept: pinned (people were told this date)",
         {"жоспарда енді жоқ, сақталды: бекітілген (адамдарға бұл күн хабарланған)",
          "в плане больше нет, сохранено: закреплено (людям сообщили эту дату)"}},
        {"no longer in the plan, kept: {}", {"жоспарда енді жоқ, сақталды: {}", "в плане больше нет, сохранено: {}"}},
        {"postponed by {}: the postponed date stays",
         {"кейінге қалдырған: {}; қалдырылған күні сақталады", "перенёс: {}; дата переноса сохраняется"}},
        {"pinned (people were told this date): it stays",
         {"бекітілген (адамдарға бұл күн хабарланған): өзгермейді", "закреплено (людям сообщили эту дату): остаётся"}},
        {"Would remove", {"Алынып тасталар еді", "Будут удалены"}},
        {"Would move", {"Ауыстырылар еді", "Будут перенесены"}},
        {"In conflict, would stay as they are", {"Қайшылықта, өзгеріссіз қалар еді", "В конфликте, останутся как есть"}},
        {"pinned", {"бекітілген", "закреплено"}},
        {"… and {} more (taratctl history)", {"… және тағы {} (taratctl history)", "… и ещё {} (taratctl history)"}},
        {"… and more: --after {} for the next page, or --all",
         {"… тағы бар: келесі бет үшін --after {}, немесе бәрі үшін --all",
          "… есть ещё: следующая страница — --after {}, всё сразу — --all"}},
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
        {"Events per district by month", {"Аудандардың іс-шаралары, айлар бойынша", "Мероприятия районов по месяцам"}},
        {"Reports on time per district", {"Уақтылы берілген есептер, аудандар бойынша", "Отчёты в срок по районам"}},
        {"Planned", {"Жоспарда", "По плану"}},
        {"Held", {"Өткізілгені", "Проведено"}},
        {"Cancelled", {"Күші жойылғаны", "Отменено"}},
        {"On the planned date", {"Өз күнінде", "В плановый день"}},
        {"On-time rate", {"Уақтылы есеп үлесі", "Доля отчётов в срок"}},
        {"Total", {"Барлығы", "Всего"}},
        {"Section", {"Бөлім", "Раздел"}},
        {"Name", {"Атауы", "Название"}},
        {"Event", {"Іс-шара", "Мероприятие"}},
        {"Due", {"Мерзімі", "Срок"}},
        {"Days late", {"Кешігу, күн", "Просрочка, дней"}},
        {"Status", {"Күйі", "Состояние"}},
        {"no reports due yet", {"есеп мерзімдері әлі келмеген", "сроки отчётов ещё не наступили"}},
        {"On-time rate = reports on time / reports due (on time + late + missing).",
         {"Уақтылы есеп үлесі = мерзімінде тапсырылған есептер / мерзімі келген есептер (мерзімінде + кешігіп + "
          "тапсырылмаған).",
          "Доля отчётов в срок = отчёты, представленные в срок / отчёты, срок которых наступил (в срок + с "
          "опозданием + не представленные)."}},
        {"the planned day has passed and nobody has confirmed that the event took place.",
         {"жоспарланған күн өтті, бірақ іс-шараның өткізілгенін ешкім растамады.",
          "плановый день прошёл, а проведение мероприятия никто не подтвердил."}},
        {"Days late: calendar days past the due date, as of the report's date.",
         {"Кешігу: мерзімнен кейін өткен күнтізбелік күндер, есеп жасалған күн бойынша.",
          "Просрочка: календарные дни после срока, на дату отчёта."}},
        {"Prepared by taratd.", {"taratd жүйесі дайындады.", "Подготовлено системой taratd."}},
        {"Prepared by", {"Дайындаған", "Подготовил(а)"}},
    };
    return table;
}

std::optional<Lang> language_of_locale(std::string_view locale) {
    auto end = locale.find_first_of("_.@");
    return parse_lang(locale.substr(0, end));
}

}  // namespace

const char* lang_code(Lang lang) { return lang == Lang::kk ? "kk" : lang == Lang::ru ? "ru" : "en"; }

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

std::string shown_date(const std::string& iso, Lang lang) {
    if (lang == Lang::en || iso.size() != 10) return iso;
    return iso.substr(8, 2) + "." + iso.substr(5, 2) + "." + iso.substr(0, 4);
}

std::string tr(Lang lang, std::string_view english) {
    if (lang == Lang::en) return std::string(english);
    const auto& table = translations();
    auto found = table.find(english);
    if (found == table.end()) return std::string(english);
    return lang == Lang::kk ? found->second.kk : found->second.ru;
}

std::string term_label(Lang lang, Vocabulary vocabulary, std::string_view code) {
    const Term* found = find_term(vocabulary, code);
    return std::string(found ? found->in(lang_code(lang)) : code);
}

std::string count_heading(Lang lang, std::string_view key, std::string_view english) {
    // "held" counts every event held (reported too): the state's word, not the outcome's.
    const Term* found = key == "held" ? &term(EventState::held) : find_term(Vocabulary::outcome, key);
    return found ? capitalized(found->in(lang_code(lang))) : tr(lang, english);
}

std::string tr_format(Lang lang, std::string_view english, const std::string& value) {
    std::string text = tr(lang, english);
    if (auto at = text.find("{}"); at != std::string::npos) text.replace(at, 2, value);
    return text;
}

}  // namespace tarat
