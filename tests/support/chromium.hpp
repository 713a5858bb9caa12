#pragma once
// Headless Chromium for the printed pages (the compliance report, the plan): a fresh profile each
// run, the page's horizontal overflow measured by a script appended to a copy, A4 pages when printed.
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <regex>
#include <string>
#include <vector>

namespace tarat::testing {

// Headless Chromium as the issue asks, with a fresh profile each time; returns its stdout.
inline std::string chromium(const TempDir& dir, std::vector<std::string> args) {
    static int profiles = 0;
    std::vector<std::string> argv{"/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu",
                                  "--user-data-dir=" + (dir / ("chromium-profile-" + std::to_string(profiles++))).string(),
                                  "--hide-scrollbars"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = run(argv, dir.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return r.out;
}

// The rendered report with a measuring script appended (the report itself has none): the page's
// scroll width against the viewport's, and the elements that stick out to the right.
inline std::string overflow_at(const TempDir& dir, const std::string& html, int width) {
    auto probe = html;
    const auto body_end = probe.rfind("</body>");
    REQUIRE(body_end != std::string::npos);
    probe.insert(body_end, R"(<script>
const root = document.documentElement;
const out = [...document.body.querySelectorAll('*')]
  .filter(e => e.getBoundingClientRect().right > root.clientWidth + 0.5)
  .map(e => e.tagName + (e.className && e.className.baseVal === undefined ? '.' + e.className : ''));
const p = document.createElement('pre');
p.id = 'overflow-check';
p.textContent = 'OVERFLOW ' + root.scrollWidth + ' ' + root.clientWidth + ' ' + out.length + ' ' + out.slice(0, 5).join(',');
document.body.appendChild(p);
</script>)");
    auto page = dir.write("probe-" + std::to_string(width) + ".html", probe);
    auto dom = chromium(dir, {"--window-size=" + std::to_string(width) + ",1123", "--virtual-time-budget=5000",
                              "--dump-dom", "file://" + page.string()});
    std::smatch m;
    REQUIRE(std::regex_search(dom, m, std::regex("OVERFLOW (\\d+) (\\d+) (\\d+) ?([^<]*)")));
    INFO("width " << width << ": scrollWidth " << m[1] << ", clientWidth " << m[2] << ", sticking out: " << m[4]);
    CHECK(std::stoi(m[1]) <= std::stoi(m[2]));
    CHECK(m[3] == "0");
    return m[0];
}

// The pages Chromium prints `page` on: each must be A4 (595 × 842 pt); returns how many.
inline int printed_a4_pages(const TempDir& dir, const std::filesystem::path& page) {
    const auto pdf_path = dir / (page.stem().string() + ".pdf");
    chromium(dir, {"--no-pdf-header-footer", "--print-to-pdf=" + pdf_path.string(), "file://" + page.string()});
    const auto pdf = read_file(pdf_path);
    const std::regex media_box(R"(/MediaBox \[0 0 ([0-9.]+) ([0-9.]+)\])");
    int pages = 0;
    for (std::sregex_iterator it(pdf.begin(), pdf.end(), media_box), end; it != end; ++it, ++pages) {
        CHECK(std::abs(std::stod((*it)[1]) - 595.3) < 1.5);
        CHECK(std::abs(std::stod((*it)[2]) - 841.9) < 1.5);
    }
    return pages;
}

}  // namespace tarat::testing
