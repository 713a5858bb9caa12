#pragma once
// Form input: application/x-www-form-urlencoded and multipart/form-data (with one uploaded file),
// and what an uploaded report is, judged by its content, never by its name or stated type.
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace tarat::web {

struct UploadedFile {
    std::string filename;  // as the browser sent it (shown, never used as a path)
    std::string content;
};

struct FormData {
    std::map<std::string, std::string> fields;
    std::map<std::string, UploadedFile> files;  // only non-empty files
    std::string value(const std::string& name) const {
        auto it = fields.find(name);
        return it == fields.end() ? std::string() : it->second;
    }
};

std::string url_decode(std::string_view text);  // '+' is a space; a bad escape stays as it is
std::map<std::string, std::string> parse_urlencoded(std::string_view text);
// nullopt for a body that is not the form its Content-Type says.
std::optional<FormData> parse_form(const std::string& content_type, const std::string& body);

// A report's kind by its first bytes: "pdf", "docx", "odt", "jpg", "png"; nullopt for anything
// else (an executable, a script, a ZIP that is no document).
std::optional<std::string> report_kind(std::string_view content);

}  // namespace tarat::web
