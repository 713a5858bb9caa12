#include "core/plan.hpp"

#include <algorithm>
#include <unordered_map>

namespace tarat {
namespace {

struct TransparentHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
using Positions = std::unordered_map<std::string, std::size_t, TransparentHash, std::equal_to<>>;

template <class T>
Positions positions_of(const std::vector<T>& items) {
    Positions positions;
    positions.reserve(items.size());
    for (std::size_t i = 0; i < items.size(); ++i) positions.emplace(items[i].id, i);
    return positions;
}

template <class T>
const T* find_by_id(const std::vector<T>& items, const Positions* positions, std::string_view id) {
    if (id.empty()) return nullptr;  // "no one", asked for often: no id is empty
    // A position is checked, so a list changed since the index was made is still answered right;
    // an id the index lacks is looked for too (rare: someone no longer in the plan).
    if (positions) {
        auto found = positions->find(id);
        if (found != positions->end() && found->second < items.size() && items[found->second].id == id)
            return &items[found->second];
    }
    auto it = std::find_if(items.begin(), items.end(), [&](const T& t) { return t.id == id; });
    return it == items.end() ? nullptr : &*it;
}

}  // namespace

struct Plan::Index {
    Positions people, districts, centres, forms;
};

void Plan::index() {
    index_ = std::make_shared<const Index>(
        Index{positions_of(people), positions_of(districts), positions_of(centres), positions_of(forms)});
}

const Person* Plan::person(std::string_view id) const { return find_by_id(people, index_ ? &index_->people : nullptr, id); }
const District* Plan::district(std::string_view id) const {
    return find_by_id(districts, index_ ? &index_->districts : nullptr, id);
}
const Centre* Plan::centre(std::string_view id) const { return find_by_id(centres, index_ ? &index_->centres : nullptr, id); }
const Form* Plan::form(std::string_view id) const { return find_by_id(forms, index_ ? &index_->forms : nullptr, id); }

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

}  // namespace tarat
