/* For tests: each notifier answers RETRY (with a suggested delay of 7 s) to its first `fail_times`
 * sends, then `final_status` (default 0, TARAT_SENT; any number, even one tarat_status lacks); each
 * send first takes `delay_ms` (default 0), like a slow server.
 * Built as abi-1-0 it says it speaks ABI 1.0 and stands for a plugin built before receiving existed.
 * Settings: {"fail_times": N, "final_status": S, "delay_ms": D}, read with sscanf, so keep them that simple. */
#include <tarat/plugin.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct flaky {
    int fail_times;
    int final_status;
    int calls;
    int delay_ms;
} flaky;

static int read_int(const char* json, const char* key, int fallback) {
    const char* at = strstr(json, key);
    int value = fallback;
    if (at && sscanf(at + strlen(key), " \" : %d", &value) != 1) value = fallback;
    return value;
}

static tarat_status flaky_send(void* self, const tarat_message* m, tarat_result* result, char* error,
                               size_t error_len) {
    flaky* state = self;
    (void)m;
    if (state->delay_ms > 0) {
        struct timespec delay = {state->delay_ms / 1000, (long)(state->delay_ms % 1000) * 1000000L};
        nanosleep(&delay, NULL);
    }
    ++state->calls;
    if (state->calls <= state->fail_times) {
        snprintf(error, error_len, "attempt %d of %d fails on purpose", state->calls, state->fail_times);
        if (TARAT_HAS_FIELD(result, tarat_result, retry_after_seconds)) result->retry_after_seconds = 7;
        return TARAT_RETRY;
    }
    if (state->final_status != TARAT_SENT) snprintf(error, error_len, "final status %d", state->final_status);
    return (tarat_status)state->final_status;
}

static void flaky_close(void* self) { free(self); }

#ifndef FLAKY_ABI
#define FLAKY_ABI TARAT_PLUGIN_ABI
#endif
TARAT_PLUGIN_EXPORT uint32_t tarat_plugin_abi(void) { return FLAKY_ABI; }

TARAT_PLUGIN_EXPORT int tarat_plugin_open(const char* config_json, const tarat_host* host, tarat_notifier* out,
                                          char* error, size_t error_len) {
    flaky* state = calloc(1, sizeof *state);
    (void)host;
    if (!state) {
        snprintf(error, error_len, "out of memory");
        return 1;
    }
    state->fail_times = read_int(config_json, "\"fail_times", 0);
    state->final_status = read_int(config_json, "\"final_status", TARAT_SENT);
    state->delay_ms = read_int(config_json, "\"delay_ms", 0);
    out->self = state;
    out->send = flaky_send;
    out->close = flaky_close;
    return 0;
}
