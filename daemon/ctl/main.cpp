// taratctl: asks the running taratd over its control socket.
#include "app/exit_codes.hpp"
#include "control/client.hpp"
#include "ctl/labels.hpp"
#include "ctl/output_file.hpp"
#include "ctl/report.hpp"
#include "ctl/render.hpp"
#include "ctl/saved_output.hpp"
#include "ctl/text_table.hpp"
#include "ctl/unreachable.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <system_error>

namespace {

using namespace tarat;
using nlohmann::json;

constexpr const char* kDefaultSocket = "/run/tarat/tarat.sock";

std::string socket_path(const std::string& flag) {
    if (!flag.empty()) return flag;
    if (const char* env = std::getenv("TARAT_SOCKET"); env && *env) return env;
    return kDefaultSocket;
}

int exit_code_for(int result) {
    switch (result) {
        case 0: return exit_code::ok;
        case 2: return exit_code::usage;    // unknown command
        case 4: return exit_code::no_perm;  // forbidden
        default: return exit_code::data;    // error, not found, bad request
    }
}

// Digits become a JSON integer; anything else is sent as text for the daemon to refuse in words.
json number_or_text(const std::string& text) {
    std::int64_t value = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (!text.empty() && ec == std::errc() && ptr == end) return value;
    return text;
}

// The subcommands and how each one's options become the request's arguments.
class CommandLine {
public:
    explicit CommandLine(CLI::App& app) : app_(app) {}

    CLI::App* add(const std::string& name, const std::string& help) {
        CLI::App* sub = app_.add_subcommand(name, help);
        commands_[sub] = name;
        return sub;
    }
    // --flag TEXT → "key": "TEXT" (or a positional when `flag` has no dashes).
    void text(CLI::App* sub, const std::string& flag, const std::string& key, const std::string& help,
              bool required = false) {
        auto value = keep(std::make_shared<std::string>());
        auto* option = sub->add_option(flag, *value, help);
        if (required) option->required();
        fills_[sub].push_back([option, value, key](json& args) {
            if (option->count() > 0) args[key] = *value;
        });
    }
    // --flag NUMBER → "key": NUMBER (or the text, for the daemon to refuse).
    void number(CLI::App* sub, const std::string& flag, const std::string& key, const std::string& help) {
        auto value = keep(std::make_shared<std::string>());
        auto* option = sub->add_option(flag, *value, help);
        fills_[sub].push_back([option, value, key](json& args) {
            if (option->count() > 0) args[key] = number_or_text(*value);
        });
    }
    // --flag → "key": true
    CLI::Option* flag(CLI::App* sub, const std::string& flag, const std::string& key, const std::string& help) {
        auto* option = sub->add_flag(flag, help);
        fills_[sub].push_back([option, key](json& args) {
            if (option->count() > 0) args[key] = true;
        });
        return option;
    }
    // An option taratctl keeps to itself (a file it writes): never sent to the daemon.
    std::shared_ptr<std::string> local(CLI::App* sub, const std::string& flag, const std::string& help,
                                       bool required = false) {
        auto value = keep(std::make_shared<std::string>());
        auto* option = sub->add_option(flag, *value, help);
        if (required) option->required();
        return value;
    }
    // `call NAME [JSON]`: the request is whatever the user wrote.
    void raw(CLI::App* sub) {
        call_ = sub;
        sub->add_option("name", call_name_, "the command")->required();
        sub->add_option("arguments", call_arguments_, "a JSON object (default {})");
    }

    // The chosen subcommand as a request. Throws CLI::ValidationError for `call` with bad JSON.
    json request() const {
        if (call_ && call_->parsed()) {
            json arguments = json::parse(call_arguments_, nullptr, false);
            if (!arguments.is_object())
                throw CLI::ValidationError("arguments", "'" + call_arguments_ + "' is not a JSON object");
            return {{"command", call_name_}, {"arguments", arguments}};
        }
        for (const auto& [sub, name] : commands_) {
            if (!sub->parsed()) continue;
            json req{{"command", name}, {"arguments", json::object()}};
            if (auto found = fills_.find(sub); found != fills_.end())
                for (const auto& fill : found->second) fill(req["arguments"]);
            return req;
        }
        return json();
    }

private:
    template <class T>
    std::shared_ptr<T> keep(std::shared_ptr<T> value) {
        kept_.push_back(value);
        return value;
    }

