#pragma once
// What taratctl says when it cannot connect to the daemon's socket.
#include <ostream>
#include <string>

namespace tarat {

// Writes one line to `err` and returns the exit code: 77 for a socket the caller may not open
// (naming the group that may), 69 when nothing answers there.
int report_unreachable(const std::string& socket_path, int error_number, std::ostream& err);

}  // namespace tarat
