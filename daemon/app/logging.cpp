#include "app/logging.hpp"

#include "core/log_fields.hpp"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <syslog.h>
#define SD_JOURNAL_SUPPRESS_LOCATION  // CODE_FILE= would always name this file
#include <systemd/sd-journal.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <mutex>

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

// Like spdlog's systemd_sink, plus the fields in force on the logging thread (core/log_fields.hpp).
class JournalSink final : public spdlog::sinks::base_sink<std::mutex> {
protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        const std::string_view text(msg.payload.data(), msg.payload.size());
        std::vector<std::string> fields{"MESSAGE=" + std::string(text),
                                        "PRIORITY=" + std::to_string(priority(msg.level)),
                                        "SYSLOG_IDENTIFIER=taratd"};
        for (auto& [name, value] : LogFields::current()) fields.push_back(name + "=" + value);
        std::vector<iovec> parts;
        for (auto& field : fields) parts.push_back({field.data(), field.size()});
        sd_journal_sendv(parts.data(), static_cast<int>(parts.size()));
    }
    void flush_() override {}

private:
    static int priority(spdlog::level::level_enum level) {
        switch (level) {
            case spdlog::level::trace:
            case spdlog::level::debug: return LOG_DEBUG;
            case spdlog::level::info: return LOG_INFO;
            case spdlog::level::warn: return LOG_WARNING;
            case spdlog::level::err: return LOG_ERR;
            case spdlog::level::critical: return LOG_CRIT;
            default: return LOG_NOTICE;
        }
    }
};

}  // namespace

void setup_logging(const std::string& level) {
    std::shared_ptr<spdlog::logger> logger;
    if (stderr_is_journal())
        logger = std::make_shared<spdlog::logger>("taratd", std::make_shared<JournalSink>());
    else
        logger = spdlog::stderr_color_mt("taratd");
    logger->set_level(spdlog::level::from_str(level));
    spdlog::set_default_logger(logger);
    spdlog::set_pattern(stderr_is_journal() ? "%v" : "%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
}

}  // namespace tarat
