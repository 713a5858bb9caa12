#pragma once
// pugixml by local name: writers differ in namespace prefixes (Excel writes none, others "x:").
#include <pugixml.hpp>

#include <cstring>
#include <string>

namespace tarat::sheet {

inline const char* local_name(const char* name) {
    const char* colon = std::strchr(name, ':');
    return colon ? colon + 1 : name;
}

inline bool is(const pugi::xml_node& node, const char* local) { return std::strcmp(local_name(node.name()), local) == 0; }

inline pugi::xml_node child(const pugi::xml_node& node, const char* local) {
    for (auto c : node.children())
        if (c.type() == pugi::node_element && is(c, local)) return c;
    return {};
}

// An attribute by local name ("r:id" and "id" both match "id" only when asked with its prefix-free name).
inline pugi::xml_attribute attribute(const pugi::xml_node& node, const char* local) {
    for (auto a : node.attributes())
        if (std::strcmp(local_name(a.name()), local) == 0) return a;
    return {};
}

// Parses in place; throws SheetError naming the part when the XML is broken.
pugi::xml_document parse_part(const std::string& bytes, const std::string& file, const std::string& part);

}  // namespace tarat::sheet
