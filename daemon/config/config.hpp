#pragma once
// The daemon's settings (tarat.toml) → Config.
#include "core/diagnostic.hpp"
#include "core/notice.hpp"
#include "core/span.hpp"

#include <filesystem>
#include <map>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

namespace tarat {

struct WorkingHours {
    int start_minutes = 9 * 60;
    int end_minutes = 18 * 60;
};

// A delivery channel: `[channel.NAME]` with `plugin` and the plugin's own keys.
struct ChannelConfig {
    std::string name;
    std::string plugin;
    std::string settings_json;  // the table's other keys, passed to the plugin as JSON
    SourcePos pos;
};

struct NotifyConfig {
    WorkingHours working_hours;
    std::vector<std::string> channels{"log", "file"};  // default channels
    std::string fallback = "log";
    // Reminder offsets for forms that name none.
    std::vector<Span> reminders{{Span::Unit::working_days, 10}, {Span::Unit::working_days, 3}, {Span::Unit::working_days, 1}};
    Span escalation_every{Span::Unit::working_days, 3};  // repeat an overdue notice this often…
    int escalation_max = 3;                               // …at most this many times
    unsigned digest_weekday = 1;                          // c encoding: 0 Sunday … 6 Saturday
    int digest_minutes = 9 * 60;                          // local time of day
    std::vector<NoticeKind> anytime;                      // kinds that may go out outside working hours
    // After downtime: false ("latest") sends one digest per recipient and one escalation per event,
    // the latest; true ("every") sends every one that was missed (load and crash tests).
    bool catch_up_every = false;
};

// `[web]`: the HTTP front end (signed links in notices, the dashboard). Off unless `listen` is set.
struct WebConfig {
    std::string listen;    // "127.0.0.1:8553", "[::1]:8553" or "unix:/run/tarat/web.sock"; "" = off
    std::string base_url;  // what people see, without a trailing '/': "https://tarat.example.kz"
    std::filesystem::path secret_file;  // HMAC key; relative to the state dir; default web.key
    bool on() const { return !listen.empty(); }
};

// `[inbound]`: who may take each action from a chat or a web page, narrowing the rule that lets an
// event's responsible, director, district head, the coordinator and the overseer act on it. An
// action (held, nothold, reported, postpone) not named here keeps all five roles.
struct InboundRights {
    static constexpr const char* kActions[] = {"held", "nothold", "reported", "postpone"};
    static constexpr const char* kRoles[] = {"responsible", "director", "district_head", "coordinator", "overseer"};
    std::map<std::string, std::vector<std::string>> roles;  // action → the roles that may take it
};

struct Config {
    std::filesystem::path file;          // the config file itself
    std::filesystem::path plan_file;     // relative paths are resolved against the config's folder
    std::filesystem::path state_dir = "/var/lib/tarat";
    std::filesystem::path socket_path = "/run/tarat/tarat.sock";
    std::filesystem::path plugin_dir;
    std::filesystem::path templates_dir;  // notice texts: <dir>/{kk,ru,en}/<kind>.mustache
    std::filesystem::path feeds_dir;      // iCalendar feeds written after every change; empty: none
    std::string admin_group = "tarat-admin";
    std::string locale = "kk";
    std::string log_level = "info";
    NotifyConfig notify;
    std::vector<ChannelConfig> channels;
    WebConfig web;
    InboundRights inbound;
};

std::optional<Config> load_config(const std::filesystem::path& file, Diagnostics& diagnostics);
// The same for text already in memory; relative paths resolve against `file`'s folder (the fuzz harness).
std::optional<Config> load_config_text(std::string_view text, const std::filesystem::path& file,
                                       Diagnostics& diagnostics);

}  // namespace tarat
