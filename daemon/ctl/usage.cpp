#include "ctl/usage.hpp"

#include <algorithm>
#include <vector>

namespace tarat {

std::string usage_text(const commands::CommandSpec& spec) {
    using Use = commands::ArgumentSpec::Use;
    std::string text = std::string(spec.name) + " (" + std::string(commands::to_string(spec.permission)) +
                       "): " + std::string(spec.help) + "\nusage: taratctl " + std::string(spec.name);
    std::vector<std::pair<std::string, std::string>> rows;  // what is typed, what it means
    for (const auto& a : spec.arguments) {
        if (a.use == Use::protocol) continue;
        std::string typed = a.flag.empty() ? std::string(a.value) : std::string(a.flag);
        if (!a.flag.empty() && !a.value.empty()) typed += " " + std::string(a.value);
        text += " " + (a.required ? typed : "[" + typed + "]");
        rows.emplace_back(typed, std::string(a.help) + (a.required ? " (required)" : ""));
    }
    text += "\n";
    std::size_t width = 0;
    for (const auto& [typed, help] : rows) width = std::max(width, typed.size());
    for (const auto& [typed, help] : rows) text += "  " + typed + std::string(width - typed.size() + 2, ' ') + help + "\n";
    return text;
}

}  // namespace tarat
