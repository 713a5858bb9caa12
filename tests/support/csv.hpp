#pragma once
// Reads back the CSV taratctl writes: an optional UTF-8 BOM, CRLF rows, RFC 4180 quoting.
#include <string>
#include <utility>
#include <vector>

namespace tarat::testing {

inline std::vector<std::vector<std::string>> parse_csv(const std::string& text, char delimiter) {
    std::vector<std::vector<std::string>> rows{{}};
    std::string cell;
    bool quoted = false;
    for (size_t i = text.rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') cell += '"', ++i;
            else if (c == '"') quoted = false;
            else cell += c;
        } else if (c == '"') {
            quoted = true;
        } else if (c == delimiter) {
            rows.back().push_back(std::exchange(cell, {}));
        } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
            rows.back().push_back(std::exchange(cell, {}));
            rows.emplace_back();
            ++i;
        } else {
            cell += c;
        }
    }
    if (rows.back().empty()) rows.pop_back();
    return rows;
}

}  // namespace tarat::testing
