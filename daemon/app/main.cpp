// taratd: the tarat daemon and its offline tools (check, schedule).
#include "app/daemon.hpp"
#include "schedule/event_json.hpp"
#include "core/exit_codes.hpp"
#include "core/terms.hpp"
#include "core/text.hpp"
#include "app/fault_injection.hpp"
#include "app/logging.hpp"
#include "preview/preview.hpp"
#include "app/state_lock.hpp"
#include "app/systemd.hpp"
#include "core/atomic_file.hpp"
#include "sheet/importer.hpp"
#include "sheet/template.hpp"
#include "control/server.hpp"

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <sys/stat.h>

#include <csignal>
#include <iostream>
#include <map>
#include <set>
#include <stdlib.h>

namespace {

using namespace tarat;

struct Arguments {
    std::string config = "/etc/tarat/tarat.toml";
    std::string state_dir, socket, plugin_dir;
    std::string lang;  // schedule: kk, ru or en; "" = the config's locale
    std::string from, to, centre;
    std::string pretend_now;
    std::vector<std::string> assume;  // testing aid: run as if the clock read this instant at start
    bool json = false;
    bool diff = false;  // check --diff
    std::string sheet, output, base, sheet_name;  // import
    bool bodies = false;
};

SetupOverrides overrides_of(const Arguments& a) {
    SetupOverrides o;
    if (!a.state_dir.empty()) o.state_dir = a.state_dir;
    if (!a.socket.empty()) o.socket_path = a.socket;
    if (!a.plugin_dir.empty()) o.plugin_dir = a.plugin_dir;
    return o;
}

// Loads everything; prints every problem to stderr. nullopt means exit 78.
std::optional<Setup> load_or_report(const Arguments& a) {
    Diagnostics diagnostics;
    auto setup = load_setup(a.config, overrides_of(a), diagnostics);
    std::cerr << diagnostics.format();
    if (!setup) std::cerr << "taratd: " << diagnostics.error_count() << " error(s) in the configuration\n";
    return setup;
}

// What the plan's rules cannot keep: events they cannot place, regional events sharing a day.
void warn_about_placement(const Setup& setup, std::ostream& err) {
    const auto schedule = place(setup.plan, *setup.calendar);
    const std::string& file = setup.plan.source_file;
    for (const auto& u : schedule.unplaced)
        err << file << ": warning: rule " << u.rule << " cannot place its event at " << u.centre << " in " << u.period
            << ": " << u.reason << "\n";
    for (const auto& c : schedule.clashes) err << file << ": warning: " << c << "\n";
}

std::unique_ptr<Clock> clock_of(const Arguments& a) {
    if (a.pretend_now.empty()) return std::make_unique<SystemClock>();
    auto start = parse_instant(a.pretend_now);
    if (!start) throw CLI::ValidationError("--pretend-now", "'" + a.pretend_now + "' is not an ISO 8601 instant");
    return std::make_unique<OffsetClock>(*start);
}

// What a reload of these files would do to the daemon's database: worked out on a copy of it, so
// the database itself is only read (a running daemon is not disturbed).
int check_diff(const Arguments& a, Setup setup) {
    const auto db_file = setup.config.state_dir / "tarat.db";
    if (!std::filesystem::exists(db_file)) {
        std::cerr << "taratd: no database in " << setup.config.state_dir << ": nothing to compare with\n";
        return exit_code::data;
    }
    auto clock = clock_of(a);
    const auto image = Store::open_read_only(db_file)->backup_image();
    char scratch_template[] = "/tmp/taratd-diff-XXXXXX";
    if (!::mkdtemp(scratch_template)) throw std::runtime_error("cannot make a scratch directory in /tmp");
    const std::filesystem::path scratch = scratch_template;
    struct Cleanup {
        std::filesystem::path dir;
        ~Cleanup() { std::error_code ec; std::filesystem::remove_all(dir, ec); }
    } cleanup{scratch};
    write_file_atomically(scratch / "tarat.db", image, 0600);
    auto copy = Store::open(scratch / "tarat.db");
    auto shared = std::make_shared<const Setup>(std::move(setup));
    EventLifecycle lifecycle(*copy, *clock, shared);
    PlanOptions options;
    options.dry_run = true;
    auto applied = lifecycle.apply_plan(shared, Actor::system("taratd:check --diff"), options);
    for (const auto& d : applied.diff) std::cout << diff_line(d) << "\n";
    std::cout << applied.diff.size() << " events would change (" << applied.change_count
              << " changes to the database in all); nothing changed\n";
    return exit_code::ok;
}

int check(const Arguments& a) {
    auto setup = load_or_report(a);
    if (!setup) return exit_code::config;
    warn_about_placement(*setup, std::cerr);
    if (a.diff) return check_diff(a, std::move(*setup));
    std::cout << summarize(*setup) << "configuration OK\n";
    return exit_code::ok;
}

std::optional<Date> date_arg(const std::string& text, const char* flag) {
    if (text.empty()) return std::nullopt;
    auto day = parse_date(text);
    if (!day) throw CLI::ValidationError(flag, "'" + text + "' is not a date YYYY-MM-DD");
    return day;
}

// What the daemon's database holds: pins for placement, and each stored event's state to show
// beside the plan's view. Reading it changes nothing.
struct StoredView {
    PlacementInput input;
    std::map<std::string, StoredEvent> events;
};

StoredView stored_in_state_dir(const std::filesystem::path& state_dir) {
    auto db_file = state_dir / "tarat.db";
    StoredView view;
    if (!std::filesystem::exists(db_file)) return view;
    try {
        for (auto& stored : Store::open_read_only(db_file)->events({})) {
            // As the daemon places: pins stay, and so do events with an outcome.
            if (stored.event.pinned) view.input.pinned.push_back(stored.event);
            else if (stored.state != EventState::planned) view.input.settled.push_back(stored.event);
            view.events.emplace(stored.event.id, std::move(stored));
        }
    } catch (const std::exception& e) {
        std::cerr << "taratd: warning: stored events not read: " << e.what() << "\n";
    }
    return view;
}

// A rule's event that found no day, by the rule's title, the centre's and district's names and the
// period in words: "«Әдістемелік күн», «Еркемай» бөбекжайы, I тоқсан 2027: …".
std::string unplaced_line(const Plan& plan, const Unplaced& u, const std::string& locale) {
    std::string rule = u.rule;
    for (const auto& r : plan.rules)
        if (r.id == u.rule && !r.title.empty()) rule = "«" + r.title + "»";
    const Centre* centre = plan.centre(u.centre);
    const District* district = plan.district(u.district);
    return rule + ", " + (centre ? centre->name : u.centre) + ", " + period_text(u.period, locale) + ": " +
           unplaced_reason(u, locale, district ? district->name : u.district);
}

// One line per event, by centre, in `locale` (dates DD.MM.YYYY, the form's and the day's names);
// the summary and warnings after it are the daemon's English, as `taratd check` prints them.
void print_schedule_text(const Setup& setup, const Schedule& schedule, const StoredView& stored,
                         const std::string& locale, std::ostream& out) {
    std::string current_centre;
    std::vector<const ScheduledEvent*> ordered;
    for (const auto& e : schedule.events) ordered.push_back(&e);
    std::stable_sort(ordered.begin(), ordered.end(), [&](auto* a, auto* b) {
        auto index = [&](const std::string& id) {
            for (size_t i = 0; i < setup.plan.centres.size(); ++i)
                if (setup.plan.centres[i].id == id) return i;
            return setup.plan.centres.size();
        };
        return index(a->centre) < index(b->centre);
    });
    for (const auto* e : ordered) {
        if (e->centre != current_centre) {
            current_centre = e->centre;
            const auto* c = setup.plan.centre(e->centre);
            out << "\n" << e->centre << "  " << (c ? c->name : "") << "\n";
        }
        const auto* form = setup.plan.form(e->form);
        out << "  " << format_dotted(e->date) << " " << weekday_short(locale, e->date) << " "
            << format_hhmm(e->start_minutes) << "-" << format_hhmm(e->end_minutes) << "  "
            << (form ? form->name.in(locale) : e->form) << "  " << e->title << "  [" << e->source
            << (e->pinned ? ", pinned" : "") << "] " << e->id;
        if (auto found = stored.events.find(e->id); found != stored.events.end())
            if (auto state = stored_text(locale, found->second); !state.empty()) out << "  — " << state;
        out << "\n";
    }
    // The summary's own words and the reasons a rule's event found no day; the warnings are
    // placement's English.
    static const Term kPlaced{"{n} іс-шара, әр ереже орналастырылды", "мероприятий: {n}, все правила размещены",
                              "{n} events, every rule placed"};
    static const Term kUnplaced{"{n} іс-шара, {m} орналастырылмады:", "мероприятий: {n}, не удалось разместить: {m}",
                                "{n} events, {m} could not be placed:"};
    static const Term kPinnedMoves{"бекітілген: {id} {date} күні қалады; бекітілмесе, {to} күніне ауысар еді",
                                   "закреплено: {id} остаётся {date}; без закрепления перешло бы на {to}",
                                   "pinned: {id} stays on {date}; unpinned it would move to {to}"};
    static const Term kPinnedDrops{"бекітілген: {id} {date} күні қалады; бекітілмесе, жоспардан шығар еді",
                                   "закреплено: {id} остаётся {date}; без закрепления выпало бы из плана",
                                   "pinned: {id} stays on {date}; unpinned it would no longer be planned"};
    static const Term kWarning{"ескерту", "предупреждение", "warning"};
    const std::string n = std::to_string(schedule.events.size());
    out << "\n";
    if (schedule.unplaced.empty()) out << fill(std::string(kPlaced.in(locale)), {{"n", n}}) << "\n";
    else {
        out << fill(std::string(kUnplaced.in(locale)), {{"n", n}, {"m", std::to_string(schedule.unplaced.size())}}) << "\n";
        for (const auto& u : schedule.unplaced) out << "  " << unplaced_line(setup.plan, u, locale) << "\n";
    }
    for (const auto& d : schedule.drift)
        out << fill(std::string((d.would_be ? kPinnedMoves : kPinnedDrops).in(locale)),
                    {{"id", d.event_id},
                     {"date", format_dotted(d.pinned_date)},
                     {"to", d.would_be ? format_dotted(*d.would_be) : std::string()}})
            << "\n";
    for (const auto& c : schedule.clashes) out << kWarning.in(locale) << ": " << c << "\n";
    for (const auto& w : schedule.warnings) out << kWarning.in(locale) << ": " << w << "\n";
}

int schedule(const Arguments& a) {
    auto setup = load_or_report(a);
    if (!setup) return exit_code::config;
    auto from = date_arg(a.from, "--from");
    auto to = date_arg(a.to, "--to");
    if (!a.centre.empty() && !setup->plan.centre(a.centre)) {
        std::cerr << "taratd: unknown centre '" << a.centre << "'\n";
        return exit_code::usage;
    }
    const StoredView stored = stored_in_state_dir(setup->config.state_dir);
    auto result = place(setup->plan, *setup->calendar, stored.input);
    std::erase_if(result.events, [&](const ScheduledEvent& e) {
        return (from && e.date < *from) || (to && e.date > *to) || (!a.centre.empty() && e.centre != a.centre);
    });
    if (!a.centre.empty()) std::erase_if(result.unplaced, [&](const Unplaced& u) { return u.centre != a.centre; });
    if (a.json) {
        auto j = to_json(result);
        for (auto& e : j["events"])
            if (auto found = stored.events.find(e["id"].get<std::string>()); found != stored.events.end()) {
                e["state"] = state_name(found->second.state);
                if (found->second.postponed_from) e["postponed_from"] = format_date(*found->second.postponed_from);
            }
        std::cout << j.dump(2) << "\n";
    } else {
        print_schedule_text(*setup, result, stored, a.lang.empty() ? setup->config.locale : a.lang, std::cout);
    }
    return exit_code::ok;
}

PreviewAssumptions parse_assumptions(const std::vector<std::string>& items) {
    PreviewAssumptions assume;
    for (const auto& item : items) {
        if (item == "held=on-day") assume.held = PreviewAssumptions::Held::on_day;
        else if (item == "held=never") assume.held = PreviewAssumptions::Held::never;
        else if (item == "report=on-time") assume.report = PreviewAssumptions::Report::on_time;
        else if (item == "report=late") assume.report = PreviewAssumptions::Report::late;
        else if (item == "report=never") assume.report = PreviewAssumptions::Report::never;
        else
            throw CLI::ValidationError("--assume", "'" + item + "': use held=on-day|never or report=on-time|late|never");
    }
    return assume;
}

int preview_cmd(const Arguments& a) {
    auto from = date_arg(a.from, "--from");
    auto to = date_arg(a.to, "--to");
    if (!from || !to) throw CLI::ValidationError("--from/--to", "both are required");
    if (*to < *from) throw CLI::ValidationError("--to", "ends before --from");
    auto assume = parse_assumptions(a.assume);
    auto setup = load_or_report(a);
    if (!setup) return exit_code::config;
    setup_logging(setup->config.log_level);  // to stderr: stdout is the preview
    PreviewOptions options{*from, *to, assume, std::nullopt, a.bodies};
    if (!a.state_dir.empty()) options.state_dir = setup->config.state_dir;
    // Written as the simulation goes: a national plan's half year is ~200,000 notices.
    std::size_t count = 0;
    if (a.json) {
        PreviewJsonWriter writer(std::cout, *setup, a.bodies);
        count = preview(*setup, options, [&](const PreviewNotice& n) { writer.add(n); });
        writer.finish();
    } else {
        count = preview(*setup, options, [&](const PreviewNotice& n) { write_preview_line(std::cout, *setup, n, a.bodies); });
        std::cout << count << " notices\n";
    }
    return exit_code::ok;
}

// A sheet of events → a plan file; every problem at its cell, nothing written unless all is well.
int import_cmd(const Arguments& a) {
    std::optional<std::string> sheet_name;
    if (!a.sheet_name.empty()) sheet_name = a.sheet_name;
    sheet::ImportResult result;
    try {
        result = sheet::import_sheet(sheet::read_sheet(a.sheet, sheet_name), a.base, a.output);
    } catch (const sheet::SheetError& e) {
        std::cerr << e.what() << "\n";
        return exit_code::data;
    }
    for (const auto& line : result.errors) std::cerr << line << "\n";
    if (result.base_invalid) {
        std::cerr << "taratd: the base plan " << a.base << " is not valid\n";
        return exit_code::config;
    }
    if (!result.errors.empty()) {
        std::cerr << "taratd: " << result.errors.size() << " error(s) in " << a.sheet << "; nothing written\n";
        return exit_code::data;
    }
    try {
        write_file_atomically(a.output, result.plan_text, 0644);
    } catch (const std::exception& e) {
        std::cerr << "taratd: cannot write " << a.output << ": " << e.what() << "\n";
        return exit_code::cant_create;
    }
    std::cout << a.output << ": " << result.events << (result.events == 1 ? " event" : " events") << " from " << a.sheet;
    if (result.by_rules) std::cout << " (" << result.by_rules << " more rows are placed by the base's rules)";
    std::cout << "\n";
    return exit_code::ok;
}

// The import template from the column table: .xlsx (with instructions) or .csv, by the name.
int template_cmd(const Arguments& a) {
    try {
        if (std::filesystem::path(a.output).extension() == ".csv") write_file_atomically(a.output, sheet::template_csv(), 0644);
        else sheet::write_template_xlsx(a.output);
    } catch (const std::exception& e) {
        std::cerr << "taratd: " << e.what() << "\n";
        return exit_code::cant_create;
    }
    return exit_code::ok;
}

// A socket path another taratd serves: found before the state dir is touched, so a second daemon
// started with another state dir writes nothing there (the store, the lock) before giving up.
std::optional<std::string> socket_in_use(const std::filesystem::path& socket_path) {
    try {
        if (control::socket_answers(socket_path))
            return "another taratd is already listening on " + socket_path.string();
    } catch (const std::system_error&) {
        // Cannot tell (no rights to probe it): listen() reports what is wrong with the path.
    }
    return std::nullopt;
}

int run(const Arguments& a) {
    auto setup = load_or_report(a);
    if (!setup) return exit_code::config;
    setup_logging(setup->config.log_level);
    try {
        DaemonOptions options{a.config, overrides_of(a)};
        options.activated_socket = socket_from_systemd();
        if (!options.activated_socket) {
            if (auto in_use = socket_in_use(setup->config.socket_path)) {
                spdlog::critical("{}", *in_use);
                return exit_code::temp_fail;
            }
        }
        StateLock lock(setup->config.state_dir);
        if (auto fault = install_storage_faults_from_env()) spdlog::warn("{}", *fault);
        auto clock = clock_of(a);
        Daemon daemon(std::move(options), std::move(*setup), *clock);
        return daemon.run();
    } catch (const CLI::ValidationError& e) {
        spdlog::critical("{}", e.what());
        return exit_code::usage;
    } catch (const control::AlreadyRunning& e) {  // it began listening since the check above
        spdlog::critical("{}", e.what());
        return exit_code::temp_fail;
    } catch (const StateDirLocked& e) {
        spdlog::critical("{}", e.what());
        return exit_code::temp_fail;
    } catch (const StateDirUnusable& e) {
        spdlog::critical("{}", e.what());
        return exit_code::cant_create;
    } catch (const std::exception& e) {
        spdlog::critical("{}", e.what());
        return exit_code::software;
    }
}


// The database holds people's addresses: whoever starts taratd (by hand, with umask 022), what it
// creates is for its user and group only (dirs 0750, files 0640). A stricter umask is kept.
void restrict_umask() {
    const mode_t inherited = ::umask(027);
    ::umask(inherited | 027);
}

}  // namespace

