#include "notify/plugin_sender.hpp"

namespace tarat {

PluginSender::PluginSender(PluginHost& host, const std::vector<ChannelConfig>& channels,
                           std::vector<std::string>& errors)
    : host_(host) {
    for (const auto& config : channels) {
        if (auto error = host.check_channel(config); !error.empty()) {
            errors.push_back(std::move(error));
            continue;
        }
        auto slot = std::make_unique<Slot>();
        slot->config = config;
        slots_.emplace(config.name, std::move(slot));
    }
}

Channel* PluginSender::opened(Slot& slot, std::string& error) {
    std::lock_guard lock(slot.mutex);
    if (!slot.channel) {
        auto open = host_.open_channel(slot.config);
        if (!open) {  // it opened at the check; a file may have gone since
            error = std::move(open.error);
            return nullptr;
        }
        slot.channel = std::move(open.channel);
    }
    return slot.channel.get();
}

Delivery PluginSender::send(const std::string& channel, const OutgoingNotice& notice) noexcept {
    auto it = slots_.find(channel);
    // A channel that failed to open (or left the config) keeps its notices pending, never drops them.
    if (it == slots_.end()) return {Delivery::retry, "channel '" + channel + "' is not open", std::nullopt};
    try {
        std::string error;
        Channel* open = opened(*it->second, error);
        if (!open) return {Delivery::retry, error, std::nullopt};
        return open->send(notice);
    } catch (const std::exception& e) {  // allocation, a mutex: the notice stays pending
        return {Delivery::retry, std::string("channel '") + channel + "': " + e.what(), std::nullopt};
    }
}

std::optional<std::string> PluginSender::flush(const std::string& channel) noexcept {
    auto it = slots_.find(channel);
    if (it == slots_.end()) return std::nullopt;
    std::lock_guard lock(it->second->mutex);
    // Nothing was sent through a channel that was never opened.
    return it->second->channel ? it->second->channel->flush() : std::nullopt;
}

}  // namespace tarat
