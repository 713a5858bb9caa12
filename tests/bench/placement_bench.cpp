// Times loading a plan (config, plan, days off) and placing it, and reports peak RSS.
//   placement_bench CONFIG [--repeat N] [--print N]
// A national-size input: python3 tests/bench/gen_national_plan.py /tmp/tarat-bench
#include "config/setup.hpp"
#include "schedule/placement.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

long peak_rss_kib() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;  // KiB on Linux
}

// VmHWM: the peak so far, read at a stage boundary.
long vm_hwm_kib() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmHWM:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
    return -1;
}

int usage() {
    std::fprintf(stderr, "usage: placement_bench CONFIG [--repeat N] [--print N]\n");
    return 64;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) return usage();
    const std::string config = argv[1];
    int repeat = 3;
    long print = 0;
    for (int i = 2; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--repeat" && i + 1 < argc) repeat = std::max(1, std::atoi(argv[++i]));
        else if (arg == "--print" && i + 1 < argc) print = std::atol(argv[++i]);
        else return usage();
    }

    auto load_start = Clock::now();
    tarat::Diagnostics diagnostics;
    auto setup = tarat::load_setup(config, {}, diagnostics);
    double load_seconds = seconds_since(load_start);
    if (!setup) {
        std::fprintf(stderr, "%s", diagnostics.format().c_str());
        return 78;
    }
    long rss_after_load = vm_hwm_kib();

    std::vector<double> times;
    tarat::Schedule schedule;
    for (int i = 0; i < repeat; ++i) {
        auto start = Clock::now();
        schedule = tarat::place(setup->plan, *setup->calendar);
        times.push_back(seconds_since(start));
    }
    std::sort(times.begin(), times.end());
    long rss_after_place = vm_hwm_kib();

    // The reload path: every tenth event was announced and is pinned.
    std::vector<tarat::ScheduledEvent> pins;
    for (size_t i = 0; i < schedule.events.size(); i += 10) pins.push_back(schedule.events[i]);
    auto pinned_start = Clock::now();
    auto pinned = tarat::place(setup->plan, *setup->calendar, pins);
    double pinned_seconds = seconds_since(pinned_start);

    auto text_start = Clock::now();
    std::string text = tarat::format_schedule(schedule);
    double text_seconds = seconds_since(text_start);

    const auto& p = setup->plan;
    std::printf("plan: %zu centres, %zu districts, %zu rules, %zu fixed events, %s … %s\n", p.centres.size(),
                p.districts.size(), p.rules.size(), p.events.size(), tarat::format_date(p.from).c_str(),
                tarat::format_date(p.to).c_str());
    std::printf("load (config + plan + days off + calendar): %.3f s, peak RSS after load %ld KiB\n", load_seconds,
                rss_after_load);
    std::printf("place: min %.3f s, median %.3f s over %d runs, peak RSS after placing %ld KiB\n", times.front(),
                times[times.size() / 2], repeat, rss_after_place);
    std::printf("events placed: %zu, unplaced: %zu, drift: %zu, warnings: %zu\n", schedule.events.size(),
                schedule.unplaced.size(), schedule.drift.size(), schedule.warnings.size());
    std::printf("place with %zu pins: %.3f s (%zu events, %zu drift)\n", pins.size(), pinned_seconds,
                pinned.events.size(), pinned.drift.size());
    std::printf("format_schedule: %.3f s, %zu bytes\n", text_seconds, text.size());
    std::printf("peak RSS (whole run, two schedules and the text alive): %ld KiB\n", peak_rss_kib());
    for (long i = 0; i < print && size_t(i) < schedule.events.size(); ++i) {
        const auto& e = schedule.events[size_t(i)];
        std::printf("%s %s %s %s %s\n", tarat::format_date(e.date).c_str(), tarat::format_hhmm(e.start_minutes).c_str(),
                    e.centre.c_str(), e.form.c_str(), e.id.c_str());
    }
    for (const auto& u : schedule.unplaced)
        if (print > 0) std::printf("unplaced %s %s %s: %s\n", u.rule.c_str(), u.centre.c_str(), u.period.c_str(),
                                   u.reason.c_str());
    return 0;
}
