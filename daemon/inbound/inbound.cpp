#include "inbound/inbound.hpp"

#include "core/hmac.hpp"
#include "core/secret_key.hpp"
#include "core/text.hpp"
#include "inbound/phrases.hpp"
#include "store/deferred_sync.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <stdexcept>

namespace tarat::inbound {

namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace {

constexpr std::size_t kAuditTextBytes = 200;
constexpr std::size_t kUpcoming = 5;

// DD.MM.YYYY as people type it (D.M.YYYY too), or the ISO date a date button carries.
std::optional<Date> parse_dotted(std::string_view text) {
    if (text.rfind("d:", 0) == 0) return parse_date(text.substr(2));
    int parts[3] = {0, 0, 0};
    std::size_t at = 0;
    for (int i = 0; i < 3; ++i) {
        std::size_t end = text.find('.', at);
        if (i < 2 && end == std::string_view::npos) return std::nullopt;
        auto piece = text.substr(at, i < 2 ? end - at : std::string_view::npos);
        if (piece.empty() || piece.size() > 4) return std::nullopt;
        auto [p, ec] = std::from_chars(piece.data(), piece.data() + piece.size(), parts[i]);
        if (ec != std::errc() || p != piece.data() + piece.size()) return std::nullopt;
        at = end + 1;
    }
    char iso[16];
    std::snprintf(iso, sizeof iso, "%04d-%02d-%02d", parts[2], parts[1], parts[0]);
    return parse_date(iso);
}

std::string hhmm(int minutes) {
    char text[8];
    std::snprintf(text, sizeof text, "%02d:%02d", minutes / 60, minutes % 60);
    return text;
}

// The language of someone the bot does not know yet, from their app's.
std::string guess_locale(const std::string& language) {
    auto two = language.substr(0, 2);
    return two == "kk" || two == "ru" || two == "en" ? two : "ru";
}

std::string trimmed(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\n')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\n')) text.remove_suffix(1);
    return std::string(text);
}

// `text` cut to `bytes` on a UTF-8 boundary, one line.
std::string cut(std::string text, std::size_t bytes) {
    for (char& c : text)
        if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    if (text.size() <= bytes) return text;
    std::size_t end = bytes;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    return text.substr(0, end) + "…";
}

// One button, ["label", "data"] (plugin.h); spelled out so JSON never takes a pair for an object.
Json pair(const std::string& label, const std::string& data) { return Json::array({label, data}); }
// The buttons under an answer: one row of one button.
Json one_button(const std::string& label, const std::string& data) { return Json::array({Json::array({pair(label, data)})}); }

bool is_skip(const std::string& text) {
    static const char* kSkips[] = {"skip", "-", "—", "өткізу", "Өткізу", "пропустить", "Пропустить", "Skip"};
    return std::any_of(std::begin(kSkips), std::end(kSkips), [&](const char* s) { return text == s; });
}

}  // namespace

// ---- tokens ----

Tokens::Tokens(const fs::path& state_dir) : key_(load_or_create_key(state_dir / "inbound.key")) {}

std::string Tokens::revision(const StoredEvent& e) {
    std::string facts = std::string(state_name(e.state)) + "|" + format_date(e.event.date) + "|" +
                        std::to_string(e.event.start_minutes) + "|" + std::to_string(e.sequence) + "|" +
                        (e.held_date ? format_date(*e.held_date) : "") + "|" +
                        (e.reported_date ? format_date(*e.reported_date) : "");
    auto digest = sha256(facts);
    std::string hex;
    for (int i = 0; i < 4; ++i) hex += "0123456789abcdef"[digest[i] >> 4], hex += "0123456789abcdef"[digest[i] & 15];
    return hex;
}

std::string Tokens::make(Store& store, const StoredEvent& event) const {
    std::string body = std::to_string(store.event_ref(event.event.id)) + "." + revision(event);
    auto mac = hmac_sha256(key_, body);
    return body + "." + base64url(mac.data(), 9);
}

