// Linking people to their chats on a receiving channel (F11): `link` makes a one-time code (7 days,
// single use) and the bot's deep link; the person sends /start CODE (inbound/inbound.cpp).
#include "commands/support.hpp"
#include "inbound/inbound.hpp"
#include "web/site.hpp"

#include <fstream>
#include <variant>

namespace tarat::commands {
namespace {

constexpr auto kCodeLife = std::chrono::days(7);

// 10 characters without look-alikes (0/O, 1/I/L): ~50 bits, read aloud over the phone if need be.
std::string new_code() {
    static constexpr char kAlphabet[] = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    std::ifstream random("/dev/urandom", std::ios::binary);
    std::string code;
    while (code.size() < 10) {
        unsigned char byte = 0;
        if (!random.read(reinterpret_cast<char*>(&byte), 1)) throw std::runtime_error("cannot read /dev/urandom");
        if (byte < 248) code += kAlphabet[byte % 31];  // 248 = 8 × 31: no bias
    }
    return code;
}

std::vector<std::string> receiving_channels(const Context& context) {
    std::vector<std::string> names;
    for (const auto& c : context.setup().config.channels)
        if (inbound::receives(c)) names.push_back(c.name);
    return names;
}

// The channel named, or the only receiving one; a refusal otherwise.
std::variant<std::string, Reply> channel_of(const Context& context, const json& args) {
    auto receiving = receiving_channels(context);
    if (auto wanted = string_arg(args, "channel")) {
        if (auto refusal = unknown_name("receiving channel (inbound = true)", *wanted, receiving)) return *refusal;
        return *wanted;
    }
    if (receiving.size() == 1) return receiving.front();
    return Reply{control::bad_request, receiving.empty() ? "no channel receives: set inbound = true in a [channel.NAME]"
                                                         : "name the channel with --channel"};
}

// The channel's `bot_username`, else what its plugin learned from the Bot API (getMe).
std::string bot_username(const Context& context, const std::string& channel) {
    for (const auto& c : context.setup().config.channels)
        if (c.name == channel) {
            json settings = json::parse(c.settings_json.empty() ? "{}" : c.settings_json, nullptr, false);
            if (settings.is_object() && settings.contains("bot_username") && settings["bot_username"].is_string())
                return settings["bot_username"].get<std::string>();
        }
    return context.plugins ? context.plugins->announced(channel, "bot_username") : "";
}

Reply link(Context& context, const json& args, const control::Peer& peer) {
    const std::string person_id = *string_arg(args, "person");
    if (auto refusal = unknown_name("person", person_id, person_ids(context))) return *refusal;
    auto channel = channel_of(context, args);
    if (auto* refusal = std::get_if<Reply>(&channel)) return *refusal;
    const std::string& name = std::get<std::string>(channel);
    const Person* person = context.setup().plan.person(person_id);
    const Instant now = context.clock().now();
    const Instant expires = now + std::chrono::duration_cast<std::chrono::seconds>(kCodeLife);
    const std::string code = new_code();
    context.store.in_transaction([&] {
        context.store.add_link_code(code, person_id, name, expires);
        context.store.add_history(now, actor_of(peer).text(), "person.link_code", "person:" + person_id,
                                  "channel " + name + ", valid until " + format_instant_utc(expires));
    });
    const std::string bot = bot_username(context, name);
    const std::string url = bot.empty() ? "" : "https://t.me/" + bot + "?start=" + code;
    const Date until = context.setup().calendar->instant_to_local(expires).first;
    std::string text = "link code for " + person->name + " on channel " + name + ": " + code + " (once, until " +
                       format_date(until) + "); " +
                       (url.empty() ? "they send /start " + code + " to the bot (the bot's name is not known yet: set bot_username for a link)"
                                    : "they open " + url);
    return {control::ok, text,
            {{"person", person_id}, {"channel", name}, {"code", code}, {"expires", format_instant_utc(expires)}, {"url", url}}};
}

Reply links(Context& context, const json&, const control::Peer&) {
    json listed = json::array();
    std::string text;
    for (const auto& l : context.store.links()) {
        const Person* person = context.setup().plan.person(l.person);
        std::string name = person ? person->name : l.person;
        listed.push_back({{"person", l.person},
                          {"name", name},
                          {"channel", l.channel},
                          {"chat", l.chat},
                          {"user", l.user},
                          {"locale", l.locale},
                          {"linked_at", format_instant_utc(l.linked_at)}});
        text += (text.empty() ? "" : "\n") + name + " (" + l.person + "): " + l.channel + " chat " + l.chat +
                ", linked " + local_time_text(context, l.linked_at);
    }
    if (text.empty()) text = "nobody is linked";
    return {control::ok, text, {{"links", listed}}};
}

Reply unlink(Context& context, const json& args, const control::Peer& peer) {
    const std::string person_id = *string_arg(args, "person");
    auto channel = channel_of(context, args);
    if (auto* refusal = std::get_if<Reply>(&channel)) return *refusal;
    const std::string& name = std::get<std::string>(channel);
    const Instant now = context.clock().now();
    bool removed = context.store.in_transaction([&] {
        bool gone = context.store.remove_link(person_id, name);
        if (!gone) return false;
        context.store.add_history(now, actor_of(peer).text(), "person.unlinked", "person:" + person_id, "channel " + name);
        context.lifecycle.notices().follow_links(now);
        return true;
    });
    if (!removed) return {control::not_found, person_id + " is not linked on channel " + name};
    return {control::ok, person_id + " unlinked from channel " + name, {{"person", person_id}, {"channel", name}}};
}

// A one-time sign-in link to the web's dashboard (15 minutes, once).
Reply web_login(Context& context, const json& args, const control::Peer& peer) {
    const std::string person_id = *string_arg(args, "person");
    if (auto refusal = unknown_name("person", person_id, person_ids(context))) return *refusal;
    const auto& web = context.setup().config.web;
    if (!web.on()) return {control::error, "the web is off: set listen and base_url in [web] of tarat.toml"};
    const Instant now = context.clock().now();
    const Instant expires = now + std::chrono::duration_cast<std::chrono::seconds>(web::kSignInLife);
    std::string url = context.store.in_transaction([&] {
        context.store.add_history(now, actor_of(peer).text(), "person.web_login", "person:" + person_id,
                                  "valid until " + format_instant_utc(expires));
        return web::new_sign_in_link(context.store, web.base_url, person_id, now);
    });
    const Person* person = context.setup().plan.person(person_id);
    return {control::ok,
            "sign-in link for " + person->name + " (once, until " + local_time_text(context, expires) + "): " + url,
            {{"person", person_id}, {"url", url}, {"expires", format_instant_utc(expires)}}};
}

}  // namespace

void add_link_handlers(Context& context, Handlers& handlers) {
    handlers["web-login"] = bind(context, web_login);
    handlers["link"] = bind(context, link);
    handlers["links"] = bind(context, links);
    handlers["unlink"] = bind(context, unlink);
}

}  // namespace tarat::commands
