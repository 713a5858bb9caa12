/* Broken on purpose: a library with neither entry point; its one function has a name the host
 * does not look for (and exports.map keeps it hidden anyway). */
#include <tarat/plugin.h>

TARAT_PLUGIN_EXPORT uint32_t tarat_plugin_init(void) { return TARAT_PLUGIN_ABI; }
