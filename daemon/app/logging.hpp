#pragma once
#include <string>

namespace tarat {

// Logs to journald when systemd connected stderr to the journal (JOURNAL_STREAM names our
// stderr), otherwise to stderr, coloured on a terminal.
void setup_logging(const std::string& level);

}  // namespace tarat
