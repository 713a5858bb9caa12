/* Broken on purpose: open() writes its pid to the file named by "marker" and then never returns,
 * as a plugin stuck on a dead server would. Tests kill taratd while its channel check waits. */
#include <tarat/plugin.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

TARAT_PLUGIN_EXPORT uint32_t tarat_plugin_abi(void) { return TARAT_PLUGIN_ABI; }

TARAT_PLUGIN_EXPORT int tarat_plugin_open(const char* config_json, const tarat_host* host, tarat_notifier* out,
                                          char* error, size_t error_len) {
    (void)host;
    (void)out;
    (void)error;
    (void)error_len;
    /* config_json holds "marker" : "PATH" (spacing as the host writes it): the string after it. */
    const char* key = strstr(config_json, "\"marker\"");
    const char* start = key ? strchr(key + strlen("\"marker\""), '"') : NULL;
    if (start) {
        char path[4096];
        ++start;
        const char* end = strchr(start, '"');
        size_t length = end ? (size_t)(end - start) : 0;
        if (length > 0 && length < sizeof path) {
            memcpy(path, start, length);
            path[length] = '\0';
            char temporary[4200];
            snprintf(temporary, sizeof temporary, "%s.tmp", path);
            FILE* f = fopen(temporary, "w");
            if (f) {
                fprintf(f, "%ld\n", (long)getpid());
                fclose(f);
                rename(temporary, path); /* whole or absent: the test reads the pid */
            }
        }
    }
    for (;;) pause();
}
