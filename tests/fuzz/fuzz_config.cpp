// libFuzzer harness: bytes → tarat.toml loader and days-off loader (the same bytes to both), then
// what taratd builds from them: the routing of channels and the working calendar.
#include "config/config.hpp"
#include "config/days_off_loader.hpp"
#include "config/routing.hpp"
#include "fuzz_support.hpp"

#include <date/tz.h>

#include <cstdint>
#include <exception>
#include <optional>

using namespace tarat;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const date::time_zone* const zone = date::locate_zone("Asia/Aqtobe");
    fuzz::quiet_logs();
    const auto text = fuzz::as_text(data, size);
    Diagnostics d;
    if (auto config = load_config_text(text, "/etc/tarat/tarat.toml", d)) {
        Routing routing(*config);
        (void)routing;
        const auto& hours = config->notify.working_hours;
        WorkingCalendar calendar({}, zone, hours.start_minutes, hours.end_minutes);  // hours are checked on load
        (void)calendar.next_working_moment(Instant{});
    }
    if (auto days_off = load_days_off_text(text, "days-off.toml", d)) {
        std::optional<WorkingCalendar> calendar;
        try {  // as load_setup(): a calendar that cannot be built is reported, not thrown
            calendar.emplace(std::move(*days_off), zone);
        } catch (const std::exception&) {
            return 0;
        }
        // The years around the plan period are built and walked, as placement does.
        for (int year : {2025, 2026, 2027}) (void)calendar->days_off(year);
        (void)calendar->add_working_days(Date{date::year{2026} / 1 / 1}, 300);
    }
    (void)d.format();
    return 0;
}
