#pragma once
// The web's HTML: one mustache template per page inside one layout, every value escaped by the
// template library; the words in kk, ru and en; the style sheet (served from /static, as the CSP
// allows nothing inline). Works without JavaScript and prints on A4.
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace tarat::web {

enum class PageName { event, denied, message, login, login_confirm, overview, events, calendar, event_rows };

// `lang` kk, ru or en (anything else: kk). `data` is the page's own; `t` (the words) is added.
// `layout` holds title, who (signed-in person's name), csrf, langs (the language switch).
std::string render_page(PageName page, std::string_view lang, nlohmann::json data, nlohmann::json layout);

// A page's template text (event_rows: the table of events several pages share).
std::string_view page_source(PageName page);

// The words of `lang` as one object: {"date": "Күні", …}.
const nlohmann::json& words(std::string_view lang);

extern const std::string_view kStyleSheet;

}  // namespace tarat::web
