#include "notify/plugin_host.hpp"

#include <tarat/plugin.h>

#include <dlfcn.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <exception>
#include <utility>

namespace tarat {

namespace fs = std::filesystem;

namespace {

using AbiFunction = uint32_t (*)();
using OpenFunction = int (*)(const char*, const tarat_host*, tarat_notifier*, char*, size_t);

constexpr std::size_t kErrorBufferSize = 1024;

std::string abi_text(uint32_t abi) { return std::to_string(abi >> 16) + "." + std::to_string(abi & 0xffffu); }

std::string exception_text(std::exception_ptr e) {
    try {
        std::rethrow_exception(std::move(e));
    } catch (const std::exception& x) {
        return x.what();
    } catch (...) {
        return "an exception that is not a std::exception";
    }
}

// dlsym's object pointer to a function pointer, without the cast ISO C++ leaves conditional.
template <typename Function>
Function find_symbol(void* handle, const char* name) {
    void* symbol = dlsym(handle, name);
    Function function = nullptr;
    static_assert(sizeof function == sizeof symbol);
    std::memcpy(&function, &symbol, sizeof function);
    return function;
}

// What a plugin's tarat_host points at; lives as long as the notifier.
struct HostContext {
    std::string channel;
    std::string state_dir;
    std::shared_ptr<spdlog::logger> logger;
    tarat_host host{};
    InboundReceiver receiver;  // ABI 1.2; empty for a channel that only sends
    InboundAnswer answer;      // the last answer: its strings live until the next receive
    std::shared_ptr<PluginHost::Announced> announced;
};

spdlog::level::level_enum to_spdlog(tarat_log_level level) {
    switch (level) {
    case TARAT_LOG_DEBUG: return spdlog::level::debug;
    case TARAT_LOG_INFO: return spdlog::level::info;
    case TARAT_LOG_WARNING: return spdlog::level::warn;
    case TARAT_LOG_ERROR: return spdlog::level::err;
    }
    return spdlog::level::info;
}

// The log callback handed to plugins: nothing may escape back into C.
void host_log(void* context, tarat_log_level level, const char* message) noexcept {
    try {
        const auto* host = static_cast<const HostContext*>(context);
        if (host && message) host->logger->log(to_spdlog(level), "channel '{}': {}", host->channel, message);
    } catch (...) {
    }
}

// host->announce (ABI 1.3): a fact about the channel, kept for the daemon's commands.
void host_announce(void* context, const char* key, const char* value) noexcept {
    try {
        auto* host = static_cast<HostContext*>(context);
        if (!host || !key || !value) return;
        std::lock_guard lock(host->announced->mutex);
        host->announced->facts[host->channel][key] = value;
    } catch (...) {
    }
}

// host->receive: one update from the plugin's thread to the receiver; nothing escapes into C.
int host_receive(void* context, const tarat_inbound* update, tarat_answer* answer) noexcept {
    try {
        auto* host = static_cast<HostContext*>(context);
        if (!host || !update || !answer || !host->receiver) return 1;
        auto text = [](const char* s) { return std::string(s ? s : ""); };
        InboundUpdate u;
        u.position = update->position;
        u.kind = text(update->kind);
        u.chat = text(update->chat);
        u.user = text(update->user);
        u.text = text(update->text);
        u.language = text(update->language);
        if (TARAT_HAS_FIELD(update, tarat_inbound, message)) u.message = text(update->message);
        auto answered = host->receiver(u);
        if (!answered) return 1;
        host->answer = std::move(*answered);
        uint32_t size = answer->struct_size;
        *answer = tarat_answer{};
        answer->struct_size = size;
        answer->text = host->answer.text.c_str();
        if (TARAT_HAS_FIELD(answer, tarat_answer, buttons)) answer->buttons = host->answer.buttons.c_str();
        if (TARAT_HAS_FIELD(answer, tarat_answer, edit)) answer->edit = host->answer.edit.c_str();
        if (TARAT_HAS_FIELD(answer, tarat_answer, toast)) answer->toast = host->answer.toast.c_str();
        if (TARAT_HAS_FIELD(answer, tarat_answer, edit_message)) answer->edit_message = host->answer.edit_message.c_str();
        return 0;
    } catch (...) {
        return 1;
    }
}

bool is_bare_name(std::string_view name) {
    if (name.empty() || name.size() > 64) return false;
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!ok) return false;
    }
    return true;
}

}  // namespace

