#pragma once
// The channels that receive (F11, `inbound = true`): each opened with a receiver that carries the
// plugin thread's updates onto the event loop, where inbound::Inbound applies them, and waits for
// the answer. Stopping first makes every waiting plugin thread give up (the update stays
// unconfirmed and comes again after the restart), then closes the channels.
#include "inbound/inbound.hpp"
#include "notify/plugin_host.hpp"

#include <utility>  // before Asio (Boost 1.74 + GCC 12)
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

namespace tarat {

class Receivers {
public:
    // `applied` runs on the loop after each update that changed the store's state (Store::state_generation).
    Receivers(boost::asio::io_context& io, PluginHost& host, Store& store, inbound::Inbound& inbound,
              std::function<void()> applied);
    ~Receivers();
    // Opens and starts each receiving channel; a channel that cannot receive is logged and left out.
    void start(const std::vector<ChannelConfig>& channels);
    // Makes waiting plugin threads give up, then closes the channels (joining their threads).
    void stop();

private:
    std::optional<InboundAnswer> on_loop(const std::string& channel, const InboundUpdate& update);

    boost::asio::io_context& io_;
    PluginHost& host_;
    Store& store_;
    inbound::Inbound& inbound_;
    std::function<void()> applied_;
    std::shared_ptr<std::atomic<bool>> stopping_ = std::make_shared<std::atomic<bool>>(false);
    std::vector<std::unique_ptr<Channel>> channels_;
};

}  // namespace tarat
