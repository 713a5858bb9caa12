#pragma once
// A problem found in an input file, pointing at where it is.
#include <string>
#include <vector>

namespace tarat {

struct SourcePos {
    std::string file;
    int line = 0;    // 1-based; 0 when the whole file is meant
    int column = 0;  // 1-based, in characters (code points)
};

struct Diagnostic {
    enum class Severity { error, warning };
    Severity severity = Severity::error;
    SourcePos pos;
    std::string message;
    std::string key_path;  // e.g. "centre.erkemai.district"; may be empty

    // FILE:LINE:COL: error: MESSAGE [key.path]
    std::string format() const;
};

class Diagnostics {
public:
    void error(SourcePos pos, std::string message, std::string key_path = {});
    void warning(SourcePos pos, std::string message, std::string key_path = {});
    void add(Diagnostic d) { items_.push_back(std::move(d)); }
    void append(const Diagnostics& other);

    bool has_errors() const;
    size_t error_count() const;
    const std::vector<Diagnostic>& items() const { return items_; }
    // Errors and warnings in file, line, column order; each on its own line.
    std::string format() const;

private:
    std::vector<Diagnostic> items_;
};

}  // namespace tarat
