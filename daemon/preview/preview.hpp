#pragma once
// `taratd preview`: a dry run on a simulated clock through the daemon's own code — placement, the
// policy, the outbox in a throw-away SQLite file, the dispatcher — with a sender that only records.
#include "config/setup.hpp"
#include "core/notice.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace tarat {

struct PreviewAssumptions {
    enum class Held { on_day, never } held = Held::on_day;
    enum class Report { on_time, late, never } report = Report::on_time;
};

struct PreviewNotice {
    Instant at;
    NoticeKind kind;
    std::string event, recipient, channel, subject, key;
};

// Every notice that would go out between `from` and `to` (local days, inclusive), in order.
std::vector<PreviewNotice> preview(const Setup& setup, Date from, Date to, const PreviewAssumptions& assume);

// {"notices":[{"at","kind","event","recipient","channel","subject","key"}]}; `at` local with offset.
nlohmann::json preview_json(const Setup& setup, const std::vector<PreviewNotice>& notices);

// "2026-12-07T09:00:00+05:00"
std::string format_instant_local(Instant at, const date::time_zone* zone);

}  // namespace tarat
