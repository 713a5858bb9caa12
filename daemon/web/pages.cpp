#include "web/pages.hpp"

#include "core/terms.hpp"
#include "templates/templates.hpp"

#include <map>

namespace tarat::web {

namespace {

using Json = nlohmann::json;

struct Word {
    const char* key;
    Term words;  // written flat in the table below: {"key", "kk", "ru", "en"}
};

// The pages' words. Codes (event states, outcomes) come from core/terms instead.
constexpr Word kWords[] = {
    {"tarat", "Іс-шаралар жоспарының орындалуы", "Исполнение плана мероприятий", "Execution of the plan of events"},
    {"form", "Түрі", "Форма", "Form"},
    {"date", "Күні", "Дата", "Date"},
    {"time", "Уақыты", "Время", "Time"},
    {"centre", "Орталық", "Центр", "Centre"},
    {"centres", "Орталықтар", "Центры", "Centres"},
    {"district", "Аудан", "Район", "District"},
    {"districts", "Аудандар", "Районы", "Districts"},
    {"responsible", "Жауапты", "Ответственный", "Responsible"},
    {"state", "Күйі", "Состояние", "State"},
    {"held_on", "Өткізілген күні", "Дата проведения", "Held on"},
    {"participants", "Қатысушылар саны", "Число участников", "Participants"},
    {"reported_on", "Есеп тапсырылған күні", "Дата отчёта", "Report submitted on"},
    {"report_ref", "Есептің нөмірі", "Номер отчёта", "Report reference"},
    {"report_file", "Есеп файлы", "Файл отчёта", "Report file"},
    {"files", "Есеп файлдары", "Файлы отчёта", "Report files"},
    {"note", "Ескерту", "Примечание", "Note"},
    {"reason", "Себебі", "Причина", "Reason"},
    {"new_date", "Жаңа күні (жұмыс күні)", "Новая дата (рабочий день)", "New date (a working day)"},
    {"record_held", "Іс-шара өткізілді", "Мероприятие проведено", "The event was held"},
    {"record_reported", "Есеп тапсырылды", "Отчёт сдан", "The report was submitted"},
    {"record_postpone", "Іс-шараны ауыстыру", "Перенести мероприятие", "Postpone the event"},
    {"save", "Сақтау", "Сохранить", "Save"},
    {"file_hint", "PDF, DOCX, ODT, JPEG немесе PNG, 20 МБ-тан аспайды", "PDF, DOCX, ODT, JPEG или PNG, не более 20 МБ",
     "PDF, DOCX, ODT, JPEG or PNG, at most 20 MB"},
    {"history", "Тарихы", "История", "History"},
    {"notices", "Хабарламалар", "Уведомления", "Notices"},
    {"who", "Кім", "Кто", "Who"},
    {"what", "Не", "Что", "What"},
    {"to_whom", "Кімге", "Кому", "To"},
    {"channel", "Арна", "Канал", "Channel"},
    {"recorded", "Сақталды.", "Сохранено.", "Saved."},
    {"not_recorded", "Сақталмады:", "Не сохранено:", "Not saved:"},
    {"denied_title", "Сілтеме жарамсыз", "Ссылка недействительна", "This link is not valid"},
    {"denied_text",
     "Сілтеме өзгертілген, мерзімі өткен немесе басқа адамға арналған. Жаңа сілтеме келесі хабарламамен келеді; "
     "қазір керек болса, жүйеге кіру бетінде электрондық поштаңызды жазыңыз немесе үйлестірушіге хабарласыңыз.",
     "Ссылка изменена, устарела или предназначена другому человеку. Новая ссылка придёт со следующим уведомлением; "
     "если она нужна сейчас, укажите свою электронную почту на странице входа или обратитесь к координатору.",
     "The link was altered, has expired or is meant for someone else. A new link comes with the next notice; if you "
     "need one now, enter your e-mail address on the sign-in page or ask the coordinator."},
    {"coordinator", "Үйлестіруші", "Координатор", "Coordinator"},
    {"sign_in", "Кіру", "Войти", "Sign in"},
    {"sign_out", "Шығу", "Выйти", "Sign out"},
    {"sign_in_title", "Жүйеге кіру", "Вход", "Sign in"},
    {"email", "Электрондық пошта", "Электронная почта", "E-mail address"},
    {"send_link", "Кіру сілтемесін жіберу", "Прислать ссылку для входа", "Send me a sign-in link"},
    {"link_sent", "Бұл мекенжай жоспарда болса, оған 15 минутқа жарамды кіру сілтемесі жіберілді.",
     "Если этот адрес есть в плане, на него отправлена ссылка для входа, действующая 15 минут.",
     "If this address is in the plan, a sign-in link valid for 15 minutes was sent to it."},
    {"login_invalid", "Кіру сілтемесі жарамсыз немесе пайдаланылған. Жаңасын сұраңыз.",
     "Ссылка для входа недействительна или уже использована. Запросите новую.",
     "This sign-in link is not valid or was already used. Ask for a new one."},
    {"login_confirm", "Жүйеге кіру үшін батырманы басыңыз.", "Нажмите кнопку, чтобы войти.", "Press the button to sign in."},
    {"too_many", "Сұраулар тым көп. Бір минуттан кейін қайталаңыз.", "Слишком много запросов. Повторите через минуту.",
     "Too many requests. Try again in a minute."},
    {"not_found", "Табылмады", "Не найдено", "Not found"},
    {"not_allowed", "Сіз бұл іс-шара бойынша мұны жасай алмайсыз.", "Вам это действие с мероприятием не разрешено.",
     "You may not do this on this event."},
    // A form's refusals; {value} is what was typed.
    {"not_a_date", "«{value}» — күн емес.", "«{value}» — это не дата.", "“{value}” is not a date."},
    {"not_a_number", "«{value}» — сан емес.", "«{value}» — это не число.", "“{value}” is not a number."},
    {"file_too_big", "Есеп файлы 20 МиБ-тан үлкен.", "Файл отчёта больше 20 МиБ.", "The report file is larger than 20 MiB."},
    {"file_kind", "Есеп файлы PDF, DOCX, ODT, JPEG, PNG пішімдерінің ешқайсысы емес.",
     "Файл отчёта не в формате PDF, DOCX, ODT, JPEG или PNG.", "The report file is none of PDF, DOCX, ODT, JPEG, PNG."},
    {"overview", "Шолу", "Обзор", "Overview"},
    {"upcoming", "Алдағы", "Предстоящие", "Upcoming"},
    {"not_confirmed", "Өткізілгені расталмаған", "Проведение не подтверждено", "Not confirmed held"},
    {"reports_missing", "Есебі жоқ", "Нет отчёта", "Reports missing"},
    {"on_time_rate", "Есептер уақытында", "Отчёты в срок", "Reports on time"},
    {"overdue", "Мерзімі өткендер", "Просроченные", "Overdue"},
    {"days_late", "Кешіккен күндер", "Дней просрочки", "Days late"},
    {"told", "Хабарланғандар", "Кому сообщено", "Who was told"},
    {"next_14", "Алдағы 14 күн", "Ближайшие 14 дней", "The next 14 days"},
    {"nothing", "Жоқ.", "Нет.", "None."},
    {"calendar", "Күнтізбе", "Календарь", "Calendar"},
    {"compliance", "Орындалу есебі", "Отчёт об исполнении", "Compliance report"},
    {"download", "Жүктеп алу", "Скачать", "Download"},
    {"events", "Іс-шаралар", "Мероприятия", "Events"},
    {"event", "Іс-шара", "Мероприятие", "Event"},
    {"title", "Тақырыбы", "Тема", "Title"},
    {"previous", "Алдыңғы ай", "Предыдущий месяц", "Previous month"},
    {"next", "Келесі ай", "Следующий месяц", "Next month"},
    {"day_off", "демалыс", "выходной", "day off"},
    {"mon", "Дс", "Пн", "Mon"}, {"tue", "Сс", "Вт", "Tue"}, {"wed", "Ср", "Ср", "Wed"}, {"thu", "Бс", "Чт", "Thu"},
    {"fri", "Жм", "Пт", "Fri"}, {"sat", "Сб", "Сб", "Sat"}, {"sun", "Жс", "Вс", "Sun"},
};

Json make_words(int which) {
    Json out = Json::object();
    for (const auto& w : kWords) out[w.key] = which == 0 ? w.words.kk : which == 1 ? w.words.ru : w.words.en;
    return out;
}

// The layout: the header (who is signed in, the language switch, sign-out), then the page.
constexpr std::string_view kLayout = R"(<!doctype html>
<html lang="{{lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{title}} — tarat</title><link rel="stylesheet" href="/static/tarat.css"></head>
<body><header><a class="brand" href="/">tarat</a> <span class="plan">{{t.tarat}}</span>
<nav class="langs">{{#langs}}<a href="{{href}}" class="{{#current}}current{{/current}}">{{code}}</a> {{/langs}}</nav>
{{#who}}<span class="who">{{who}}</span>
<form method="post" action="/logout" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button>{{t.sign_out}}</button></form>{{/who}}
</header>
<main>
{{{content}}}
</main></body></html>
)";

constexpr std::string_view kEvent = R"(<h1>{{event.title}}</h1>
{{#message}}<p class="ok" role="status">{{message}}</p>{{/message}}
{{#error}}<p class="error" role="alert">{{t.not_recorded}} {{error}}</p>{{/error}}
<dl class="facts">
<dt>{{t.form}}</dt><dd>{{event.form}}</dd>
<dt>{{t.date}}</dt><dd>{{event.date}}, {{event.time}}</dd>
<dt>{{t.centre}}</dt><dd>{{event.centre}}</dd>
<dt>{{t.district}}</dt><dd>{{event.district}}</dd>
<dt>{{t.responsible}}</dt><dd>{{event.responsible}}</dd>
<dt>{{t.state}}</dt><dd><span class="state state-{{event.state_code}}" id="state">{{event.state}}</span></dd>
{{#event.held_date}}<dt>{{t.held_on}}</dt><dd>{{event.held_date}}</dd>{{/event.held_date}}
{{#event.participants}}<dt>{{t.participants}}</dt><dd id="participants">{{event.participants}}</dd>{{/event.participants}}
{{#event.reported_date}}<dt>{{t.reported_on}}</dt><dd>{{event.reported_date}}</dd>{{/event.reported_date}}
{{#event.report_ref}}<dt>{{t.report_ref}}</dt><dd>{{event.report_ref}}</dd>{{/event.report_ref}}
</dl>
{{#has_files}}<h2>{{t.files}}</h2><ul class="files">{{#files}}<li><a href="{{href}}">{{name}}</a> ({{size}})</li>{{/files}}</ul>{{/has_files}}
{{#can_held}}<form method="post" action="{{action}}/held" class="action" id="held">
<h2>{{t.record_held}}</h2><input type="hidden" name="csrf" value="{{csrf}}">
<label>{{t.date}} <input type="date" name="date" value="{{event.date_iso}}" max="{{today_iso}}" required></label>
<label>{{t.participants}} <input type="number" name="participants" min="0" max="100000"></label>
<label>{{t.note}} <textarea name="note" maxlength="1000" rows="2"></textarea></label>
<button>{{t.save}}</button></form>{{/can_held}}
{{#can_report}}<form method="post" action="{{action}}/reported" class="action" id="reported" enctype="multipart/form-data">
<h2>{{t.record_reported}}</h2><input type="hidden" name="csrf" value="{{csrf}}">
<label>{{t.date}} <input type="date" name="date" value="{{today_iso}}" max="{{today_iso}}" required></label>
<label>{{t.report_ref}} <input type="text" name="ref" maxlength="200"></label>
<label>{{t.report_file}} <input type="file" name="report" accept=".pdf,.docx,.odt,.jpg,.jpeg,.png"></label>
<small>{{t.file_hint}}</small>
<button>{{t.save}}</button></form>{{/can_report}}
{{#can_postpone}}<form method="post" action="{{action}}/postpone" class="action" id="postpone">
<h2>{{t.record_postpone}}</h2><input type="hidden" name="csrf" value="{{csrf}}">
<label>{{t.new_date}} <select name="date" required>{{#working_days}}<option value="{{iso}}">{{label}}</option>{{/working_days}}</select></label>
<label>{{t.reason}} <input type="text" name="reason" maxlength="1000" required></label>
<button>{{t.save}}</button></form>{{/can_postpone}}
{{#has_history}}<h2>{{t.history}}</h2><table class="rows"><thead><tr><th>{{t.date}}</th><th>{{t.what}}</th><th>{{t.who}}</th></tr></thead><tbody>
{{#history}}<tr><td>{{at}}</td><td>{{action}}{{#detail}} — {{detail}}{{/detail}}</td><td>{{actor}}</td></tr>{{/history}}
</tbody></table>{{/has_history}}
{{#has_notices}}<h2>{{t.notices}}</h2><table class="rows"><thead><tr><th>{{t.date}}</th><th>{{t.what}}</th><th>{{t.to_whom}}</th><th>{{t.channel}}</th><th>{{t.state}}</th></tr></thead><tbody>
{{#notices}}<tr><td>{{due}}</td><td>{{kind}}</td><td>{{recipient}}</td><td>{{channel}}</td><td>{{state}}</td></tr>{{/notices}}
</tbody></table>{{/has_notices}}
)";

constexpr std::string_view kDenied = R"(<h1>{{t.denied_title}}</h1>
<p>{{t.denied_text}}</p>
{{#coordinator}}<p>{{t.coordinator}}: {{coordinator}}</p>{{/coordinator}}
<p><a href="/login">{{t.sign_in_title}}</a></p>
)";

constexpr std::string_view kMessage = R"(<h1>{{heading}}</h1>
<p>{{text}}</p>
{{#back}}<p><a href="{{back}}">{{back_label}}</a></p>{{/back}}
)";

constexpr std::string_view kLogin = R"(<h1>{{t.sign_in_title}}</h1>
{{#sent}}<p class="ok" role="status">{{t.link_sent}}</p>{{/sent}}
<form method="post" action="/login" class="action">
<input type="hidden" name="csrf" value="{{csrf}}">
<label>{{t.email}} <input type="email" name="email" required maxlength="200"></label>
<button>{{t.send_link}}</button></form>
)";

constexpr std::string_view kLoginConfirm = R"(<h1>{{t.sign_in_title}}</h1>
<p>{{t.login_confirm}}</p>
<form method="post" action="{{action}}" class="action"><input type="hidden" name="csrf" value="{{csrf}}">
<button id="sign-in">{{t.sign_in}}</button></form>
)";

constexpr std::string_view kEventRows = R"(<table class="rows"><thead><tr><th>{{t.date}}</th><th>{{t.event}}</th><th>{{t.centre}}</th><th>{{t.state}}</th></tr></thead><tbody>
{{#rows}}<tr><td>{{date}}</td><td><a href="{{href}}">{{title}}</a><br><small>{{form}}</small></td><td>{{centre}}</td><td><span class="state state-{{state_code}}">{{state}}</span></td></tr>{{/rows}}
</tbody></table>)";

constexpr std::string_view kOverview = R"(<h1>{{heading}}</h1>
<section class="cards">
<div class="card"><span class="figure" id="card-upcoming">{{cards.upcoming}}</span>{{t.upcoming}}</div>
<div class="card"><span class="figure" id="card-not-confirmed">{{cards.not_confirmed}}</span>{{t.not_confirmed}}</div>
<div class="card"><span class="figure" id="card-reports-missing">{{cards.reports_missing}}</span>{{t.reports_missing}}</div>
<div class="card"><span class="figure" id="card-on-time">{{cards.on_time}}</span>{{t.on_time_rate}}</div>
</section>
<nav class="pages">{{#centres}}<a href="{{href}}">{{name}}</a> {{/centres}}| {{#districts}}<a href="{{href}}">{{name}}</a> {{/districts}}|
<a href="/calendar">{{t.calendar}}</a> | <a href="/compliance">{{t.compliance}}</a>
(<a href="/compliance.csv">CSV</a>, <a href="/compliance.html">HTML</a>, <a href="/calendar.ics">ICS</a>)</nav>
<h2>{{t.overdue}}</h2>
{{#has_overdue}}<table class="rows" id="overdue"><thead><tr><th>{{t.event}}</th><th>{{t.date}}</th><th>{{t.state}}</th><th>{{t.days_late}}</th><th>{{t.told}}</th></tr></thead><tbody>
{{#overdue}}<tr><td><a href="{{href}}">{{title}}</a><br><small>{{centre}}</small></td><td>{{date}}</td><td>{{status}}</td><td>{{days_late}}</td><td>{{told}}</td></tr>{{/overdue}}
</tbody></table>{{/has_overdue}}{{^has_overdue}}<p>{{t.nothing}}</p>{{/has_overdue}}
<h2>{{t.next_14}}</h2>
{{#has_next}}{{{next_rows}}}{{/has_next}}{{^has_next}}<p>{{t.nothing}}</p>{{/has_next}}
)";

constexpr std::string_view kEvents = R"(<h1>{{heading}}</h1>
<p><a href="/">{{t.overview}}</a></p>
{{#has_rows}}{{{rows_html}}}{{/has_rows}}{{^has_rows}}<p>{{t.nothing}}</p>{{/has_rows}}
)";

constexpr std::string_view kCalendar = R"(<h1>{{t.calendar}}: {{month}}</h1>
<p><a href="{{previous}}">{{t.previous}}</a> | <a href="{{next}}">{{t.next}}</a> | <a href="/">{{t.overview}}</a></p>
<table class="month"><thead><tr><th>{{t.mon}}</th><th>{{t.tue}}</th><th>{{t.wed}}</th><th>{{t.thu}}</th><th>{{t.fri}}</th><th>{{t.sat}}</th><th>{{t.sun}}</th></tr></thead><tbody>
{{#weeks}}<tr>{{#days}}<td class="{{#off}}off{{/off}} {{#other}}other{{/other}}"><span class="day">{{day}}</span>
{{#events}}<a class="state-{{state_code}}" href="{{href}}">{{title}}</a>{{/events}}</td>{{/days}}</tr>{{/weeks}}
</tbody></table>
)";

}  // namespace

std::string_view page_source(PageName page) {
    switch (page) {
        case PageName::event: return kEvent;
        case PageName::denied: return kDenied;
        case PageName::message: return kMessage;
        case PageName::login: return kLogin;
        case PageName::login_confirm: return kLoginConfirm;
        case PageName::overview: return kOverview;
        case PageName::events: return kEvents;
        case PageName::calendar: return kCalendar;
        case PageName::event_rows: return kEventRows;
    }
    return kMessage;
}

const Json& words(std::string_view lang) {
    static const Json kk = make_words(0), ru = make_words(1), en = make_words(2);
    return lang == "ru" ? ru : lang == "en" ? en : kk;
}

std::string render_page(PageName page, std::string_view lang, Json data, Json layout) {
    data["t"] = words(lang);
    layout["t"] = words(lang);
    layout["lang"] = std::string(lang);
    layout["content"] = render_html(std::string(page_source(page)), data);
    return render_html(std::string(kLayout), layout);
}

const std::string_view kStyleSheet = R"(body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1c2430;background:#f6f7f9}
header{display:flex;gap:1em;align-items:center;flex-wrap:wrap;padding:.6em 1.2em;background:#1f4e79;color:#fff}
header a{color:#fff}.brand{font-weight:700;text-decoration:none}.langs a{margin-right:.3em}.langs a.current{font-weight:700;text-decoration:none}
.who{margin-left:auto}form.inline{display:inline}main{max-width:62em;margin:0 auto;padding:1em 1.2em}
h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.6em}dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em}
dt{color:#55606e}dd{margin:0}.ok{background:#e3f4e6;padding:.5em}.error{background:#fde8e8;padding:.5em}
form.action{background:#fff;border:1px solid #d5dae1;padding:.8em;margin:1em 0;display:grid;gap:.5em;max-width:32em}
label{display:grid;gap:.2em}button{padding:.4em 1em}table.rows{border-collapse:collapse;width:100%;background:#fff}
table.rows th,table.rows td{border:1px solid #d5dae1;padding:.3em .5em;text-align:left;vertical-align:top}
.cards{display:grid;grid-template-columns:repeat(4,1fr);gap:.8em}.card{background:#fff;border:1px solid #d5dae1;padding:.8em}
.figure{display:block;font-size:2em;font-weight:700}.state-held,.state-reported{color:#1b6e2a}.state-cancelled{color:#777}
.state-planned{color:#1f4e79}table.month{border-collapse:collapse;width:100%;table-layout:fixed;background:#fff}
table.month td{border:1px solid #d5dae1;height:5em;vertical-align:top;font-size:.85em}table.month td a{display:block}
td.off{background:#f0e9e9}td.other{color:#aaa}.day{font-weight:700}
@media print{@page{size:A4;margin:15mm}header nav,header form,form.action,nav.pages{display:none}body{background:#fff}
header{background:#fff;color:#000}header a{color:#000}.cards{grid-template-columns:repeat(4,1fr)}a{color:#000;text-decoration:none}}
)";

}  // namespace tarat::web
