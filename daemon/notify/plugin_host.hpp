#pragma once
// Loads notice plugins (plugins/include/tarat/plugin.h) and turns each `[channel.X]` into a
// Channel whose send() never throws and never lets a plugin's exception through.
#include "config/config.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace spdlog {
class logger;
}

namespace tarat {

// One notice for one recipient on one channel: tarat_message with owned strings.
struct OutgoingNotice {
    std::string idempotency_key;
    std::string kind;
    std::string recipient;
    std::string address;
    std::string locale;
    std::string subject;
    std::string body;
    std::string json = "{}";  // a JSON object with the notice's data
    std::string buttons;      // ABI 1.2: a JSON array of rows of ["label", "data"]; "" for none
};

// ABI 1.2: what a person sent to a channel that receives (tarat_inbound with owned strings).
struct InboundUpdate {
    std::int64_t position = 0;
    std::string kind;  // "text" or "button"
    std::string chat;
    std::string user;
    std::string text;
    std::string language;
    std::string message;  // "button": the message that carried it
};

// The host's answer to one update (tarat_answer); every field may be empty.
struct InboundAnswer {
    std::string text;
    std::string buttons;  // JSON array of rows of ["label", "data"]
    std::string edit;
    std::string toast;
    std::string edit_message;  // "" for the pressed button's message
};

// Called on the plugin's receiving thread for each update: the answer once applied, or nullopt when
// the host cannot take updates now (stopping). Must not throw.
using InboundReceiver = std::function<std::optional<InboundAnswer>(const InboundUpdate&)>;

// What a plugin made of a notice.
struct Delivery {
    enum Status { sent, retry, rejected };
    Status status = retry;
    std::string error;  // why, for retry and rejected; empty for sent
    // The plugin's suggestion for the next attempt (retry only); the dispatcher may clamp it.
    std::optional<std::chrono::seconds> retry_after;
};

class PluginLibrary;  // a dlopen handle; closed when the last Channel using it is gone

// One open notifier. Keeps its plugin library loaded for as long as it lives, even after the
// PluginHost that opened it is gone. Destruction calls the plugin's close().
class Channel {
public:
    ~Channel();
    Channel(const Channel&) = delete;
    Channel& operator=(const Channel&) = delete;

    const std::string& name() const;    // the channel, e.g. "file"
    const std::string& plugin() const;  // the plugin it runs on, e.g. "file"

    // Blocks for as long as the plugin takes: call it on a worker thread, not the event loop.
    // Thread-safe; calls on one Channel are serialised. Anything a plugin throws (plugins are C++
    // too), an unknown status, or a failure here becomes `retry` with the reason in `error`
    // ("plugin threw: …"): a notice must never be lost, and the dispatcher caps the attempts.
    Delivery send(const OutgoingNotice& notice) noexcept;
    // Makes the notices sent since the last flush durable (ABI 1.1; a no-op for plugins without
    // it). An error means they were undone and must be sent again.
    std::optional<std::string> flush() noexcept;
    // Starts receiving (ABI 1.2) after `position`; the empty string, or why not (a plugin that
    // cannot receive says so). Only for a channel opened with a receiver.
    std::string listen(std::int64_t position) noexcept;

private:
    friend class PluginHost;
    struct State;  // the notifier, its host context and the library; defined in plugin_host.cpp
    explicit Channel(std::unique_ptr<State> state);

    std::unique_ptr<State> state_;
    std::mutex send_mutex_;
};

// A channel, or the one-line reason it could not be opened.
struct ChannelOpen {
    std::unique_ptr<Channel> channel;  // null on failure
    std::string error;                 // e.g. "channel 'mail': plugin 'smtp': no file /usr/lib/…/tarat-smtp.so"
    explicit operator bool() const { return channel != nullptr; }
};

class PluginHost {
public:
    // plugin_dir: the only folder plugins are loaded from. state_dir: handed to plugins for their
    // relative paths. logger: where plugins' log lines go (null: spdlog's default logger).
    PluginHost(std::filesystem::path plugin_dir, std::filesystem::path state_dir,
               std::shared_ptr<spdlog::logger> logger = nullptr);
    ~PluginHost();
    PluginHost(const PluginHost&) = delete;
    PluginHost& operator=(const PluginHost&) = delete;

    // Loads <plugin_dir>/tarat-<channel.plugin>.so (unless a live Channel already holds it), checks
    // its ABI and opens a notifier with channel.settings_json. Never throws for a plugin's faults;
    // a library that failed is closed again. Thread-safe.
    // With a `receiver`, the plugin is offered host->receive (ABI 1.2) and may listen().
    ChannelOpen open_channel(const ChannelConfig& channel, InboundReceiver receiver = {});

    // Whether open_channel would succeed, found out in a child process: the empty string, or the
    // same one-line error. The daemon learns that a channel opens without keeping its plugin's
    // libraries resident (libcurl and a TLS stack are ~7 MiB, and libcrypto pins itself once
    // loaded), and a plugin that crashes in open() is reported, not fatal. Call it while the
    // process has no other threads (fork copies only the caller).
    std::string check_channel(const ChannelConfig& channel);

    // Where a plugin name would be loaded from; nullopt for a name that is not a bare word
    // (letters, digits, '-', '_'), which keeps '/' and '..' out.
    std::optional<std::filesystem::path> plugin_path(std::string_view plugin) const;

    const std::filesystem::path& plugin_dir() const { return plugin_dir_; }

    // What a channel's plugin told the host through announce (ABI 1.3), e.g. "bot_username"; ""
    // when it said nothing. Thread-safe.
    std::string announced(const std::string& channel, const std::string& key) const;

    // The facts plugins announce, by channel and key; shared with each plugin's host context.
    struct Announced {
        mutable std::mutex mutex;
        std::map<std::string, std::map<std::string, std::string>> facts;
    };

private:
    std::shared_ptr<PluginLibrary> load(const std::string& plugin, std::string& error);

    std::filesystem::path plugin_dir_;
    std::filesystem::path state_dir_;
    std::shared_ptr<spdlog::logger> logger_;
    std::mutex mutex_;
    std::map<std::string, std::weak_ptr<PluginLibrary>> loaded_;  // by plugin name
    std::shared_ptr<Announced> announced_ = std::make_shared<Announced>();
};

}  // namespace tarat
