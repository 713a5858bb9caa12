#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tarat {

// Logs to journald when systemd connected stderr to the journal (JOURNAL_STREAM names our
// stderr), otherwise to stderr, coloured on a terminal.
void setup_logging(const std::string& level);
// In the journal, a line logged while the dispatcher handles a notice carries NOTICE_KEY= and
// EVENT_ID= (core/log_fields.hpp), so `journalctl -u tarat EVENT_ID=erkemai-seminar-1` finds
// everything about one event.

}  // namespace tarat
