// libFuzzer harness: bytes → every sheet reader (the same bytes as .csv, .xlsx and .ods: libzip and
// pugixml on hostile archives), then the import of what the CSV reader made onto the shipped plan.
#include "fuzz_support.hpp"
#include "sheet/importer.hpp"
#include "sheet/sheet.hpp"

#include <cstdint>
#include <string>

using namespace tarat;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::quiet_logs();
    const std::string bytes(fuzz::as_text(data, size));
    sheet::Limits limits;
    limits.inflated_bytes = 4 << 20;  // a fuzzer's inputs are small; so is what they may inflate to
    for (auto* reader : {&sheet::read_xlsx, &sheet::read_ods}) {
        try {
            (void)reader(bytes, "fuzz", std::nullopt, limits);
        } catch (const sheet::SheetError&) {
        }
    }
    try {
        auto csv = sheet::read_csv(bytes, "fuzz.csv", limits);
        (void)sheet::import_sheet(csv, fuzz::source_dir() / "etc/plan.toml", "/nonexistent/plan.toml");
    } catch (const sheet::SheetError&) {
    }
    return 0;
}