    CLI::App& app_;
    std::map<CLI::App*, std::string> commands_;
    std::map<CLI::App*, std::vector<std::function<void(json&)>>> fills_;
    std::vector<std::shared_ptr<void>> kept_;
    CLI::App* call_ = nullptr;
    std::string call_name_;
    std::string call_arguments_ = "{}";
};

// `compliance --format html|csv|md [-o FILE]`: the full report, rendered and written by taratctl.
struct ReportOptions {
    CLI::App* command = nullptr;
    std::string format, output;
    bool wanted() const { return command && command->parsed() && !format.empty(); }
};

// Where `ics -o FILE` and `backup FILE` write: kept by taratctl, written with the caller's rights.
struct LocalFiles {
    std::shared_ptr<std::string> ics;
    std::shared_ptr<std::string> backup;
};

void define_commands(CommandLine& cl, ReportOptions& report, LocalFiles& files) {
    cl.add("status", "the plan, the centres and the next events");

    auto* events = cl.add("events", "the events, by date; every option narrows the list");
    cl.text(events, "--centre", "centre", "a centre id");
    cl.text(events, "--district", "district", "a district id");
    cl.text(events, "--form", "form", "a form id (seminar, open-class, master-class…)");
    cl.text(events, "--state", "state", "planned, held, reported or cancelled");
    cl.text(events, "--from", "from", "first date, YYYY-MM-DD");
    cl.text(events, "--to", "to", "last date, YYYY-MM-DD");

    auto* event = cl.add("event", "everything about one event: state, history, notices");
    cl.text(event, "id", "id", "the event's id", true);

    auto* notices = cl.add("notices", "the notice outbox");
    CLI::Option* states[] = {cl.flag(notices, "--pending", "pending", "only pending notices"),
                             cl.flag(notices, "--sent", "sent", "only sent notices"),
                             cl.flag(notices, "--failed", "failed", "only pending notices refused at least once"),
                             cl.flag(notices, "--dead", "dead", "only dead notices (retry them by key)")};
    for (auto* a : states)
        for (auto* b : states)
            if (a != b) a->excludes(b);
    cl.text(notices, "--event", "event", "about this event id");
    cl.text(notices, "--person", "person", "to this person id");

    auto* compliance = cl.add("compliance", "held, postponed, cancelled and reported, per centre, district or form");
    cl.text(compliance, "--by", "by", "centre (default), district or form");
    cl.text(compliance, "--from", "from", "first date, YYYY-MM-DD");
    cl.text(compliance, "--to", "to", "last date, YYYY-MM-DD");
    report.command = compliance;
    auto* format = compliance->add_option("--format", report.format,
                                          "the full report for the period: html, csv or md (Kazakh unless --lang)");
    format->check(CLI::IsMember({"html", "csv", "md"}));
    compliance->add_option("-o,--output", report.output, "write the report to FILE (default: standard output)")
        ->needs(format);

    auto* calendar = cl.add("calendar", "days off and transferred working days of a year");
    cl.number(calendar, "--year", "year", "the year (default: this year)");

    auto* history = cl.add("history", "the audit history");
    cl.text(history, "--since", "since", "from this date (YYYY-MM-DD) or instant (2026-12-01T09:00:00+05:00)");
    cl.number(history, "--limit", "limit", "only the last N rows");

    cl.add("list-commands", "every command the daemon knows, with its permission");
    auto* help = cl.add("help", "the daemon's help on one command, or on all");
    cl.text(help, "command", "command", "a command name");

    auto* ics = cl.add("ics", "the events as an iCalendar feed: all, or one centre's, district's or person's");
    cl.text(ics, "--centre", "centre", "a centre id");
    cl.text(ics, "--district", "district", "a district id");
    cl.text(ics, "--person", "person", "a person id: the events they answer for");
    files.ics = cl.local(ics, "-o,--output", "write the feed to this file (default: standard output)");

    auto* held = cl.add("held", "admin: record that an event took place");
    cl.text(held, "id", "id", "the event's id", true);
    cl.text(held, "--date", "date", "when it was held (default: its planned date)");
    cl.number(held, "--participants", "participants", "how many people took part");
    cl.text(held, "--note", "note", "a one-line note for the history");

    auto* reported = cl.add("reported", "admin: record that a held event's report arrived");
    cl.text(reported, "id", "id", "the event's id", true);
    cl.text(reported, "--date", "date", "when the report arrived (default: today)");
    cl.text(reported, "--ref", "ref", "the report's number or reference");

    auto* postpone = cl.add("postpone", "admin: move a planned event to another working day");
    cl.text(postpone, "id", "id", "the event's id", true);
    cl.text(postpone, "--to", "to", "the new date, YYYY-MM-DD", true);
    cl.text(postpone, "--start", "start", "the new start time, HH:MM (default: unchanged)");
    cl.text(postpone, "--reason", "reason", "why", true);

    auto* cancel = cl.add("cancel", "admin: cancel a planned event");
    cl.text(cancel, "id", "id", "the event's id", true);
    cl.text(cancel, "--reason", "reason", "why", true);

    auto* confirm = cl.add("confirm", "admin: pin an event to its date");
    cl.text(confirm, "id", "id", "the event's id", true);

    auto* retry = cl.add("retry", "admin: send a dead notice again");
    cl.text(retry, "notice", "notice", "the notice's key (taratctl notices --dead)", true);

    auto* reload = cl.add("reload", "admin: re-read config, plan and calendar");
    cl.flag(reload, "--wait", "wait", "print what changed, or every error when the new plan is refused");

    auto* test_notice = cl.add("test-notice", "admin: send a test notice to a person now and report each channel");
    cl.text(test_notice, "person", "person", "the person's id in the plan", true);
    cl.text(test_notice, "--channel", "channel", "only this channel (default: the person's channels)");

    auto* backup = cl.add("backup", "admin: a consistent copy of the live database, written to FILE");
    files.backup = cl.local(backup, "file", "the file to write (mode 0600)", true);

    // Any command with raw JSON arguments: scripts, and commands this taratctl does not know yet.
    cl.raw(cl.add("call", "send any command with JSON arguments"));
}

int write_report(const ReportOptions& report, const json& arguments, Lang lang) {
    std::string bytes;
    try {
        bytes = render_report(*parse_report_format(report.format), arguments, lang);
    } catch (const std::exception& e) {
        std::cerr << "taratctl: " << e.what() << "\n";
        return exit_code::software;
    }
    if (report.output.empty() || report.output == "-") {
        std::cout << bytes << std::flush;
        return std::cout ? exit_code::ok : exit_code::cant_create;
    }
    try {
        write_file_atomically(report.output, bytes);
    } catch (const std::system_error& e) {
        std::cerr << "taratctl: " << e.what() << "\n";
        return exit_code::cant_create;
    }
    return exit_code::ok;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"taratctl — ask taratd what stands where"};
    app.fallthrough();  // --json, --lang and --socket also after the command
    std::string socket_flag, lang_flag;
    bool as_json = false;
    app.add_option("--socket", socket_flag, "the daemon's socket (default: $TARAT_SOCKET, then /run/tarat/tarat.sock)");
    app.add_flag("--json", as_json, "print the reply's arguments as JSON");
    app.add_option("--lang", lang_flag, "headings in kk, ru or en (default: from LC_ALL, LC_MESSAGES, LANG; else en)")
        ->check(CLI::IsMember({"kk", "ru", "en"}));
    app.require_subcommand(1);
    CommandLine command_line(app);
    ReportOptions report;
    LocalFiles files;
    define_commands(command_line, report, files);
    json request;
    try {
        app.parse(argc, argv);
        request = command_line.request();
    } catch (const CLI::ParseError& e) {
        // For a misspelt command CLI11 says only "A subcommand is required": name the word instead.
        if (app.get_subcommands().empty() && !app.remaining().empty() && !app.remaining().front().starts_with('-')) {
            std::cerr << "taratctl: unknown command '" << app.remaining().front() << "' (taratctl --help lists them)\n";
            return exit_code::usage;
        }
        int code = app.exit(e);
        return code == 0 ? 0 : exit_code::usage;
    }
    Lang lang = pick_language(lang_flag, std::getenv("LC_ALL"), std::getenv("LC_MESSAGES"), std::getenv("LANG"));
    if (report.wanted()) {
        request["arguments"]["detail"] = true;
        if (lang_flag.empty()) lang = Lang::kk;  // the report is the department's: Kazakh unless asked
    }

