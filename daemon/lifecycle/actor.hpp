#pragma once
// Who changes an event: a local user at the socket, a person through a channel (Telegram, web), or
// taratd itself. The history records the actor as given.
#include <sys/types.h>

#include <string>

namespace tarat {

struct Actor {
    enum class Kind { local_user, person, system };
    Kind kind = Kind::system;
    // local_user
    std::string user;
    uid_t uid = static_cast<uid_t>(-1);
    pid_t pid = 0;
    // person: the plan's person id, the channel and the channel's own id for them (a chat id)
    std::string person;
    std::string channel;
    std::string channel_user;
    // system: what acted ("taratd:start", "signal:SIGHUP", "preview")
    std::string name;

    static Actor local(std::string user, uid_t uid, pid_t pid);
    static Actor via_channel(std::string person, std::string channel, std::string channel_user);
    static Actor system(std::string name);
    // A person acting through their link or session on the web: "person X via web".
    static Actor via_web(std::string person) { return via_channel(std::move(person), "web", ""); }

    // As the history shows it: "root (uid 0, pid 4242)", "person director-erkemai via channel
    // telegram (chat 123)", "taratd:start".
    std::string text() const;
};

}  // namespace tarat