class PluginLibrary {
public:
    PluginLibrary(void* handle, fs::path path) : handle_(handle), path_(std::move(path)) {}
    ~PluginLibrary() { dlclose(handle_); }
    PluginLibrary(const PluginLibrary&) = delete;
    PluginLibrary& operator=(const PluginLibrary&) = delete;

    void* handle() const { return handle_; }
    const fs::path& path() const { return path_; }
    OpenFunction open = nullptr;

private:
    void* handle_;
    fs::path path_;
};

struct Channel::State {
    std::shared_ptr<PluginLibrary> library;  // declared first, so unloaded last
    std::unique_ptr<HostContext> host;
    tarat_notifier notifier{};
    std::string name;
    std::string plugin;
};

Channel::Channel(std::unique_ptr<State> state) : state_(std::move(state)) {}

Channel::~Channel() {
    if (!state_->notifier.close) return;
    try {
        state_->notifier.close(state_->notifier.self);
    } catch (...) {
        try {
            state_->host->logger->warn("channel '{}': plugin '{}' threw from close: {}", state_->name, state_->plugin,
                                       exception_text(std::current_exception()));
        } catch (...) {
        }
    }
}

const std::string& Channel::name() const { return state_->name; }
const std::string& Channel::plugin() const { return state_->plugin; }

std::optional<std::string> Channel::flush() noexcept {
    try {
        std::lock_guard lock(send_mutex_);
        const auto& n = state_->notifier;
        if (!TARAT_HAS_FIELD(&n, tarat_notifier, flush) || !n.flush) return std::nullopt;
        char error[kErrorBufferSize] = {};
        int rc;
        try {
            rc = n.flush(n.self, error, sizeof error);
        } catch (...) {
            return "plugin threw: " + exception_text(std::current_exception());
        }
        error[sizeof error - 1] = '\0';
        if (rc == 0) return std::nullopt;
        return std::string(error[0] ? error : "the plugin could not make its notices durable");
    } catch (const std::exception& e) {
        return std::string(e.what());
    }
}

std::string Channel::listen(std::int64_t position) noexcept {
    try {
        std::lock_guard lock(send_mutex_);
        const auto& n = state_->notifier;
        if (!state_->host->receiver) return "opened without a receiver";
        if (!TARAT_HAS_FIELD(&n, tarat_notifier, listen) || !n.listen)
            return "plugin '" + state_->plugin + "' cannot receive (it has no listen, ABI 1.2)";
        char error[kErrorBufferSize] = {};
        int rc;
        try {
            rc = n.listen(n.self, position, error, sizeof error);
        } catch (...) {
            return "plugin threw: " + exception_text(std::current_exception());
        }
        error[sizeof error - 1] = '\0';
        if (rc == 0) return "";
        return error[0] ? std::string(error) : "listen failed without saying why";
    } catch (const std::exception& e) {
        return e.what();
    }
}

Delivery Channel::send(const OutgoingNotice& notice) noexcept {
    Delivery delivery;  // retry
    try {
        std::lock_guard lock(send_mutex_);
        tarat_message message{};
        message.struct_size = sizeof message;
        message.idempotency_key = notice.idempotency_key.c_str();
        message.kind = notice.kind.c_str();
        message.recipient = notice.recipient.c_str();
        message.address = notice.address.c_str();
        message.locale = notice.locale.c_str();
        message.subject = notice.subject.c_str();
        message.body = notice.body.c_str();
        message.json = notice.json.empty() ? "{}" : notice.json.c_str();
        message.buttons = notice.buttons.c_str();
        tarat_result result{};
        result.struct_size = sizeof result;
        char error[kErrorBufferSize] = {};

        tarat_status status;
        try {
            status = state_->notifier.send(state_->notifier.self, &message, &result, error, sizeof error);
        } catch (...) {
            delivery.error = "plugin threw: " + exception_text(std::current_exception());
            return delivery;
        }
        error[sizeof error - 1] = '\0';

        switch (static_cast<int>(status)) {
        case TARAT_SENT:
            delivery.status = Delivery::sent;
            break;
        case TARAT_RETRY:
            delivery.status = Delivery::retry;
            delivery.error = error[0] ? error : "the plugin asked to retry without saying why";
            if (result.retry_after_seconds > 0) delivery.retry_after = std::chrono::seconds(result.retry_after_seconds);
            break;
        case TARAT_REJECTED:
            delivery.status = Delivery::rejected;
            delivery.error = error[0] ? error : "the plugin rejected the notice without saying why";
            break;
        default:
            delivery.status = Delivery::retry;
            delivery.error = "the plugin returned an unknown status " + std::to_string(static_cast<int>(status));
            break;
        }
    } catch (...) {
        delivery = Delivery{};  // out of memory, most likely: retry, and say so if we still can
        try {
            delivery.error = "host failed around the plugin call: " + exception_text(std::current_exception());
        } catch (...) {
        }
    }
    return delivery;
}

