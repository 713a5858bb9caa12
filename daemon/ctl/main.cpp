// taratctl: asks the running taratd over its control socket.
#include "app/exit_codes.hpp"
#include "control/client.hpp"
#include "ctl/text_table.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <cstring>
#include <iostream>

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
        case 2: return exit_code::usage;
        case 4: return exit_code::no_perm;
        default: return exit_code::data;
    }
}

std::string str(const json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return "";
    return it->is_string() ? it->get<std::string>() : it->dump();
}

void render_status(const json& a, std::ostream& out) {
    const auto& plan = a.value("plan", json::object());
    out << "Plan " << str(plan, "id") << ": " << str(plan, "title") << "\n";
    out << "Period " << str(plan, "from") << " … " << str(plan, "to") << " (" << str(plan, "timezone")
        << "); overseer " << str(plan, "overseer") << ", coordinator " << str(plan, "coordinator") << "\n\n";
    TextTable centres({"CENTRE", "NAME", "DISTRICT", "EVENTS"});
    for (const auto& c : a.value("centres", json::array()))
        centres.add_row({str(c, "id"), str(c, "name"), str(c, "district_name"), str(c, "events")});
    out << centres.render();
    TextTable next({"DATE", "START", "CENTRE", "FORM", "ID", "TITLE"});
    for (const auto& e : a.value("next_events", json::array()))
        next.add_row({str(e, "date"), str(e, "start"), str(e, "centre"), str(e, "form"), str(e, "id"), str(e, "title")});
    out << "\nNext events (from " << str(a, "today") << "):\n" << (next.empty() ? "  none\n" : next.render());
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"taratctl — ask taratd what stands where"};
    std::string socket_flag;
    bool as_json = false;
    app.add_option("--socket", socket_flag, "the daemon's socket (default: $TARAT_SOCKET, then /run/tarat/tarat.sock)");
    app.add_flag("--json", as_json, "print the reply's arguments as JSON");
    auto* status_cmd = app.add_subcommand("status", "the plan, the centres and the next events");
    status_cmd->add_flag("--json", as_json, "print the reply's arguments as JSON");
    app.require_subcommand(1);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e);
        return code == 0 ? 0 : exit_code::usage;
    }

    std::string path = socket_path(socket_flag);
    json request{{"command", "status"}, {"arguments", json::object()}};
    json reply;
    try {
        reply = control::request(path, request, std::chrono::seconds(30));
    } catch (const control::Unreachable& e) {
        std::cerr << "taratctl: taratd is not running at " << path << " (" << std::strerror(e.error_number()) << ")\n";
        return exit_code::unavailable;
    } catch (const std::exception& e) {
        std::cerr << "taratctl: " << e.what() << "\n";
        return exit_code::unavailable;
    }
    int result = reply.value("result", 1);
    if (result != 0) {
        std::cerr << "taratctl: " << str(reply, "text") << "\n";
        return exit_code_for(result);
    }
    const auto& arguments = reply.value("arguments", json::object());
    if (as_json) std::cout << arguments.dump(2) << "\n";
    else if (*status_cmd) render_status(arguments, std::cout);
    return exit_code::ok;
}
