// Broken on purpose: lets C++ exceptions escape into the host. Settings {"throw_in": "open"} throw
// from open; otherwise send throws a std::runtime_error, or an int with {"throw_what": "int"}, and
// close always throws.
#include <tarat/plugin.h>

#include <cstring>
#include <stdexcept>

namespace {

struct Thrower {
    bool throw_int = false;
};

tarat_status throwing_send(void* self, const tarat_message*, tarat_result*, char*, size_t) {
    if (static_cast<Thrower*>(self)->throw_int) throw 42;
    throw std::runtime_error("жеткізу сәтсіз: the send broke");
}

void throwing_close(void* self) {
    delete static_cast<Thrower*>(self);
    throw std::logic_error("close broke too");
}

}  // namespace

extern "C" TARAT_PLUGIN_EXPORT uint32_t tarat_plugin_abi(void) { return TARAT_PLUGIN_ABI; }

extern "C" TARAT_PLUGIN_EXPORT int tarat_plugin_open(const char* config_json, const tarat_host*, tarat_notifier* out,
                                                     char*, size_t) {
    if (std::strstr(config_json, "\"throw_in\":\"open\"")) throw std::runtime_error("open broke");
    out->self = new Thrower{std::strstr(config_json, "\"throw_what\":\"int\"") != nullptr};
    out->send = &throwing_send;
    out->close = &throwing_close;
    return 0;
}
