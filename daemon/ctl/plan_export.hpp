#pragma once
// `taratctl plan --format xlsx|html|csv`: the placed and tracked plan as the official table
// (№, title, form, centre and address, date DD.MM.YYYY, time, responsible by name, state), from the
// daemon's `plan` reply. The columns the import reads carry its headers (sheet/columns.hpp), so an
// exported sheet imports back.
#include "ctl/labels.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <utility>

namespace tarat {

// The table written as its rows come, so that a national plan's 200,000 rows, read page by page,
// are never all held at once: add() each row in order, then finish(). CSV and HTML give their bytes
// by take() as they go; the XLSX goes to its file row by row (libxlsxwriter's constant memory).
class PlanTable {
public:
    virtual ~PlanTable() = default;
    virtual void add(const nlohmann::json& row) = 0;
    virtual void finish() = 0;
    // The bytes written since the last call.
    std::string take() { return std::exchange(out_, std::string()); }

protected:
    std::string out_;
};

// `plan` is the `plan` reply's "plan" (title, basis, overseer, coordinator).
std::unique_ptr<PlanTable> plan_csv(Lang lang);
std::unique_ptr<PlanTable> plan_html(const nlohmann::json& plan, Lang lang);
// Into `file` (libxlsxwriter writes files, not memory). Throws std::runtime_error.
std::unique_ptr<PlanTable> plan_xlsx(const nlohmann::json& plan, Lang lang, const std::filesystem::path& file);

}  // namespace tarat
