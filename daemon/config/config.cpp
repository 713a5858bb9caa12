#include "config/config.hpp"

#include "config/table_reader.hpp"
#include "config/toml_guard.hpp"

#include <spdlog/common.h>

#include <algorithm>
#include <sstream>

#ifndef TARAT_DEFAULT_PLUGIN_DIR
#define TARAT_DEFAULT_PLUGIN_DIR "/usr/lib/tarat/plugins"
#endif

namespace tarat {
namespace {

using Need = TableReader::Need;

std::filesystem::path resolve(const std::filesystem::path& base, const std::string& value) {
    std::filesystem::path p(value);
    return p.is_absolute() ? p : (base / p).lexically_normal();
}

void read_daemon(TableReader& r, Config& c) {
    auto base = c.file.parent_path();
    if (auto plan = r.string("plan", Need::required)) c.plan_file = resolve(base, *plan);
    if (auto dir = r.string("state_dir", Need::optional)) c.state_dir = resolve(base, *dir);
    if (auto socket = r.string("socket", Need::optional)) c.socket_path = resolve(base, *socket);
    if (auto dir = r.string("plugin_dir", Need::optional)) c.plugin_dir = resolve(base, *dir);
    c.templates_dir = resolve(base, r.string("templates", Need::optional).value_or("templates"));
    if (auto dir = r.string("feeds_dir", Need::optional)) c.feeds_dir = resolve(base, *dir);
    c.admin_group = r.string("admin_group", Need::optional).value_or(c.admin_group);
    if (auto locale = r.string("locale", Need::optional)) {
        if (*locale != "kk" && *locale != "ru" && *locale != "en") r.error_at("locale", "locale '" + *locale + "' is not one of kk, ru, en");
        else c.locale = *locale;
    }
    if (auto level = r.string("log_level", Need::optional)) {
        if (spdlog::level::from_str(*level) == spdlog::level::off && *level != "off")
            r.error_at("log_level", "log_level '" + *level + "' is not one of trace, debug, info, warning, error, critical, off");
        else c.log_level = *level;
    }
}

void read_web(TableReader& r, Config& c) {
    if (auto listen = r.string("listen", Need::optional)) {
        bool unix_path = listen->rfind("unix:/", 0) == 0;
        auto colon = listen->rfind(':');
        if (!unix_path && (colon == std::string::npos || colon == 0 || colon + 1 == listen->size()))
            r.error_at("listen", "listen '" + *listen + "' is neither HOST:PORT nor unix:/PATH");
        else c.web.listen = *listen;
    }
    if (auto url = r.string("base_url", Need::optional)) {
        std::string base = *url;
        while (!base.empty() && base.back() == '/') base.pop_back();
        if (base.rfind("http://", 0) != 0 && base.rfind("https://", 0) != 0)
            r.error_at("base_url", "base_url '" + *url + "' does not begin with http:// or https://");
        else c.web.base_url = base;
    }
    c.web.secret_file = r.string("secret_file", Need::optional).value_or("web.key");
    if (!c.web.listen.empty() && c.web.base_url.empty())
        r.error_at("listen", "[web] listen needs base_url: the address people see in their links");
}

void read_inbound(TableReader& r, Config& c) {
    const std::vector<std::string> roles(std::begin(InboundRights::kRoles), std::end(InboundRights::kRoles));
    for (const char* action : InboundRights::kActions) {
        auto named = r.strings(action, Need::optional);
        if (!named) continue;
        for (const auto& role : *named)
            if (std::find(roles.begin(), roles.end(), role) == roles.end())
                r.error_at(action, "unknown role '" + role + "'" + did_you_mean(role, roles) +
                                       ": use responsible, director, district_head, coordinator or overseer");
        c.inbound.roles[action] = *named;
    }
}

void read_notify(TableReader& r, Config& c) {
    if (const auto* hours = r.table("working_hours", Need::optional)) {
        TableReader h(*hours, r.path("working_hours"), r.file(), r.diagnostics());
        auto start = h.time_of_day("start", Need::required);
        auto end = h.time_of_day("end", Need::required);
        if (start && end && *start >= *end) h.error_at("end", "working hours end before they start");
        else if (start && end) c.notify.working_hours = {*start, *end};
        h.finish();
    }
    if (auto channels = r.strings("channels", Need::optional)) c.notify.channels = *channels;
    c.notify.fallback = r.string("fallback", Need::optional).value_or(c.notify.fallback);
    if (auto reminders = r.strings("reminders", Need::optional)) {
        c.notify.reminders.clear();
        for (const auto& text : *reminders) {
            if (auto span = parse_span(text)) c.notify.reminders.push_back(*span);
            else r.error_at("reminders", "'" + text + "' is not a duration: " + std::string(kSpanSyntax));
        }
    }
    if (auto every = r.span("escalation_every", Need::optional)) {
        if (every->unit == Span::Unit::minutes || every->count < 1)
            r.error_at("escalation_every", "escalation_every is at least 1 day or working day");
        else c.notify.escalation_every = *every;
    }
    if (auto max = r.integer("escalation_max", Need::optional)) {
        if (*max < 0 || *max > 100) r.error_at("escalation_max", "escalation_max is between 0 and 100");
        else c.notify.escalation_max = static_cast<int>(*max);
    }
    if (const auto* digest = r.table("digest", Need::optional)) {
        TableReader d(*digest, r.path("digest"), r.file(), r.diagnostics());
        if (auto day = d.string("day", Need::optional)) {
            if (auto wd = parse_weekday(*day)) c.notify.digest_weekday = *wd;
            else d.error_at("day", "unknown weekday '" + *day + "': use mon, tue, wed, thu, fri, sat, sun");
        }
        c.notify.digest_minutes = d.time_of_day("time", Need::optional).value_or(c.notify.digest_minutes);
        d.finish();
    }
    if (auto catch_up = r.string("catch_up", Need::optional)) {
        if (*catch_up == "latest" || *catch_up == "every") c.notify.catch_up_every = *catch_up == "every";
        else r.error_at("catch_up", "catch_up is 'latest' or 'every', not '" + *catch_up + "'");
    }
    if (auto anytime = r.strings("anytime", Need::optional)) {
        for (const auto& name : *anytime) {
            if (auto kind = parse_kind(name)) c.notify.anytime.push_back(*kind);
            else r.error_at("anytime", "unknown notice kind '" + name + "': use reminder, held_check, report_due, "
                                        "overdue, escalation, change or digest");
        }
    }
}

std::string table_to_json(const toml::table& t, std::string_view skip) {
    toml::table copy = t;
    copy.erase(skip);
    std::ostringstream out;
    out << toml::json_formatter{copy};
    return out.str();
}

void read_channels(const toml::table& t, Config& c, Diagnostics& d) {
    for (const auto& [key, value] : t) {
        std::string path = "channel." + std::string(key.str());
        const auto* entry = value.as_table();
        if (!entry) {
            d.error(pos_of(value.source(), c.file.string()), "expected a table [" + path + "]", path);
            continue;
        }
        TableReader r(*entry, path, c.file.string(), d);
        ChannelConfig channel;
        channel.name = std::string(key.str());
        channel.pos = r.pos();
        channel.plugin = r.string("plugin", Need::required).value_or("");
        for (const auto& [k, v] : *entry) r.accept(k.str());  // the plugin checks its own keys
        channel.settings_json = table_to_json(*entry, "plugin");
        c.channels.push_back(std::move(channel));
    }
}

void check_channel_names(TableReader& notify, const Config& c) {
    std::vector<std::string> names;
    for (const auto& ch : c.channels) names.push_back(ch.name);
    auto known = [&](const std::string& n) { return std::find(names.begin(), names.end(), n) != names.end(); };
    for (const auto& n : c.notify.channels)
        if (!known(n)) notify.error_at("channels", "unknown channel '" + n + "'" + did_you_mean(n, names));
    if (!known(c.notify.fallback))
        notify.error_at("fallback", "unknown channel '" + c.notify.fallback + "'" + did_you_mean(c.notify.fallback, names));
}

std::optional<Config> read_config(const std::optional<toml::table>& root, const std::filesystem::path& file,
                                  Diagnostics& local, Diagnostics& diagnostics) {
    Config c;
    c.file = std::filesystem::absolute(file).lexically_normal();
    c.plugin_dir = TARAT_DEFAULT_PLUGIN_DIR;
    if (root) {
        TableReader top(*root, "", file.string(), local);
        if (const auto* t = top.table("daemon", Need::required)) {
            TableReader r(*t, "daemon", file.string(), local);
            read_daemon(r, c);
            r.finish();
        }
        if (const auto* t = top.table("channel", Need::optional)) read_channels(*t, c, local);
        if (c.channels.empty()) {
            // The embedded default: everything to the log and to a JSON-lines file in the state dir.
            c.channels.push_back({"log", "log", "{}", {}});
            c.channels.push_back({"file", "file", R"({"path":"notices.jsonl"})", {}});
        }
        if (const auto* t = top.table("web", Need::optional)) {
            TableReader r(*t, "web", file.string(), local);
            read_web(r, c);
            r.finish();
        }
        if (const auto* t = top.table("inbound", Need::optional)) {
            TableReader r(*t, "inbound", file.string(), local);
            read_inbound(r, c);
            r.finish();
        }
        const auto* notify_table = top.table("notify", Need::optional);
        toml::table empty;
        TableReader n(notify_table ? *notify_table : empty, "notify", file.string(), local);
        read_notify(n, c);
        check_channel_names(n, c);
        n.finish();
        top.finish();
    }
    diagnostics.append(local);
    if (local.has_errors()) return std::nullopt;
    return c;
}

}  // namespace

std::optional<Config> load_config(const std::filesystem::path& file, Diagnostics& diagnostics) {
    Diagnostics local;
    auto root = parse_input_toml_file(file, local);
    return read_config(root, file, local, diagnostics);
}

std::optional<Config> load_config_text(std::string_view text, const std::filesystem::path& file,
                                       Diagnostics& diagnostics) {
    Diagnostics local;
    auto root = parse_input_toml(text, file.string(), local);
    return read_config(root, file, local, diagnostics);
}

}  // namespace tarat
