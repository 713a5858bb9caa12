#pragma once
// Real child processes for end-to-end tests: spawn, wait with an upper bound, signal, capture.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace tarat::testing {

inline std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// Replaces the first `from` in a file (a copied etc/ adjusted by a test); throws when absent.
inline void replace_in_file(const std::filesystem::path& file, const std::string& from, const std::string& to) {
    auto text = read_file(file);
    auto at = text.find(from);
    if (at == std::string::npos) throw std::runtime_error("'" + from + "' is not in " + file.string());
    text.replace(at, from.size(), to);
    std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
}

// Polls `done` until it holds or `limit` passes: for waiting on another process, never for timing.
inline bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return done();
}

struct RunResult {
    int exit_code = -1;  // or 128 + signal
    std::string out, err;
};

class Child {
public:
    // stdout and stderr go to files under `log_dir` named after `name`.
    Child(std::vector<std::string> argv, const std::filesystem::path& log_dir, const std::string& name,
          std::vector<std::string> extra_env = {})
        : out_(log_dir / (name + ".out")), err_(log_dir / (name + ".err")) {
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&actions, 1, out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        posix_spawn_file_actions_addopen(&actions, 2, err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        std::vector<char*> args;
        for (auto& a : argv) args.push_back(a.data());
        args.push_back(nullptr);
        std::vector<std::string> env_strings;
        for (char** e = environ; *e; ++e) env_strings.emplace_back(*e);
        for (auto& e : extra_env) env_strings.push_back(e);
        std::vector<char*> env;
        for (auto& e : env_strings) env.push_back(e.data());
        env.push_back(nullptr);
        int rc = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), env.data());
        posix_spawn_file_actions_destroy(&actions);
        if (rc != 0) throw std::runtime_error("cannot start " + argv[0]);
    }
    ~Child() {
        if (pid_ > 0 && !status_) {
            ::kill(pid_, SIGKILL);
            int st;
            ::waitpid(pid_, &st, 0);
        }
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    pid_t pid() const { return pid_; }
    void signal(int sig) const { ::kill(pid_, sig); }
    std::string out() const { return read_file(out_); }
    std::string err() const { return read_file(err_); }

    // The exit code (128 + signal when killed), or nullopt if still running after `limit`.
    std::optional<int> wait(std::chrono::milliseconds limit = std::chrono::seconds(20)) {
        if (status_) return status_;
        eventually([&] {
            int st = 0;
            pid_t r = ::waitpid(pid_, &st, WNOHANG);
            if (r == pid_) status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            return status_.has_value();
        }, limit);
        return status_;
    }
    bool running() {
        if (status_) return false;
        return !wait(std::chrono::milliseconds(0));
    }

private:
    pid_t pid_ = -1;
    std::filesystem::path out_, err_;
    std::optional<int> status_;
};

// Runs a command to completion and returns its exit code and output.
inline RunResult run(std::vector<std::string> argv, const std::filesystem::path& log_dir,
                     std::vector<std::string> extra_env = {}) {
    static int counter = 0;
    Child child(std::move(argv), log_dir, "run-" + std::to_string(counter++), std::move(extra_env));
    RunResult r;
    auto code = child.wait(std::chrono::seconds(60));
    if (!code) throw std::runtime_error("command did not finish within 60 s");
    r.exit_code = *code;
    r.out = child.out();
    r.err = child.err();
    return r;
}

}  // namespace tarat::testing
