// taratctl: asks the running taratd over its control socket.
#include "commands/catalogue.hpp"
#include "control/client.hpp"
#include "core/atomic_file.hpp"
#include "core/exit_codes.hpp"
#include "core/text.hpp"
#include "ctl/labels.hpp"
#include "ctl/output_file.hpp"
#include "ctl/plan_export.hpp"
#include "ctl/report.hpp"
#include "ctl/render.hpp"
#include "ctl/saved_output.hpp"
#include "ctl/text_table.hpp"
#include "ctl/unreachable.hpp"
#include "ctl/usage.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
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

// taratctl's own options (files it writes, the report's format), by command and argument name.
using LocalOptions = std::map<std::string, std::map<std::string, std::shared_ptr<std::string>>, std::less<>>;

// `compliance --format html|csv|md [-o FILE]`: the full report, rendered and written by taratctl.
struct ReportOptions {
    CLI::App* command = nullptr;
    std::shared_ptr<std::string> format, output;
    bool wanted() const { return command && command->parsed() && !format->empty(); }
};

// Every subcommand and flag from the command catalogue (daemon/commands/catalogue.cpp).
LocalOptions define_commands(CommandLine& cl) {
    using tarat::commands::ArgumentSpec;
    LocalOptions locals;
    for (const auto& spec : commands::command_catalogue()) {
        const std::string name(spec.name);
        CLI::App* sub = cl.add(name, (spec.permission == commands::Permission::admin ? "admin: " : "") +
                                         std::string(spec.summary));
        if (!spec.daemon) {  // `call NAME [JSON]`: the request is whatever the user wrote
            cl.raw(sub);
            continue;
        }
        std::map<int, std::vector<CLI::Option*>> groups;
        for (const auto& a : spec.arguments) {
            const std::string flag(a.flag.empty() ? a.name : a.flag), key(a.name), help(a.help);
            switch (a.use) {
                case ArgumentSpec::Use::protocol: continue;
                case ArgumentSpec::Use::local: {
                    if (a.type == "boolean") {  // "true" once given
                        auto value = std::make_shared<std::string>();
                        sub->add_flag_function(flag, [value](std::int64_t) { *value = "true"; }, help);
                        locals[name][key] = value;
                        continue;
                    }
                    auto value = cl.local(sub, flag, help, a.required);
                    locals[name][key] = value;
                    if (!a.choices.empty())
                        sub->get_option(flag.substr(flag.rfind(',') + 1))
                            ->check(CLI::IsMember(std::vector<std::string>(a.choices.begin(), a.choices.end())));
                    continue;
                }
                case ArgumentSpec::Use::sent: break;
            }
            if (a.type == "boolean") groups[a.exclusive_group].push_back(cl.flag(sub, flag, key, help));
            else if (a.type == "integer") cl.number(sub, flag, key, help);
            else cl.text(sub, flag, key, help, a.required);
        }
        groups.erase(0);
        for (const auto& [group, options] : groups)
            for (auto* x : options)
                for (auto* y : options)
                    if (x != y) x->excludes(y);
    }
    return locals;
}

// The text arguments as typed, checked before sending: text that is not UTF-8, or free text longer
// than the daemon keeps, is refused here naming the option (the daemon would refuse it less plainly).
std::optional<std::string> argument_problem(const json& request) {
    const auto* spec = commands::find_command(request["command"].get<std::string>());
    if (!spec || !spec->daemon) return std::nullopt;
    for (const auto& a : spec->arguments) {
        auto it = request["arguments"].find(std::string(a.name));
        if (it == request["arguments"].end() || !it->is_string()) continue;
        const std::string& text = it->get_ref<const std::string&>();
        const std::string shown(a.flag.empty() ? a.value : a.flag.substr(a.flag.rfind(',') + 1));
        if (auto bad = first_invalid_utf8(text))
            return shown + " is not UTF-8 text (byte " + std::to_string(*bad + 1) + " of " +
                   std::to_string(text.size()) + "): write it in UTF-8";
        if (a.max_chars && utf8_length(text) > a.max_chars)
            return shown + " is " + std::to_string(utf8_length(text)) + " characters long; at most " +
                   std::to_string(a.max_chars) + " characters are accepted";
    }
    return std::nullopt;
}

// The reply to the page after `reply`, or nullopt when `reply` was the last one (or failed).
using NextPage = std::function<std::optional<json>(const json& reply)>;

NextPage pages_of(const std::string& path, json request, std::chrono::seconds timeout) {
    return [path, request = std::move(request), timeout](const json& reply) mutable -> std::optional<json> {
        if (reply.value("result", 1) != 0) return std::nullopt;
        // Found, not value(): that copies the arguments, which `--all` grows to every row so far.
        const auto arguments = reply.find("arguments");
        if (arguments == reply.end()) return std::nullopt;
        const auto next = arguments->find("next");
        if (next == arguments->end() || next->is_null()) return std::nullopt;
        request["arguments"]["after"] = *next;
        return control::request(path, request, timeout);
    };
}

