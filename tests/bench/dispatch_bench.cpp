// Durable dispatch throughput: a real Store (SQLite, WAL, synchronous=FULL) in a temp dir with N
// due notices, the real Dispatcher on a real io_context, and the real file plugin (one JSON line +
// fsync per notice) loaded through PluginHost/PluginSender. Measures the wall time from the first
// poke() until the last notice is recorded as sent (on_result runs after the batch's COMMIT).
// Baseline: the same JSON lines appended by a minimal loop with one fsync per 256 lines.
//
//   dispatch_bench [--notices N] [--workers W] [--batch B] [--no-null] [--no-main]
//                  [--matrix] [--matrix-notices M] [--per-line-lines L] [--store-breakdown] [--keep]
//                  [--json FILE]
//
// --matrix adds file-plugin runs for workers 1,2 × batch 64,256,1024 with M notices each
// (default 5000: the file plugin's fsync per notice makes 100,000 take minutes per run).
// --store-breakdown adds the store's cost per notice of one dispatch cycle, recorded as the
// Dispatcher records today and with mark_sent_batch (no loop, pool or plugin).
// The temp dir is under $TMPDIR (default /tmp); the report names its filesystem.
// --json FILE: also writes the last line of the report (one JSON object) to FILE.
#include "bench_common.hpp"

#include "core/notice.hpp"
#include "core/time.hpp"
#include "notify/dispatcher.hpp"
#include "notify/plugin_host.hpp"
#include "notify/plugin_sender.hpp"
#include "store/store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <utility>  // before Asio (Boost 1.74 + GCC 12)
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#ifndef TARAT_BENCH_PLUGIN_DIR
#error "TARAT_BENCH_PLUGIN_DIR must name the build's plugin directory"
#endif

