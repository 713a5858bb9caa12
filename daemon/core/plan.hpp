#pragma once
// The plan of events as the methodologist wrote it: immutable once loaded.
#include "core/diagnostic.hpp"
#include "core/span.hpp"
#include "core/time.hpp"

#include <map>
#include <memory>
#include <optional>
#include <cstddef>
#include <string>
#include <vector>

namespace tarat {

// Text in the three languages of notices; any may be empty.
struct LocalizedText {
    std::string kk, ru, en;
    const std::string& in(std::string_view locale) const;  // falls back kk → ru → en
    friend bool operator==(const LocalizedText&, const LocalizedText&) = default;
};

struct Person {
    std::string id;
    std::string name;
    std::string position;
    std::string locale = "kk";  // kk | ru | en
    std::string email;
    std::string telegram;       // chat id
    std::string webhook;
    std::vector<std::string> channels;  // empty: the config's default channels
    SourcePos pos;
};

struct District {
    std::string id;
    std::string name;
    std::string head;  // person id
    SourcePos pos;
};

struct Centre {
    std::string id;
    std::string name;
    std::string district;  // district id
    std::string address;
    std::string director;  // person id
    SourcePos pos;
};

// How many centres a table, chart or digest lists one by one (a region has a handful): a plan of
// more is shown per district, as a national plan's 5,000 centres make a list no one reads.
inline constexpr std::size_t kCentresListedOneByOne = 60;
inline bool shown_per_district(std::size_t centres) { return centres > kCentresListedOneByOne; }

struct Form {
    std::string id;
    LocalizedText name;
    int duration_minutes = 0;
    Span report_due{Span::Unit::working_days, 3};
    std::vector<Span> reminders;
    // Attended by the coordinator and the overseer: at most one regional event a day in the region.
    bool regional = false;
    SourcePos pos;
};

struct FixedEvent {
    std::string id;
    std::string form;
    std::string centre;
    Date date;
    int start_minutes = 0;  // local time after midnight
    std::string title;
    std::string audience;
    std::string responsible;  // person id; empty: the centre's director
    SourcePos pos;
    SourcePos date_pos;
};

enum class Period { month, quarter, plan };
std::string_view period_name(Period p);

struct Rule {
    std::string id;
    std::string form;
    bool all_centres = true;
    std::vector<std::string> centres;  // when not all_centres
    Period every = Period::month;
    int count = 1;
    WeekdaySet weekdays = 0b0011100;  // tue, wed, thu
    int start_minutes = 10 * 60;
    std::string title;
    std::string audience;
    int min_gap_days = 7;     // between two events at one centre
    bool allow_summer = false;  // June–August allowed
    SourcePos pos;
};

struct Plan {
    std::string id;
    std::string title;
    std::string basis;
    std::string department;  // who runs the plan, as its reports are headed
    std::string timezone = "Asia/Aqtobe";
    Date from;
    Date to;
    std::string calendar_file;  // as written, relative to the plan file
    std::string overseer;       // person id
    std::string coordinator;    // person id
    std::string source_file;

    // Kept in file order; ids are unique (checked by the loader).
    std::vector<Person> people;
    std::vector<District> districts;
    std::vector<Centre> centres;
    std::vector<Form> forms;
    std::vector<FixedEvent> events;
    std::vector<Rule> rules;

    const Person* person(std::string_view id) const;
    const District* district(std::string_view id) const;
    const Centre* centre(std::string_view id) const;
    const Form* form(std::string_view id) const;

    // The lookups above find an id by an index made here, not by a scan: at national scale a scan of
    // 5,000 centres for each notice was a tenth of a preview. The loader makes it; a plan changed
    // since is still answered right, by a scan where the index no longer fits.
    void index();

private:
    struct Index;
    std::shared_ptr<const Index> index_;  // shared by copies: same lists, same positions
};

}  // namespace tarat
