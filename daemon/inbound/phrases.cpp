#include "inbound/phrases.hpp"

#include "core/terms.hpp"

#include <array>

namespace tarat::inbound {

namespace {

struct Words {
    Phrase phrase;
    Term words;  // written flat in the table below: {Phrase::x, "kk", "ru", "en"}
};

const Words kWords[] = {
    {Phrase::not_registered,
     "Кешіріңіз, бұл чат тіркелмеген. Әдістемелік орталыққа хабарласыңыз.\n"
     "Извините, этот чат не зарегистрирован. Обратитесь в методический центр.",
     "Извините, этот чат не зарегистрирован. Обратитесь в методический центр.\n"
     "Кешіріңіз, бұл чат тіркелмеген. Әдістемелік орталыққа хабарласыңыз.",
     "Sorry, this chat is not registered. Please ask the methodological centre."},
    {Phrase::bad_code,
     "Бұл код жарамсыз немесе мерзімі өтіп кеткен. Әдістемелік орталықтан жаңа код сұраңыз.",
     "Этот код недействителен или уже использован. Попросите новый код в методическом центре.",
     "This code is not valid, or has been used. Please ask the methodological centre for a new one."},
    {Phrase::linked, "{name}, бұл чат сізге тіркелді. Хабарламалар енді осында келеді.",
     "{name}, этот чат привязан к вам. Уведомления теперь будут приходить сюда.",
     "{name}, this chat is now linked to you. Notices will come here."},
    {Phrase::upcoming, "Алдағы іс-шаралар:", "Ближайшие мероприятия:", "Your next events:"},
    {Phrase::none_upcoming, "Алдағы іс-шаралар жоқ.", "Ближайших мероприятий нет.", "No events ahead."},
    {Phrase::overdue, "Мерзімі өткен:", "Просрочено:", "Overdue:"},
    {Phrase::help,
     "Хабарламалардағы батырмалармен іс-шараның өткенін, есептің тапсырылғанын растай аласыз немесе оны "
     "ауыстыра аласыз.\n/status — алдағы және мерзімі өткен іс-шаралар\n/lang kk|ru|en — тіл\n/help — осы анықтама",
     "Кнопками в уведомлениях можно подтвердить проведение мероприятия, сдачу отчёта или перенести его.\n"
     "/status — ближайшие и просроченные мероприятия\n/lang kk|ru|en — язык\n/help — эта справка",
     "With the buttons on the notices you confirm that an event was held, that its report was submitted, or "
     "postpone it.\n/status — your next and overdue events\n/lang kk|ru|en — language\n/help — this help"},
    {Phrase::lang_set, "Тіл: қазақша.", "Язык: русский.", "Language: English."},
    {Phrase::lang_usage, "Тілді таңдаңыз: /lang kk, /lang ru немесе /lang en.",
     "Выберите язык: /lang kk, /lang ru или /lang en.", "Choose a language: /lang kk, /lang ru or /lang en."},
    {Phrase::unknown_text, "Түсінбедім. /help — анықтама.", "Не понял. /help — справка.",
     "I did not understand that. /help shows what I can do."},
    {Phrase::out_of_date, "Бұл хабарлама ескірген: іс-шара содан бері өзгерді.",
     "Это уведомление устарело: мероприятие с тех пор изменилось.",
     "This notice is out of date: the event has changed since."},
    {Phrase::not_allowed, "Сіз бұл іс-шара бойынша белгі қоя алмайсыз.",
     "Вы не можете отмечать это мероприятие.", "You may not act on this event."},
    {Phrase::ask_participants, "«{title}»: неше адам қатысты? Санын жазыңыз немесе «Өткізу» батырмасын басыңыз.",
     "«{title}»: сколько было участников? Напишите число или нажмите «Пропустить».",
     "“{title}”: how many took part? Send a number, or press Skip."},
    {Phrase::ask_reference, "«{title}»: есептің нөмірін немесе сілтемесін жазыңыз (міндетті емес).",
     "«{title}»: напишите номер или ссылку отчёта (необязательно).",
     "“{title}”: send the report's number or link (optional)."},
    {Phrase::ask_date, "«{title}»: жаңа күнді КК.АА.ЖЖЖЖ түрінде жазыңыз.",
     "«{title}»: напишите новую дату в виде ДД.ММ.ГГГГ.", "“{title}”: send the new date as DD.MM.YYYY."},
    {Phrase::ask_reason, "«{title}»: себебін жазыңыз.", "«{title}»: напишите причину.", "“{title}”: what is the reason?"},
    {Phrase::skip, "Өткізу", "Пропустить", "Skip"},
    {Phrase::not_a_number, "Санды жазыңыз (мысалы, 25) немесе «Өткізу» батырмасын басыңыз.",
     "Напишите число (например, 25) или нажмите «Пропустить».", "Send a number (such as 25), or press Skip."},
    {Phrase::not_a_date, "Күнді КК.АА.ЖЖЖЖ түрінде жазыңыз, мысалы 23.12.2026.",
     "Напишите дату в виде ДД.ММ.ГГГГ, например 23.12.2026.", "Send the date as DD.MM.YYYY, such as 23.12.2026."},
    {Phrase::day_off, "{date} — демалыс күні. Жақын жұмыс күндері:", "{date} — выходной день. Ближайшие рабочие дни:",
     "{date} is a day off. The nearest working days:"},
    {Phrase::outside_period, "{date} жоспар кезеңінен тыс ({from} – {to}). Жақын жұмыс күндері:",
     "{date} вне периода плана ({from} – {to}). Ближайшие рабочие дни:",
     "{date} is outside the plan's period ({from} – {to}). The nearest working days:"},
    {Phrase::done_held, "✅ Өтті: «{title}», {date}{participants}", "✅ Проведено: «{title}», {date}{participants}",
     "✅ Held: “{title}”, {date}{participants}"},
    {Phrase::done_reported, "✅ Есеп тапсырылды: «{title}»{ref}", "✅ Отчёт сдан: «{title}»{ref}",
     "✅ Report submitted: “{title}”{ref}"},
    {Phrase::done_postponed, "📅 Ауыстырылды: «{title}», {from} → {date}", "📅 Перенесено: «{title}», {from} → {date}",
     "📅 Postponed: “{title}”, {from} → {date}"},
    {Phrase::done_not_held, "❌ Өтпеді: «{title}» ({reason})", "❌ Не проведено: «{title}» ({reason})",
     "❌ Not held: “{title}” ({reason})"},
    {Phrase::by, "— {name}, {date}", "— {name}, {date}", "— {name}, {date}"},
    {Phrase::refused, "Жазылмады:", "Не записано:", "Not recorded:"},
    {Phrase::button_held, "Өтті", "Проведено", "Held"},
    {Phrase::button_not_held, "Өтпеді", "Не проведено", "Not held"},
    {Phrase::button_postponed, "Ауыстырылды", "Перенесено", "Postponed"},
    {Phrase::button_reported, "Есеп тапсырылды", "Отчёт сдан", "Report submitted"},
    {Phrase::button_postpone, "Ауыстыру", "Перенести", "Postpone"},
};

}  // namespace

std::string_view say(std::string_view locale, Phrase phrase) {
    for (const auto& w : kWords)
        if (w.phrase == phrase) return w.words.in(locale);
    return "";
}

}  // namespace tarat::inbound
