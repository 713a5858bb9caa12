#include "notify/plugin_sender.hpp"

namespace tarat {

PluginSender::PluginSender(PluginHost& host, const std::vector<ChannelConfig>& channels,
                           std::vector<std::string>& errors) {
    for (const auto& config : channels) {
        auto opened = host.open_channel(config);
        if (opened) channels_.emplace(config.name, std::move(opened.channel));
        else errors.push_back(opened.error);
    }
}

Delivery PluginSender::send(const std::string& channel, const OutgoingNotice& notice) noexcept {
    auto it = channels_.find(channel);
    // A channel that failed to open (or left the config) keeps its notices pending, never drops them.
    if (it == channels_.end()) return {Delivery::retry, "channel '" + channel + "' is not open", std::nullopt};
    return it->second->send(notice);
}

std::optional<std::string> PluginSender::flush(const std::string& channel) noexcept {
    auto it = channels_.find(channel);
    return it == channels_.end() ? std::nullopt : it->second->flush();
}

}  // namespace tarat
