#pragma once
// Plain-text tables whose columns line up for Kazakh and Russian text: widths are measured in
// terminal cells, not bytes.
#include <string>
#include <string_view>
#include <vector>

namespace tarat {

// Terminal cells a UTF-8 string takes: combining marks 0, East Asian wide characters 2, others 1.
size_t display_width(std::string_view utf8);

class TextTable {
public:
    explicit TextTable(std::vector<std::string> headers) : headers_(std::move(headers)) {}
    void add_row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
    bool empty() const { return rows_.empty(); }
    // Columns separated by two spaces; the last column is not padded.
    std::string render() const;

private:
    std::vector<std::string> headers_;
    std::vector<std::vector<std::string>> rows_;
};

}  // namespace tarat