// The list a paged reply carries: named as the command, but compliance's "groups", plan's "rows".
std::string list_of(const std::string& command) {
    return command == "compliance" ? "groups" : command == "plan" ? "rows" : command;
}

// `--all`: the pages after the first, appended to its list.
json rest_of_pages(const std::string& command, json reply, const NextPage& next_page) {
    const std::string field = list_of(command);
    while (auto more = next_page(reply)) {
        if (more->value("result", 1) != 0) return *more;
        for (auto& row : (*more)["arguments"][field]) reply["arguments"][field].push_back(std::move(row));
        reply["arguments"]["next"] = (*more)["arguments"]["next"];
    }
    if (reply.value("result", 1) != 0) return reply;
    const auto count = reply["arguments"][field].size();
    reply["text"] = std::to_string(count) + " " + field;
    return reply;
}

// Each page's arguments to `take`, the first's (`reply`) included, in order, for what is written
// as pages come; ok, or the exit code of a page refused on the way (its words on stderr).
int each_page(json reply, const NextPage& next_page, const std::function<void(const json& arguments)>& take) {
    for (;;) {
        take(reply["arguments"]);
        std::optional<json> more;
        try {
            more = next_page(reply);
        } catch (const std::exception& e) {  // the daemon gone mid-way
            std::cout << std::flush;
            std::cerr << "taratctl: " << e.what() << "\n";
            return exit_code::unavailable;
        }
        if (!more) return exit_code::ok;
        if (const int result = more->value("result", 1); result != 0) {
            std::cout << std::flush;
            std::cerr << "taratctl: " << visible(more->value("text", "")) << "\n";
            return exit_code_for(result);
        }
        reply = std::move(*more);
    }
}

// `--all --json`: the merged reply's arguments as dump(2) writes them (keys in order, its last
// "next" null), but each page's rows written as they come: a national plan's 120,000 history rows
// were hundreds of MB in taratctl when gathered first. A page refused on the way ends the output
// there, with the refusal on stderr and its exit code.
int write_all_pages_json(const std::string& command, json reply, const NextPage& next_page) {
    const std::string field = list_of(command);
    const json first = reply["arguments"];  // its keys; the list comes page by page
    // `value` as dump(2) writes it `depth` levels down.
    auto at_depth = [](const json& value, int depth) {
        std::string text = value.dump(2);
        const std::string indent = "\n" + std::string(std::size_t(depth) * 2, ' ');
        for (auto at = text.find('\n'); at != std::string::npos; at = text.find('\n', at + indent.size()))
            text.replace(at, 1, indent);
        return text;
    };
    std::cout << "{";
    bool first_key = true;
    for (const auto& [key, value] : first.items()) {
        std::cout << (first_key ? "\n  " : ",\n  ") << json(key).dump() << ": ";
        first_key = false;
        if (key == "next") {
            std::cout << "null";
        } else if (key != field || !value.is_array()) {
            std::cout << at_depth(value, 1);
        } else {
            bool any = false;
            const int code = each_page(std::move(reply), next_page, [&](const json& arguments) {
                for (const auto& row : list_in(arguments, field))
                    std::cout << (std::exchange(any, true) ? ",\n    " : "[\n    ") << at_depth(row, 2);
            });
            if (code != exit_code::ok) return code;
            std::cout << (any ? "\n  ]" : "[]");
        }
    }
    std::cout << (first_key ? "}\n" : "\n}\n") << std::flush;
    return std::cout ? exit_code::ok : exit_code::cant_create;
}

// `plan --format xlsx|html|csv [-o FILE]`: the official table, written with the caller's rights as
// its pages come: a national plan's 200,000 rows took 750 MB in taratctl when gathered first. A
// file is written beside its target and renamed over it when whole; the XLSX too (libxlsxwriter
// writes by name), to a scratch file when it goes to stdout.
int write_plan(const std::string& format, const std::string& output, json reply, Lang lang,
               const NextPage& next_page) {
    const bool to_stdout = output.empty() || output == "-";
    try {
        std::optional<AtomicFile> file;
        if (!to_stdout || format == "xlsx") {
            const std::filesystem::path target =
                to_stdout ? std::filesystem::temp_directory_path() / "taratctl-plan.xlsx" : std::filesystem::path(output);
            file.emplace(target, output_mode(target), ModeRule::exact);
        }
        const json plan = reply["arguments"].value("plan", json::object());
        auto table = format == "xlsx" ? plan_xlsx(plan, lang, file->temporary())
                     : format == "html" ? plan_html(plan, lang)
                                        : plan_csv(lang);
        auto write_out = [&] {
            const std::string bytes = table->take();
            if (file) file->write(bytes);
            else std::cout << bytes;
        };
        const int code = each_page(std::move(reply), next_page, [&](const json& arguments) {
            for (const auto& row : list_in(arguments, "rows")) table->add(row);
            write_out();
        });
        if (code != exit_code::ok) return code;
        table->finish();
        write_out();
        table.reset();  // the XLSX closed
        if (to_stdout && file) {
            std::ifstream in(file->temporary(), std::ios::binary);
            std::cout << in.rdbuf();
        } else if (file) {
            file->commit();
        }
        std::cout << std::flush;
        return std::cout ? exit_code::ok : exit_code::cant_create;
    } catch (const std::exception& e) {
        std::cerr << "taratctl: " << e.what() << "\n";
        return exit_code::cant_create;
    }
}

