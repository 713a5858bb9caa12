// libFuzzer harness: bytes → plan.toml loader and the checks load_setup() runs on a plan
// (working calendar in the plan's zone, placement of its rules, routing against the shipped config).
#include "config/config.hpp"
#include "config/days_off_loader.hpp"
#include "config/plan_loader.hpp"
#include "config/routing.hpp"
#include "fuzz_support.hpp"
#include "schedule/placement.hpp"

#include <date/tz.h>

#include <cstdint>
#include <stdexcept>

using namespace tarat;

namespace {

// The shipped days off and config, read once: a plan is checked against them as taratd would.
struct Shipped {
    DaysOffTable days_off;
    Config config;
    Shipped() {
        Diagnostics d;
        auto table = load_days_off(fuzz::source_dir() / "etc/days-off-kz.toml", d);
        auto settings = load_config(fuzz::source_dir() / "etc/tarat.toml", d);
        if (!table || !settings) throw std::runtime_error("the shipped etc/ does not load:\n" + d.format());
        days_off = std::move(*table);
        config = std::move(*settings);
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const Shipped shipped;
    fuzz::quiet_logs();
    Diagnostics d;
    auto plan = load_plan_text(fuzz::as_text(data, size), "plan.toml", d);
    (void)d.format();
    if (!plan) return 0;
    std::optional<WorkingCalendar> calendar;
    try {  // as load_setup(): an unknown zone is reported, not thrown
        const auto& hours = shipped.config.notify.working_hours;
        calendar.emplace(shipped.days_off, date::locate_zone(plan->timezone), hours.start_minutes, hours.end_minutes);
    } catch (const std::exception&) {
        return 0;
    }
    auto schedule = place(*plan, *calendar);
    (void)format_schedule(schedule);
    Routing(shipped.config).check(*plan, d);
    return 0;
}