PluginHost::PluginHost(fs::path plugin_dir, fs::path state_dir, std::shared_ptr<spdlog::logger> logger)
    : plugin_dir_(std::move(plugin_dir)), state_dir_(std::move(state_dir)), logger_(std::move(logger)) {
    std::error_code ignored;
    if (!plugin_dir_.empty()) plugin_dir_ = fs::absolute(plugin_dir_, ignored).lexically_normal();
    if (!state_dir_.empty()) state_dir_ = fs::absolute(state_dir_, ignored).lexically_normal();
    if (!logger_) logger_ = spdlog::default_logger();
}

PluginHost::~PluginHost() = default;

std::optional<fs::path> PluginHost::plugin_path(std::string_view plugin) const {
    if (!is_bare_name(plugin) || plugin_dir_.empty()) return std::nullopt;
    return plugin_dir_ / ("tarat-" + std::string(plugin) + ".so");
}

std::shared_ptr<PluginLibrary> PluginHost::load(const std::string& plugin, std::string& error) {
    if (plugin_dir_.empty()) {
        error = "no plugin directory is configured";
        return nullptr;
    }
    auto path = plugin_path(plugin);
    if (!path) {
        error = "not a plugin name (letters, digits, '-' and '_' only); plugins load only from " + plugin_dir_.string();
        return nullptr;
    }
    if (auto it = loaded_.find(plugin); it != loaded_.end())
        if (auto library = it->second.lock()) return library;

    std::error_code ec;
    if (!fs::is_regular_file(*path, ec)) {
        error = "no file " + path->string();
        return nullptr;
    }
    dlerror();
    void* handle = dlopen(path->c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char* why = dlerror();
        error = "cannot load " + path->string() + ": " + (why ? why : "unknown dlopen error");
        return nullptr;
    }
    auto library = std::make_shared<PluginLibrary>(handle, *path);  // dlclose on every return below

    auto abi_function = find_symbol<AbiFunction>(handle, "tarat_plugin_abi");
    library->open = find_symbol<OpenFunction>(handle, "tarat_plugin_open");
    if (!abi_function || !library->open) {
        error = path->string() + " has no entry point " + (abi_function ? "tarat_plugin_open" : "tarat_plugin_abi") +
                ": not a tarat plugin, or built without exporting it";
        return nullptr;
    }
    uint32_t abi = 0;
    try {
        abi = abi_function();
    } catch (...) {
        error = path->string() + ": tarat_plugin_abi threw: " + exception_text(std::current_exception());
        return nullptr;
    }
    if ((abi >> 16) != TARAT_PLUGIN_ABI_MAJOR) {
        error = path->string() + " speaks plugin ABI " + abi_text(abi) + ", this taratd speaks " +
                abi_text(TARAT_PLUGIN_ABI) + ": rebuild the plugin against this tarat's plugin.h";
        return nullptr;
    }
    if ((abi & 0xffffu) > TARAT_PLUGIN_ABI_MINOR) {
        error = path->string() + " needs plugin ABI " + abi_text(abi) + ", this taratd offers only " +
                abi_text(TARAT_PLUGIN_ABI) + ": upgrade tarat or use a plugin built for it";
        return nullptr;
    }
    loaded_[plugin] = library;
    return library;
}

