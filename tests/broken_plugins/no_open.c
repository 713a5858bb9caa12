/* Broken on purpose: says which ABI it speaks but has no tarat_plugin_open. */
#include <tarat/plugin.h>

TARAT_PLUGIN_EXPORT uint32_t tarat_plugin_abi(void) { return TARAT_PLUGIN_ABI; }
