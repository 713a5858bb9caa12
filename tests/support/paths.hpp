#pragma once
// The binaries under test and the shipped etc/, where the build put them (tests/CMakeLists.txt
// defines the paths for the end-to-end tests).
#include <filesystem>
#include <string>

namespace tarat::testing {

inline const std::string kTaratd = TARATD_PATH;
inline const std::string kTaratctl = TARATCTL_PATH;
inline const std::filesystem::path kEtc = TARAT_SOURCE_DIR "/etc";

}  // namespace tarat::testing
