#pragma once
// A notice's facts as JSON: how the outbox stores them and the socket shows them.
#include "core/notice.hpp"

#include <nlohmann/json.hpp>

namespace tarat {

// Only the facts that are set: {"lead":"10 working days"}, {"missing":"held","due_date":"2026-12-14","round":2}.
nlohmann::json to_json(const NoticeFacts& facts);
// Throws std::invalid_argument naming the field that is not what to_json writes.
NoticeFacts notice_facts_from_json(const nlohmann::json& j);

}  // namespace tarat
