#pragma once
// The parts of an .xlsx or .ods (both are zip files), read through libzip with a bound on what a
// part may inflate to: checked against the size the archive declares before inflating, and again
// while inflating (a declared size can lie).
#include <cstdint>
#include <optional>
#include <string>

typedef struct zip zip_t;

namespace tarat::sheet {

class ZipArchive {
public:
    ZipArchive(const std::string& bytes, std::string shown_name, std::uint64_t max_inflated_bytes);
    ~ZipArchive();
    ZipArchive(const ZipArchive&) = delete;
    ZipArchive& operator=(const ZipArchive&) = delete;

    bool has(const std::string& part) const;
    // The part's bytes; nullopt when the archive has no such part. Throws SheetError past the bound.
    std::optional<std::string> read(const std::string& part) const;

private:
    zip_t* zip_ = nullptr;
    std::string shown_;
    std::uint64_t max_inflated_;
};

}  // namespace tarat::sheet
