// libFuzzer harness: bytes → one request line → parse_request and command dispatch, as the socket
// server runs them, on a Daemon with every real command over a real SQLite store in a temporary
// folder, built once from the shipped etc/ on a fixed clock (2026-12-01 09:00 in Aqtobe). Each line
// is dispatched for a reader and for an admin, each inside a transaction that is rolled back, so
// every run starts from the same stored state and a crasher replays alone.
#include "app/daemon.hpp"
#include "core/exit_codes.hpp"
#include "control/protocol.hpp"
#include "fuzz_support.hpp"

#include <stdlib.h>

#include <cstdint>
#include <memory>
#include <stdexcept>

using namespace tarat;

namespace {

struct RolledBack {};

control::Peer reader() { return {65534, 65534, 4242, {65534}, "nobody"}; }
control::Peer admin() { return {0, 0, 4243, {0}, "root"}; }

class World {
public:
    World() {
        ::unsetenv("NOTIFY_SOCKET");  // no systemd notifications from a harness
        std::string pattern = (std::filesystem::temp_directory_path() / "tarat-fuzz-XXXXXX").string();
        if (!::mkdtemp(pattern.data())) throw std::runtime_error("cannot create a temporary folder");
        state_ = pattern;
        DaemonOptions options;
        options.config_file = fuzz::source_dir() / "etc/tarat.toml";
        options.overrides.state_dir = state_;
        options.overrides.socket_path = state_ / "tarat.sock";
        options.overrides.plugin_dir = TARAT_PLUGIN_BUILD_DIR;
        Diagnostics d;
        auto setup = load_setup(options.config_file, options.overrides, d);
        if (!setup) throw std::runtime_error("the shipped etc/ does not load:\n" + d.format());
        daemon_ = std::make_unique<Daemon>(std::move(options), std::move(*setup), clock_);
        if (daemon_->open() != exit_code::ok) throw std::runtime_error("the daemon cannot open its channels");
    }
    ~World() {
        daemon_.reset();
        std::error_code ignored;
        std::filesystem::remove_all(state_, ignored);
    }

    void dispatch(std::string_view line, const control::Peer& peer, bool is_admin) {
        try {
            daemon_->store().in_transaction([&] {
                auto reply = daemon_->commands().dispatch(line, peer, is_admin);
                (void)reply.to_json_line();
                throw RolledBack{};
            });
        } catch (const RolledBack&) {
        }
    }

private:
    ManualClock clock_{*parse_instant("2026-12-01T09:00:00+05:00")};
    std::filesystem::path state_;
    std::unique_ptr<Daemon> daemon_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::quiet_logs();
    static World world;
    auto text = fuzz::as_text(data, size);
    // The server reads up to the first "\n" and refuses a longer line before dispatch.
    auto line = text.substr(0, text.find('\n') == std::string_view::npos ? text.size() : text.find('\n') + 1);
    if (line.size() > control::Limits{}.max_line + 1) return 0;
    world.dispatch(line, reader(), false);
    world.dispatch(line, admin(), true);
    return 0;
}