std::optional<Tokens::Parsed> Tokens::check(Store& store, const std::string& token) const {
    auto last = token.rfind('.');
    auto first = token.find('.');
    if (first == std::string::npos || last == first) return std::nullopt;
    std::string body = token.substr(0, last);
    auto mac = hmac_sha256(key_, body);
    if (!equal_in_constant_time(token.substr(last + 1), base64url(mac.data(), 9))) return std::nullopt;
    std::int64_t ref = 0;
    auto [p, ec] = std::from_chars(body.data(), body.data() + first, ref);
    if (ec != std::errc()) return std::nullopt;
    auto id = store.event_for_ref(ref);
    if (!id) return std::nullopt;
    auto event = store.event(*id);
    if (!event) return std::nullopt;
    return Parsed{*id, revision(*event) == body.substr(first + 1)};
}

bool receives(const ChannelConfig& channel) {
    Json settings = Json::parse(channel.settings_json.empty() ? "{}" : channel.settings_json, nullptr, false);
    return settings.is_object() && settings.value("inbound", false) == true;
}

// ---- the conversation ----

struct Inbound::Turn {
    std::string channel;
    InboundUpdate update;
    Instant now{};
    Date today{};
    std::optional<ChannelLink> link;
    const Person* person = nullptr;
    std::string locale;
    Actor actor;
    std::string say(Phrase p) const { return std::string(inbound::say(locale, p)); }
};

Inbound::Inbound(Store& store, EventLifecycle& lifecycle, Tokens tokens)
    : store_(store), lifecycle_(lifecycle), tokens_(std::move(tokens)) {}

std::string Inbound::locale(const Person& person, const std::string& channel) const {
    auto link = store_.link_for_person(person.id, channel);
    return link && !link->locale.empty() ? link->locale : person.locale;
}

InboundAnswer Inbound::receive(const std::string& channel, const InboundUpdate& update) {
    try {
        DeferredSync deferred(store_);  // the loop does not wait for the disk: make_durable() does
        return store_.in_transaction([&] {
            if (update.position <= store_.channel_position(channel)) return InboundAnswer{};  // applied before
            Turn turn;
            turn.channel = channel;
            turn.update = update;
            turn.now = lifecycle_.clock().now();
            turn.today = lifecycle_.today();
            turn.link = store_.link_for_chat(channel, update.chat);
            if (turn.link) turn.person = lifecycle_.setup().plan.person(turn.link->person);
            turn.locale = turn.person ? locale(*turn.person, channel) : guess_locale(update.language);
            if (turn.person) turn.actor = Actor::via_channel(turn.person->id, channel, update.chat);
            InboundAnswer answer = handle(turn);
            store_.set_channel_position(channel, update.position);
            return answer;
        });
    } catch (const std::exception& e) {
        spdlog::error("channel '{}': update {} not applied: {}", channel, update.position, e.what());
        return InboundAnswer{"⚠", "", "", "⚠", ""};
    }
}

void Inbound::make_durable() const { sync_wal(store_.file()); }

InboundAnswer Inbound::handle(Turn& turn) {
    const std::string text = trimmed(turn.update.text);
    const bool typed = turn.update.kind == "text";
    if (typed && (text == "/start" || text.rfind("/start ", 0) == 0)) return start(turn, trimmed(text.substr(6)));
    if (!turn.person) {
        store_.add_history(turn.now, "chat " + turn.update.chat + " via channel " + turn.channel, "inbound.refused",
                           "channel:" + turn.channel,
                           "not linked: user " + turn.update.user + ": " + cut(turn.update.text, kAuditTextBytes));
        InboundAnswer a;
        a.text = turn.say(Phrase::not_registered);
        if (!typed) a.toast = cut(turn.say(Phrase::not_registered), 150);
        return a;
    }
    if (typed && text == "/help") return {turn.say(Phrase::help), "", "", "", ""};
    if (typed && text.rfind("/lang", 0) == 0) {
        std::string wanted = trimmed(text.substr(5));
        if (wanted != "kk" && wanted != "ru" && wanted != "en") return {turn.say(Phrase::lang_usage), "", "", "", ""};
        auto link = *turn.link;
        link.locale = wanted;
        store_.set_link(link);
        turn.locale = wanted;
        return {turn.say(Phrase::lang_set), "", "", "", ""};
    }
    if (typed && text == "/status") return status(turn);
    if (!typed && text.find(':') != std::string::npos && text.rfind("d:", 0) != 0) return button(turn);
    if (auto conversation = store_.conversation(turn.channel, turn.update.chat); !conversation.empty())
        return converse(turn, conversation);
    return {turn.say(Phrase::unknown_text), "", "", "", ""};
}

