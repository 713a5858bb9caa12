#pragma once
// Plain-text tables whose columns line up for Kazakh and Russian text: widths are measured in
// terminal cells, not bytes.
#include <string>
#include <string_view>
#include <vector>

namespace tarat {

// Text from the daemon as a terminal may show it: every control character (C0 with tab and
// newline, DEL, C1) becomes a visible escape (\t, \n, \x1b, \u009b) and bytes that are not
// UTF-8 become U+FFFD, so stored data can never move the cursor, recolour or clear the screen.
std::string visible(std::string_view text);
// The same, but newlines stay: for whole rendered screens.
std::string visible_lines(std::string_view text);

// Terminal cells a UTF-8 string takes: combining marks 0, East Asian wide characters 2, others 1.
size_t display_width(std::string_view utf8);

class TextTable {
public:
    explicit TextTable(std::vector<std::string> headers);
    void add_row(std::vector<std::string> cells);  // each cell made visible()
    bool empty() const { return rows_.empty(); }
    // Columns separated by two spaces; the last column is not padded.
    std::string render() const;

private:
    std::vector<std::string> headers_;
    std::vector<std::vector<std::string>> rows_;
};

}  // namespace tarat