namespace {

using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;
namespace fs = std::filesystem;

double seconds_since(Steady::time_point start) { return std::chrono::duration<double>(Steady::now() - start).count(); }

constexpr size_t kPerScope = 100;
const std::string kChannel = "file";

// The notices of scope s: 100 reminders about event ev-<s>, one per recipient, all due 2 h ago.
std::vector<tarat::Notice> scope_notices(size_t s, size_t count, tarat::Instant base) {
    char event[32];
    std::snprintf(event, sizeof event, "ev-%05zu", s);
    std::vector<tarat::Notice> out;
    for (size_t i = 0; i < count; ++i) {
        char person[32];
        std::snprintf(person, sizeof person, "person-%03zu", i);
        tarat::Notice n;
        n.kind = tarat::NoticeKind::reminder;
        n.event_id = event;
        n.recipient = person;
        n.channel = kChannel;
        n.due = base + std::chrono::seconds(s % 3600);
        n.facts.lead = tarat::Span{tarat::Span::Unit::working_days, 3};
        n.key = tarat::notice_key(n.kind, n.event_id, n.recipient, n.channel, n.due);
        out.push_back(std::move(n));
    }
    return out;
}

// All N notices, scope by scope.
std::vector<std::vector<tarat::Notice>> all_notices(size_t n, tarat::Instant base) {
    std::vector<std::vector<tarat::Notice>> scopes;
    for (size_t s = 0, left = n; left > 0; ++s) {
        size_t count = std::min(kPerScope, left);
        scopes.push_back(scope_notices(s, count, base));
        left -= count;
    }
    return scopes;
}

// Times every send and how many run at once.
class TimedSender final : public tarat::Sender {
public:
    explicit TimedSender(tarat::Sender* inner) : inner_(inner) {}
    tarat::Delivery send(const std::string& channel, const tarat::OutgoingNotice& notice) noexcept override {
        int now_active = ++active_;
        int seen = max_active_.load();
        while (now_active > seen && !max_active_.compare_exchange_weak(seen, now_active)) {
        }
        auto start = Steady::now();
        tarat::Delivery d = inner_ ? inner_->send(channel, notice) : tarat::Delivery{tarat::Delivery::sent, {}, std::nullopt};
        busy_ns_ += std::chrono::duration_cast<std::chrono::nanoseconds>(Steady::now() - start).count();
        --active_;
        return d;
    }
    double busy_seconds() const { return double(busy_ns_.load()) / 1e9; }
    int max_active() const { return max_active_.load(); }

private:
    tarat::Sender* inner_;  // null: every notice is sent at once
    std::atomic<long long> busy_ns_{0};
    std::atomic<int> active_{0};
    std::atomic<int> max_active_{0};
};

struct RunResult {
    std::string sender;  // "file" or "null"
    size_t notices = 0, workers = 0, batch = 0;
    double setup_seconds = 0;
    double seconds = 0;
    double rate = 0;
    size_t sent = 0, failed = 0;
    std::string first_error;
    size_t recorded_batches = 0;  // on_result bursts: one per record()
    double sender_busy_seconds = 0;
    int max_concurrent_sends = 0;
    size_t store_sent = 0;   // notice_counts().sent afterwards
    size_t file_lines = 0;   // lines in the file plugin's file afterwards
    bool ok = false;
};

size_t count_lines(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    size_t n = 0;
    std::string line;
    while (std::getline(in, line)) ++n;
    return n;
}

RunResult run_dispatch(const std::string& sender_kind, size_t n, size_t workers, size_t batch, bool keep,
                       std::string* fs_report) {
    RunResult r;
    r.sender = sender_kind;
    r.notices = n;
    r.workers = workers;
    r.batch = batch;
    fs::path dir = bench::make_temp_dir("tarat-dispatch-bench");
    if (fs_report) *fs_report = bench::filesystem_name(dir) + ", " + bench::mount_source(dir) + ", dir " + dir.string();

    tarat::SystemClock clock;
    auto setup_start = Steady::now();
    auto store = tarat::Store::open(dir / "tarat.db");
    tarat::Instant base = clock.now() - 2h;
    for (auto& scope : all_notices(n, base))
        store->sync_notices(scope.front().event_id, scope, clock.now());
    r.setup_seconds = seconds_since(setup_start);

    std::unique_ptr<tarat::PluginHost> host;
    std::unique_ptr<tarat::PluginSender> plugins;
    if (sender_kind == "file") {
        host = std::make_unique<tarat::PluginHost>(TARAT_BENCH_PLUGIN_DIR, dir);
        std::vector<tarat::ChannelConfig> channels{{kChannel, "file", R"({"path": "notices.jsonl"})", {}}};
        std::vector<std::string> errors;
        plugins = std::make_unique<tarat::PluginSender>(*host, channels, errors);
        if (!errors.empty()) {
            std::fprintf(stderr, "cannot open the file channel: %s\n", errors.front().c_str());
            std::exit(1);
        }
    }
    TimedSender sender(plugins.get());

    boost::asio::io_context io;
    tarat::DispatchSettings settings;
    settings.workers = workers;
    settings.batch = batch;
    // A generic preparer fits both Preparer signatures (row) and (row, now).
    tarat::Dispatcher dispatcher(io, *store, clock, sender, [](const tarat::OutboxRow& row, auto&&...) -> tarat::Prepared {
        return bench::render(row);
    }, settings);

    Steady::time_point start, end;
    size_t done = 0;
    bool in_burst = false;
    dispatcher.on_result = [&](const tarat::OutboxRow&, const tarat::Delivery& d) {
        if (d.status == tarat::Delivery::sent) ++r.sent;
        else {
            ++r.failed;
            if (r.first_error.empty()) r.first_error = d.error;
        }
        if (!in_burst) {  // on_result calls of one record() run back to back on the loop
            in_burst = true;
            ++r.recorded_batches;
            boost::asio::post(io, [&] { in_burst = false; });
        }
        if (++done == n) {
            end = Steady::now();
            io.stop();
        }
    };

    // Progress on stderr, and a watchdog: no result for 60 s ends the run as failed.
    boost::asio::steady_timer tick(io);
    size_t last_done = 0;
    auto last_progress = Steady::now();
    std::function<void()> arm_tick = [&] {
        tick.expires_after(5s);
        tick.async_wait([&](const boost::system::error_code& ec) {
            if (ec) return;
            if (done != last_done) {
                last_done = done;
                last_progress = Steady::now();
            } else if (Steady::now() - last_progress > 60s) {
                std::fprintf(stderr, "no progress for 60 s at %zu of %zu: giving up\n", done, n);
                io.stop();
                return;
            }
            std::fprintf(stderr, "  [%s w=%zu b=%zu] %zu / %zu after %.0f s\n", sender_kind.c_str(), workers, batch, done,
                         n, seconds_since(start));
            arm_tick();
        });
    };
    arm_tick();

    start = Steady::now();
    dispatcher.poke();
    io.run();
    tick.cancel();
    r.ok = done == n;
    r.seconds = std::chrono::duration<double>((r.ok ? end : Steady::now()) - start).count();
    r.rate = r.seconds > 0 ? double(r.sent) / r.seconds : 0;
    r.sender_busy_seconds = sender.busy_seconds();
    r.max_concurrent_sends = sender.max_active();
    dispatcher.stop();
    r.store_sent = store->notice_counts().sent;
    if (sender_kind == "file") r.file_lines = count_lines(dir / "notices.jsonl");
    if (!keep) {
        std::error_code ec;
        fs::remove_all(dir, ec);
    } else {
        std::fprintf(stderr, "kept %s\n", dir.c_str());
    }
    return r;
}

// The line the file plugin writes for this notice (same fields, order and dump settings).
std::string plugin_line(const tarat::OutgoingNotice& m) {
    using Json = nlohmann::ordered_json;
    Json line = {{"key", m.idempotency_key}, {"kind", m.kind},       {"recipient", m.recipient},
                 {"address", m.address},     {"locale", m.locale},   {"subject", m.subject},
                 {"body", m.body},           {"json", Json::parse(m.json)}};
    return line.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
}

struct BaselineResult {
    size_t lines = 0, fsync_every = 0, fsyncs = 0, bytes = 0;
    double seconds = 0, rate = 0;
};

// Renders and appends `lines` notices' JSON lines with an fsync every `fsync_every` lines (and at
// the end), O_APPEND like the plugin.
BaselineResult run_baseline(size_t lines, size_t fsync_every, tarat::Instant base) {
    BaselineResult b;
    b.lines = lines;
    b.fsync_every = fsync_every;
    fs::path dir = bench::make_temp_dir("tarat-dispatch-baseline");
    // The rows as the dispatcher would read them (not timed).
    std::vector<tarat::OutboxRow> rows;
    for (auto& scope : all_notices(lines, base))
        for (auto& notice : scope) {
            tarat::OutboxRow row;
            row.notice = std::move(notice);
            rows.push_back(std::move(row));
        }
    int fd = ::open((dir / "notices.jsonl").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0) throw std::runtime_error("cannot open the baseline file");
    auto start = Steady::now();
    size_t since_sync = 0;
    for (const auto& row : rows) {
        std::string text = plugin_line(bench::render(row));
        std::string_view data = text;
        while (!data.empty()) {
            ssize_t w = ::write(fd, data.data(), data.size());
            if (w < 0) {
                if (errno == EINTR) continue;
                throw std::runtime_error("write failed");
            }
            data.remove_prefix(size_t(w));
        }
        b.bytes += text.size();
        if (++since_sync == fsync_every) {
            if (::fsync(fd) != 0) throw std::runtime_error("fsync failed");
            ++b.fsyncs;
            since_sync = 0;
        }
    }
    if (since_sync > 0) {
        ::fsync(fd);
        ++b.fsyncs;
    }
    b.seconds = seconds_since(start);
    b.rate = double(lines) / b.seconds;
    ::close(fd);
    std::error_code ec;
    fs::remove_all(dir, ec);
    return b;
}

// What one Dispatcher cycle costs in the store, without the loop or the pool: due_notices(batch),
// then the results recorded. "as dispatcher" does what Dispatcher::record does today (one
// mark_sent + one pin_event per row inside one transaction: a SAVEPOINT and a freshly prepared
// statement each); "batched" records the same with mark_sent_batch and one pin per distinct event.
struct StoreBreakdown {
    std::string mode;
    size_t notices = 0, batch = 0, cycles = 0;
    double due_seconds = 0, record_seconds = 0, next_seconds = 0, total_seconds = 0;
};

StoreBreakdown run_store_breakdown(bool batched, size_t n, size_t batch) {
    StoreBreakdown b;
    b.mode = batched ? "batched" : "as dispatcher";
    b.notices = n;
    b.batch = batch;
    fs::path dir = bench::make_temp_dir("tarat-store-breakdown");
    tarat::SystemClock clock;
    auto store = tarat::Store::open(dir / "tarat.db");
    tarat::Instant base = clock.now() - 2h;
    for (auto& scope : all_notices(n, base)) store->sync_notices(scope.front().event_id, scope, clock.now());
    auto start = Steady::now();
    for (;;) {
        auto t0 = Steady::now();
        auto rows = store->due_notices(clock.now(), batch);
        b.due_seconds += seconds_since(t0);
        if (rows.empty()) break;
        ++b.cycles;
        auto t1 = Steady::now();
        tarat::Instant now = clock.now();
        if (!batched) {
            store->in_transaction([&] {
                for (const auto& row : rows) {
                    store->mark_sent(row.notice.key, now, bench::kSubject, bench::kBody, false);
                    if (!row.notice.event_id.empty()) store->pin_event(row.notice.event_id);
                }
            });
        } else {
            std::vector<tarat::SentMark> marks;
            std::vector<std::string> events;
            for (const auto& row : rows) {
                marks.push_back({row.notice.key, now, bench::kSubject, bench::kBody, false});
                if (!row.notice.event_id.empty() &&
                    std::find(events.begin(), events.end(), row.notice.event_id) == events.end())
                    events.push_back(row.notice.event_id);
            }
            store->in_transaction([&] {
                store->mark_sent_batch(marks);
                for (const auto& e : events) store->pin_event(e);
            });
        }
        b.record_seconds += seconds_since(t1);
        auto t2 = Steady::now();
        (void)store->next_attempt_due();  // poke()
        b.next_seconds += seconds_since(t2);
    }
    b.total_seconds = seconds_since(start);
    if (store->notice_counts().sent != n) std::fprintf(stderr, "store breakdown: not all marked sent\n");
    std::error_code ec;
    fs::remove_all(dir, ec);
    return b;
}

void print_breakdown(const StoreBreakdown& b) {
    double per = 1e6 / double(b.notices);
    std::printf("%-14s %7zu %5zu %7zu %10.1f %13.1f %11.1f %10.0f\n", b.mode.c_str(), b.notices, b.batch, b.cycles,
                b.due_seconds * per, b.record_seconds * per, b.next_seconds * per, double(b.notices) / b.total_seconds);
}

std::string breakdown_json(const StoreBreakdown& b) {
    char buf[384];
    std::snprintf(buf, sizeof buf,
                  "{\"mode\":\"%s\",\"notices\":%zu,\"batch\":%zu,\"cycles\":%zu,\"due_us_per_notice\":%.2f,"
                  "\"record_us_per_notice\":%.2f,\"next_due_us_per_notice\":%.2f,\"notices_per_s\":%.1f}",
                  b.mode.c_str(), b.notices, b.batch, b.cycles, b.due_seconds * 1e6 / double(b.notices),
                  b.record_seconds * 1e6 / double(b.notices), b.next_seconds * 1e6 / double(b.notices),
                  double(b.notices) / b.total_seconds);
    return buf;
}

void print_run(const RunResult& r) {
    std::printf("%-5s %7zu %3zu %5zu %9.2f %11.0f %8.1f %8zu %9.2f %4d %s%s\n", r.sender.c_str(), r.notices, r.workers,
                r.batch, r.seconds, r.rate, r.setup_seconds, r.recorded_batches, r.sender_busy_seconds,
                r.max_concurrent_sends, r.ok && r.store_sent == r.notices && (r.sender != "file" || r.file_lines == r.notices)
                    ? "ok"
                    : "INCOMPLETE",
                r.failed ? (" failed=" + std::to_string(r.failed) + " (" + r.first_error + ")").c_str() : "");
    std::fflush(stdout);
}

std::string run_json(const RunResult& r) {
    char buf[1024];
    std::snprintf(buf, sizeof buf,
                  "{\"sender\":\"%s\",\"notices\":%zu,\"workers\":%zu,\"batch\":%zu,\"seconds\":%.3f,"
                  "\"notices_per_s\":%.1f,\"setup_seconds\":%.2f,\"batches\":%zu,\"sender_busy_seconds\":%.3f,"
                  "\"max_concurrent_sends\":%d,\"store_sent\":%zu,\"file_lines\":%zu,\"failed\":%zu,\"ok\":%s}",
                  r.sender.c_str(), r.notices, r.workers, r.batch, r.seconds, r.rate, r.setup_seconds,
                  r.recorded_batches, r.sender_busy_seconds, r.max_concurrent_sends, r.store_sent, r.file_lines,
                  r.failed, r.ok ? "true" : "false");
    return buf;
}

std::string baseline_json(const BaselineResult& b) {
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "{\"lines\":%zu,\"fsync_every\":%zu,\"fsyncs\":%zu,\"bytes\":%zu,\"seconds\":%.3f,\"lines_per_s\":%.1f}",
                  b.lines, b.fsync_every, b.fsyncs, b.bytes, b.seconds, b.rate);
    return buf;
}

