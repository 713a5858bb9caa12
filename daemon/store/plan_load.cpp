// Store::apply_plan: make the stored plan equal to a loaded one, table by table, recording every
// difference. Each table is described once (TableSpec); one diff routine serves them all.
#include "store/internal.hpp"
#include "store/store.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <variant>

namespace tarat {
namespace {
using store_internal::guarded;
using store_internal::unix_seconds;

using Value = std::variant<std::string, std::int64_t>;

enum class Kind {
    text,         // TEXT NOT NULL
    ref,          // an id that may be empty: NULL in the database, so foreign keys accept it
    integer,
    time_of_day,  // minutes after midnight, shown as HH:MM
    flag,         // 0 or 1, shown as yes/no
};

template <class T>
struct ColumnSpec {
    std::string_view name;
    Kind kind;
    Value (*get)(const T&);
    bool fixed_when_kept = false;  // the when and where people were told about
    bool sticky = false;           // a plan load may set it but never clear it (pins)
};

template <class T>
struct TableSpec {
    std::string_view table;  // also the history subject's prefix: "centre:erkemai"
    std::vector<ColumnSpec<T>> columns;
    bool has_in_plan = true;         // a dropped row may stay while kept rows point at it
    bool counts_revisions = false;   // bump `sequence` whenever a load changes the row
    // SQL giving why a row may be neither deleted nor moved ("it is pinned"), or NULL.
    std::string_view keep_reason_sql = "NULL";
    // Whether the history copies the values of an added row. An event's are its stored row, and
    // each later change is recorded as before → after, so they can be read back from there: a
    // national plan's 200,000 copies were a third of its database and of its first load. A table
    // without the copies has a column added_in (see ChangeLog::record_filled).
    bool history_copies_added_rows = true;
};

std::string joined(const std::vector<std::string>& parts) {
    std::string text;
    for (const auto& part : parts) text += (text.empty() ? "" : ", ") + part;
    return text;
}

std::string joined_spans(const std::vector<Span>& spans) {
    std::vector<std::string> parts;
    for (const auto& span : spans) parts.push_back(format_span(span));
    return joined(parts);
}

Value flag(bool on) { return std::int64_t{on ? 1 : 0}; }

const TableSpec<Person>& person_table() {
    static const TableSpec<Person> spec{
        "person",
        {
            {"name", Kind::text, [](const Person& p) -> Value { return p.name; }},
            {"position", Kind::text, [](const Person& p) -> Value { return p.position; }},
            {"locale", Kind::text, [](const Person& p) -> Value { return p.locale; }},
            {"email", Kind::text, [](const Person& p) -> Value { return p.email; }},
            {"telegram", Kind::text, [](const Person& p) -> Value { return p.telegram; }},
            {"webhook", Kind::text, [](const Person& p) -> Value { return p.webhook; }},
            {"channels", Kind::text, [](const Person& p) -> Value { return joined(p.channels); }},
        },
    };
    return spec;
}

const TableSpec<District>& district_table() {
    static const TableSpec<District> spec{
        "district",
        {
            {"name", Kind::text, [](const District& d) -> Value { return d.name; }},
            {"head", Kind::ref, [](const District& d) -> Value { return d.head; }},
        },
    };
    return spec;
}

const TableSpec<Centre>& centre_table() {
    static const TableSpec<Centre> spec{
        "centre",
        {
            {"name", Kind::text, [](const Centre& c) -> Value { return c.name; }},
            {"district", Kind::text, [](const Centre& c) -> Value { return c.district; }},
            {"address", Kind::text, [](const Centre& c) -> Value { return c.address; }},
            {"director", Kind::ref, [](const Centre& c) -> Value { return c.director; }},
        },
    };
    return spec;
}

const TableSpec<Form>& form_table() {
    static const TableSpec<Form> spec{
        "form",
        {
            {"name_kk", Kind::text, [](const Form& f) -> Value { return f.name.kk; }},
            {"name_ru", Kind::text, [](const Form& f) -> Value { return f.name.ru; }},
            {"name_en", Kind::text, [](const Form& f) -> Value { return f.name.en; }},
            {"duration_minutes", Kind::integer, [](const Form& f) -> Value { return std::int64_t{f.duration_minutes}; }},
            {"report_due", Kind::text, [](const Form& f) -> Value { return format_span(f.report_due); }},
            {"reminders", Kind::text, [](const Form& f) -> Value { return joined_spans(f.reminders); }},
        },
    };
    return spec;
}

const TableSpec<Plan>& plan_table() {
    static const TableSpec<Plan> spec{
        "plan",
        {
            {"title", Kind::text, [](const Plan& p) -> Value { return p.title; }},
            {"basis", Kind::text, [](const Plan& p) -> Value { return p.basis; }},
            {"timezone", Kind::text, [](const Plan& p) -> Value { return p.timezone; }},
            {"period_from", Kind::text, [](const Plan& p) -> Value { return format_date(p.from); }},
            {"period_to", Kind::text, [](const Plan& p) -> Value { return format_date(p.to); }},
            {"overseer", Kind::ref, [](const Plan& p) -> Value { return p.overseer; }},
            {"coordinator", Kind::ref, [](const Plan& p) -> Value { return p.coordinator; }},
        },
        /*has_in_plan=*/false,
    };
    return spec;
}

const TableSpec<ScheduledEvent>& event_table() {
    using E = ScheduledEvent;
    static const TableSpec<E> spec{
        "event",
        {
            {"centre", Kind::text, [](const E& e) -> Value { return e.centre; }, /*fixed_when_kept=*/true},
            {"district", Kind::text, [](const E& e) -> Value { return e.district; }, true},
            {"form", Kind::text, [](const E& e) -> Value { return e.form; }},
            {"title", Kind::text, [](const E& e) -> Value { return e.title; }},
            {"audience", Kind::text, [](const E& e) -> Value { return e.audience; }},
            {"responsible", Kind::ref, [](const E& e) -> Value { return e.responsible; }},
            {"date", Kind::text, [](const E& e) -> Value { return format_date(e.date); }, true},
            {"start_minutes", Kind::time_of_day, [](const E& e) -> Value { return std::int64_t{e.start_minutes}; }, true},
            {"end_minutes", Kind::time_of_day, [](const E& e) -> Value { return std::int64_t{e.end_minutes}; }, true},
            {"source", Kind::text, [](const E& e) -> Value { return e.source; }},
            {"pinned", Kind::flag, [](const E& e) -> Value { return flag(e.pinned); }, false, /*sticky=*/true},
        },
        /*has_in_plan=*/true,
        /*counts_revisions=*/true,
        "CASE WHEN state <> 'planned' THEN 'it is ' || state WHEN pinned = 1 THEN 'it is pinned' END",
        /*history_copies_added_rows=*/false,
    };
    return spec;
}

// ---- values in and out of SQLite, and in words ----

// Text without a copy: each row's values outlive the step of the statement they are bound to.
void bind_value(SQLite::Statement& statement, int index, const Value& value, Kind kind) {
    if (const auto* text = std::get_if<std::string>(&value)) {
        if (kind == Kind::ref && text->empty()) statement.bind(index);
        else statement.bindNoCopy(index, *text);
    } else {
        statement.bind(index, std::get<std::int64_t>(value));
    }
}

Value read_value(const SQLite::Column& column, Kind kind) {
    switch (kind) {
        case Kind::text:
        case Kind::ref: return column.isNull() ? std::string{} : column.getString();
        case Kind::integer:
        case Kind::time_of_day:
        case Kind::flag: return column.getInt64();
    }
    return std::string{};
}

std::string shown(const Value& value, Kind kind) {
    switch (kind) {
        case Kind::text:
        case Kind::ref: return '"' + std::get<std::string>(value) + '"';
        case Kind::integer: return std::to_string(std::get<std::int64_t>(value));
        case Kind::time_of_day: return format_hhmm(static_cast<int>(std::get<std::int64_t>(value)));
        case Kind::flag: return std::get<std::int64_t>(value) != 0 ? "yes" : "no";
    }
    return {};
}

bool is_blank(const Value& value) {
    const auto* text = std::get_if<std::string>(&value);
    return text && text->empty();
}

void append_part(std::string& text, const std::string& part) { text += (text.empty() ? "" : "; ") + part; }

template <class T>
std::vector<Value> values_of(const TableSpec<T>& spec, const T& item) {
    std::vector<Value> values;
    for (const auto& column : spec.columns) values.push_back(column.get(item));
    return values;
}

// `name "Еркемай"; district "shalqar"`: the non-empty fields of a new row.
template <class T>
std::string describe_row(const TableSpec<T>& spec, const std::vector<Value>& values) {
    std::string text;
    for (size_t i = 0; i < spec.columns.size(); ++i)
        if (!is_blank(values[i]))
            append_part(text, std::string(spec.columns[i].name) + " " + shown(values[i], spec.columns[i].kind));
    return text;
}

template <class T>
std::string describe_change(const ColumnSpec<T>& column, const Value& before, const Value& after) {
    return std::string(column.name) + " " + shown(before, column.kind) + " → " + shown(after, column.kind);
}

// `name "A" → "B"; head "x" → ""`: the fields that differ, or empty when none does.
template <class T>
std::string describe_differences(const TableSpec<T>& spec, const std::vector<Value>& before,
                                 const std::vector<Value>& after) {
    std::string text;
    for (size_t i = 0; i < spec.columns.size(); ++i)
        if (before[i] != after[i]) append_part(text, describe_change(spec.columns[i], before[i], after[i]));
    return text;
}

// ---- new rows ----

bool is_empty(SQLite::Database& db, const std::string& table) {
    return !db.execAndGet("SELECT EXISTS (SELECT 1 FROM " + table + ")").getInt();
}

// A table's indexes dropped, and made again from their own SQL by build(), so that SQLite sorts
// each once instead of inserting 200,000 keys into it one by one. In the open transaction, so a
// failure rolls them back with the rows. Constraint indexes (UNIQUE, PRIMARY KEY) have no SQL and
// stay. Each sort takes as much memory as the page cache may hold: made under SQLite's default
// 2 MiB rather than the load's 10, a national plan's persist in 2.2 s rather than 2.5 and peak
// 12 MB lower.
class IndexesSetAside {
public:
    IndexesSetAside(SQLite::Database& db, const std::string& table) : db_(db) {
        SQLite::Statement list(db, "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ?1 "
                                   "AND sql IS NOT NULL");
        list.bind(1, table);
        while (list.executeStep()) indexes_.emplace_back(list.getColumn(0).getString(), list.getColumn(1).getString());
        for (const auto& [index, sql] : indexes_) db_.exec("DROP INDEX \"" + index + "\"");
    }
    void build() {
        const int cache = db_.execAndGet("PRAGMA cache_size").getInt();
        db_.exec("PRAGMA cache_size = -2000");
        for (const auto& [index, sql] : indexes_) db_.exec(sql);
        db_.exec("PRAGMA cache_size = " + std::to_string(cache));
        indexes_.clear();
    }

private:
    SQLite::Database& db_;
    std::vector<std::pair<std::string, std::string>> indexes_;  // name, CREATE INDEX …
};

// The new rows of one table, added one by one and all in by move_in():
// - into an empty table (a first load) straight, with its indexes set aside until move_in();
// - otherwise gathered in a temporary table and moved in by one INSERT … SELECT: inserting row by
//   row pays the table's indexes statement by statement, twice as long for a national plan.
class NewRows {
public:
    // `columns` are the target's, the first one naming a row in errors (an id, a subject).
    NewRows(SQLite::Database& db, std::string_view target, std::vector<std::string> columns)
        : db_(db), target_(target), columns_(list(columns)),
          staged_(is_empty(db, target_) ? std::string() : "temp.staged_" + target_),
          add_(prepare_add(columns)) {
        if (staged_.empty()) set_aside_.emplace(db, target_);
    }
    ~NewRows() {
        if (staged_.empty()) return;
        try {
            db_.exec("DROP TABLE IF EXISTS " + staged_);
        } catch (const SQLite::Exception&) {  // gone with a rolled-back transaction
        }
    }
    NewRows(const NewRows&) = delete;
    NewRows& operator=(const NewRows&) = delete;

