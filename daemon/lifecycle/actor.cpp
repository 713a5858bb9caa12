#include "lifecycle/actor.hpp"

namespace tarat {

Actor Actor::local(std::string user, uid_t uid, pid_t pid) {
    Actor a;
    a.kind = Kind::local_user;
    a.user = std::move(user);
    a.uid = uid;
    a.pid = pid;
    return a;
}

Actor Actor::via_channel(std::string person, std::string channel, std::string channel_user) {
    Actor a;
    a.kind = Kind::person;
    a.person = std::move(person);
    a.channel = std::move(channel);
    a.channel_user = std::move(channel_user);
    return a;
}

Actor Actor::system(std::string name) {
    Actor a;
    a.kind = Kind::system;
    a.name = std::move(name);
    return a;
}

std::string Actor::text() const {
    switch (kind) {
        case Kind::local_user:
            return user + " (uid " + std::to_string(uid) + ", pid " + std::to_string(pid) + ")";
        case Kind::person:
            if (channel == "web" && channel_user.empty()) return "person " + person + " via web";
            return "person " + person + " via channel " + channel +
                   (channel_user.empty() ? std::string() : " (chat " + channel_user + ")");
        case Kind::system: return name;
    }
    return name;
}

}  // namespace tarat
