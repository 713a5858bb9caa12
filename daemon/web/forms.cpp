#include "web/forms.hpp"

#include <cctype>

namespace tarat::web {

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool iequals_prefix(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(text[i])) != std::tolower(static_cast<unsigned char>(prefix[i]))) return false;
    return true;
}

// The value of `name="…"` in a header such as Content-Disposition.
std::optional<std::string> quoted_parameter(std::string_view header, std::string_view name) {
    std::string key = std::string(name) + "=\"";
    for (std::size_t at = header.find(key); at != std::string_view::npos; at = header.find(key, at + 1)) {
        if (at > 0 && header[at - 1] != ' ' && header[at - 1] != ';') continue;
        auto start = at + key.size();
        auto end = header.find('"', start);
        if (end == std::string_view::npos) return std::nullopt;
        return std::string(header.substr(start, end - start));
    }
    return std::nullopt;
}

std::optional<FormData> parse_multipart(std::string_view boundary, std::string_view body) {
    FormData form;
    std::string delimiter = "--" + std::string(boundary);
    auto at = body.find(delimiter);
    if (at == std::string_view::npos) return std::nullopt;
    for (int parts = 0; parts < 32; ++parts) {
        at += delimiter.size();
        if (body.substr(at, 2) == "--") return form;  // the closing delimiter
        if (body.substr(at, 2) != "\r\n") return std::nullopt;
        at += 2;
        auto headers_end = body.find("\r\n\r\n", at);
        if (headers_end == std::string_view::npos) return std::nullopt;
        auto headers = body.substr(at, headers_end - at);
        auto content_start = headers_end + 4;
        auto next = body.find("\r\n" + delimiter, content_start);
        if (next == std::string_view::npos) return std::nullopt;
        auto content = body.substr(content_start, next - content_start);
        std::string_view disposition;
        for (std::size_t line = 0; line < headers.size();) {
            auto end = headers.find("\r\n", line);
            auto text = headers.substr(line, end == std::string_view::npos ? std::string_view::npos : end - line);
            if (iequals_prefix(text, "content-disposition:")) disposition = text;
            if (end == std::string_view::npos) break;
            line = end + 2;
        }
        auto name = quoted_parameter(disposition, "name");
        if (!name) return std::nullopt;
        if (auto filename = quoted_parameter(disposition, "filename")) {
            if (!content.empty()) form.files[*name] = UploadedFile{*filename, std::string(content)};
        } else {
            form.fields[*name] = std::string(content);
        }
        at = next + 2;
    }
    return std::nullopt;  // more parts than any of our forms has
}

}  // namespace

std::string url_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '+') {
            out += ' ';
        } else if (c == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

std::map<std::string, std::string> parse_urlencoded(std::string_view text) {
    std::map<std::string, std::string> out;
    while (!text.empty()) {
        auto amp = text.find('&');
        auto pair = text.substr(0, amp);
        auto eq = pair.find('=');
        std::string key = url_decode(pair.substr(0, eq));
        std::string value = eq == std::string_view::npos ? std::string() : url_decode(pair.substr(eq + 1));
        if (!key.empty()) out.emplace(std::move(key), std::move(value));  // the first of a repeated key
        if (amp == std::string_view::npos) break;
        text.remove_prefix(amp + 1);
    }
    return out;
}

std::optional<FormData> parse_form(const std::string& content_type, const std::string& body) {
    if (iequals_prefix(content_type, "application/x-www-form-urlencoded")) return FormData{parse_urlencoded(body), {}};
    if (!iequals_prefix(content_type, "multipart/form-data")) return std::nullopt;
    auto at = content_type.find("boundary=");
    if (at == std::string::npos) return std::nullopt;
    std::string boundary = content_type.substr(at + 9);
    if (auto semi = boundary.find(';'); semi != std::string::npos) boundary.resize(semi);
    if (boundary.size() >= 2 && boundary.front() == '"' && boundary.back() == '"') boundary = boundary.substr(1, boundary.size() - 2);
    if (boundary.empty() || boundary.size() > 70) return std::nullopt;
    return parse_multipart(boundary, body);
}

std::optional<std::string> report_kind(std::string_view content) {
    auto starts = [&](std::string_view magic) { return content.substr(0, magic.size()) == magic; };
    if (starts("%PDF-")) return "pdf";
    if (starts("\x89PNG\r\n\x1a\n")) return "png";
    if (starts("\xFF\xD8\xFF")) return "jpg";
    if (starts("PK\x03\x04")) {
        // ODF stores an uncompressed "mimetype" entry first; a DOCX holds word/document.xml.
        if (content.substr(30, 8) == "mimetype" &&
            content.substr(38, 39) == "application/vnd.oasis.opendocument.text")
            return "odt";
        if (content.find("word/document.xml") != std::string_view::npos &&
            content.find("[Content_Types].xml") != std::string_view::npos)
            return "docx";
    }
    return std::nullopt;
}

}  // namespace tarat::web
