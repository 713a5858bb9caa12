#include "ctl/unreachable.hpp"

#include "core/exit_codes.hpp"

#include <grp.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace tarat {
namespace {

// The socket's group when taratctl can see it (the one that may connect), else the packaged one.
std::string group_of(const std::string& socket_path) {
    struct stat st {};
    if (::stat(socket_path.c_str(), &st) == 0)
        if (const group* g = ::getgrgid(st.st_gid); g && g->gr_name && st.st_gid != 0) return g->gr_name;
    return "tarat";
}

}  // namespace

int report_unreachable(const std::string& socket_path, int error_number, std::ostream& err) {
    if (error_number == EACCES || error_number == EPERM) {
        // The daemon may well be running: it is the socket's mode that refuses this user.
        err << "taratctl: you may not open " << socket_path << ": ask to be added to group " << group_of(socket_path)
            << "\n";
        return exit_code::no_perm;
    }
    err << "taratctl: taratd is not running at " << socket_path << " (" << std::strerror(error_number) << ")\n";
    return exit_code::unavailable;
}

}  // namespace tarat
