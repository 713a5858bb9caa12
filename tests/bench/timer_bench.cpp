// Timer lateness: N notices due within a window of REAL time (due = now + U(0, window)), sent
// through the real Dispatcher (real Store, real io_context, SystemClock) to a Sender that records
// the real time of each call. Lateness = call time − due. Run once with the other core idle and
// once with it busy (a `yes > /dev/null` child for the duration of the phase, killed after).
//
//   timer_bench [--quick] [--notices N] [--window S] [--only idle|busy] [--poke-phase-ms P] [--seed X]
//               [--json FILE]
//
// Default: 1,000 notices over 60 s per phase (two phases ≈ 2 min); --quick: 200 over 10 s.
// The store keeps due times in whole seconds (Instant = sys_seconds), so each due is rounded up
// to the next whole second when stored; lateness is measured from the stored due.
// --poke-phase-ms P: start the dispatcher (first poke) P ms after a whole second, to show how the
// sub-second phase of poke() carries into the lateness.
// --json FILE: also writes the last line of the report (one JSON object) to FILE.
#include "bench_common.hpp"

#include "core/notice.hpp"
#include "core/time.hpp"
#include "notify/dispatcher.hpp"
#include "store/store.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <utility>  // before Asio (Boost 1.74 + GCC 12)
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using Sys = std::chrono::system_clock;
namespace fs = std::filesystem;

// Records when each key reached the channel.
class RecordingSender final : public tarat::Sender {
public:
    tarat::Delivery send(const std::string&, const tarat::OutgoingNotice& notice) noexcept override {
        auto at = Sys::now();
        std::lock_guard lock(mutex_);
        calls_.emplace(notice.idempotency_key, at);
        return {tarat::Delivery::sent, {}, std::nullopt};
    }
    std::map<std::string, Sys::time_point> calls() {
        std::lock_guard lock(mutex_);
        return calls_;
    }

private:
    std::mutex mutex_;
    std::map<std::string, Sys::time_point> calls_;
};

struct Phase {
    std::string name;  // "idle" or "busy"
    size_t notices = 0, received = 0;
    double window_s = 0;
    double p50 = 0, p90 = 0, p99 = 0, max = 0, min = 0, mean = 0;
    size_t over_200ms = 0;
    double poke_phase_ms = 0;  // sub-second phase of the real clock at the first poke()
    double cpu_busy_percent = 0;
    std::string loadavg;
    bool ok = false;
};

pid_t start_busy_child() {
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        int null = ::open("/dev/null", O_WRONLY);
        if (null >= 0) ::dup2(null, 1);
        ::execlp("yes", "yes", static_cast<char*>(nullptr));
        // No `yes`: spin here instead.
        volatile unsigned long x = 0;
        for (;;) {
            x = x + 1;
        }
    }
    return pid;
}

void stop_busy_child(pid_t pid) {
    ::kill(pid, SIGTERM);
    int status = 0;
    ::waitpid(pid, &status, 0);
}

