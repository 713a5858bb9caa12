#include "core/log_fields.hpp"

namespace tarat {
namespace {
thread_local LogFieldList in_force;
}

LogFields::LogFields(LogFieldList fields) : previous_(std::exchange(in_force, std::move(fields))) {}
LogFields::~LogFields() { in_force = std::move(previous_); }
const LogFieldList& LogFields::current() { return in_force; }

LogFieldList notice_log_fields(const std::string& key, const std::string& event_id) {
    LogFieldList fields{{"NOTICE_KEY", key}};
    if (!event_id.empty()) fields.emplace_back("EVENT_ID", event_id);
    return fields;
}

}  // namespace tarat
