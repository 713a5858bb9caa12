// The file plugin: appends one JSON line per notice to a file (settings: `path`, relative to the
// state dir) and fsyncs it. A notice whose key is already in the file is not written again and is
// reported SENT, so retries and restarts give each notice exactly one line. A torn last line (a
// crash mid-write) is cut off when the file is opened; its notice is then written again.
#include <tarat/plugin.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_set>
#include <vector>

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;  // keeps the line's fields in the order written

void set_error(char* error, size_t error_len, const std::string& text) noexcept {
    if (!error || error_len == 0) return;
    size_t n = std::min(error_len - 1, text.size());
    while (n > 0 && n < text.size() && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;  // whole UTF-8 only
    std::memcpy(error, text.data(), n);
    error[n] = '\0';
}

std::string errno_text(int error) { return std::generic_category().message(error); }

// Writes all of `data`, resuming after signals and short writes.
bool write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
}

bool read_all(int fd, std::string& content) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return false;
    content.resize(static_cast<size_t>(st.st_size));
    size_t done = 0;
    while (done < content.size()) {
        ssize_t n = ::pread(fd, content.data() + done, content.size() - done, static_cast<off_t>(done));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return false;
        if (n == 0) break;  // shrank meanwhile
        done += static_cast<size_t>(n);
    }
    content.resize(done);
    return true;
}

class FileNotifier {
public:
    FileNotifier(const tarat_host* host, fs::path path) : host_(host), path_(std::move(path)) {}
    ~FileNotifier() {
        if (fd_ >= 0 && !unsynced_keys_.empty()) ::fsync(fd_);  // a host that never flushed
        if (fd_ >= 0) ::close(fd_);
    }
    FileNotifier(const FileNotifier&) = delete;
    FileNotifier& operator=(const FileNotifier&) = delete;

    // Opens (creating) the file, locks it against a second writer, learns its keys, cuts a torn
    // tail. Returns an error message, empty on success.
    std::string open() {
        std::error_code ec;
        if (path_.has_parent_path()) fs::create_directories(path_.parent_path(), ec);
        if (ec) return "cannot create the folder " + path_.parent_path().string() + ": " + ec.message();
        bool existed = fs::exists(path_, ec);
        fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
        if (fd_ < 0) return "cannot open " + path_.string() + ": " + errno_text(errno);
        if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
            int e = errno;
            return e == EWOULDBLOCK ? path_.string() + " is already written by another channel or process"
                                    : "cannot lock " + path_.string() + ": " + errno_text(e);
        }
        if (!existed && path_.has_parent_path()) sync_folder();

        std::string content;
        if (!read_all(fd_, content)) return "cannot read " + path_.string() + ": " + errno_text(errno);
        size_t complete = content.rfind('\n');
        complete = complete == std::string::npos ? 0 : complete + 1;
        learn_keys(std::string_view(content).substr(0, complete));
        if (complete < content.size()) {
            if (::ftruncate(fd_, static_cast<off_t>(complete)) != 0 || ::fsync(fd_) != 0)
                return "cannot cut the torn last line of " + path_.string() + ": " + errno_text(errno);
            log(TARAT_LOG_WARNING, "cut a torn last line of " + std::to_string(content.size() - complete) +
                                       " bytes from " + path_.string() + " (a write was interrupted)");
        }
        return {};
    }

    tarat_status send(const tarat_message& m, std::string& error) {
        std::string key = m.idempotency_key;
        if (key.empty()) {
            error = "a notice without an idempotency key cannot be written exactly once";
            return TARAT_REJECTED;
        }
        if (keys_.count(key)) {
            log(TARAT_LOG_DEBUG, "notice " + key + " is already in " + path_.string() + ", not written again");
            return TARAT_SENT;
        }
        Json data = Json::parse(m.json, nullptr, false);
        if (data.is_discarded()) {
            error = "the notice's json is not valid JSON";
            return TARAT_REJECTED;
        }
        Json line = {{"key", key},       {"kind", m.kind},     {"recipient", m.recipient}, {"address", m.address},
                     {"locale", m.locale}, {"subject", m.subject}, {"body", m.body},          {"json", std::move(data)}};
        // Invalid UTF-8 would make dump() throw; a replaced character is better than a lost notice.
        std::string text = line.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";

        if (partial_from_ >= 0) {  // an earlier failed write left a partial line we could not cut
            if (::ftruncate(fd_, partial_from_) != 0) {
                error = "cannot cut a partial line from " + path_.string() + ": " + errno_text(errno);
                return TARAT_RETRY;
            }
            partial_from_ = -1;
        }
        struct stat st {};
        if (::fstat(fd_, &st) != 0) {
            error = "cannot stat " + path_.string() + ": " + errno_text(errno);
            return TARAT_RETRY;
        }
        if (!write_all(fd_, text)) {
            error = "cannot write " + path_.string() + ": " + errno_text(errno);
            // Leave no partial line behind: the retry writes it whole.
            if (::ftruncate(fd_, st.st_size) != 0) partial_from_ = st.st_size;
            return TARAT_RETRY;
        }
        // Durable at the next flush: one fsync for a whole batch.
        if (unsynced_keys_.empty()) unsynced_from_ = st.st_size;
        unsynced_keys_.push_back(key);
        keys_.insert(std::move(key));
        return TARAT_SENT;
    }

    // fsyncs what send() wrote since the last flush; on failure cuts it off and forgets its keys.
    std::string flush() {
        if (unsynced_keys_.empty()) return {};
        std::string error;
        if (::fsync(fd_) != 0) {
            error = "cannot fsync " + path_.string() + ": " + errno_text(errno);
            if (::ftruncate(fd_, unsynced_from_) != 0) partial_from_ = unsynced_from_;
            for (const auto& k : unsynced_keys_) keys_.erase(k);
        }
        unsynced_keys_.clear();
        return error;
    }

