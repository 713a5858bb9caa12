#pragma once
// The daemon's Sender: each configured channel opened through its plugin.
#include "config/config.hpp"
#include "notify/dispatcher.hpp"
#include "notify/plugin_host.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace tarat {

class PluginSender final : public Sender {
public:
    // Checks every channel (PluginHost::check_channel); `errors` gets one line per channel that
    // cannot be opened, and such a channel stays closed. The others are opened in this process
    // when their first notice goes out: an idle daemon holds no plugin it has not used.
    PluginSender(PluginHost& host, const std::vector<ChannelConfig>& channels, std::vector<std::string>& errors);
    Delivery send(const std::string& channel, const OutgoingNotice& notice) noexcept override;
    std::optional<std::string> flush(const std::string& channel) noexcept override;

private:
    struct Slot {
        ChannelConfig config;
        std::mutex mutex;                 // guards opening `channel`, not sends through it
        std::unique_ptr<Channel> channel;  // null until the first notice
    };
    // The slot's channel, opened now if need be; null with `error` when it cannot be.
    Channel* opened(Slot& slot, std::string& error);

    PluginHost& host_;
    std::map<std::string, std::unique_ptr<Slot>> slots_;  // fixed after construction
};

}  // namespace tarat
