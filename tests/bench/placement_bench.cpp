// Times what taratd does with a plan at its first start: load and validate it (config, plan, days
// off), then place it and persist it into the real Store (SQLite, WAL, synchronous=FULL, one
// transaction) as taratd does, each event stored as placement makes it (place_each); reports the
// stages, the peak RSS after each, and placement alone (--repeat), timed after the peak is read.
//   placement_bench CONFIG [--repeat N] [--print N] [--state-dir DIR] [--rows FILE] [--json FILE]
// --rows FILE: the placed events as TSV (not timed), the input of sqlite_baseline.
// --json FILE: the figures as one JSON object (for tests/bench/run_all).
// A national-size input: python3 tests/bench/gen_national_plan.py /tmp/tarat-bench
#include "bench_proc.hpp"

#include "config/setup.hpp"
#include "schedule/placement.hpp"
#include "store/store.hpp"

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

int usage() {
    std::fprintf(stderr,
                 "usage: placement_bench CONFIG [--repeat N] [--print N] [--state-dir DIR] [--rows FILE] [--json FILE]\n");
    return 64;
}

// One line per event, tab-separated, the columns of the store's event table that a plan load fills.
void write_rows(const std::string& file, const tarat::Schedule& schedule) {
    std::ofstream out(file, std::ios::binary);
    for (const auto& e : schedule.events)
        out << e.id << '\t' << e.centre << '\t' << e.district << '\t' << e.form << '\t' << e.title << '\t'
            << e.audience << '\t' << e.responsible << '\t' << tarat::format_date(e.date) << '\t' << e.start_minutes
            << '\t' << e.end_minutes << '\t' << e.source << '\n';
    if (!out) throw std::runtime_error("cannot write " + file);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) return usage();
    const std::string config = argv[1];
    int repeat = 3;
    long print = 0;
    std::string state_dir, rows_file, json_file;
    for (int i = 2; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--repeat" && i + 1 < argc) repeat = std::max(1, std::atoi(argv[++i]));
        else if (arg == "--print" && i + 1 < argc) print = std::atol(argv[++i]);
        else if (arg == "--state-dir" && i + 1 < argc) state_dir = argv[++i];
        else if (arg == "--rows" && i + 1 < argc) rows_file = argv[++i];
        else if (arg == "--json" && i + 1 < argc) json_file = argv[++i];
        else return usage();
    }

    const double cpu_start = bench::cpu_seconds();  // CPU counts every --repeat placement; run_all uses 1
    auto load_start = Clock::now();
    tarat::Diagnostics diagnostics;
    auto setup = tarat::load_setup(config, {}, diagnostics);
    double load_seconds = seconds_since(load_start);
    if (!setup) {
        std::fprintf(stderr, "%s", diagnostics.format().c_str());
        return 78;
    }
    long rss_after_load = bench::vm_hwm_kib();

    // Place and persist as taratd does at its first start: a fresh database, the plan and its
    // events in one transaction, each event stored as it is placed.
    const bool temp_state = state_dir.empty();
    std::filesystem::path db_dir = temp_state ? bench::make_temp_dir("tarat-placement-bench") : std::filesystem::path(state_dir);
    std::filesystem::create_directories(db_dir);
    std::filesystem::remove(db_dir / "tarat.db");
    auto stored_start = Clock::now();
    auto store = tarat::Store::open(db_dir / "tarat.db");
    const tarat::PlacementInput whole_plan;
    auto stored = store->apply_plan(
        setup->plan,
        [&](const tarat::Store::EventSink& each) {
            tarat::place_each(setup->plan, *setup->calendar, whole_plan, [&](tarat::ScheduledEvent&& e) { each(e); });
        },
        tarat::SystemClock().now(), "placement_bench");
    const double stored_seconds = seconds_since(stored_start);
    const double cpu_total = bench::cpu_seconds() - cpu_start;
    store.reset();
    long rss_after_persist = bench::vm_hwm_kib();
    auto db_bytes = std::filesystem::file_size(db_dir / "tarat.db");
    if (temp_state) std::filesystem::remove_all(db_dir);

    // Placement alone, for its share of the above, and the schedule for what follows.
    std::vector<double> times;
    tarat::Schedule schedule;
    for (int i = 0; i < repeat; ++i) {
        auto start = Clock::now();
        schedule = tarat::place(setup->plan, *setup->calendar);
        times.push_back(seconds_since(start));
    }
    std::sort(times.begin(), times.end());
    const double place_seconds = times[times.size() / 2];
    const double persist_seconds = std::max(0.0, stored_seconds - place_seconds);  // the rest of the stored run

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
    std::printf("place and persist (Store::open + apply_plan from place_each, one transaction): %.3f s, %zu changes, "
                "database %ju bytes, peak RSS after persisting %ld KiB\n",
                stored_seconds, stored.change_count, std::uintmax_t(db_bytes), rss_after_persist);
    std::printf("place alone: min %.3f s, median %.3f s over %d runs\n", times.front(), place_seconds, repeat);
    std::printf("events placed: %zu, unplaced: %zu, drift: %zu, warnings: %zu\n", schedule.events.size(),
                schedule.unplaced.size(), schedule.drift.size(), schedule.warnings.size());
    const double total_seconds = load_seconds + stored_seconds;
    std::printf("load + validate + place + persist: %.3f s (CPU %.3f s), peak RSS %ld KiB\n", total_seconds, cpu_total,
                rss_after_persist);
    std::printf("place with %zu pins: %.3f s (%zu events, %zu drift)\n", pins.size(), pinned_seconds,
                pinned.events.size(), pinned.drift.size());
    std::printf("format_schedule: %.3f s, %zu bytes\n", text_seconds, text.size());
    std::printf("peak RSS (whole run, two schedules and the text alive): %ld KiB\n", peak_rss_kib());
    for (long i = 0; i < print && size_t(i) < schedule.events.size(); ++i) {
        const auto& e = schedule.events[size_t(i)];
        std::printf("%s %s %s %s %s\n", tarat::format_date(e.date).c_str(), tarat::format_hhmm(e.start_minutes).c_str(),
                    e.centre.c_str(), e.form.c_str(), e.id.c_str());
    }
    if (!rows_file.empty()) write_rows(rows_file, schedule);
    if (!json_file.empty()) {
        std::ofstream json(json_file, std::ios::binary);
        char buf[768];
        std::snprintf(buf, sizeof buf,
                      "{\"name\":\"placement_bench\",\"centres\":%zu,\"events\":%zu,\"load_seconds\":%.4f,"
                      "\"place_seconds\":%.4f,\"persist_seconds\":%.4f,\"total_seconds\":%.4f,\"cpu_seconds\":%.4f,"
                      "\"peak_rss_kib\":%ld,\"rss_after_load_kib\":%ld,"
                      "\"database_bytes\":%ju,\"loadavg\":\"%s\"}\n",
                      p.centres.size(), schedule.events.size(), load_seconds, place_seconds, persist_seconds,
                      total_seconds, cpu_total, rss_after_persist, rss_after_load, std::uintmax_t(db_bytes),
                      bench::loadavg().c_str());
        json << buf;
    }
    for (const auto& u : schedule.unplaced)
        if (print > 0) std::printf("unplaced %s %s %s: %s\n", u.rule.c_str(), u.centre.c_str(), u.period.c_str(),
                                   u.reason.c_str());
    return 0;
}
