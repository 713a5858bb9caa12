#pragma once
// Which channels reach a person: the plan's per-person choice or the config's defaults, with the
// fallback channel for one that needs an address (e-mail, chat id) the person lacks.
#include "config/config.hpp"
#include "core/plan.hpp"

#include <set>
#include <string>
#include <utility>
#include <vector>

namespace tarat {

// Which channels reach a person, with the fallback for a channel that needs an address they lack.
class Routing {
public:
    explicit Routing(const Config& config);
    std::vector<std::string> channels_for(const Person& person) const;
    // Whether the channel exists and has the address its plugin needs for this person.
    bool reaches(const Person& person, const std::string& channel) const;
    // The address a channel's plugin needs from the person ("" when it needs none).
    std::string address(const Person& person, const std::string& channel) const;
    // The people linked to a chat on a channel (F11), as (person, channel): a link reaches the person
    // there whether or not the plan gives them an address.
    void set_links(std::set<std::pair<std::string, std::string>> links) { links_ = std::move(links); }
    bool has_links() const { return !links_.empty(); }
    bool linked(const std::string& person, const std::string& channel) const { return links_.count({person, channel}) > 0; }
    // Config-time check: each person routed to a channel they have no address for (warning).
    void check(const Plan& plan, Diagnostics& diagnostics) const;

private:
    const std::string* plugin_of(const std::string& channel) const;
    std::vector<std::pair<std::string, std::string>> plugins_;  // channel → plugin
    std::vector<std::string> defaults_;
    std::string fallback_;
    std::set<std::pair<std::string, std::string>> links_;
};

}  // namespace tarat