    // Bind ?1… on it, then add().
    SQLite::Statement& next() {
        add_.reset();
        return add_;
    }
    void add() {
        add_.exec();
        ++count_;
    }

    // Into the target in the order added. When a staged row breaks a constraint, they go again one
    // by one (the failed statement changed nothing) so that the error can name the row:
    // name(first column). A row added straight was refused by add().
    template <class Name>
    void move_in(Name&& name) {
        if (set_aside_) {
            set_aside_->build();
            set_aside_.reset();
        }
        if (staged_.empty() || count_ == 0) return;
        const std::string select = "SELECT " + columns_ + " FROM " + staged_;
        try {
            db_.exec("INSERT INTO " + target_ + " (" + columns_ + ") " + select + " ORDER BY rowid");
        } catch (const SQLite::Exception&) {
            SQLite::Statement rows(db_, "SELECT rowid, " + columns_ + " FROM " + staged_ + " ORDER BY rowid");
            SQLite::Statement one(db_, "INSERT INTO " + target_ + " (" + columns_ + ") " + select + " WHERE rowid = ?1");
            while (rows.executeStep()) {
                one.reset();
                one.bind(1, rows.getColumn(0).getInt64());
                try {
                    one.exec();
                } catch (const SQLite::Exception& e) {
                    throw StoreError(name(rows.getColumn(1).getString()) + ": " + e.what());
                }
            }
            throw;
        }
        db_.exec("DELETE FROM " + staged_);
        count_ = 0;
    }

private:
    static std::string list(const std::vector<std::string>& columns) {
        std::string text;
        for (const auto& c : columns) (text += text.empty() ? "" : ", ") += c;
        return text;
    }
    SQLite::Statement prepare_add(const std::vector<std::string>& columns) {
        std::string marks;
        for (size_t i = 1; i <= columns.size(); ++i) marks += (i == 1 ? "?" : ", ?") + std::to_string(i);
        if (staged_.empty())
            return SQLite::Statement(db_, "INSERT INTO " + target_ + " (" + columns_ + ") VALUES (" + marks + ")");
        db_.exec("DROP TABLE IF EXISTS " + staged_);
        db_.exec("CREATE TABLE " + staged_ + " (" + columns_ + ")");  // staged_ is "temp.…"
        return SQLite::Statement(db_, "INSERT INTO " + staged_ + " VALUES (" + marks + ")");
    }