    std::string path = socket_path(socket_flag);
    json reply;
    try {
        // A test notice waits for the channels themselves (an SMTP server may take its time).
        const auto timeout = request["command"] == "test-notice" ? std::chrono::seconds(180) : std::chrono::seconds(30);
        reply = control::request(path, request, timeout);
    } catch (const control::Unreachable& e) {
        return report_unreachable(path, e.error_number(), std::cerr);
    } catch (const std::invalid_argument& e) {
        std::cerr << "taratctl: " << e.what() << "\n";
        return exit_code::usage;
    } catch (const std::exception& e) {
        std::cerr << "taratctl: " << e.what() << "\n";
        return exit_code::unavailable;
    }
    const int result = reply.value("result", 1);
    const std::string text = reply.value("text", "");
    const auto& arguments = reply.value("arguments", json::object());
    const std::string command = request["command"].get<std::string>();
    if (command == "test-notice" && !as_json) render_reply(command, arguments, text, lang, std::cout);
    if (result != 0) {
        std::cerr << "taratctl: " << visible(text) << "\n";
        if (command == "reload" && arguments.value("waited", false))
            for (const auto& e : arguments.value("errors", json::array()))
                std::cerr << visible(e.is_string() ? e.get<std::string>() : e.dump()) << "\n";
        return exit_code_for(result);
    }
    if (report.wanted()) return write_report(report, arguments, lang);
    if (command == "ics") return save_ics(arguments, *files.ics, as_json, std::cout, std::cerr);
    if (command == "backup") return save_backup(arguments, *files.backup, as_json, std::cout, std::cerr);
    if (as_json) std::cout << arguments.dump(2) << "\n";
    else if (command != "test-notice") render_reply(command, arguments, text, lang, std::cout);
    return exit_code::ok;
}
