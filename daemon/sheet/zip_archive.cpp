#include "sheet/zip_archive.hpp"

#include "sheet/sheet.hpp"

#include <zip.h>

#include <memory>

namespace tarat::sheet {

ZipArchive::ZipArchive(const std::string& bytes, std::string shown_name, std::uint64_t max_inflated_bytes)
    : shown_(std::move(shown_name)), max_inflated_(max_inflated_bytes) {
    zip_error_t e;
    zip_error_init(&e);
    // The bytes outlive the archive (the caller keeps them): no copy, freep = 0.
    zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &e);
    if (source) {
        zip_ = zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &e);
        if (!zip_) zip_source_free(source);
    }
    if (!zip_) {
        std::string why = zip_error_strerror(&e);
        zip_error_fini(&e);
        throw SheetError(shown_ + ": error: not a spreadsheet (" + why + "); save it as .xlsx, .ods or .csv");
    }
    zip_error_fini(&e);
}

ZipArchive::~ZipArchive() {
    if (zip_) zip_discard(zip_);
}

bool ZipArchive::has(const std::string& part) const { return zip_name_locate(zip_, part.c_str(), 0) >= 0; }

std::optional<std::string> ZipArchive::read(const std::string& part) const {
    const zip_int64_t index = zip_name_locate(zip_, part.c_str(), 0);
    if (index < 0) return std::nullopt;
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(zip_, zip_uint64_t(index), 0, &st) != 0)
        throw SheetError(shown_ + ": error: cannot read " + part + ": " + zip_strerror(zip_));
    const auto too_large = [&](const std::string& how) {
        return SheetError(shown_ + ": error: " + part + " " + how + ", more than the " +
                          std::to_string(max_inflated_ >> 20) + " MiB a plan's sheet may take (a zip bomb?); refused");
    };
    if ((st.valid & ZIP_STAT_SIZE) && st.size > max_inflated_)
        throw too_large("would inflate to " + std::to_string(st.size) + " bytes");
    std::unique_ptr<zip_file_t, decltype(&zip_fclose)> in(zip_fopen_index(zip_, zip_uint64_t(index), 0), &zip_fclose);
    if (!in) throw SheetError(shown_ + ": error: cannot read " + part + ": " + zip_strerror(zip_));
    std::string bytes;
    char buffer[65536];
    for (;;) {
        const zip_int64_t n = zip_fread(in.get(), buffer, sizeof buffer);
        if (n < 0) throw SheetError(shown_ + ": error: cannot inflate " + part + ": " + zip_file_strerror(in.get()));
        if (n == 0) break;
        if (bytes.size() + std::uint64_t(n) > max_inflated_) throw too_large("declares " + std::to_string(st.size) + " bytes but inflates to more");
        bytes.append(buffer, size_t(n));
    }
    return bytes;
}

}  // namespace tarat::sheet
