#pragma once
// A copy of the shipped etc/ in a temp dir with state and socket beside it, for end-to-end tests
// that run the real taratd (at a pretended moment) and the real taratctl.
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace tarat::testing {

struct Checkout {
    TempDir dir;
    std::filesystem::path etc = dir / "etc";
    std::filesystem::path state = dir / "state";
    std::filesystem::path socket = dir / "run/tarat.sock";
    std::filesystem::path plugins = TARAT_PLUGIN_BUILD_DIR;
    std::string now;  // --pretend-now: the moment the daemon starts at, with its offset

    explicit Checkout(std::string pretend_now = "2026-12-01T09:00:00+05:00") : now(std::move(pretend_now)) {
        std::filesystem::copy(std::filesystem::path(TARAT_SOURCE_DIR) / "etc", etc,
                              std::filesystem::copy_options::recursive);
    }
    std::filesystem::path config() const { return etc / "tarat.toml"; }
    std::filesystem::path plan() const { return etc / "plan.toml"; }
    std::filesystem::path database() const { return state / "tarat.db"; }

    std::vector<std::string> daemon_args() const {
        return {TARATD_PATH, "run",       "--config", config().string(), "--state-dir", state.string(),
                "--socket",  socket.string(), "--plugin-dir", plugins.string(), "--pretend-now", now};
    }
    RunResult taratd(std::vector<std::string> args) const {
        args.insert(args.begin(), TARATD_PATH);
        return run(args, dir.path());
    }
    RunResult ctl(std::vector<std::string> args) const {
        args.insert(args.begin(), {TARATCTL_PATH, "--socket", socket.string()});
        return run(args, dir.path());
    }
    bool answers() const { return ctl({"status", "--json"}).exit_code == 0; }

    // A daemon that ran once at `moment` (placing the plan while it was ahead: a rule places no
    // new event in the past) and was stopped; the next start is at `now`.
    void ran_once_at(const std::string& moment) {
        auto args = daemon_args();
        args.back() = moment;
        Child placing(args, dir.path(), "taratd-first-run");
        if (!eventually([&] { return answers(); })) throw std::runtime_error("the first run never answered");
        placing.signal(SIGTERM);
        if (placing.wait() != 0) throw std::runtime_error("the first run did not stop cleanly");
    }
    nlohmann::json ctl_json(std::vector<std::string> args) const {
        args.push_back("--json");
        auto r = ctl(args);
        if (r.exit_code != 0) throw std::runtime_error("taratctl failed: " + r.err);
        return nlohmann::json::parse(r.out);
    }
};

}  // namespace tarat::testing
