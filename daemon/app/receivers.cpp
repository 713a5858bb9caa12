#include "app/receivers.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <future>

namespace tarat {

Receivers::Receivers(boost::asio::io_context& io, PluginHost& host, Store& store, inbound::Inbound& inbound,
                     std::function<void()> applied)
    : io_(io), host_(host), store_(store), inbound_(inbound), applied_(std::move(applied)) {}

Receivers::~Receivers() { stop(); }

void Receivers::start(const std::vector<ChannelConfig>& channels) {
    for (const auto& config : channels) {
        if (!inbound::receives(config)) continue;
        const std::string name = config.name;
        auto opened = host_.open_channel(config, [this, name](const InboundUpdate& u) { return on_loop(name, u); });
        if (!opened) {
            spdlog::error("{}: receiving stays off", opened.error);
            continue;
        }
        const auto position = store_.channel_position(name);
        if (auto error = opened.channel->listen(position); !error.empty()) {
            spdlog::error("channel '{}': cannot receive: {}", name, error);
            continue;
        }
        spdlog::info("channel '{}': receiving after update {}", name, position);
        channels_.push_back(std::move(opened.channel));
    }
}

void Receivers::stop() {
    stopping_->store(true);
    channels_.clear();
}

std::optional<InboundAnswer> Receivers::on_loop(const std::string& channel, const InboundUpdate& update) {
    auto stopping = stopping_;
    if (stopping->load()) return std::nullopt;
    auto answer = std::make_shared<std::promise<InboundAnswer>>();
    auto ready = answer->get_future();
    boost::asio::post(io_, [this, answer, stopping, channel, update] {
        if (stopping->load()) return;  // the plugin thread gives up on its own
        const auto generation = store_.state_generation();
        answer->set_value(inbound_.receive(channel, update));
        if (store_.state_generation() != generation && applied_) applied_();
    });
    while (ready.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready)
        if (stopping->load()) return std::nullopt;
    // Here, not on the loop, the update's commit reaches the disk: before its answer goes out and
    // before the channel confirms it (with FULL commits every update held `status` for a flush).
    try {
        inbound_.make_durable();
    } catch (const std::exception& e) {
        spdlog::error("channel '{}': update {}: {}", channel, update.position, e.what());
    }
    return ready.get();
}

}  // namespace tarat
