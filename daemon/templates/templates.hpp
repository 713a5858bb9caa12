#pragma once
// Notice texts: etc/templates/<locale>/<kind>.mustache, subject on the first line, a blank line,
// then the body. Plain text: nothing is HTML-escaped. etc/templates/README.md lists the context.
#include "core/diagnostic.hpp"
#include "core/digest.hpp"
#include "core/event.hpp"
#include "core/notice.hpp"
#include "core/plan.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace tarat {

struct RenderedNotice {
    std::string subject;  // one line
    std::string body;     // ends with one newline
    std::string locale;   // the template's locale: the one asked for, or the fallback used
};

// What of a notice's context a template can look up, by name and part of a name.
struct ContextNeeds {
    bool whole = false;  // everything under this name
    std::map<std::string, ContextNeeds, std::less<>> parts;
};

class TemplateSet {
public:
    // Reads <dir>/{kk,ru,en}/<kind>.mustache. A locale folder that is absent is a warning (its
    // recipients get the fallback); a missing file in a present folder, a template that does not
    // compile, partials and delimiter changes are errors naming the file. A variable no notice of
    // that kind provides is a warning at its line.
    static TemplateSet load(const std::filesystem::path& dir, Diagnostics& diagnostics);

    // Falls back kk → ru → en when `locale` has no template for the kind; throws
    // std::out_of_range when no locale has one (only after a load that reported errors).
    // Without `with_body` the body stays empty (a preview that prints subjects only).
    RenderedNotice render(NoticeKind kind, std::string_view locale, const nlohmann::json& context,
                          bool with_body = true) const;

    bool has(NoticeKind kind, std::string_view locale) const;  // exactly this locale, no fallback
    // Whether the text render gives shows a digest's sums (its lists and counts), not only its
    // week's dates: a digest subject alone (a preview without bodies) needs the store read for nothing.
    bool shows_digest_sums(NoticeKind kind, std::string_view locale, bool with_body) const;
    // What the text render gives (subject alone without `with_body`) looks up in its context, for
    // notice_context to build only that; null when no template has the kind.
    const ContextNeeds* needs(NoticeKind kind, std::string_view locale, bool with_body) const;

private:
    struct Template {
        std::string locale;
        std::string file;
        std::string subject;  // checked at load; kept as text, each rendering thread compiles its own
        std::string body;     // with the line markers that drop lines whose sections rendered empty
        // What of the context the subject, and the subject with the body, can look up: only that
        // is handed to mustache (a digest's whole context costs more than its rendering).
        ContextNeeds subject_needs, needs;
    };
    const Template* find(NoticeKind kind, std::string_view locale) const;

    std::map<std::pair<std::string, NoticeKind>, Template> templates_;  // (locale, kind)
};

// `text`, a mustache template, rendered with `data` (as notices see it: numbers as text, an empty
// text false), every {{value}} HTML-escaped: the web's pages. Throws std::runtime_error for a
// template that does not compile.
std::string render_html(const std::string& text, const nlohmann::json& data);

// What is true when a notice goes out, beyond its stored facts: Notices::prepare reads it from the
// store at rendering time.
struct SendingFacts {
    const DigestSummary* digest = nullptr;  // digest: the summary as of its day
    // overdue, escalation: how many times the people asked to act (the centre's director and the
    // coordinator) were already reminded of the same matter before this notice's due moment.
    int reminded_count = 0;
    // The recipient's own page of the event on the web (`{{link}}`), "" when the web is off.
    std::string link;
};

// The data a template sees (keys: etc/templates/README.md). `event` is null and `state` empty for
// a digest. Names and dates are in the recipient's locale; the notice's typed facts say what it is about.
// With `needs` (TemplateSet::needs), the costlier parts no text looks up are left out.
nlohmann::json notice_context(const Plan& plan, const Notice& notice, const Person& recipient,
                              const ScheduledEvent* event, std::optional<EventState> state,
                              const SendingFacts& sending = {}, const ContextNeeds* needs = nullptr);

}  // namespace tarat
