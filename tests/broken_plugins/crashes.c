/* Broken on purpose: open() kills its process, as a plugin with a fatal bug would. */
#include <tarat/plugin.h>

#include <stdlib.h>

TARAT_PLUGIN_EXPORT uint32_t tarat_plugin_abi(void) { return TARAT_PLUGIN_ABI; }

TARAT_PLUGIN_EXPORT int tarat_plugin_open(const char* config_json, const tarat_host* host, tarat_notifier* out,
                                          char* error, size_t error_len) {
    (void)config_json;
    (void)host;
    (void)out;
    (void)error;
    (void)error_len;
    abort();
}