    SQLite::Database& db_;
    std::string target_;
    std::string columns_;
    std::string staged_;  // empty: straight into the target
    SQLite::Statement add_;
    std::optional<IndexesSetAside> set_aside_;
    size_t count_ = 0;
};

// ---- recording ----

struct Action {
    std::string_view name;  // in the history
    std::string_view verb;  // in the caller's list
};
constexpr Action kAdd{"plan.add", "added"};
constexpr Action kChange{"plan.change", "changed"};
constexpr Action kRemove{"plan.remove", "removed"};

// Each applied difference goes to the history and to the caller's list, in the same words.
class ChangeLog {
public:
    ChangeLog(SQLite::Database& db, Instant at, std::string_view actor, PlanLoadResult& result)
        : db_(db), history_(db, "history", {"subject", "at", "actor", "action", "detail"}), at_(at), actor_(actor),
          result_(result) {}

    void record(const Action& action, const std::string& subject, const std::string& detail) {
        add_history(action, subject, detail);
        list(action, subject, detail);
    }

    // An added row: its values go to the caller's list, and to the history when it keeps them.
    template <class Describe>
    void record_added(const std::string& subject, bool history_copies_values, Describe&& describe) {
        const std::string detail = history_copies_values || listing() ? describe() : std::string();
        add_history(kAdd, subject, history_copies_values ? detail : std::string());
        list(kAdd, subject, detail);
    }

