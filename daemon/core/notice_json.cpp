#include "core/notice_json.hpp"

#include <stdexcept>

namespace tarat {

using nlohmann::json;

json to_json(const NoticeFacts& f) {
    json j = json::object();
    if (f.lead) j["lead"] = format_span(*f.lead);
    if (f.due_date) j["due_date"] = format_date(*f.due_date);
    if (f.missing) j["missing"] = *f.missing == NoticeFacts::Missing::held ? "held" : "report";
    if (f.round) j["round"] = f.round;
    if (f.previous_date) j["previous_date"] = format_date(*f.previous_date);
    if (f.new_date) j["new_date"] = format_date(*f.new_date);
    if (f.cancelled) j["cancelled"] = true;
    if (f.restored) j["restored"] = true;
    if (!f.reason.empty()) j["reason"] = f.reason;
    if (f.day) j["day"] = format_date(*f.day);
    return j;
}

namespace {

const json* field(const json& j, const char* name) {
    auto it = j.find(name);
    return it == j.end() ? nullptr : &*it;
}

std::string text(const json& j, const char* name) {
    if (!j.is_string()) throw std::invalid_argument(std::string("notice facts: '") + name + "' is not a string");
    return j.get<std::string>();
}

Date date_field(const json& j, const char* name) {
    auto d = parse_date(text(j, name));
    if (!d) throw std::invalid_argument(std::string("notice facts: '") + name + "' is not a date");
    return *d;
}

}  // namespace

NoticeFacts notice_facts_from_json(const json& j) {
    NoticeFacts f;
    if (!j.is_object()) throw std::invalid_argument("notice facts are not a JSON object");
    if (auto* v = field(j, "lead")) {
        f.lead = parse_span(text(*v, "lead"));
        if (!f.lead) throw std::invalid_argument("notice facts: 'lead' is not a span");
    }
    if (auto* v = field(j, "due_date")) f.due_date = date_field(*v, "due_date");
    if (auto* v = field(j, "missing")) {
        const std::string m = text(*v, "missing");
        if (m != "held" && m != "report") throw std::invalid_argument("notice facts: 'missing' is '" + m + "'");
        f.missing = m == "held" ? NoticeFacts::Missing::held : NoticeFacts::Missing::report;
    }
    if (auto* v = field(j, "round")) {
        if (!v->is_number_integer()) throw std::invalid_argument("notice facts: 'round' is not a number");
        f.round = v->get<int>();
    }
    if (auto* v = field(j, "previous_date")) f.previous_date = date_field(*v, "previous_date");
    if (auto* v = field(j, "new_date")) f.new_date = date_field(*v, "new_date");
    if (auto* v = field(j, "cancelled")) f.cancelled = v->is_boolean() && v->get<bool>();
    if (auto* v = field(j, "restored")) f.restored = v->is_boolean() && v->get<bool>();
    if (auto* v = field(j, "reason")) f.reason = text(*v, "reason");
    if (auto* v = field(j, "day")) f.day = date_field(*v, "day");
    return f;
}

}  // namespace tarat