InboundAnswer Inbound::start(Turn& turn, const std::string& code) {
    InboundAnswer a;
    if (code.empty() && turn.person) return status(turn);
    auto person_id = code.empty() ? std::nullopt : store_.take_link_code(code, turn.channel, turn.now);
    const Person* person = person_id ? lifecycle_.setup().plan.person(*person_id) : nullptr;
    if (!person) {
        store_.add_history(turn.now, "chat " + turn.update.chat + " via channel " + turn.channel, "inbound.refused",
                           "channel:" + turn.channel,
                           "link code not valid: user " + turn.update.user + ": " + cut(turn.update.text, kAuditTextBytes));
        a.text = turn.say(Phrase::bad_code);
        return a;
    }
    ChannelLink link{person->id, turn.channel, turn.update.chat, turn.update.user, "", turn.now};
    store_.set_link(link);
    turn.link = link;
    turn.person = person;
    turn.locale = person->locale;
    turn.actor = Actor::via_channel(person->id, turn.channel, turn.update.chat);
    store_.add_history(turn.now, turn.actor.text(), "person.linked", "person:" + person->id,
                       "channel " + turn.channel + ", chat " + turn.update.chat + ", user " + turn.update.user);
    lifecycle_.notices().follow_links(turn.now);
    auto listed = status(turn);
    a.text = fill(turn.say(Phrase::linked), {{"name", person->name}}) + "\n\n" + listed.text;
    return a;
}

std::string Inbound::event_line(const StoredEvent& e) const {
    const Centre* centre = lifecycle_.setup().plan.centre(e.event.centre);
    return format_dotted(e.event.date) + " " + hhmm(e.event.start_minutes) + " — " + e.event.title +
           (centre ? ", " + centre->name : std::string());
}

InboundAnswer Inbound::status(Turn& turn) {
    const Plan& plan = lifecycle_.setup().plan;
    std::vector<std::string> ahead, late;
    for (const auto& e : store_.events(EventFilter{})) {
        if (!may_act(plan, turn.person->id, e.event)) continue;
        if (e.state == EventState::planned && e.event.date >= turn.today) {
            if (ahead.size() < kUpcoming) ahead.push_back("• " + event_line(e));
        } else if ((e.state == EventState::planned && e.event.date < turn.today) ||
                   (e.state == EventState::held && lifecycle_.notices().report_due(e) < turn.today)) {
            late.push_back("• " + event_line(e) + " (" + state_text(turn.locale, e) + ")");
        }
    }
    std::string text = ahead.empty() ? turn.say(Phrase::none_upcoming) : turn.say(Phrase::upcoming);
    for (const auto& line : ahead) text += "\n" + line;
    if (!late.empty()) {
        text += "\n\n" + turn.say(Phrase::overdue);
        for (const auto& line : late) text += "\n" + line;
    }
    return {text, "", "", "", ""};
}

void Inbound::adjust(OutgoingNotice& out, const Notice& notice) const {
    const auto& channels = lifecycle_.setup().config.channels;
    auto channel = std::find_if(channels.begin(), channels.end(), [&](const ChannelConfig& c) { return c.name == notice.channel; });
    if (channel == channels.end() || !receives(*channel)) return;
    if (auto link = store_.link_for_person(notice.recipient, notice.channel)) out.address = link->chat;
    if (notice.event_id.empty()) return;
    if (auto event = store_.event(notice.event_id)) out.buttons = buttons(out.kind, notice.recipient, *event);
}

