#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tarat {

// Logs to journald when systemd connected stderr to the journal (JOURNAL_STREAM names our
// stderr), otherwise to stderr, coloured on a terminal.
void setup_logging(const std::string& level);

// The journal fields a log line carries besides MESSAGE=: NOTICE_KEY= and EVENT_ID= when it names
// a notice ("notice KEY …" from the dispatcher, "[key KEY]" from the log channel), so
// `journalctl -u tarat EVENT_ID=erkemai-seminar-1` finds everything about one event.
std::vector<std::pair<std::string, std::string>> journal_fields(std::string_view message);

}  // namespace tarat