int write_report(const ReportOptions& report, const json& arguments, Lang lang) {
    std::string bytes;
    try {
        bytes = render_report(*parse_report_format(*report.format), arguments, lang);
    } catch (const std::exception& e) {
        std::cerr << "taratctl: " << e.what() << "\n";
        return exit_code::software;
    }
    const std::string& output = *report.output;
    if (output.empty() || output == "-") {
        std::cout << bytes << std::flush;
        return std::cout ? exit_code::ok : exit_code::cant_create;
    }
    try {
        write_output_file(output, bytes);
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
    LocalOptions locals = define_commands(command_line);
    ReportOptions report{app.get_subcommand("compliance"), locals["compliance"]["format"],
                         locals["compliance"]["output"]};
    report.command->get_option("--output")->needs(report.command->get_option("--format"));
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
    if (request["command"] == "plan" && lang_flag.empty()) lang = Lang::kk;  // the department's table

    if (auto problem = argument_problem(request)) {
        std::cerr << "taratctl: " << *problem << "\n";
        return exit_code::data;
    }
    std::string path = socket_path(socket_flag);
    const std::string asked = request["command"].get<std::string>();
    bool all_pages = locals.count(asked) && locals[asked].count("all") && *locals[asked]["all"] == "true";
    const bool plan_table = asked == "plan" && !as_json;  // written as its pages come
    const bool json_pages = as_json && !report.wanted();   // --all --json: the same
    if (asked == "plan") {  // a national plan's table comes in pages of 1,000
        request["arguments"]["limit"] = 1000;
        all_pages = !plan_table;
    }
    if (all_pages && asked == "history" && !request["arguments"].contains("after")) request["arguments"]["after"] = "0";
    json reply;
    NextPage next_page;
    try {
        // A test notice, and a retry with --wait, wait for the channels themselves (an SMTP server
        // may take its time).
        const bool waits_for_channels = request["command"] == "test-notice" ||
                                        (request["command"] == "retry" && request["arguments"].value("wait", false));
        const auto timeout = waits_for_channels ? std::chrono::seconds(180) : std::chrono::seconds(30);
        reply = control::request(path, request, timeout);
        next_page = pages_of(path, request, timeout);
        if (all_pages && !json_pages) reply = rest_of_pages(asked, std::move(reply), next_page);
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
    static const json no_arguments = json::object();
    const auto found_arguments = reply.find("arguments");  // not value(): a copy of every page's rows
    const json& arguments = found_arguments != reply.end() ? *found_arguments : no_arguments;
    const std::string command = request["command"].get<std::string>();
    if (command == "test-notice" && !as_json) render_reply(command, arguments, text, lang, std::cout);
    if (result != 0) {
        std::cerr << "taratctl: " << visible(text) << "\n";
        // A dry run refused (it would remove too many): still what it would have done.
        if (command == "reload" && arguments.value("dry_run", false)) render_reply(command, arguments, text, lang, std::cout);
        if (command == "reload" && (arguments.value("waited", false) || arguments.value("dry_run", false)))
            for (const auto& e : list_in(arguments, "errors"))
                std::cerr << visible(e.is_string() ? e.get<std::string>() : e.dump()) << "\n";
        return exit_code_for(result);
    }
    if (report.wanted()) return write_report(report, arguments, lang);
    if (plan_table) return write_plan(*locals["plan"]["format"], *locals["plan"]["output"], std::move(reply), lang, next_page);
    if (command == "ics") return save_ics(arguments, *locals["ics"]["output"], as_json, std::cout, std::cerr);
    if (command == "backup") return save_backup(arguments, *locals["backup"]["file"], as_json, std::cout, std::cerr);
    // `help COMMAND`: the flags as the user types them, from the catalogue this taratctl was built with.
    if (command == "help" && !as_json)
        if (const auto* spec = commands::find_command(request["arguments"].value("command", ""))) {
            std::cout << usage_text(*spec);
            return exit_code::ok;
        }
    if (!as_json && arguments.contains("next") && !arguments["next"].is_null())
        std::cerr << tr_format(lang, "… and more: --after {} for the next page, or --all", arguments["next"].get<std::string>())
                  << "\n";
    if (as_json && all_pages) return write_all_pages_json(command, std::move(reply), next_page);
    if (as_json) std::cout << arguments.dump(2) << "\n";
    else if (command != "test-notice") render_reply(command, arguments, text, lang, std::cout);
    return exit_code::ok;
}