Phase run_phase(const std::string& name, size_t n, std::chrono::milliseconds window, std::optional<int> poke_phase_ms,
                unsigned seed) {
    Phase p;
    p.name = name;
    p.notices = n;
    p.window_s = double(window.count()) / 1000.0;
    fs::path dir = bench::make_temp_dir("tarat-timer-bench");
    auto store = tarat::Store::open(dir / "tarat.db");
    tarat::SystemClock clock;

    pid_t busy = name == "busy" ? start_busy_child() : 0;
    auto cpu_start = bench::cpu_sample();

    // Dues: now + U(0, window), rounded up to whole seconds (the store's resolution). The inserts
    // take well under a second; the first due is at least one second away.
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<long long> offset_ms(0, window.count());
    auto t0 = Sys::now();
    std::map<std::string, Sys::time_point> due_of;
    std::vector<tarat::Notice> scope;
    size_t scope_index = 0;
    auto flush = [&] {
        if (scope.empty()) return;
        store->sync_notices(scope.front().event_id, scope, clock.now());
        scope.clear();
        ++scope_index;
    };
    for (size_t i = 0; i < n; ++i) {
        auto due_real = t0 + std::chrono::milliseconds(offset_ms(rng)) + 1s;
        auto due = std::chrono::ceil<std::chrono::seconds>(due_real);
        char event[32], person[32];
        std::snprintf(event, sizeof event, "ev-%04zu", scope_index);
        std::snprintf(person, sizeof person, "person-%04zu", i);
        tarat::Notice notice;
        notice.kind = tarat::NoticeKind::reminder;
        notice.event_id = event;
        notice.recipient = person;
        notice.channel = "bench";
        notice.due = tarat::Instant(std::chrono::duration_cast<std::chrono::seconds>(due.time_since_epoch()));
        notice.key = tarat::notice_key(notice.kind, notice.event_id, notice.recipient, notice.channel, notice.due);
        due_of[notice.key] = Sys::time_point(notice.due.time_since_epoch());
        scope.push_back(std::move(notice));
        if (scope.size() == 100) flush();
    }
    flush();

    RecordingSender sender;
    boost::asio::io_context io;
    tarat::Dispatcher dispatcher(io, *store, clock, sender,
                                 [](const tarat::OutboxRow& row, auto&&...) -> tarat::Prepared { return bench::render(row); });
    size_t done = 0;
    dispatcher.on_result = [&](const tarat::OutboxRow&, const tarat::Delivery&) {
        if (++done == n) io.stop();
    };
    // Give up 30 s after the last due.
    boost::asio::steady_timer deadline(io);
    deadline.expires_after(window + 31s);
    deadline.async_wait([&](const boost::system::error_code& ec) {
        if (!ec) io.stop();
    });

    if (poke_phase_ms) {  // wait for the chosen phase of the next whole second
        auto now = Sys::now();
        auto target = std::chrono::floor<std::chrono::seconds>(now) + 1s + std::chrono::milliseconds(*poke_phase_ms);
        std::this_thread::sleep_until(target);
    }
    auto poke_at = Sys::now();
    p.poke_phase_ms =
        double(std::chrono::duration_cast<std::chrono::microseconds>(poke_at - std::chrono::floor<std::chrono::seconds>(poke_at)).count()) /
        1000.0;
    dispatcher.poke();
    io.run();
    dispatcher.stop();

    p.cpu_busy_percent = bench::cpu_busy_percent(cpu_start, bench::cpu_sample());
    p.loadavg = bench::loadavg();
    if (busy) stop_busy_child(busy);

    std::vector<double> late_ms;
    for (const auto& [key, at] : sender.calls()) {
        auto it = due_of.find(key);
        if (it == due_of.end()) continue;
        late_ms.push_back(double(std::chrono::duration_cast<std::chrono::microseconds>(at - it->second).count()) / 1000.0);
    }
    p.received = late_ms.size();
    p.ok = p.received == n;
    if (!late_ms.empty()) {
        p.p50 = bench::percentile(late_ms, 50);
        p.p90 = bench::percentile(late_ms, 90);
        p.p99 = bench::percentile(late_ms, 99);
        p.max = *std::max_element(late_ms.begin(), late_ms.end());
        p.min = *std::min_element(late_ms.begin(), late_ms.end());
        double sum = 0;
        for (double x : late_ms) {
            sum += x;
            if (x > 200) ++p.over_200ms;
        }
        p.mean = sum / double(late_ms.size());
    }
    std::error_code ec;
    fs::remove_all(dir, ec);
    return p;
}

int usage() {
    std::fprintf(stderr, "usage: timer_bench [--quick] [--notices N] [--window S] [--only idle|busy] [--poke-phase-ms P] [--seed X]\n"
                         "                   [--json FILE]\n");
    return 64;
}

}  // namespace

