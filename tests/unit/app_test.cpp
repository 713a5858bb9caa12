// taratd's own helpers (daemon/app/): the journal fields of a log line.
#include "app/logging.hpp"

#include <catch2/catch.hpp>

using namespace tarat;
using Fields = std::vector<std::pair<std::string, std::string>>;

// The log channel's "[key …]" and the dispatcher's "notice KEY …" give NOTICE_KEY and EVENT_ID.
TEST_CASE("journal fields: notice key and event id from a log line") {
    CHECK(journal_fields("channel 'log': notice reminder for bashanov: Еске салу [key "
                         "reminder:erkemai-seminar-1:bashanov:log:2026-11-25T04:00:00Z]") ==
          Fields{{"NOTICE_KEY", "reminder:erkemai-seminar-1:bashanov:log:2026-11-25T04:00:00Z"},
                 {"EVENT_ID", "erkemai-seminar-1"}});
    CHECK(journal_fields("notice held_check:bolashak-master-class-1:zhamanbayeva:smtp:2026-12-22T11:00:00Z on "
                         "channel smtp: 451 try later; retry in 30 s") ==
          Fields{{"NOTICE_KEY", "held_check:bolashak-master-class-1:zhamanbayeva:smtp:2026-12-22T11:00:00Z"},
                 {"EVENT_ID", "bolashak-master-class-1"}});
}

// A digest is about no event: NOTICE_KEY only. A line naming no notice has no extra fields.
TEST_CASE("journal fields: digests and ordinary lines") {
    CHECK(journal_fields("notice digest::bertleuova:log:2026-12-07T04:00:00Z rejected by channel log: no") ==
          Fields{{"NOTICE_KEY", "digest::bertleuova:log:2026-12-07T04:00:00Z"}});
    CHECK(journal_fields("plan order-553-2026-27 loaded: unchanged").empty());
    CHECK(journal_fields("notice reminder for bashanov: no key here").empty());
    CHECK(journal_fields("[key unterminated:a:b:c:d").empty());
}
