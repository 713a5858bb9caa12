/* Broken on purpose: built twice, for ABI 2.0 (ABI_MAJOR=2) and for ABI 1.1 (ABI_MINOR=1), both
 * of which a 1.0 host must refuse before calling open. Open itself would succeed. */
#include <tarat/plugin.h>

static tarat_status accept_all(void* self, const tarat_message* m, tarat_result* r, char* error, size_t error_len) {
    (void)self, (void)m, (void)r, (void)error, (void)error_len;
    return TARAT_SENT;
}

TARAT_PLUGIN_EXPORT uint32_t tarat_plugin_abi(void) { return ((uint32_t)ABI_MAJOR << 16) | (uint32_t)ABI_MINOR; }

TARAT_PLUGIN_EXPORT int tarat_plugin_open(const char* config_json, const tarat_host* host, tarat_notifier* out,
                                          char* error, size_t error_len) {
    (void)config_json, (void)host, (void)error, (void)error_len;
    out->send = accept_all;
    return 0;
}
