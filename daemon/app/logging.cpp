#include "app/logging.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/systemd_sink.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>

namespace tarat {
namespace {

// JOURNAL_STREAM is "DEVICE:INODE" of the journal stream; it applies only if stderr is that stream.
bool stderr_is_journal() {
    const char* env = std::getenv("JOURNAL_STREAM");
    if (!env) return false;
    unsigned long long dev = 0, ino = 0;
    if (std::sscanf(env, "%llu:%llu", &dev, &ino) != 2) return false;
    struct stat st {};
    return fstat(2, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
}

}  // namespace

void setup_logging(const std::string& level) {
    std::shared_ptr<spdlog::logger> logger;
    if (stderr_is_journal())
        logger = std::make_shared<spdlog::logger>("taratd", std::make_shared<spdlog::sinks::systemd_sink_mt>("taratd"));
    else
        logger = spdlog::stderr_color_mt("taratd");
    logger->set_level(spdlog::level::from_str(level));
    spdlog::set_default_logger(logger);
    spdlog::set_pattern(stderr_is_journal() ? "%v" : "%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
}

}  // namespace tarat