std::string Inbound::buttons(const std::string& kind, const std::string& recipient, const StoredEvent& event) const {
    const auto& setup = lifecycle_.setup();
    const Person* person = setup.plan.person(recipient);
    if (!person) return "";
    // What the notice asks for, as (label, action).
    std::vector<std::pair<Phrase, std::string>> offered;
    if (kind == "held_check" && event.state == EventState::planned)
        offered = {{Phrase::button_held, "held"}, {Phrase::button_not_held, "nothold"}, {Phrase::button_postponed, "postpone"}};
    else if ((kind == "report_due" || kind == "overdue" || kind == "escalation") && event.state == EventState::held)
        offered = {{Phrase::button_reported, "reported"}};
    else if ((kind == "overdue" || kind == "escalation") && event.state == EventState::planned)
        offered = {{Phrase::button_held, "held"}, {Phrase::button_not_held, "nothold"}};
    else if (kind == "reminder" && event.state == EventState::planned)
        offered = {{Phrase::button_postpone, "postpone"}};
    const std::string token = offered.empty() ? "" : tokens_.make(store_, event);
    Json row = Json::array();
    for (const auto& [label, action] : offered)
        if (may_take(setup.plan, setup.config.inbound, action, recipient, event.event))
            row.push_back(pair(std::string(say(person->locale, label)), action + ":" + token));
    return row.empty() ? "" : Json::array({row}).dump();
}

InboundAnswer Inbound::button(Turn& turn) {
    const std::string& data = turn.update.text;
    const std::string action = data.substr(0, data.find(':'));
    auto refuse = [&](const std::string& subject, const std::string& why, Phrase phrase) {
        store_.add_history(turn.now, turn.actor.text(), "inbound.refused", subject, action + ": " + why);
        InboundAnswer a;
        a.text = turn.say(phrase);
        a.toast = cut(a.text, 150);
        return a;
    };
    static const char* kActions[] = {"held", "nothold", "reported", "postpone"};
    auto parsed = tokens_.check(store_, data.substr(data.find(':') + 1));
    if (std::find(std::begin(kActions), std::end(kActions), action) == std::end(kActions) || !parsed)
        return refuse("channel:" + turn.channel, "a button that is not ours: " + cut(data, 100), Phrase::unknown_text);
    auto event = store_.event(parsed->event_id);
    const std::string subject = "event:" + parsed->event_id;
    if (!may_take(lifecycle_.setup().plan, lifecycle_.setup().config.inbound, action, turn.person->id, event->event))
        return refuse(subject, turn.person->id + " may not act on it", Phrase::not_allowed);
    if (!parsed->current) {
        InboundAnswer a;
        a.text = turn.say(Phrase::out_of_date) + "\n" + event_line(*event) + ": " + state_text(turn.locale, *event);
        a.toast = cut(turn.say(Phrase::out_of_date), 150);
        return a;
    }
    Json conversation{{"action", action}, {"event", parsed->event_id}, {"message", turn.update.message}};
    Phrase ask = action == "held" ? Phrase::ask_participants
                 : action == "reported" ? Phrase::ask_reference
                 : action == "postpone" ? Phrase::ask_date
                                        : Phrase::ask_reason;
    if (action == "postpone") conversation["step"] = "date";
    store_.set_conversation(turn.channel, turn.update.chat, conversation.dump(), turn.now);
    InboundAnswer a;
    a.text = fill(turn.say(ask), {{"title", event->event.title}});
    if (action == "held" || action == "reported") a.buttons = one_button(turn.say(Phrase::skip), "skip").dump();
    a.toast = " ";
    return a;
}