int main(int argc, char** argv) {
    size_t n = 1000;
    long window_s = 60;
    std::string only, json_file;
    std::optional<int> poke_phase;
    unsigned seed = 42;
    bool quick = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) std::exit(usage());
            return argv[++i];
        };
        if (a == "--quick") {
            quick = true;
            n = 200;
            window_s = 10;
        } else if (a == "--notices") n = std::stoul(next());
        else if (a == "--window") window_s = std::stol(next());
        else if (a == "--only") only = next();
        else if (a == "--poke-phase-ms") poke_phase = std::stoi(next());
        else if (a == "--seed") seed = unsigned(std::stoul(next()));
        else if (a == "--json") json_file = next();
        else return usage();
    }
    if (n == 0 || window_s <= 0 || (!only.empty() && only != "idle" && only != "busy")) return usage();
    if (poke_phase && (*poke_phase < 0 || *poke_phase > 999)) return usage();
    spdlog::set_level(spdlog::level::warn);

    fs::path probe = bench::make_temp_dir("tarat-timer-probe");
    std::string fs_report = bench::filesystem_name(probe) + ", " + bench::mount_source(probe);
    fs::remove_all(probe);
    std::printf("timer_bench%s: %zu notices due within %ld s per phase, %ld cores online, store on %s, loadavg %s\n",
                quick ? " --quick" : "", n, window_s, ::sysconf(_SC_NPROCESSORS_ONLN), fs_report.c_str(),
                bench::loadavg().c_str());

    std::vector<Phase> phases;
    for (std::string name : {"idle", "busy"}) {
        if (!only.empty() && only != name) continue;
        std::fprintf(stderr, "  phase %s: %ld s…\n", name.c_str(), window_s);
        phases.push_back(run_phase(name, n, std::chrono::seconds(window_s), poke_phase, seed));
    }

    std::printf("\n%-6s %8s %10s %9s %9s %9s %9s %9s %8s %10s %9s %s\n", "phase", "received", "poke_ph_ms", "min_ms",
                "p50_ms", "p90_ms", "p99_ms", "max_ms", ">200ms", "cpu_busy%", "goal", "loadavg");
    for (const auto& p : phases)
        std::printf("%-6s %8zu %10.1f %9.1f %9.1f %9.1f %9.1f %9.1f %8zu %10.0f %9s %s%s\n", p.name.c_str(), p.received,
                    p.poke_phase_ms, p.min, p.p50, p.p90, p.p99, p.max, p.over_200ms, p.cpu_busy_percent,
                    p.p99 <= 200 ? "met" : "NOT met", p.loadavg.c_str(), p.ok ? "" : " INCOMPLETE");
    std::printf("(lateness = Sender call time − stored due; dues are whole seconds; cpu_busy%% = all processes, 100 = one core)\n");

    std::string json = "{\"name\":\"" + std::string(quick ? "timer_bench_quick" : "timer_bench") +
                       "\",\"filesystem\":\"" + bench::json_escape(fs_report) + "\",\"notices\":" + std::to_string(n) +
                       ",\"window_s\":" + std::to_string(window_s) + ",\"goal_p99_ms\":200,\"phases\":[";
    for (size_t i = 0; i < phases.size(); ++i) {
        const auto& p = phases[i];
        char buf[512];
        std::snprintf(buf, sizeof buf,
                      "%s{\"phase\":\"%s\",\"received\":%zu,\"poke_phase_ms\":%.1f,\"min_ms\":%.2f,\"p50_ms\":%.2f,"
                      "\"p90_ms\":%.2f,\"p99_ms\":%.2f,\"max_ms\":%.2f,\"mean_ms\":%.2f,\"over_200ms\":%zu,"
                      "\"cpu_busy_percent\":%.0f,\"goal_met\":%s}",
                      i ? "," : "", p.name.c_str(), p.received, p.poke_phase_ms, p.min, p.p50, p.p90, p.p99, p.max, p.mean,
                      p.over_200ms, p.cpu_busy_percent, p.p99 <= 200 ? "true" : "false");
        json += buf;
    }
    json += "]}";
    std::printf("%s\n", json.c_str());
    if (!json_file.empty()) std::ofstream(json_file, std::ios::binary) << json << "\n";
    bool ok = true;
    for (const auto& p : phases) ok = ok && p.ok;
    return ok ? 0 : 1;
}