    // The rows of a table this load fills from empty, whose history names them without their
    // values: one history row, "event:*", records them all, and each names it (added_in); its id.
    // Each is still listed for the caller, one by one, with list_added().
    std::int64_t record_filled(std::string_view table) {
        SQLite::Statement add(db_, "INSERT INTO history (at, actor, action, subject, detail) VALUES (?1, ?2, ?3, ?4, '')");
        add.bind(1, store_internal::unix_seconds(at_));
        add.bind(2, std::string(actor_));
        add.bind(3, std::string(kAdd.name));
        add.bind(4, std::string(table) + ":*");
        add.exec();
        return db_.getLastInsertRowid();
    }
    // Its detail, "195993 events", once they are all in.
    void count_filled(std::int64_t row, std::string_view table, std::size_t count) {
        SQLite::Statement detail(db_, "UPDATE history SET detail = ?1 WHERE id = ?2");
        detail.bind(1, std::to_string(count) + " " + std::string(table) + "s");
        detail.bind(2, row);
        detail.exec();
    }
    template <class Describe>
    void list_added(const std::string& subject, Describe&& describe) {
        list(kAdd, subject, listing() ? describe() : std::string());
    }

    // A row recorded by record_filled() is deleted: the start of its history becomes a row of its
    // own, as it was (when, by whom), before the row's removal.
    void keep_start(const std::string& subject, const HistoryRow& start) {
        auto& row = history_.next();
        row.bind(1, subject);
        row.bind(2, store_internal::unix_seconds(start.at));
        row.bind(3, start.actor);
        row.bind(4, start.action);
        row.bind(5, std::string());
        history_.add();
    }

    void refuse(const std::string& subject, const std::string& detail) {
        result_.refused.push_back(subject + ": " + detail);
    }

    // The history rows recorded so far, into the history table.
    void write() {
        history_.move_in([](const std::string& subject) { return "history of " + subject; });
    }

private:
    bool listing() const { return result_.change_count < PlanLoadResult::kListedChanges; }

    void add_history(const Action& action, const std::string& subject, const std::string& detail) {
        auto& row = history_.next();
        row.bind(1, subject);
        row.bind(2, store_internal::unix_seconds(at_));
        row.bind(3, std::string(actor_));
        row.bind(4, std::string(action.name));
        row.bind(5, detail);
        history_.add();
    }

    void list(const Action& action, const std::string& subject, const std::string& detail) {
        result_.changed = true;
        if (listing())
            result_.changes.push_back(subject + " " + std::string(action.verb) + (detail.empty() ? "" : ": " + detail));
        ++result_.change_count;
    }

    SQLite::Database& db_;
    NewRows history_;
    Instant at_;
    std::string_view actor_;
    PlanLoadResult& result_;
};

// ---- one table ----

// The ids a load wants in each table, by its name: sorted, for TableSync::check_references.
using ParentIds = std::map<std::string, const std::vector<std::string_view>*, std::less<>>;

struct StoredRow {
    std::vector<Value> values;  // in the spec's column order
    bool in_plan = true;
    std::optional<std::string> keep_reason;
};

// Brings one table in line with the wanted rows: upsert() first for every table, parents before
// children, then remove_absent() children before parents, so each foreign key holds after every
// statement and an error names the row that broke it.
template <class T>
class TableSync {
public:
    TableSync(SQLite::Database& db, const TableSpec<T>& spec, std::span<const T> wanted)
        : db_(db), spec_(spec), wanted_(wanted), stored_(read_stored()) {}

