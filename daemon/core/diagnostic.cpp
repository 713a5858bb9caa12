#include "core/diagnostic.hpp"

#include <algorithm>
#include <tuple>

namespace tarat {

std::string Diagnostic::format() const {
    std::string out = pos.file;
    if (pos.line > 0) out += ":" + std::to_string(pos.line) + ":" + std::to_string(std::max(pos.column, 1));
    out += severity == Severity::error ? ": error: " : ": warning: ";
    out += message;
    if (!key_path.empty()) out += " [" + key_path + "]";
    return out;
}

void Diagnostics::error(SourcePos pos, std::string message, std::string key_path) {
    items_.push_back({Diagnostic::Severity::error, std::move(pos), std::move(message), std::move(key_path)});
}

void Diagnostics::warning(SourcePos pos, std::string message, std::string key_path) {
    items_.push_back({Diagnostic::Severity::warning, std::move(pos), std::move(message), std::move(key_path)});
}

void Diagnostics::append(const Diagnostics& other) {
    items_.insert(items_.end(), other.items_.begin(), other.items_.end());
}

bool Diagnostics::has_errors() const { return error_count() > 0; }

size_t Diagnostics::error_count() const {
    return std::count_if(items_.begin(), items_.end(),
                         [](const Diagnostic& d) { return d.severity == Diagnostic::Severity::error; });
}

std::string Diagnostics::format() const {
    auto sorted = items_;
    std::stable_sort(sorted.begin(), sorted.end(), [](const Diagnostic& a, const Diagnostic& b) {
        return std::tie(a.pos.file, a.pos.line, a.pos.column) < std::tie(b.pos.file, b.pos.line, b.pos.column);
    });
    std::string out;
    for (const auto& d : sorted) out += d.format() + "\n";
    return out;
}

}  // namespace tarat
