#pragma once
// Bytes inside a JSON reply (a database backup): base64, as JSON strings must be UTF-8.
#include <optional>
#include <string>
#include <string_view>

namespace tarat::control {

std::string encode_blob(std::string_view bytes);
// nullopt for text that is not base64.
std::optional<std::string> decode_blob(std::string_view text);

}  // namespace tarat::control
