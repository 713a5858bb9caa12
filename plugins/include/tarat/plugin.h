/* tarat notice plugins: the C ABI between taratd and a plugin.
 *
 * C only: no C++ type crosses this boundary, so a plugin may be written in C or in C++ built by
 * another compiler. A plugin is a shared object `tarat-NAME.so` in the daemon's plugin directory
 * (`plugin_dir` in tarat.toml); a `[channel.X]` table with `plugin = "NAME"` opens one notifier
 * from it. One plugin may serve several channels: each gets its own notifier.
 *
 * Life of a notifier:
 *   1. the host calls tarat_plugin_abi(); the major must equal the host's and the minor must not be
 *      newer than the host's, or the library is closed unused;
 *   2. tarat_plugin_open(config, host, out, ...) fills `out` (or fails with a message);
 *   3. out->send(out->self, message, result, ...) once per notice, any number of times;
 *   4. out->close(out->self) exactly once; no call on this notifier follows.
 * A channel that also receives (ABI 1.2, see "Inbound" below) gets out->listen(...) once after
 * open, from the host's thread; close() then stops the plugin's receiving thread first.
 *
 * Growth: every struct starts with `struct_size`, set by whoever allocates it to sizeof as that
 * side knows it. A minor version only appends fields; a reader uses TARAT_HAS_FIELD before
 * touching a field added after 1.0. Because the host refuses plugins with a newer minor, every
 * field a plugin was compiled with is present in the structs the host passes.
 *
 * Strings: UTF-8, NUL-terminated, never NULL (an absent value is ""), owned by the host and
 * valid only during the call that passes them; copy what you keep.
 *
 * Errors: `error` is a host buffer of `error_len` bytes (at least 256), holding "" on entry.
 * Write one human-readable line, truncated and NUL-terminated to fit; the host logs it next to
 * the channel's name.
 *
 * Exceptions: a C++ plugin must not let an exception escape any function below. The host catches
 * what escapes anyway: from open it is a failed open, from send it is TARAT_RETRY (a notice is
 * never lost; the dispatcher caps the attempts), from close it is logged.
 *
 * Threads: send() may be called on a worker thread, and on different threads over time, but the
 * host makes at most one call at a time per notifier (open, send and close never overlap for one
 * notifier). Different notifiers, even from the same library, may be called at the same time:
 * state shared between them (globals) needs its own lock. send() may block on slow I/O; it does
 * not run on the daemon's event loop. The log callback may be called from any thread.
 */
#ifndef TARAT_PLUGIN_H
#define TARAT_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TARAT_PLUGIN_ABI_MAJOR 1u
#define TARAT_PLUGIN_ABI_MINOR 3u
/* What tarat_plugin_abi() returns: major << 16 | minor. */
#define TARAT_PLUGIN_ABI ((TARAT_PLUGIN_ABI_MAJOR << 16) | TARAT_PLUGIN_ABI_MINOR)

/* True when the struct at `ptr` (which starts with struct_size) is large enough to hold `field`. */
#define TARAT_HAS_FIELD(ptr, type, field) \
    ((ptr)->struct_size >= offsetof(type, field) + sizeof(((type*)0)->field))

/* Plugins are built with -fvisibility=hidden; the two entry points carry this. */
#if defined(__GNUC__)
#define TARAT_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define TARAT_PLUGIN_EXPORT
#endif

/* One notice to one recipient on one channel. */
typedef struct tarat_message {
    uint32_t struct_size;         /* grows by appending fields */
    /* Deterministic per (event, kind, recipient, channel, due): the same notice sent again
     * carries the same key. Pass it on (Message-ID, Idempotency-Key header) or dedupe on it. */
    const char* idempotency_key;
    const char* kind;      /* "reminder", "held_check", "report_due", "overdue", "escalation", "change",
                              "digest"; a newer host may add kinds: treat an unknown one as a plain notice */
    const char* recipient; /* the person's id in the plan, e.g. "akhmetova" */
    const char* address;   /* where to: an e-mail address, a chat id, …; "" when the channel needs none */
    const char* locale;    /* "kk", "ru" or "en": the language subject and body are written in */
    const char* subject;   /* one line */
    const char* body;      /* plain text, lines separated by "\n" */
    const char* json;      /* a JSON object with the notice's data (event, centre, dates); at least "{}" */
    /* ABI 1.2: answers the recipient may give with one press, as in tarat_answer.buttons; "" for
     * none. A channel that cannot show buttons ignores them. */
    const char* buttons;
} tarat_message;

/* What became of a notice. */
typedef enum tarat_status {
    TARAT_SENT = 0,     /* delivered, or already delivered earlier under the same idempotency key */
    TARAT_RETRY = 1,    /* not delivered this time (network down, disk full, …): try again later */
    TARAT_REJECTED = 2  /* will never be delivered as it stands (bad address, …): do not retry */
} tarat_status;

/* More about a send's outcome; the host zero-fills it and sets struct_size. */
typedef struct tarat_result {
    uint32_t struct_size;
    /* With TARAT_RETRY: the earliest sensible retry, in seconds from now (a server's Retry-After).
     * 0 or less: no opinion, the dispatcher's backoff applies. Ignored with other statuses. */
    int32_t retry_after_seconds;
} tarat_result;

typedef enum tarat_log_level {
    TARAT_LOG_DEBUG = 0,
    TARAT_LOG_INFO = 1,
    TARAT_LOG_WARNING = 2,
    TARAT_LOG_ERROR = 3
} tarat_log_level;

