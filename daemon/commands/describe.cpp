// tarat-describe: the command catalogue as the bash completion (`bash`), taratctl(1) with its
// command sections filled in (`man TEMPLATE OUT`), or the command names (`names`). Run at build time.
#include "commands/catalogue.hpp"

#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace tarat::commands;
using Use = ArgumentSpec::Use;

// "-o,--output" → {"-o", "--output"}
std::vector<std::string> flag_words(std::string_view flag) {
    std::vector<std::string> words;
    std::string word;
    for (char c : flag) {
        if (c == ',') words.push_back(std::move(word)), word.clear();
        else word += c;
    }
    if (!word.empty()) words.push_back(word);
    return words;
}

std::string join(const std::vector<std::string>& words, const char* separator = " ") {
    std::string out;
    for (const auto& w : words) out += (out.empty() ? "" : separator) + w;
    return out;
}

void bash(std::ostream& out) {
    std::vector<std::string> names;
    for (const auto& c : command_catalogue()) names.push_back(std::string(c.name));
    out << "# bash completion for taratctl(1), generated from the command catalogue by tarat-describe:\n"
           "# commands, their options, and event ids from the running daemon.\n\n"
           "_taratctl_event_ids() {\n"
           "    local socket=()\n"
           "    [[ -n $1 ]] && socket=(--socket \"$1\")\n"
           "    taratctl \"${socket[@]}\" --json events 2>/dev/null |\n"
           "        sed -n 's/^ *\"id\": *\"\\([a-z0-9_-]*\\)\",\\{0,1\\}$/\\1/p'\n"
           "}\n\n"
           "_taratctl() {\n"
           "    local cur prev words cword\n"
           "    _init_completion || return\n\n"
           "    local commands=\"" << join(names) << "\"\n"
           "    local cmd=\"\" socket=\"\" i\n"
           "    for ((i = 1; i < cword; i++)); do\n"
           "        case ${words[i]} in\n"
           "            --socket) socket=${words[i + 1]}; ((i++)) ;;\n"
           "            --lang) ((i++)) ;;\n"
           "            -*) ;;\n"
           "            *) [[ -z $cmd ]] && cmd=${words[i]} ;;\n"
           "        esac\n"
           "    done\n\n"
           "    case $prev in\n"
           "        --socket) _filedir; return ;;\n"
           "        --lang) COMPREPLY=($(compgen -W \"kk ru en\" -- \"$cur\")); return ;;\n"
           "    esac\n"
           "    local global=\"--socket --json --lang --help\"\n"
           "    if [[ -z $cmd ]]; then\n"
           "        COMPREPLY=($(compgen -W \"$commands $global\" -- \"$cur\"))\n"
           "        return\n"
           "    fi\n"
           "    local options=\"\"\n"
           "    case $cmd in\n";
    for (const auto& c : command_catalogue()) {
        std::vector<std::string> options;
        std::ostringstream values;  // what follows an option that takes a value
        std::string positional;     // how the first positional argument completes
        for (const auto& a : c.arguments) {
            if (a.use == Use::protocol) continue;
            if (a.flag.empty()) {
                if (!positional.empty()) continue;
                if (a.name == "id") positional = "COMPREPLY=($(compgen -W \"$(_taratctl_event_ids \"$socket\")\" -- \"$cur\"))";
                else if (a.value == "FILE") positional = "_filedir";
                else if (a.name == "command" || a.name == "name") positional = "COMPREPLY=($(compgen -W \"$commands\" -- \"$cur\"))";
                continue;
            }
            auto words = flag_words(a.flag);
            options.insert(options.end(), words.begin(), words.end());
            if (a.value.empty()) continue;
            values << "                " << join(words, " | ") << ") ";
            if (!a.choices.empty()) {
                std::vector<std::string> choices(a.choices.begin(), a.choices.end());
                values << "COMPREPLY=($(compgen -W \"" << join(choices) << "\" -- \"$cur\")); return ;;\n";
            } else if (a.value == "FILE") {
                values << "_filedir; return ;;\n";
            } else {
                values << "return ;;\n";
            }
        }
        out << "        " << c.name << ")\n";
        if (!values.str().empty()) out << "            case $prev in\n" << values.str() << "            esac\n";
        if (!positional.empty()) out << "            [[ $cur != -* ]] && { " << positional << "; return; }\n";
        out << "            options=\"" << join(options) << "\" ;;\n";
    }
    out << "    esac\n"
           "    COMPREPLY=($(compgen -W \"$options $global\" -- \"$cur\"))\n"
           "}\n"
           "complete -F _taratctl taratctl\n";
}

std::string scdoc_escape(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '_' ) out += "\\_";
        else out += c;
    }
    return out;
}

// "*postpone* _ID_ *--to* _DATE_ [*--start* _HH:MM_] *--reason* _TEXT_"
std::string synopsis(const CommandSpec& c) {
    std::string line = "*" + std::string(c.name) + "*";
    std::set<int> groups_done;
    for (const auto& a : c.arguments) {
        if (a.use == Use::protocol) continue;
        std::string part;
        if (a.exclusive_group != 0) {
            if (!groups_done.insert(a.exclusive_group).second) continue;
            std::vector<std::string> members;
            for (const auto& b : c.arguments)
                if (b.exclusive_group == a.exclusive_group) members.push_back("*" + flag_words(b.flag).back() + "*");
            line += " [" + join(members, "|") + "]";
            continue;
        }
        if (a.flag.empty()) part = "_" + scdoc_escape(a.value) + "_";
        else {
            part = "*" + flag_words(a.flag).front() + "*";
            if (!a.value.empty()) {
                if (!a.choices.empty()) {
                    std::vector<std::string> choices;
                    for (auto ch : a.choices) choices.push_back("*" + std::string(ch) + "*");
                    part += " " + join(choices, "|");
                } else {
                    part += " _" + scdoc_escape(a.value) + "_";
                }
            }
        }
        line += " " + (a.required ? part : "[" + part + "]");
    }
    return line;
}

std::string man_sections() {
    std::ostringstream out;
    for (auto [title, permission] : {std::pair{"READING", Permission::read}, std::pair{"CHANGING", Permission::admin}}) {
        out << "# " << title << "\n\n";
        if (permission == Permission::admin)
            out << "For root, the user *taratd* runs as and members of the admin group.\n\n";
        for (const auto& c : command_catalogue()) {
            const bool admin_section = c.permission == Permission::admin || !c.daemon;
            if (admin_section != (permission == Permission::admin)) continue;
            out << synopsis(c) << "\n\t" << c.help;
            if (!c.manual.empty()) out << " " << c.manual;
            out << "\n\n";
        }
    }
    return out.str();
}

int man(const char* template_path, const char* out_path) {
    std::ifstream in(template_path);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) return std::cerr << "tarat-describe: cannot read " << template_path << "\n", 1;
    std::string page = text.str();
    const std::string marker = "%%COMMANDS%%\n";
    auto at = page.find(marker);
    if (at == std::string::npos) return std::cerr << "tarat-describe: no " << marker << " in " << template_path << "\n", 1;
    page.replace(at, marker.size(), man_sections());
    std::ofstream out(out_path);
    out << page;
    return out ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "bash" && argc == 2) return bash(std::cout), std::cout ? 0 : 1;
    if (mode == "man" && argc == 4) return man(argv[2], argv[3]);
    if (mode == "names" && argc == 2) {
        for (const auto& c : command_catalogue()) std::cout << c.name << "\n";
        return 0;
    }
    std::cerr << "usage: tarat-describe bash | man TEMPLATE OUT | names\n";
    return 64;
}
