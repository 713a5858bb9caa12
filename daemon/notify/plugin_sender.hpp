#pragma once
// The daemon's Sender: each configured channel opened through its plugin.
#include "config/config.hpp"
#include "notify/dispatcher.hpp"
#include "notify/plugin_host.hpp"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace tarat {

class PluginSender final : public Sender {
public:
    // Opens every channel; `errors` gets one line per channel that could not be opened.
    PluginSender(PluginHost& host, const std::vector<ChannelConfig>& channels, std::vector<std::string>& errors);
    Delivery send(const std::string& channel, const OutgoingNotice& notice) noexcept override;
    std::optional<std::string> flush(const std::string& channel) noexcept override;

private:
    std::map<std::string, std::unique_ptr<Channel>> channels_;
};

}  // namespace tarat
