#pragma once
// `taratd preview`: a dry run on a simulated clock through the daemon's own code — placement, the
// policy, the outbox in a throw-away SQLite database (in memory, or a file copied from --state-dir
// with nothing fsynced), the dispatcher — with a sender that only records. Each notice is handed on
// as the simulated clock reaches it, so neither the notices nor their renderings pile up; the
// outbox holds only what is due before the window ends.
// When no digest text sums every event, only the events whose notices can go out in the window are
// stored and the clock starts at the first of their notices: the window bounds the work.
#include "config/setup.hpp"
#include "core/notice.hpp"

#include <filesystem>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace tarat {

struct PreviewAssumptions {
    enum class Held { on_day, never } held = Held::on_day;
    enum class Report { on_time, late, never } report = Report::on_time;
};

struct PreviewOptions {
    Date from{}, to{};  // local days, inclusive
    PreviewAssumptions assume;
    // Start from the database in this state dir (events as they stand, the outbox as it is) at
    // its latest recorded moment, instead of from an empty store before the plan begins.
    std::optional<std::filesystem::path> state_dir;
    bool bodies = true;  // render each body too; false leaves PreviewNotice::body empty
};

struct PreviewNotice {
    Instant at;
    NoticeKind kind;
    std::string event, recipient, channel, subject, body, key;
};

// Hands every notice that would go out between `from` and `to` to `emit`, in order of (at, key);
// returns how many.
std::size_t preview(const Setup& setup, const PreviewOptions& options,
                    const std::function<void(const PreviewNotice&)>& emit);

// {"notices":[{"at","body"?,"channel","event","key","kind","recipient","subject"}]} written as
// it comes, as nlohmann's dump(2) of the whole would write it; `at` local with offset.
class PreviewJsonWriter {
public:
    PreviewJsonWriter(std::ostream& out, const Setup& setup, bool bodies);
    void add(const PreviewNotice& notice);
    void finish();  // the closing brackets and a newline

private:
    std::ostream& out_;
    const Setup& setup_;
    bool bodies_;
    std::size_t count_ = 0;
    std::string item_;  // one item's text, its capacity kept from item to item
};

// One line per notice: "AT  KIND  EVENT  RECIPIENT  CHANNEL  SUBJECT" (and the body, indented).
void write_preview_line(std::ostream& out, const Setup& setup, const PreviewNotice& notice, bool bodies);

// "2026-12-07T09:00:00+05:00"
std::string format_instant_local(Instant at, const date::time_zone* zone);

}  // namespace tarat