int usage() {
    std::fprintf(stderr,
                 "usage: dispatch_bench [--notices N] [--workers W] [--batch B] [--no-null] [--no-main] [--matrix]\n"
                 "                      [--matrix-notices M] [--per-line-lines L] [--store-breakdown] [--keep]\n"
                 "                      [--json FILE]\n");
    return 64;
}

}  // namespace

int main(int argc, char** argv) {
    size_t notices = 100000, workers = 2, batch = 256, matrix_notices = 5000, per_line_lines = 1000;
    bool null_run = true, main_run = true, matrix = false, keep = false, breakdown = false;
    std::string json_file;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> size_t {
            if (i + 1 >= argc) std::exit(usage());
            return std::strtoull(argv[++i], nullptr, 10);
        };
        if (a == "--notices") notices = next();
        else if (a == "--workers") workers = next();
        else if (a == "--batch") batch = next();
        else if (a == "--matrix-notices") matrix_notices = next();
        else if (a == "--per-line-lines") per_line_lines = next();
        else if (a == "--no-null") null_run = false;
        else if (a == "--no-main") main_run = false;
        else if (a == "--matrix") matrix = true;
        else if (a == "--keep") keep = true;
        else if (a == "--store-breakdown") breakdown = true;
        else if (a == "--json" && i + 1 < argc) json_file = argv[++i];
        else return usage();
    }
    if (notices == 0 || workers == 0 || batch == 0) return usage();
    spdlog::set_level(spdlog::level::warn);

    auto cpu_start = bench::cpu_sample();
    std::string load_start = bench::loadavg();
    std::string fs_report;
    tarat::Instant base = tarat::SystemClock().now() - 2h;

    std::printf("dispatch_bench: plugin dir %s, %ld cores online, loadavg %s\n", TARAT_BENCH_PLUGIN_DIR,
                ::sysconf(_SC_NPROCESSORS_ONLN), load_start.c_str());
    tarat::OutboxRow sample;
    sample.notice = all_notices(1, base)[0][0];
    std::printf("notice: subject+body %zu bytes, file line %zu bytes\n", bench::kSubject.size() + bench::kBody.size(),
                plugin_line(bench::render(sample)).size());

    // Baselines first, on a quiet disk.
    BaselineResult baseline = run_baseline(notices, 256, base);
    BaselineResult per_line = run_baseline(per_line_lines, 1, base);

    std::printf("\n%-5s %7s %3s %5s %9s %11s %8s %8s %9s %4s %s\n", "send", "notices", "wrk", "batch", "seconds",
                "notices/s", "setup_s", "batches", "sender_s", "conc", "check");
    std::vector<RunResult> runs;
    std::optional<RunResult> main_result, null_result;
    if (main_run) {
        main_result = run_dispatch("file", notices, workers, batch, keep, &fs_report);
        print_run(*main_result);
    }
    if (null_run) {
        null_result = run_dispatch("null", notices, workers, batch, keep, fs_report.empty() ? &fs_report : nullptr);
        print_run(*null_result);
    }
    if (matrix) {
        for (size_t w : {size_t(1), size_t(2)})
            for (size_t b : {size_t(64), size_t(256), size_t(1024)}) {
                runs.push_back(run_dispatch("file", matrix_notices, w, b, false, fs_report.empty() ? &fs_report : nullptr));
                print_run(runs.back());
            }
    }

    std::vector<StoreBreakdown> breakdowns;
    if (breakdown) {
        std::printf("\nstore cost per notice (µs), no loop, no pool, no plugin:\n%-14s %7s %5s %7s %10s %13s %11s %10s\n",
                    "record", "notices", "batch", "cycles", "due_notices", "record+commit", "next_due", "notices/s");
        for (bool batched : {false, true}) {
            breakdowns.push_back(run_store_breakdown(batched, notices, batch));
            print_breakdown(breakdowns.back());
        }
    }

    double cpu = bench::cpu_busy_percent(cpu_start, bench::cpu_sample());
    std::printf("\nfilesystem: %s\n", fs_report.c_str());
    std::printf("baseline (same lines, one fsync per %zu lines): %zu lines in %.3f s = %.0f lines/s, %zu fsyncs\n",
                baseline.fsync_every, baseline.lines, baseline.seconds, baseline.rate, baseline.fsyncs);
    std::printf("baseline (one fsync per line, as the file plugin does): %zu lines in %.3f s = %.0f lines/s, %.2f ms/fsync\n",
                per_line.lines, per_line.seconds, per_line.rate, per_line.seconds / double(per_line.fsyncs) * 1e3);
    double ratio = 0;
    if (main_result) {
        ratio = main_result->rate / baseline.rate;
        std::printf("dispatcher + file plugin: %.0f notices/s = %.4f × baseline; goal 10000/s: %s\n", main_result->rate,
                    ratio, main_result->rate >= 10000 ? "met" : "NOT met");
    }
    if (null_result)
        std::printf("dispatcher + store alone (null sender): %.0f notices/s = %.3f × baseline\n", null_result->rate,
                    null_result->rate / baseline.rate);
    std::printf("machine: CPU busy %.0f %% of one core on average over the whole run (all processes), loadavg %s → %s\n",
                cpu, load_start.c_str(), bench::loadavg().c_str());

    std::string json = "{\"name\":\"dispatch_bench\",\"filesystem\":\"" + bench::json_escape(fs_report) + "\"";
    if (main_result) {
        char buf[256];
        std::snprintf(buf, sizeof buf, ",\"notices\":%zu,\"notices_per_s\":%.1f,\"ratio\":%.5f,\"goal_per_s\":10000,\"goal_met\":%s",
                      main_result->notices, main_result->rate, ratio, main_result->rate >= 10000 ? "true" : "false");
        json += buf;
        json += ",\"main\":" + run_json(*main_result);
    }
    json += ",\"baseline\":" + baseline_json(baseline);
    json += ",\"baseline_fsync_each_line\":" + baseline_json(per_line);
    if (null_result) json += ",\"null_sender\":" + run_json(*null_result);
    if (!runs.empty()) {
        json += ",\"matrix\":[";
        for (size_t i = 0; i < runs.size(); ++i) json += (i ? "," : "") + run_json(runs[i]);
        json += "]";
    }
    if (!breakdowns.empty()) {
        json += ",\"store_breakdown\":[";
        for (size_t i = 0; i < breakdowns.size(); ++i) json += (i ? "," : "") + breakdown_json(breakdowns[i]);
        json += "]";
    }
    char tail[128];
    std::snprintf(tail, sizeof tail, ",\"cpu_busy_percent\":%.0f,\"loadavg_end\":\"%s\"}", cpu, bench::loadavg().c_str());
    json += tail;
    std::printf("%s\n", json.c_str());
    if (!json_file.empty()) std::ofstream(json_file, std::ios::binary) << json << "\n";
    return main_result && !main_result->ok ? 1 : 0;
}
