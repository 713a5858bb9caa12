# Notice texts (etc/templates): kainjow mustache is header-only and has no CMake package.
add_library(tarat_templates STATIC templates.cpp)
target_link_libraries(tarat_templates PUBLIC tarat_core_types nlohmann_json::nlohmann_json)
