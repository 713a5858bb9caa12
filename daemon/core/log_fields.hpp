#pragma once
// Journal fields for the log lines a thread writes while a scope lives: the dispatcher names the
// notice it is sending (NOTICE_KEY=, EVENT_ID=), and every line logged meanwhile — its own, a
// plugin's through the host — carries them. Explicit, so nothing parses them back out of a message.
#include <string>
#include <utility>
#include <vector>

namespace tarat {

using LogFieldList = std::vector<std::pair<std::string, std::string>>;

class LogFields {
public:
    explicit LogFields(LogFieldList fields);
    ~LogFields();  // the fields that were in force before
    LogFields(const LogFields&) = delete;
    LogFields& operator=(const LogFields&) = delete;

    // The fields in force on this thread ({} outside any scope).
    static const LogFieldList& current();

private:
    LogFieldList previous_;
};

// NOTICE_KEY= and, for a notice about an event, EVENT_ID=.
LogFieldList notice_log_fields(const std::string& key, const std::string& event_id);

}  // namespace tarat
