#include "config/routing.hpp"

#include <algorithm>

namespace tarat {

namespace {

// What a plugin needs to reach a person; channels of other plugins need nothing.
std::string address_for_plugin(const std::string& plugin, const Person& person) {
    if (plugin == "smtp") return person.email;
    if (plugin == "telegram") return person.telegram;
    if (plugin == "webhook") return person.webhook;
    return {};
}

bool needs_address(const std::string& plugin) { return plugin == "smtp" || plugin == "telegram"; }

}  // namespace

Routing::Routing(const Config& config) : defaults_(config.notify.channels), fallback_(config.notify.fallback) {
    for (const auto& c : config.channels) plugins_.emplace_back(c.name, c.plugin);
}

const std::string* Routing::plugin_of(const std::string& channel) const {
    for (const auto& [name, plugin] : plugins_)
        if (name == channel) return &plugin;
    return nullptr;
}

std::vector<std::string> Routing::channels_for(const Person& person) const {
    const auto& wanted = person.channels.empty() ? defaults_ : person.channels;
    std::vector<std::string> out;
    for (const auto& channel : wanted) {
        const std::string& chosen = reaches(person, channel) ? channel : fallback_;
        if (std::find(out.begin(), out.end(), chosen) == out.end()) out.push_back(chosen);
    }
    return out;
}

bool Routing::reaches(const Person& person, const std::string& channel) const {
    const std::string* plugin = plugin_of(channel);
    return plugin &&
           (!needs_address(*plugin) || !address_for_plugin(*plugin, person).empty() || linked(person.id, channel));
}

std::string Routing::address(const Person& person, const std::string& channel) const {
    const std::string* plugin = plugin_of(channel);
    return plugin ? address_for_plugin(*plugin, person) : std::string{};
}

void Routing::check(const Plan& plan, Diagnostics& diagnostics) const {
    for (const auto& person : plan.people) {
        const auto& wanted = person.channels.empty() ? defaults_ : person.channels;
        for (const auto& channel : wanted) {
            const std::string* plugin = plugin_of(channel);
            if (!plugin) {
                diagnostics.error(person.pos, "unknown channel '" + channel + "'", "person." + person.id + ".channels");
                continue;
            }
            if (needs_address(*plugin) && address_for_plugin(*plugin, person).empty())
                diagnostics.warning(person.pos,
                                    person.id + " has no " + (*plugin == "smtp" ? "email" : *plugin) +
                                        " for channel '" + channel + "': notices go to '" + fallback_ + "'",
                                    "person." + person.id);
        }
    }
}

}  // namespace tarat
