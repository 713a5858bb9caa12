#pragma once
// Helpers shared by dispatch_bench and timer_bench: filesystem names, machine load, the fixed
// Kazakh notice text, percentiles (temp dirs, peak RSS, load average: bench_proc.hpp).
#include "bench_proc.hpp"
#include "notify/plugin_host.hpp"
#include "store/store.hpp"

#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace bench {

namespace fs = std::filesystem;

// "ext4 (0xef53)" for the filesystem holding `path`.
inline std::string filesystem_name(const fs::path& path) {
    struct statfs st {};
    if (::statfs(path.c_str(), &st) != 0) return "unknown";
    auto magic = static_cast<unsigned long>(st.f_type);
    const char* name = "other";
    switch (magic) {
        case 0xEF53: name = "ext4"; break;
        case 0x01021994: name = "tmpfs"; break;
        case 0x794c7630: name = "overlayfs"; break;
        case 0x9123683E: name = "btrfs"; break;
        case 0x58465342: name = "xfs"; break;
        case 0x2Fc12Fc1: name = "zfs"; break;
        case 0x65735546: name = "fuse"; break;
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s (0x%lx)", name, magic);
    return buf;
}

// The block device (or source) behind `path`, from /proc/self/mountinfo: the longest mount
// point that is a prefix of the path.
inline std::string mount_source(const fs::path& path) {
    std::ifstream in("/proc/self/mountinfo");
    std::string line, best_point, best_source;
    std::string p = fs::weakly_canonical(path).string();
    while (std::getline(in, line)) {
        std::istringstream words(line);
        std::string id, parent, devno, root, point;
        words >> id >> parent >> devno >> root >> point;
        auto dash = line.find(" - ");
        if (dash == std::string::npos) continue;
        std::istringstream rest(line.substr(dash + 3));
        std::string type, source;
        rest >> type >> source;
        bool prefix = p == point || point == "/" || p.rfind(point + "/", 0) == 0;
        if (prefix && point.size() >= best_point.size()) {
            best_point = point;
            best_source = source + " on " + point;
        }
    }
    return best_source.empty() ? "unknown" : best_source;
}

// Whole-machine CPU use between two samples of /proc/stat's "cpu" line.
struct CpuSample {
    unsigned long long busy = 0, total = 0;
};
inline CpuSample cpu_sample() {
    std::ifstream in("/proc/stat");
    std::string cpu;
    unsigned long long v[10] = {};
    in >> cpu;
    for (auto& x : v) in >> x;
    CpuSample s;
    for (int i = 0; i < 8; ++i) s.total += v[i];  // guest time is already in user
    s.busy = s.total - v[3] - v[4];               // minus idle and iowait
    return s;
}
// Percent of all cores busy (200 = both of two cores).
inline double cpu_busy_percent(const CpuSample& a, const CpuSample& b) {
    double total = double(b.total - a.total);
    return total <= 0 ? 0 : 100.0 * double(b.busy - a.busy) / total * double(::sysconf(_SC_NPROCESSORS_ONLN));
}

// A small fixed notice in Kazakh: subject + body ≈ 300 bytes of UTF-8.
inline const std::string kSubject = "Еске салу: әдістемелік семинар 7 желтоқсанда";
inline const std::string kBody =
    "Құрметті әріптес! Орталығыңызда 7 желтоқсан күні сағат 10:00-де әдістемелік семинар өтеді. "
    "Қатысушылар тізімін алдын ала дайындаңыз.";

inline tarat::OutgoingNotice render(const tarat::OutboxRow& row) {
    tarat::OutgoingNotice m;
    m.idempotency_key = row.notice.key;
    m.kind = std::string(tarat::kind_name(row.notice.kind));
    m.recipient = row.notice.recipient;
    m.address = row.notice.recipient + "@mektep.kz";
    m.locale = "kk";
    m.subject = kSubject;
    m.body = kBody;
    m.json = "{\"event\":\"" + row.notice.event_id + "\"}";
    return m;
}

inline double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    double rank = p / 100.0 * double(v.size() - 1);
    size_t lo = size_t(rank);
    size_t hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (v[hi] - v[lo]) * (rank - double(lo));
}

inline std::string json_escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        if (static_cast<unsigned char>(c) < 0x20) continue;
        out += c;
    }
    return out;
}

}  // namespace bench
