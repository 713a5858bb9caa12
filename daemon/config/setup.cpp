#include "config/setup.hpp"

#include "config/days_off_loader.hpp"
#include "config/plan_loader.hpp"
#include "config/routing.hpp"
#include "core/input_file.hpp"

#include <date/tz.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string_view>

namespace tarat {

std::string describe_day_off(const WorkingCalendar& calendar, Date day) {
    if (const auto* e = calendar.entry(day); e && is_day_off_kind(e->kind)) {
        std::string text = e->name.in("en").empty() ? e->name.in("kk") : e->name.in("en");
        if (e->status != DayStatus::verified) text += ", " + std::string(day_status_name(e->status));
        return "a day off (" + text + ")";
    }
    return "a day off (" + std::string(weekday_name(date::weekday{day}.c_encoding())) + ")";
}

namespace {

// A fixed event on a day off is an error at its date, suggesting the nearest working days.
void check_fixed_event_days(const Plan& plan, const WorkingCalendar& calendar, Diagnostics& d) {
    for (size_t i = 0; i < plan.events.size(); ++i) {
        const auto& e = plan.events[i];
        if (calendar.is_working_day(e.date)) continue;
        Date before = calendar.previous_working_day_on_or_before(e.date);
        Date after = calendar.next_working_day_on_or_after(e.date);
        d.error(e.date_pos,
                "event '" + e.id + "' is on " + format_date(e.date) + ", " + describe_day_off(calendar, e.date) +
                    "; nearest working days: " + format_date(before) + " and " + format_date(after),
                "event[" + std::to_string(i) + "].date");
    }
}

void warn_computed_years(const Plan& plan, const WorkingCalendar& calendar, const SourcePos& at, Diagnostics& d) {
    int first = int(date::year_month_day{plan.from}.year());
    int last = int(date::year_month_day{plan.to}.year());
    for (int y = first; y <= last; ++y)
        if (calendar.year_is_computed(y))
            d.warning(at, "the days-off file does not cover " + std::to_string(y) +
                              ": its days off are computed by the law's rules, without Kurban Ait",
                      "plan.calendar");
}

// The channel keys that name a secret-bearing file; plugins resolve them against the state dir.
constexpr std::array<std::string_view, 3> kSecretKeys{"password_file", "secret_file", "token_file"};

// A secret anybody on the machine can read is no secret: say so before the daemon relies on it.
void warn_exposed_secrets(const Config& config, Diagnostics& d) {
    for (const auto& channel : config.channels) {
        const auto settings = nlohmann::json::parse(channel.settings_json, nullptr, false);
        if (!settings.is_object()) continue;
        for (auto key : kSecretKeys) {
            auto value = settings.find(std::string(key));
            if (value == settings.end() || !value->is_string()) continue;
            std::filesystem::path file = value->get<std::string>();
            if (file.is_relative()) file = config.state_dir / file;
            const std::string where = "channel." + channel.name + "." + std::string(key);
            struct stat st {};
            if (::stat(file.c_str(), &st) != 0) {
                d.warning(channel.pos, std::string(key) + " " + file.string() + ": " + std::strerror(errno) +
                                           " (the channel cannot open without it)", where);
            } else if (!S_ISREG(st.st_mode)) {
                d.error(channel.pos, std::string(key) + " " + file.string() + " is " + file_type_name(st.st_mode) +
                                         ", not a regular file", where);
            } else if (st.st_mode & (S_IROTH | S_IWOTH)) {
                d.warning(channel.pos, std::string(key) + " " + file.string() +
                                           " may be read by any user on this machine: chmod o-rwx it", where);
            }
        }
    }
}

}  // namespace

std::optional<Setup> load_setup(const std::filesystem::path& config_file, const SetupOverrides& overrides,
                                Diagnostics& diagnostics) {
    Diagnostics local;
    auto config = load_config(config_file, local);
    std::optional<Plan> plan;
    std::optional<DaysOffTable> days_off;
    if (config) {
        if (overrides.state_dir) config->state_dir = std::filesystem::absolute(*overrides.state_dir).lexically_normal();
        if (overrides.socket_path) config->socket_path = std::filesystem::absolute(*overrides.socket_path).lexically_normal();
        if (overrides.plugin_dir) config->plugin_dir = std::filesystem::absolute(*overrides.plugin_dir).lexically_normal();
        plan = load_plan(config->plan_file, local);
    }
    SourcePos calendar_pos{config ? config->plan_file.string() : std::string{}, 0, 0};
    if (plan) {
        auto calendar_file = config->plan_file.parent_path() / plan->calendar_file;
        Diagnostics calendar_diagnostics;
        days_off = load_days_off(calendar_file, calendar_diagnostics);
        local.append(calendar_diagnostics);
    }
    std::shared_ptr<const WorkingCalendar> calendar;
    if (plan && days_off) {
        try {
            const auto& hours = config->notify.working_hours;
            calendar = std::make_shared<const WorkingCalendar>(*days_off, date::locate_zone(plan->timezone),
                                                               hours.start_minutes, hours.end_minutes);
            check_fixed_event_days(*plan, *calendar, local);
            warn_computed_years(*plan, *calendar, calendar_pos, local);
        } catch (const std::exception& e) {
            local.error(calendar_pos, std::string("cannot build the working calendar: ") + e.what());
        }
    }
    std::shared_ptr<const TemplateSet> templates;
    if (config) {
        templates = std::make_shared<const TemplateSet>(TemplateSet::load(config->templates_dir, local));
        if (plan) Routing(*config).check(*plan, local);
        warn_exposed_secrets(*config, local);
    }
    diagnostics.append(local);
    if (local.has_errors() || !calendar) return std::nullopt;
    return Setup{std::move(*config), std::move(*plan), std::move(calendar), std::move(templates)};
}

std::string summarize(const Setup& setup) {
    const auto& p = setup.plan;
    std::string out;
    out += "plan " + p.id + ": " + p.title + "\n";
    out += "period " + format_date(p.from) + " … " + format_date(p.to) + ", time zone " + p.timezone + "\n";
    const auto* overseer = p.person(p.overseer);
    const auto* coordinator = p.person(p.coordinator);
    out += "overseer " + p.overseer + (overseer ? " (" + overseer->name + ")" : "") + ", coordinator " + p.coordinator +
           (coordinator ? " (" + coordinator->name + ")" : "") + "\n";
    out += std::to_string(p.centres.size()) + " centres:\n";
    for (const auto& c : p.centres) {
        size_t events = 0;
        for (const auto& e : p.events) events += e.centre == c.id;
        const auto* district = p.district(c.district);
        out += "  " + c.id + "  " + c.name + "  [" + (district ? district->name : c.district) + "], " +
               std::to_string(events) + " fixed events\n";
    }
    out += std::to_string(p.people.size()) + " people, " + std::to_string(p.districts.size()) + " districts, " +
           std::to_string(p.forms.size()) + " forms, " + std::to_string(p.events.size()) + " fixed events, " +
           std::to_string(p.rules.size()) + " rules\n";
    out += "state in " + setup.config.state_dir.string() + ", socket " + setup.config.socket_path.string() + "\n";
    return out;
}

}  // namespace tarat