ChannelOpen PluginHost::open_channel(const ChannelConfig& config, InboundReceiver receiver) {
    ChannelOpen opened;
    try {
        const std::string prefix = "channel '" + config.name + "': plugin '" + config.plugin + "': ";
        std::shared_ptr<PluginLibrary> library;
        std::string error;
        {
            std::lock_guard lock(mutex_);
            library = load(config.plugin, error);
        }
        if (!library) {
            opened.error = prefix + error;
            return opened;
        }

        auto state = std::make_unique<Channel::State>();
        state->library = library;
        state->name = config.name;
        state->plugin = config.plugin;
        state->host = std::make_unique<HostContext>();
        HostContext& host = *state->host;
        host.channel = config.name;
        host.state_dir = state_dir_.string();
        host.logger = logger_;
        host.host.struct_size = sizeof host.host;
        host.host.context = &host;
        host.host.log = &host_log;
        host.host.state_dir = host.state_dir.c_str();
        host.receiver = std::move(receiver);
        host.host.receive = host.receiver ? &host_receive : nullptr;
        host.host.announce = &host_announce;
        host.announced = announced_;
        state->notifier.struct_size = sizeof state->notifier;

        const std::string settings = config.settings_json.empty() ? "{}" : config.settings_json;
        char message[kErrorBufferSize] = {};
        int rc = 0;
        try {
            rc = library->open(settings.c_str(), &host.host, &state->notifier, message, sizeof message);
        } catch (...) {
            opened.error = prefix + "tarat_plugin_open threw: " + exception_text(std::current_exception());
            return opened;
        }
        message[sizeof message - 1] = '\0';
        if (rc != 0) {
            opened.error = prefix + (message[0] ? std::string(message)
                                                : "open failed (code " + std::to_string(rc) + ") without saying why");
            return opened;
        }
        if (!state->notifier.send) {
            opened.error = prefix + "opened a notifier without a send function";
            // Channel's destructor still closes what the plugin opened.
            Channel half_open(std::move(state));
            return opened;
        }
        opened.channel.reset(new Channel(std::move(state)));
    } catch (...) {
        opened.channel.reset();
        opened.error = "channel '" + config.name + "': " + exception_text(std::current_exception());
    }
    return opened;
}

std::string PluginHost::check_channel(const ChannelConfig& config) {
    const std::string prefix = "channel '" + config.name + "': plugin '" + config.plugin + "': ";
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return prefix + "cannot check it: pipe: " + std::strerror(errno);
    const pid_t parent = ::getpid();
    const pid_t child = ::fork();
    if (child < 0) {
        ::close(pipe_fds[0]);
        ::close(pipe_fds[1]);
        return prefix + "cannot check it: fork: " + std::strerror(errno);
    }
    if (child == 0) {  // opens, closes, reports, and leaves without running the parent's exit handlers
        // It must never outlive taratd (a killed taratd's child kept files and locks from the next
        // one): killed with it, and gone at once if taratd died before the prctl.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(1);
        ::close(pipe_fds[0]);
        // A crash must end the child as it would end a process of its own, not in the parent's
        // handlers (which would report, or flush the parent's buffered output a second time).
        for (int fatal : {SIGABRT, SIGSEGV, SIGBUS, SIGILL, SIGFPE}) ::signal(fatal, SIG_DFL);
        std::string error;
        {
            auto opened = open_channel(config);
            if (!opened) error = opened.error;
        }
        (logger_ ? logger_ : spdlog::default_logger())->flush();
        for (size_t done = 0; done < error.size();) {
            ssize_t n = ::write(pipe_fds[1], error.data() + done, error.size() - done);
            if (n <= 0 && errno != EINTR) break;
            if (n > 0) done += size_t(n);
        }
        ::_exit(0);
    }
    ::close(pipe_fds[1]);
    std::string error;
    char buffer[512];
    for (;;) {
        ssize_t n = ::read(pipe_fds[0], buffer, sizeof buffer);
        if (n > 0) error.append(buffer, size_t(n));
        else if (n == 0 || errno != EINTR) break;
    }
    ::close(pipe_fds[0]);
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFSIGNALED(status))
        return prefix + "crashed while opening (signal " + std::to_string(WTERMSIG(status)) + ", " +
               ::strsignal(WTERMSIG(status)) + ")";
    return error;
}

std::string PluginHost::announced(const std::string& channel, const std::string& key) const {
    std::lock_guard lock(announced_->mutex);
    auto c = announced_->facts.find(channel);
    if (c == announced_->facts.end()) return "";
    auto k = c->second.find(key);
    return k == c->second.end() ? "" : k->second;
}

}  // namespace tarat