/* Inbound (ABI 1.2): what a person sent to the bot, handed to the host by a plugin that listens. */
typedef struct tarat_inbound {
    uint32_t struct_size;
    /* The channel's increasing number for this update (Telegram's update_id). The host stores the
     * last one it applied in the same transaction as what the update changed, and ignores an
     * update at or below it: an update delivered twice (a crash before the plugin confirmed it)
     * is applied once. */
    int64_t position;
    const char* kind;     /* "text": a message; "button": a button under a message was pressed */
    const char* chat;     /* the chat to answer in (a Telegram chat id) */
    const char* user;     /* who sent it: the channel's id for the person (a Telegram user id) */
    const char* text;     /* the message's text, or the pressed button's data */
    const char* language; /* the sender's app language ("ru", "kk", "en-GB"), "" when unknown */
    const char* message;  /* "button": the id of the message that carries the button; else "" */
} tarat_inbound;

/* Inbound (ABI 1.2): the host's answer to one update; the plugin carries it out. Every field may
 * be "" (nothing to do). */
typedef struct tarat_answer {
    uint32_t struct_size;
    const char* text;    /* a new message to the update's chat */
    /* Buttons under `text`: a JSON array of rows, each an array of ["label", "data"] pairs; a
     * pressed button comes back as a "button" update whose text is its data (at most 64 bytes). */
    const char* buttons;
    const char* edit;    /* the new text of a message the bot sent earlier, its buttons removed */
    const char* toast;   /* "button": the short line the app shows at once (answerCallbackQuery) */
    const char* edit_message; /* which message `edit` rewrites: its id; "" for the pressed button's */
} tarat_answer;

/* What the host offers a plugin. The struct, and what it points to, stays valid until the
 * notifier's close() returns; a plugin may keep the pointer. */
typedef struct tarat_host {
    uint32_t struct_size;
    void* context; /* pass back to log() */
    /* Writes one line to the daemon's log, prefixed with the channel's name. Thread-safe. */
    void (*log)(void* context, tarat_log_level level, const char* message);
    /* The daemon's state directory, absolute: resolve relative paths in the config against it. */
    const char* state_dir;
    /* ABI 1.2, NULL when the channel does not receive (`inbound` is not set for it). Hands one
     * update to the host from the plugin's receiving thread and blocks until the host has applied
     * it on its event loop (or skipped it as already applied). Returns 0 with `answer` filled: its
     * strings stay valid until the next receive() on this notifier or close(); the plugin then
     * carries the answer out and may confirm the update to its server. Nonzero: the host cannot
     * take updates now (it is stopping): do not confirm this update, stop receiving. */
    int (*receive)(void* context, const tarat_inbound* update, tarat_answer* answer);
    /* ABI 1.3. Tells the host a fact about the channel that only the plugin can learn, from any
     * thread; a later value replaces an earlier one. Known keys: "bot_username" (Telegram: the
     * bot's user name from getMe, for the deep links `taratctl link` prints when the channel's
     * config names none). The host ignores keys it does not know. */
    void (*announce)(void* context, const char* key, const char* value);
} tarat_host;

/* One open channel. The host zero-fills it and sets struct_size before tarat_plugin_open; the
 * plugin fills self, send and close. */
typedef struct tarat_notifier {
    uint32_t struct_size;
    void* self; /* the plugin's state for this channel, passed back to send and close */
    /* Delivers one message. Required. On TARAT_RETRY and TARAT_REJECTED, say why in `error`;
     * `result` may carry more (see tarat_result). */
    tarat_status (*send)(void* self, const tarat_message* message, tarat_result* result, char* error,
                         size_t error_len);
    /* Releases self. May be NULL when there is nothing to release. */
    void (*close)(void* self);
    /* ABI 1.1, optional (NULL: every SENT is durable when send returns). The host calls it after
     * each batch of sends on this notifier, so a plugin may make a whole batch durable at once
     * (one fsync instead of one per notice). Returns 0 when every notice answered TARAT_SENT since
     * the last flush is durable. Nonzero, with a message in `error`: they are not — the plugin has
     * undone them (and forgotten their idempotency keys) and the host sends them again later. */
    int (*flush)(void* self, char* error, size_t error_len);
    /* ABI 1.2, optional (NULL: the channel only sends). Starts receiving on the plugin's own thread
     * (long polling: nothing listens on a port), handing each update to host->receive, resuming
     * after `position` (the last update the host applied; 0 for none). Called once, after open,
     * only when host->receive is set. Returns 0, or nonzero with a message in `error`. The thread
     * runs until close(), which stops it before releasing anything. */
    int (*listen)(void* self, int64_t position, char* error, size_t error_len);
} tarat_notifier;

/* Returns TARAT_PLUGIN_ABI as the plugin was compiled. */
TARAT_PLUGIN_EXPORT uint32_t tarat_plugin_abi(void);

/* Opens a notifier for one channel.
 * config_json: the channel's table in tarat.toml without its `plugin` key, as a JSON object
 *   (at least "{}"). Reject unknown keys: a typo must not pass silently.
 * host: see tarat_host.
 * Returns 0 on success with `out` filled. Otherwise nonzero with a message in `error`; the plugin
 * has then released everything it took, and close() will not be called. */
TARAT_PLUGIN_EXPORT int tarat_plugin_open(const char* config_json, const tarat_host* host, tarat_notifier* out,
                                          char* error, size_t error_len);

#ifdef __cplusplus
}
#endif

#endif /* TARAT_PLUGIN_H */