int main(int argc, char** argv) {
    restrict_umask();
    // A peer that hangs up (a socket client, a plugin's server) must not kill the daemon.
    std::signal(SIGPIPE, SIG_IGN);
    // Past a file size limit (RLIMIT_FSIZE) a write must fail with EFBIG, which the store and the
    // file channel report and retry, instead of the signal ending the daemon.
    std::signal(SIGXFSZ, SIG_IGN);
    CLI::App app{"taratd — schedules and tracks the events of a dissemination plan"};
    app.set_version_flag("--version", "taratd " TARAT_VERSION);
    Arguments a;
    auto add_config = [&](CLI::App* sub) {
        sub->add_option("--config,-c", a.config, "the daemon's config file")->capture_default_str();
    };
    auto* run_cmd = app.add_subcommand("run", "run the daemon (the default)");
    add_config(run_cmd);
    run_cmd->add_option("--state-dir", a.state_dir, "where the database and notices live (overrides the config)");
    run_cmd->add_option("--socket", a.socket, "the control socket's path (overrides the config)");
    run_cmd->add_option("--plugin-dir", a.plugin_dir, "where notice plugins are loaded from (overrides the config)");
    run_cmd->add_option("--pretend-now", a.pretend_now,
                        "testing aid: start the clock at this ISO 8601 instant (e.g. 2026-12-01T09:00:00+05:00)");
    auto* check_cmd = app.add_subcommand("check", "check config, plan and calendar; print a summary or every error");
    add_config(check_cmd);
    check_cmd->add_flag("--diff", a.diff, "list what a reload would add, remove, move and leave in conflict; change nothing");
    check_cmd->add_option("--state-dir", a.state_dir, "with --diff: the daemon's state dir (overrides the config)");
    check_cmd->add_option("--pretend-now", a.pretend_now, "with --diff, testing aid: today as of this ISO 8601 instant");
    auto* schedule_cmd = app.add_subcommand("schedule", "print the dated schedule; writes nothing");
    add_config(schedule_cmd);
    schedule_cmd->add_option("--state-dir", a.state_dir, "read pins from this state dir (overrides the config)");
    schedule_cmd->add_option("--from", a.from, "first date YYYY-MM-DD");
    schedule_cmd->add_option("--to", a.to, "last date YYYY-MM-DD");
    schedule_cmd->add_option("--centre", a.centre, "one centre's events");
    schedule_cmd->add_flag("--json", a.json, "print JSON");
    schedule_cmd->add_option("--lang", a.lang, "kk, ru or en (default: the config's locale); --json stays ISO and ids")
        ->check(CLI::IsMember({"kk", "ru", "en"}));
    auto* preview_sub = app.add_subcommand("preview", "every notice that would go out, on a simulated clock");
    add_config(preview_sub);
    preview_sub->add_option("--from", a.from, "first day YYYY-MM-DD")->required();
    preview_sub->add_option("--to", a.to, "last day YYYY-MM-DD")->required();
    preview_sub->add_option("--assume", a.assume, "held=on-day|never, report=on-time|late|never (repeatable)");
    preview_sub->add_flag("--json", a.json, "print JSON");
    auto* import_sub = app.add_subcommand("import", "write a plan from a sheet of events (.xlsx, .ods, .csv) and a base plan");
    import_sub->add_option("sheet", a.sheet, "the sheet: .xlsx, .ods or .csv (UTF-8, ';' or ',')")->required();
    import_sub->add_option("-o,--output", a.output, "the plan file to write")->required();
    import_sub->add_option("--base", a.base, "the plan whose people, districts, centres, forms and rules to keep")->required();
    import_sub->add_option("--sheet", a.sheet_name, "the sheet's name (default: the first)");
    auto* template_sub = app.add_subcommand("template", "write the import template: .xlsx (with instructions) or .csv");
    template_sub->add_option("-o,--output", a.output, "the file to write (.xlsx or .csv)")->required();
    preview_sub->add_option("--state-dir", a.state_dir, "start from the state stored here (events as they stand)");
    preview_sub->add_flag("--bodies", a.bodies, "each notice's rendered body too");
    app.require_subcommand(0, 1);

    // `run` is the default: `taratd --config F` means `taratd run --config F`.
    std::vector<std::string> args(argv + 1, argv + argc);
    static const std::set<std::string> known{"run", "check", "schedule", "preview", "import", "template", "--help", "-h", "--version"};
    if (args.empty() || !known.count(args.front())) args.insert(args.begin(), "run");
    std::reverse(args.begin(), args.end());  // CLI11 takes them reversed
    try {
        app.parse(args);
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e);
        return code == 0 ? 0 : exit_code::usage;
    }
    try {
        if (*check_cmd) return check(a);
        if (*schedule_cmd) return schedule(a);
        if (*preview_sub) return preview_cmd(a);
        if (*import_sub) return import_cmd(a);
        if (*template_sub) return template_cmd(a);
        return run(a);
    } catch (const CLI::ParseError& e) {
        std::cerr << "taratd: " << e.what() << "\n";
        return exit_code::usage;
    }
}