    // In the order given (the schedule's: by date): rows stored in the order they are read
    // later. In id order a national plan's first load was 0.2 s quicker and each read of the whole
    // plan by date five times slower (0.27 s against 0.05 s for 107,000 events).
    void upsert(ChangeLog& log) {
        wanted_ids_ = sorted_ids();
        NewRows insert(db_, spec_.table, column_names());
        SQLite::Statement update(db_, update_sql());
        for (const T& item : wanted_) {
            std::string subject = subject_of(item.id);
            try {
                upsert_one(insert, update, item, subject, log);
            } catch (const SQLite::Exception& e) {
                throw StoreError(subject + ": " + e.what());
            }
        }
        insert.move_in([this](const std::string& id) { return subject_of(id); });
    }

    // Whether fill() is for this load's rows: a table that is empty and whose history does not
    // copy them.
    bool fills() const { return stored_.empty() && !spec_.history_copies_added_rows; }

    // Instead of upsert(), into the empty table: the rows `source` hands over, each as it comes,
    // held nowhere; one history row records them all (ChangeLog::record_filled). `ids_of`: their
    // references are checked here (see check_references), else SQLite checks them.
    template <class Source>
    void fill(ChangeLog& log, const Source& source, const ParentIds* ids_of) {
        std::vector<std::string> columns = column_names();
        columns.emplace_back("added_in");
        NewRows insert(db_, spec_.table, std::move(columns));
        const std::vector<Reference> references = ids_of ? references_to(*ids_of) : std::vector<Reference>{};
        std::optional<std::int64_t> filled_by;
        std::size_t count = 0;
        source([&](const T& item) {
            if (!filled_by) filled_by = log.record_filled(spec_.table);
            check_references(item, references);
            const std::vector<Value> values = values_of(spec_, item);
            try {
                insert_row(insert, item, values, *filled_by);
            } catch (const SQLite::Exception& e) {
                throw StoreError(subject_of(item.id) + ": " + e.what());
            }
            log.list_added(subject_of(item.id), [&] { return describe_row(spec_, values); });
            ++count;
        });
        try {
            insert.move_in([this](const std::string& id) { return subject_of(id); });
        } catch (const SQLite::Exception& e) {
            // Its unique index, made after the rows, is what finds an id given twice.
            if (e.getExtendedErrorCode() != SQLITE_CONSTRAINT_UNIQUE) throw;
            SQLite::Statement twice(db_, "SELECT id FROM " + std::string(spec_.table) + " GROUP BY id HAVING count(*) > 1 LIMIT 1");
            if (!twice.executeStep()) throw;
            throw StoreError(subject_of(twice.getColumn(0).getString()) + ": appears twice");
        }
        if (filled_by) log.count_filled(*filled_by, spec_.table, count);
    }

    // The wanted ids, sorted: after upsert().
    const std::vector<std::string_view>& ids() const { return wanted_ids_; }

    // By the schema's foreign keys, each wanted row's references against the ids of the rows
    // wanted in its parent tables (`ids_of`): a first load's, whose stored rows are the wanted
    // ones. Looked up here, a national plan's 800,000 references take 0.03 s, where SQLite's
    // foreign_key_check took 0.1.
    void check_references(const ParentIds& ids_of) const {
        const auto references = references_to(ids_of);
        for (const T& item : wanted_) check_references(item, references);
    }

    // After upsert(), which collects the wanted ids.
    void remove_absent(ChangeLog& log) {
        for (const auto& [id, row] : stored_) {
            if (!row.in_plan || std::binary_search(wanted_ids_.begin(), wanted_ids_.end(), std::string_view(id))) continue;
            std::string subject = subject_of(id);
            try {
                remove_one(id, row, subject, log);
            } catch (const SQLite::Exception& e) {
                throw StoreError(subject + ": " + e.what());
            }
        }
    }

private:
    std::string subject_of(const std::string& id) const { return std::string(spec_.table) + ":" + id; }

    // The id, then the spec's columns: bind_row()'s order.
    std::vector<std::string> column_names() const {
        std::vector<std::string> columns{"id"};
        for (const auto& column : spec_.columns) columns.emplace_back(column.name);
        return columns;
    }

    // A column of this table naming a row of another, and the ids that other has.
    struct Reference {
        const ColumnSpec<T>* column;
        const std::vector<std::string_view>* parent_ids;
    };