private:
    void learn_keys(std::string_view lines) {
        size_t ignored = 0;
        while (!lines.empty()) {
            size_t end = lines.find('\n');
            std::string_view one = lines.substr(0, end);
            lines.remove_prefix(end + 1);
            if (one.empty()) continue;
            Json entry = Json::parse(one, nullptr, false);
            if (entry.is_object() && entry.contains("key") && entry["key"].is_string())
                keys_.insert(entry["key"].get<std::string>());
            else
                ++ignored;
        }
        if (ignored)
            log(TARAT_LOG_WARNING,
                std::to_string(ignored) + " lines of " + path_.string() + " are not notices; left as they are");
    }

    // A new file's name is durable only once its folder is synced.
    void sync_folder() {
        int dir = ::open(path_.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0) return;
        if (::fsync(dir) != 0) log(TARAT_LOG_WARNING, "cannot fsync the folder of " + path_.string());
        ::close(dir);
    }

    void log(tarat_log_level level, const std::string& message) const {
        if (host_->log) host_->log(host_->context, level, message.c_str());
    }

    const tarat_host* host_;
    fs::path path_;
    int fd_ = -1;
    off_t partial_from_ = -1;  // where a partial line starts that still has to be cut; -1: none
    off_t unsynced_from_ = 0;  // where the lines written since the last flush start
    std::vector<std::string> unsynced_keys_;
    std::unordered_set<std::string> keys_;
};

int file_flush(void* self, char* error, size_t error_len) {
    try {
        std::string why = static_cast<FileNotifier*>(self)->flush();
        if (why.empty()) return 0;
        set_error(error, error_len, why);
    } catch (const std::exception& e) {
        set_error(error, error_len, e.what());
    }
    return 1;
}

tarat_status file_send(void* self, const tarat_message* m, tarat_result*, char* error, size_t error_len) {
    try {
        std::string why;
        tarat_status status = static_cast<FileNotifier*>(self)->send(*m, why);
        if (status != TARAT_SENT) set_error(error, error_len, why);
        return status;
    } catch (const std::exception& e) {
        set_error(error, error_len, e.what());
        return TARAT_RETRY;
    }
}

void file_close(void* self) { delete static_cast<FileNotifier*>(self); }

// The settings: {"path": "notices.jsonl"}. Returns the file, or empty with `error` set.
fs::path read_settings(const char* config_json, const tarat_host& host, std::string& error) {
    Json settings = Json::parse(config_json ? config_json : "{}", nullptr, false);
    if (!settings.is_object()) {
        error = "settings must be a JSON object";
        return {};
    }
    for (const auto& [key, value] : settings.items()) {
        if (key != "path") {
            error = "unknown key '" + key + "' (the file plugin knows only 'path')";
            return {};
        }
    }
    auto path = settings.find("path");
    if (path == settings.end() || !path->is_string() || path->get<std::string>().empty()) {
        error = path == settings.end() ? "'path' is missing: the file to append notices to, relative to the state dir"
                                       : "'path' must be a non-empty string";
        return {};
    }
    return fs::path(host.state_dir ? host.state_dir : "") / path->get<std::string>();
}

}  // namespace

extern "C" TARAT_PLUGIN_EXPORT uint32_t tarat_plugin_abi(void) { return TARAT_PLUGIN_ABI; }

extern "C" TARAT_PLUGIN_EXPORT int tarat_plugin_open(const char* config_json, const tarat_host* host,
                                                     tarat_notifier* out, char* error, size_t error_len) {
    try {
        std::string why;
        fs::path path = read_settings(config_json, *host, why);
        if (path.empty()) {
            set_error(error, error_len, why);
            return 1;
        }
        auto notifier = std::make_unique<FileNotifier>(host, path);
        why = notifier->open();
        if (!why.empty()) {
            set_error(error, error_len, why);
            return 1;
        }
        out->self = notifier.release();
        out->send = &file_send;
        out->close = &file_close;
        out->flush = &file_flush;
        return 0;
    } catch (const std::exception& e) {
        set_error(error, error_len, e.what());
        return 1;
    }
}
