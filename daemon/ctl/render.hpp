#pragma once
// taratctl's human-readable output of each reply's arguments; --json prints them instead.
#include "ctl/labels.hpp"

#include <nlohmann/json.hpp>

#include <ostream>
#include <string>

namespace tarat {

// A reply's list by name, or an empty one when it has none: a reference, not value()'s copy, which
// for `--all` is every row of every page.
const nlohmann::json& list_in(const nlohmann::json& arguments, const std::string& field);

// A reply's arguments rendered for one command; `text` is the reply's one-line text.
void render_reply(const std::string& command, const nlohmann::json& arguments, const std::string& text, Lang lang,
                  std::ostream& out);

}  // namespace tarat