    std::vector<Reference> references_to(const ParentIds& ids_of) const {
        std::vector<Reference> references;
        SQLite::Statement keys(db_, "SELECT \"from\", \"table\" FROM pragma_foreign_key_list(?1)");
        keys.bind(1, std::string(spec_.table));
        while (keys.executeStep()) {
            const std::string from = keys.getColumn(0).getString();
            const std::string parent = keys.getColumn(1).getString();
            auto column = std::find_if(spec_.columns.begin(), spec_.columns.end(), [&](const auto& c) { return c.name == from; });
            auto ids = ids_of.find(parent);
            if (column == spec_.columns.end() || ids == ids_of.end())
                throw StoreError(std::string(spec_.table) + "." + from + " refers to " + parent + ", which a load does not fill");
            references.push_back({&*column, ids->second});
        }
        return references;
    }

    void check_references(const T& item, const std::vector<Reference>& references) const {
        for (const auto& [column, parent_ids] : references) {
            const Value value = column->get(item);
            const auto& id = std::get<std::string>(value);
            if (column->kind == Kind::ref && id.empty()) continue;  // NULL
            if (!std::binary_search(parent_ids->begin(), parent_ids->end(), std::string_view(id)))
                throw StoreError(subject_of(item.id) + ": FOREIGN KEY constraint failed (" + std::string(column->name) +
                                 " \"" + id + "\" is not stored)");
        }
    }

    // The wanted ids, sorted for remove_absent's lookups: 16 bytes an id, where a hash set of a
    // national plan's ids took ~10 MB.
    std::vector<std::string_view> sorted_ids() const {
        std::vector<std::string_view> ids;
        ids.reserve(wanted_.size());
        for (const T& item : wanted_) ids.emplace_back(item.id);
        std::sort(ids.begin(), ids.end());
        if (auto twice = std::adjacent_find(ids.begin(), ids.end()); twice != ids.end())
            throw StoreError(subject_of(std::string(*twice)) + ": appears twice");
        return ids;
    }

    std::map<std::string, StoredRow> read_stored() const {
        std::string sql = "SELECT id, ";
        sql += spec_.has_in_plan ? "in_plan" : "1";
        sql += ", ";
        sql += spec_.keep_reason_sql;
        for (const auto& column : spec_.columns) (sql += ", ") += column.name;
        (sql += " FROM ") += spec_.table;
        SQLite::Statement query(db_, sql);
        std::map<std::string, StoredRow> rows;
        while (query.executeStep()) {
            StoredRow row;
            row.in_plan = query.getColumn(1).getInt() != 0;
            if (!query.getColumn(2).isNull()) row.keep_reason = query.getColumn(2).getString();
            for (size_t i = 0; i < spec_.columns.size(); ++i)
                row.values.push_back(read_value(query.getColumn(static_cast<int>(3 + i)), spec_.columns[i].kind));
            rows.emplace(query.getColumn(0).getString(), std::move(row));
        }
        return rows;
    }

    // The id as ?1 and the columns as ?2.. in spec order.
    std::string update_sql() const {
        std::string sql = "UPDATE " + std::string(spec_.table) + " SET ";
        for (size_t i = 0; i < spec_.columns.size(); ++i)
            ((sql += i == 0 ? "" : ", ") += spec_.columns[i].name) += " = ?" + std::to_string(i + 2);
        if (spec_.has_in_plan) sql += ", in_plan = 1";
        if (spec_.counts_revisions) sql += ", sequence = sequence + 1";
        return sql + " WHERE id = ?1";
    }

    void bind_row(SQLite::Statement& statement, const std::string& id, const std::vector<Value>& values) {
        statement.bind(1, id);
        for (size_t i = 0; i < values.size(); ++i)
            bind_value(statement, static_cast<int>(i + 2), values[i], spec_.columns[i].kind);
    }

    void insert_row(NewRows& insert, const T& item, const std::vector<Value>& values,
                    std::optional<std::int64_t> added_in = std::nullopt) {
        auto& row = insert.next();
        bind_row(row, item.id, values);
        if (added_in) row.bind(static_cast<int>(values.size() + 2), *added_in);
        insert.add();
    }

    void upsert_one(NewRows& insert, SQLite::Statement& update, const T& item, const std::string& subject,
                    ChangeLog& log) {
        std::vector<Value> values = values_of(spec_, item);
        auto found = stored_.find(item.id);
        if (found == stored_.end()) {
            insert_row(insert, item, values);
            log.record_added(subject, spec_.history_copies_added_rows, [&] { return describe_row(spec_, values); });
            return;
        }
        const StoredRow& old = found->second;
        if (old.keep_reason) keep_fixed_columns(old, values, subject, log);
        keep_sticky_columns(old, values);
        std::string differences = describe_differences(spec_, old.values, values);
        if (differences.empty() && old.in_plan) return;
        update.reset();
        bind_row(update, item.id, values);
        update.exec();
        if (old.in_plan) log.record(kChange, subject, differences);
        else log.record(kAdd, subject, "back in the plan" + (differences.empty() ? "" : "; " + differences));
    }

