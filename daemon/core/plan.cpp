#include "core/plan.hpp"

#include <algorithm>

namespace tarat {
namespace {
template <class T>
const T* find_by_id(const std::vector<T>& items, std::string_view id) {
    auto it = std::find_if(items.begin(), items.end(), [&](const T& t) { return t.id == id; });
    return it == items.end() ? nullptr : &*it;
}
}  // namespace

const std::string& LocalizedText::in(std::string_view locale) const {
    if (locale == "ru" && !ru.empty()) return ru;
    if (locale == "en" && !en.empty()) return en;
    if (!kk.empty()) return kk;
    if (!ru.empty()) return ru;
    return en;
}

std::string_view period_name(Period p) {
    switch (p) {
        case Period::month: return "month";
        case Period::quarter: return "quarter";
        case Period::plan: return "plan";
    }
    return "plan";
}

const Person* Plan::person(std::string_view id) const { return find_by_id(people, id); }
const District* Plan::district(std::string_view id) const { return find_by_id(districts, id); }
const Centre* Plan::centre(std::string_view id) const { return find_by_id(centres, id); }
const Form* Plan::form(std::string_view id) const { return find_by_id(forms, id); }

}  // namespace tarat
