#include "ctl/render.hpp"

#include "core/text.hpp"
#include "ctl/text_table.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <sstream>
#include <vector>

namespace tarat {
namespace {

using nlohmann::json;

std::string str(const json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return "";
    return visible(it->is_string() ? it->get<std::string>() : it->dump(-1, ' ', false, json::error_handler_t::replace));
}

// A table's headings in the chosen language.
std::vector<std::string> headings(Lang lang, std::initializer_list<const char*> english) {
    std::vector<std::string> out;
    for (const char* h : english) out.push_back(tr(lang, h));
    return out;
}

std::string none_line(Lang lang) { return "  " + tr(lang, "none") + "\n"; }

// "upcoming: 40; not confirmed held: 2" — each count under the catalogue's word for it.
std::string counted(Lang lang, const json& counts, std::initializer_list<std::pair<const char*, const Term*>> items) {
    std::string line;
    for (const auto& [key, term] : items)
        line += (line.empty() ? "" : "; ") + std::string(term->in(lang_code(lang))) + ": " + str(counts, key);
    return line;
}

// "2027-03-01 09:00" as the language writes it: 01.03.2027 09:00 in Kazakh and Russian.
std::string shown_moment(const std::string& local, Lang lang) {
    return local.size() < 10 ? local : shown_date(local.substr(0, 10), lang) + local.substr(10);
}

void render_status(const json& a, Lang lang, std::ostream& out) {
    const auto& plan = a.value("plan", json::object());
    out << tr(lang, "Plan") << " " << str(plan, "id") << ": " << str(plan, "title") << "\n";
    // People by name (an older taratd sends ids only), dates as the language writes them.
    auto name = [&](const char* role) {
        const std::string shown = str(plan, (std::string(role) + "_name").c_str());
        return shown.empty() ? str(plan, role) : shown;
    };
    out << tr(lang, "Period") << " " << shown_date(str(plan, "from"), lang) << " … " << shown_date(str(plan, "to"), lang)
        << " (" << str(plan, "timezone") << "); " << tr(lang, "overseer") << " " << name("overseer") << ", "
        << tr(lang, "coordinator") << " " << name("coordinator") << "\n";
    if (auto counts = a.find("counts"); counts != a.end() && counts->is_object()) {
        out << tr(lang, "Events") << ": "
            << counted(lang, *counts,
                       {{"upcoming", &term(Outcome::upcoming)},
                        {"not_confirmed", &term(Outcome::not_held)},
                        {"reports_missing", &term(Outcome::report_missing)}})
            << "\n"
            << tr(lang, "Notices") << ": "
            << counted(lang, *counts,
                       {{"pending_notices", &term(NoticeState::pending)}, {"dead_notices", &term(NoticeState::dead)}})
            << "\n";
    }
    out << tr(lang, "Last reload") << ": ";
    if (const auto& r = a.value("last_reload", json()); r.is_object())
        out << shown_moment(str(r, "at_local"), lang) << ", " << str(r, "by") << ", " << tr(lang, r.value("taken", false) ? "taken" : "refused")
            << ": " << str(r, "text") << "\n\n";
    else
        out << tr(lang, "no reload since start") << "\n\n";
    TextTable centres(headings(lang, {"CENTRE", "NAME", "DISTRICT", "EVENTS"}));
    for (const auto& c : list_in(a, "centres"))
        centres.add_row({str(c, "id"), str(c, "name"), str(c, "district_name"), str(c, "events")});
    out << centres.render();
    const std::size_t listed = list_in(a, "centres").size(), in_plan = a.value("centres_total", listed);
    if (in_plan > listed)
        out << tr_format(lang, "… and {} more centres: taratctl compliance --by centre", std::to_string(in_plan - listed)) << "\n";
    TextTable next(headings(lang, {"DATE", "START", "CENTRE", "FORM", "ID", "TITLE"}));
    for (const auto& e : list_in(a, "next_events"))
        next.add_row({str(e, "date"), str(e, "start"), str(e, "centre"), str(e, "form"), str(e, "id"), str(e, "title")});
    out << "\n" << tr(lang, "Next events from") << " " << str(a, "today") << ":\n"
        << (next.empty() ? none_line(lang) : next.render());
}

void render_events(const json& a, Lang lang, std::ostream& out) {
    TextTable table(headings(lang, {"DATE", "START", "END", "CENTRE", "FORM", "STATE", "ID", "TITLE"}));
    for (const auto& e : list_in(a, "events"))
        table.add_row({str(e, "date"), str(e, "start"), str(e, "end"), str(e, "centre"), str(e, "form"),
                       term_label(lang, Vocabulary::event_state, str(e, "state")), str(e, "id"), str(e, "title")});
    out << (table.empty() ? none_line(lang) : table.render());
}

std::string notice_state(const json& n, Lang lang) {
    return term_label(lang, Vocabulary::notice_state, n.value("failed", false) ? "failed" : str(n, "state"));
}

void render_notice_table(const json& notices, Lang lang, bool with_event, std::ostream& out) {
    std::vector<std::string> heads = with_event
        ? headings(lang, {"DUE", "KIND", "STATE", "EVENT", "RECIPIENT", "CHANNEL", "ATTEMPTS", "ERROR", "KEY"})
        : headings(lang, {"DUE", "KIND", "STATE", "RECIPIENT", "CHANNEL", "ATTEMPTS", "ERROR", "KEY"});
    TextTable table(std::move(heads));
    for (const auto& n : notices) {
        std::vector<std::string> row{str(n, "due_local"), str(n, "kind"), notice_state(n, lang)};
        if (with_event) row.push_back(str(n, "event_id"));
        for (const char* key : {"recipient", "channel", "attempts", "last_error", "key"}) row.push_back(str(n, key));
        table.add_row(std::move(row));
    }
    out << (table.empty() ? none_line(lang) : table.render());
}

void render_event(const json& a, Lang lang, std::ostream& out) {
    const auto& e = a.value("event", json::object());
    const auto& d = a.value("details", json::object());
    const char* code = lang_code(lang);
    std::string form = str(e, "form");
    if (d.contains("form_name") && d["form_name"].is_object() && !str(d["form_name"], code).empty())
        form += " (" + str(d["form_name"], code) + ")";
    std::vector<std::pair<std::string, std::string>> lines{
        {"ID", str(e, "id")},
        {"Title", str(e, "title")},
        {"Centre", str(e, "centre") + " — " + str(d, "centre_name")},
        {"District", str(e, "district") + " — " + str(d, "district_name")},
        {"Form", form},
        {"Date", str(e, "date")},
        {"Time", str(e, "start") + "–" + str(e, "end")},
        {"State", term_label(lang, Vocabulary::event_state, str(e, "state"))},
        {"Pinned", tr(lang, e.value("pinned", false) ? "yes" : "no")},
        {"Revision", str(d, "revision")},
        {"Audience", str(d, "audience")},
        {"Responsible", str(d, "responsible")},
        {"Postponed from", str(d, "postponed_from")},
        {"Held on", str(d, "held_date")},
        {"Confirmed by", str(d, "confirmed_by")},
        {"Participants", str(d, "participants")},
        {"Report due", str(d, "report_due")},
        {"Reported on", str(d, "reported_date")},
        {"Report reference", str(d, "report_ref")},
        {"Cancel reason", str(d, "cancel_reason")},
    };
    size_t width = 0;
    for (auto& [label, value] : lines) {
        label = tr(lang, label);
        if (!value.empty()) width = std::max(width, display_width(label));
    }
    for (const auto& [label, value] : lines)
        if (!value.empty()) out << label << ":" << std::string(width - display_width(label) + 1, ' ') << value << "\n";

    out << "\n" << tr(lang, "History") << ":\n";
    TextTable history(headings(lang, {"AT", "ACTOR", "ACTION", "DETAIL"}));
    for (const auto& h : list_in(a, "history"))
        history.add_row({str(h, "at_local"), str(h, "actor"), str(h, "action"), str(h, "detail")});
    out << (history.empty() ? none_line(lang) : history.render());
    out << "\n" << tr(lang, "Notices") << ":\n";
    render_notice_table(list_in(a, "notices"), lang, false, out);
}

void render_compliance(const json& a, Lang lang, std::ostream& out) {
    std::string by = str(a, "by");
    const char* group = by == "district" ? "DISTRICT" : by == "form" ? "FORM" : "CENTRE";
    // JSON key and heading; the counts the term catalogue words take its word (count_heading).
    constexpr std::pair<const char*, const char*> kCounts[]{
        {"planned", "PLANNED"},  {"held", ""},          {"held_on_planned_date", "ON DATE"},
        {"not_held", ""},        {"postponed", ""},     {"cancelled", ""},
        {"reported_on_time", ""}, {"reported_late", ""}, {"report_missing", ""},
        {"participants", "PARTICIPANTS"}};
    std::vector<std::string> heads = headings(lang, {group, "NAME"});
    for (auto [key, heading] : kCounts) heads.push_back(to_upper(count_heading(lang, key, heading)));
    TextTable table(std::move(heads));
    auto row = [&](const std::string& id, const std::string& name, const json& g) {
        std::vector<std::string> cells{id, name};
        for (auto [key, heading] : kCounts) cells.push_back(str(g, key));
        table.add_row(std::move(cells));
    };
    for (const auto& g : list_in(a, "groups")) row(str(g, "id"), str(g, "name"), g);
    row(tr(lang, "TOTAL"), "", a.value("total", json::object()));
    out << table.render();
}

void render_calendar(const json& a, Lang lang, std::ostream& out) {
    const char* code = lang_code(lang);
    out << str(a, "year");
    if (a.value("computed", false)) out << " (" << tr(lang, "computed from the law") << ")";
    out << "\n";
    TextTable table(headings(lang, {"DATE", "WEEKDAY", "DAY OFF", "KIND", "STATUS", "NAME"}));
    for (const auto& d : list_in(a, "days")) {
        const auto& names = d.value("name", json::object());
        std::string name = str(names, code);
        for (const char* fallback : {"kk", "ru", "en"})
            if (name.empty()) name = str(names, fallback);
        table.add_row({str(d, "date"), str(d, "weekday"), tr(lang, d.value("day_off", false) ? "yes" : "no"),
                       str(d, "kind"), str(d, "status"), name});
    }
    out << (table.empty() ? none_line(lang) : table.render());
}

void render_history(const json& a, Lang lang, std::ostream& out) {
    TextTable table(headings(lang, {"AT", "ACTOR", "ACTION", "SUBJECT", "DETAIL"}));
    for (const auto& h : list_in(a, "history"))
        table.add_row({str(h, "at_local"), str(h, "actor"), str(h, "action"), str(h, "subject"), str(h, "detail")});
    out << (table.empty() ? none_line(lang) : table.render());
}

void render_commands(const json& a, Lang lang, std::ostream& out) {
    TextTable table(headings(lang, {"COMMAND", "PERMISSION", "HELP"}));
    for (const auto& c : list_in(a, "commands"))
        table.add_row({str(c, "name"), str(c, "permission"), str(c, "help")});
    out << table.render();
}

// Why the plan touches an event, in `lang`, from its code; the daemon's English line without one.
std::string diff_reason(const json& d, Lang lang) {
    static const std::map<std::string, const char*> kWhy = {
        {"new", "a new event in the plan"},
        {"back", "back in the plan"},
        {"rule_placed", "placed by rule {}"},
        {"rule_moved", "rule {} places it there now"},
        {"plan_moved", "the plan's date or time changed"},
        {"removed", "no longer in the plan"},
        {"kept_pinned", "no longer in the plan, kept: pinned (people were told this date)"},
        {"kept", "no longer in the plan, kept: {}"},
        {"postponed", "postponed by {}: the postponed date stays"},
        {"pinned", "pinned (people were told this date): it stays"},
    };
    auto found = kWhy.find(str(d, "why"));
    if (lang == Lang::en || found == kWhy.end()) return str(d, "reason");
    const std::string detail = str(d, "why") == "kept" ? tr(lang, str(d, "detail")) : str(d, "detail");
    std::string text = tr_format(lang, found->second, detail);
    if (!str(d, "how").empty()) text += "; " + tr_format(lang, "to take the plan's date: {}", str(d, "how"));
    return text;
}

// `reload --dry-run`: each event the new plan would touch, under its kind, with the reason.
void render_plan_diff(const json& a, Lang lang, std::ostream& out) {
    const std::pair<const char*, const char*> kinds[] = {{"add", "Would add"},
                                                         {"remove", "Would remove"},
                                                         {"move", "Would move"},
                                                         {"conflict", "In conflict, would stay as they are"}};
    for (const auto& [kind, heading] : kinds) {
        bool first = true;
        for (const auto& d : list_in(a, "diff")) {
            if (str(d, "change") != kind) continue;
            if (first) out << tr(lang, heading) << ":\n";
            first = false;
            out << "  " << shown_date(str(d, "date"), lang) << " " << str(d, "start");
            if (d.value("to_date", json()).is_string())
                out << " → " << shown_date(str(d, "to_date"), lang) << " " << str(d, "to_start");
            out << "  " << str(d, "id") << "  " << diff_reason(d, lang) << "\n";
        }
    }
}

void render_reload(const json& a, const std::string& text, Lang lang, std::ostream& out) {
    if (a.value("dry_run", false) && lang != Lang::en)
        out << tr_format(lang, "dry run: {} changes in all; nothing changed", std::to_string(list_in(a, "diff").size()))
            << "\n";
    else
        out << text << "\n";
    if (a.value("dry_run", false)) render_plan_diff(a, lang, out);
    if (!a.value("waited", false)) return;
    const auto& changes = list_in(a, "changes");
    if (!changes.empty()) {
        out << tr(lang, "Changes") << ":\n";
        for (const auto& c : changes) out << "  " << (c.is_string() ? c.get<std::string>() : c.dump()) << "\n";
        const auto total = a.value("changes_total", changes.size());
        if (total > changes.size())
            out << "  " << tr_format(lang, "… and {} more (taratctl history)", std::to_string(total - changes.size()))
                << "\n";
    }
    const auto& conflicts = list_in(a, "conflicts");
    if (!conflicts.empty()) out << tr(lang, "Postponed against the plan: the postponed date stays") << ":\n";
    for (const auto& c : conflicts) {
        out << "  " << str(c, "id") << ": "
            << tr_format(lang, "the plan says {}", shown_date(str(c, "plan_date"), lang) + " " + str(c, "plan_start"))
            << "; " << tr_format(lang, "stays on {}", shown_date(str(c, "stored_date"), lang) + " " + str(c, "stored_start"))
            << "; " << tr_format(lang, "postponed by {}", str(c, "postponed_by")) << "\n    "
            << (str(c, "apply").empty() ? tr(lang, "the plan's date has gone by")
                                        : tr_format(lang, "to take the plan's date: {}", str(c, "apply")))
            << "\n";
    }
    auto dated_lines = [&](const char* key, const char* heading) {
        const auto& events = a.value(key, json::array());
        if (events.empty()) return;
        out << tr(lang, heading) << ":\n";
        for (const auto& e : events) {
            out << "  " << shown_date(str(e, "date"), lang) << " " << str(e, "start") << "  " << str(e, "id");
            if (e.contains("state"))
                out << " (" << (str(e, "state") == "planned" ? tr(lang, "pinned")
                                                            : term_label(lang, Vocabulary::event_state, str(e, "state")))
                    << ")";
            out << "\n";
        }
    };
    dated_lines("removed", "Removed, no longer in the plan");
    dated_lines("kept", "Kept, no longer in the plan");
}

// One row per channel tried; printed whether or not every channel took it, and not at all when
// none was (an unknown person or channel: the error alone says it).
void render_test_notice(const json& a, Lang lang, std::ostream& out) {
    TextTable table(headings(lang, {"CHANNEL", "RESULT", "ERROR"}));
    for (const auto& c : list_in(a, "channels"))
        table.add_row({str(c, "channel"), str(c, "status"), str(c, "error")});
    if (!table.empty()) out << table.render();
}

}  // namespace

const json& list_in(const json& arguments, const std::string& field) {
    static const json none = json::array();
    const auto found = arguments.find(field);
    return found != arguments.end() && found->is_array() ? *found : none;
}

void render_reply(const std::string& command, const json& arguments, const std::string& text, Lang lang,
                  std::ostream& out) {
    using Renderer = std::function<void(const json&, Lang, std::ostream&)>;
    static const std::map<std::string, Renderer> renderers{
        {"status", render_status},         {"events", render_events},     {"event", render_event},
        {"notices",
         [](const json& a, Lang l, std::ostream& o) {
             render_notice_table(list_in(a, "notices"), l, true, o);
         }},
        {"compliance", render_compliance}, {"calendar", render_calendar}, {"history", render_history},
        {"list-commands", render_commands}, {"test-notice", render_test_notice},
    };
    // Rendered whole, then made visible: no path from stored data to the terminal skips it.
    std::ostringstream screen;
    if (auto found = renderers.find(command); found != renderers.end()) {
        found->second(arguments, lang, screen);
    } else if (command == "reload") {
        render_reload(arguments, text, lang, screen);
    } else {
        screen << text << "\n";  // help, the admin commands, `call`: the daemon's own words
    }
    out << visible_lines(screen.str());
}

}  // namespace tarat