    // A pinned or no-longer-planned event keeps its when and where; the plan's wish is reported.
    void keep_fixed_columns(const StoredRow& old, std::vector<Value>& values, const std::string& subject,
                            ChangeLog& log) {
        std::string asked;
        for (size_t i = 0; i < spec_.columns.size(); ++i) {
            if (!spec_.columns[i].fixed_when_kept || values[i] == old.values[i]) continue;
            append_part(asked, describe_change(spec_.columns[i], old.values[i], values[i]));
            values[i] = old.values[i];
        }
        if (!asked.empty()) log.refuse(subject, "the plan asks " + asked + "; not applied because " + *old.keep_reason);
    }

    void keep_sticky_columns(const StoredRow& old, std::vector<Value>& values) {
        for (size_t i = 0; i < spec_.columns.size(); ++i)
            if (spec_.columns[i].sticky && old.values[i] == flag(true)) values[i] = flag(true);
    }

    void remove_one(const std::string& id, const StoredRow& row, const std::string& subject, ChangeLog& log) {
        if (row.keep_reason) {
            mark_out_of_plan(id);
            log.record(kRemove, subject, "kept because " + *row.keep_reason);
        } else if (auto start = filled_start(id); delete_unless_referenced(id)) {
            if (start) log.keep_start(subject, *start);
            log.record(kRemove, subject, "");
        } else {
            mark_out_of_plan(id);
            log.record(kRemove, subject, "kept because kept events still refer to it");
        }
    }

    // A foreign key refuses the delete while a kept row points here; SQLite then undoes that one
    // statement only, and the row merely leaves the plan.
    bool delete_unless_referenced(const std::string& id) {
        SQLite::Statement remove(db_, "DELETE FROM " + std::string(spec_.table) + " WHERE id = ?1");
        remove.bind(1, id);
        try {
            remove.exec();
            return true;
        } catch (const SQLite::Exception& e) {
            if (spec_.has_in_plan && e.getExtendedErrorCode() == SQLITE_CONSTRAINT_FOREIGNKEY) return false;
            throw;
        }
    }

    // The history row that recorded this row with all the others of a first load, if one did.
    std::optional<HistoryRow> filled_start(const std::string& id) {
        if (spec_.history_copies_added_rows) return std::nullopt;
        SQLite::Statement query(db_, "SELECT h.at, h.actor, h.action FROM " + std::string(spec_.table) +
                                         " AS t JOIN history AS h ON h.id = t.added_in WHERE t.id = ?1");
        query.bind(1, id);
        if (!query.executeStep()) return std::nullopt;
        HistoryRow start;
        start.at = store_internal::instant_from_unix_seconds(query.getColumn(0).getInt64());
        start.actor = query.getColumn(1).getString();
        start.action = query.getColumn(2).getString();
        return start;
    }

    void mark_out_of_plan(const std::string& id) {
        SQLite::Statement mark(db_, "UPDATE " + std::string(spec_.table) + " SET in_plan = 0 WHERE id = ?1");
        mark.bind(1, id);
        mark.exec();
    }

    SQLite::Database& db_;
    const TableSpec<T>& spec_;
    std::span<const T> wanted_;
    std::map<std::string, StoredRow> stored_;
    std::vector<std::string_view> wanted_ids_;  // views into wanted_, sorted
};

// A load into an empty store checks its references once, after the last row, instead of as each
// row goes in: four parent lookups an event were 0.4 s of a national plan's 2.1 s persist. Only
// into an empty store: with nothing stored, no row is deleted, so no key has anything to refuse
// but the new rows, which TableSync::check_references() reads. Only the plan's tables have foreign
// keys, so after that every key of the database holds. SQLite changes the setting only outside a
// transaction: made before the load's, undone after it.
class ReferencesCheckedAtEnd {
public:
    explicit ReferencesCheckedAtEnd(SQLite::Database& db) : db_(db) {
        if (sqlite3_get_autocommit(db_.getHandle()) == 0 || !store_is_empty()) return;
        db_.exec("PRAGMA foreign_keys = OFF");
        deferred_ = true;
    }
    ~ReferencesCheckedAtEnd() {
        if (deferred_) db_.tryExec("PRAGMA foreign_keys = ON");  // after a failure; restore() otherwise
    }
    ReferencesCheckedAtEnd(const ReferencesCheckedAtEnd&) = delete;
    ReferencesCheckedAtEnd& operator=(const ReferencesCheckedAtEnd&) = delete;

    // Whether SQLite leaves the references to the load to check.
    bool deferred() const { return deferred_; }

    // After the load's transaction ended.
    void restore() {
        if (!deferred_) return;
        db_.exec("PRAGMA foreign_keys = ON");
        deferred_ = false;
        if (!db_.execAndGet("PRAGMA foreign_keys").getInt()) throw StoreError("foreign keys could not be switched on");
    }

private:
    bool store_is_empty() const {
        for (const char* table : {"event", "plan", "form", "centre", "district", "person"})
            if (!is_empty(db_, table)) return false;
        return true;
    }