InboundAnswer Inbound::converse(Turn& turn, const std::string& stored) {
    Json c = Json::parse(stored, nullptr, false);
    const std::string action = c.value("action", ""), id = c.value("event", ""), message = c.value("message", "");
    const std::string text = trimmed(turn.update.text);
    auto ask_again = [&](Phrase p) { return InboundAnswer{turn.say(p), "", "", turn.update.kind == "button" ? " " : "", ""}; };
    if (action == "held") {
        HeldInput input;
        if (!is_skip(text)) {
            std::int64_t n = -1;
            auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
            if (ec != std::errc() || p != text.data() + text.size() || n < 0) {
                auto a = ask_again(Phrase::not_a_number);
                a.buttons = one_button(turn.say(Phrase::skip), "skip").dump();
                return a;
            }
            input.participants = n;
        }
        return finish(turn, action, id, message, lifecycle_.held(turn.actor, id, input));
    }
    if (action == "reported") {
        ReportedInput input;
        if (!is_skip(text)) input.ref = text;
        return finish(turn, action, id, message, lifecycle_.reported(turn.actor, id, input));
    }
    if (action == "nothold") return finish(turn, action, id, message, lifecycle_.cancel(turn.actor, id, text));
    if (action == "postpone" && c.value("step", "") == "date") {
        auto day = parse_dotted(text);
        if (!day) return ask_again(Phrase::not_a_date);
        const Plan& plan = lifecycle_.setup().plan;
        const auto& calendar = *lifecycle_.setup().calendar;
        const Date first = std::max(plan.from, turn.today + date::days{1});
        const bool outside = *day < first || *day > plan.to;
        if (outside || !calendar.is_working_day(*day)) {
            // The nearest working days inside the period, as buttons.
            const Date near = std::clamp(*day, first, plan.to);
            std::vector<Date> choices;
            Date before = calendar.previous_working_day_on_or_before(near);
            Date after = calendar.next_working_day_on_or_after(near);
            if (before >= first) choices.push_back(before);
            if (after <= plan.to && after != before) choices.push_back(after);
            InboundAnswer a;
            a.text = outside ? fill(turn.say(Phrase::outside_period),
                                    {{"date", format_dotted(*day)}, {"from", format_dotted(plan.from)}, {"to", format_dotted(plan.to)}})
                             : fill(turn.say(Phrase::day_off), {{"date", format_dotted(*day)}});
            Json row = Json::array();
            for (Date d : choices) row.push_back(pair(format_dotted(d), "d:" + format_date(d)));
            a.buttons = Json::array({row}).dump();
            if (turn.update.kind == "button") a.toast = " ";
            return a;
        }
        c["step"] = "reason";
        c["to"] = format_date(*day);
        store_.set_conversation(turn.channel, turn.update.chat, c.dump(), turn.now);
        auto event = store_.event(id);
        InboundAnswer a{fill(turn.say(Phrase::ask_reason), {{"title", event ? event->event.title : id}}), "", "", "", ""};
        if (turn.update.kind == "button") a.toast = " ";
        return a;
    }
    if (action == "postpone") {
        PostponeInput input;
        input.to = *parse_date(c.value("to", ""));
        input.reason = text;
        return finish(turn, action, id, message, lifecycle_.postpone(turn.actor, id, input));
    }
    store_.set_conversation(turn.channel, turn.update.chat, "", turn.now);
    return {turn.say(Phrase::unknown_text), "", "", "", ""};
}

InboundAnswer Inbound::finish(Turn& turn, const std::string& action, const std::string& id, const std::string& message,
                              const LifecycleResult& result) {
    InboundAnswer a;
    if (turn.update.kind == "button") a.toast = " ";
    if (!result.ok() || !result.event) {
        // Refused: the conversation stays, so the person can answer again.
        store_.add_history(turn.now, turn.actor.text(), "inbound.refused", "event:" + id, action + ": " + result.text);
        a.text = turn.say(Phrase::refused) + " " + explain(turn.locale, result.why);
        return a;
    }
    store_.set_conversation(turn.channel, turn.update.chat, "", turn.now);
    const StoredEvent& e = *result.event;
    std::string done;
    if (action == "held")
        done = fill(turn.say(Phrase::done_held),
                    {{"title", e.event.title},
                     {"date", format_dotted(e.held_date.value_or(e.event.date))},
                     {"participants", e.participants ? ", " + std::to_string(*e.participants) + " 👥" : ""}});
    else if (action == "reported")
        done = fill(turn.say(Phrase::done_reported),
                    {{"title", e.event.title}, {"ref", e.report_ref.empty() ? "" : ", " + e.report_ref}});
    else if (action == "postpone")
        done = fill(turn.say(Phrase::done_postponed),
                    {{"title", e.event.title},
                     {"from", format_dotted(e.postponed_from.value_or(e.event.date))},
                     {"date", format_dotted(e.event.date)}});
    else
        done = fill(turn.say(Phrase::done_not_held), {{"title", e.event.title}, {"reason", e.cancel_reason}});
    done += "\n" + fill(turn.say(Phrase::by), {{"name", turn.person->name}, {"date", format_dotted(turn.today)}});
    a.text = done;
    if (!message.empty()) {
        a.edit = done;
        a.edit_message = message;
    }
    return a;
}

}  // namespace tarat::inbound
