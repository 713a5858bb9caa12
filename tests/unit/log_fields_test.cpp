// Journal fields are set explicitly by whoever logs about a notice (core/log_fields.hpp), never
// parsed out of the message.
#include "core/log_fields.hpp"

#include <catch2/catch.hpp>

#include <thread>

using namespace tarat;

TEST_CASE("journal fields: a scope names the notice, nested scopes restore what was before") {
    CHECK(LogFields::current().empty());
    {
        LogFields outer(notice_log_fields("reminder:erkemai-seminar-1:bashanov:log:2026-11-25T04:00:00Z",
                                          "erkemai-seminar-1"));
        CHECK(LogFields::current() == LogFieldList{{"NOTICE_KEY", "reminder:erkemai-seminar-1:bashanov:log:2026-11-25T04:00:00Z"},
                                                   {"EVENT_ID", "erkemai-seminar-1"}});
        {
            LogFields digest(notice_log_fields("digest::bertleuova:log:2026-12-07T04:00:00Z", ""));
            CHECK(LogFields::current() == LogFieldList{{"NOTICE_KEY", "digest::bertleuova:log:2026-12-07T04:00:00Z"}});
        }
        CHECK(LogFields::current().size() == 2);
        // Another thread logs without them.
        bool other_empty = false;
        std::thread([&] { other_empty = LogFields::current().empty(); }).join();
        CHECK(other_empty);
    }
    CHECK(LogFields::current().empty());
}