    SQLite::Database& db_;
    bool deferred_ = false;
};

// A load writes rows and index keys all over the file: a first load the primary key of each new
// event (its rows go in date order), a later one whatever changed. With SQLite's default 2 MiB page
// cache, dirty pages spill to the WAL mid-transaction and are read back for the next key; a larger
// cache for the load alone avoids that, and the memory goes back to the heap when the load ends.
// 10 MiB holds a national plan's primary key (8 MB): its first load persists in 2.2 s, not 2.5.
class LoadCache {
public:
    explicit LoadCache(SQLite::Database& db) : db_(db), normal_(db.execAndGet("PRAGMA cache_size").getInt()) {
        db_.exec("PRAGMA cache_size = -10240");  // KiB: 10 MiB at most, taken only as pages are used
    }
    ~LoadCache() {
        try {
            db_.exec("PRAGMA cache_size = " + std::to_string(normal_));
            db_.exec("PRAGMA shrink_memory");
        } catch (const SQLite::Exception&) {  // the load's outcome is what matters
        }
    }
    LoadCache(const LoadCache&) = delete;
    LoadCache& operator=(const LoadCache&) = delete;

private:
    SQLite::Database& db_;
    int normal_;
};

void stamp_plan_changed(SQLite::Database& db, const std::string& plan_id, Instant now) {
    SQLite::Statement stamp(db, "UPDATE plan SET changed_at = ?1 WHERE id = ?2");
    stamp.bind(1, unix_seconds(now));
    stamp.bind(2, plan_id);
    stamp.exec();
}

}  // namespace

PlanLoadResult Store::apply_plan(const Plan& plan, const std::vector<ScheduledEvent>& events, Instant now,
                                 std::string_view actor) {
    return load_plan(plan, &events, nullptr, now, actor);
}

PlanLoadResult Store::apply_plan(const Plan& plan, const EventSource& events, Instant now, std::string_view actor) {
    return load_plan(plan, nullptr, &events, now, actor);
}

PlanLoadResult Store::load_plan(const Plan& plan, const std::vector<ScheduledEvent>* given, const EventSource* source,
                                Instant now, std::string_view actor) {
    ++plan_generation_;
    return guarded(file_, "cannot apply the plan", [&] {
        PlanLoadResult result;
        LoadCache cache(*db_);
        ReferencesCheckedAtEnd references(*db_);
        TransactionScope transaction(*this);
        ChangeLog log(*db_, now, actor, result);

        // The events of a first load go in as they come (TableSync::fill); a later load's are
        // gathered, to be compared with the stored.
        const bool first_events = is_empty(*db_, std::string(event_table().table));
        std::vector<ScheduledEvent> gathered;
        if (!given && !first_events) (*source)([&](const ScheduledEvent& e) { gathered.push_back(e); });
        const std::span<const ScheduledEvent> wanted =
            first_events ? std::span<const ScheduledEvent>() : given ? std::span(*given) : std::span(gathered);

        // Every table is read before any is written.
        TableSync people(*db_, person_table(), std::span<const Person>(plan.people));
        TableSync districts(*db_, district_table(), std::span<const District>(plan.districts));
        TableSync centres(*db_, centre_table(), std::span<const Centre>(plan.centres));
        TableSync forms(*db_, form_table(), std::span<const Form>(plan.forms));
        TableSync plan_row(*db_, plan_table(), std::span<const Plan>(&plan, 1));
        TableSync dated(*db_, event_table(), wanted);

        people.upsert(log);
        districts.upsert(log);
        centres.upsert(log);
        forms.upsert(log);
        plan_row.upsert(log);
        // No table refers to an event.
        const ParentIds ids_of{{"person", &people.ids()}, {"district", &districts.ids()}, {"centre", &centres.ids()},
                               {"form", &forms.ids()},    {"plan", &plan_row.ids()}};
        if (dated.fills()) {
            const EventSource each_given = [&](const EventSink& each) {
                for (const auto& e : *given) each(e);
            };
            dated.fill(log, given ? each_given : *source, references.deferred() ? &ids_of : nullptr);
        } else {
            dated.upsert(log);
        }

        dated.remove_absent(log);
        centres.remove_absent(log);
        districts.remove_absent(log);
        forms.remove_absent(log);
        plan_row.remove_absent(log);
        people.remove_absent(log);

        if (references.deferred()) {  // the events' as they went in
            people.check_references(ids_of);
            districts.check_references(ids_of);
            centres.check_references(ids_of);
            forms.check_references(ids_of);
            plan_row.check_references(ids_of);
        }
        log.write();
        if (result.changed) stamp_plan_changed(*db_, plan.id, now);
        transaction.commit();
        references.restore();
        return result;
    });
}

}  // namespace tarat
