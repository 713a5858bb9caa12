# Runs at install time (install(CODE) in packaging/CMakeLists.txt), so the prefix given to
# `cmake --install --prefix` (or CPack's /usr) is the one written into the files:
#  - tarat.service with the installed taratd, taratctl and /etc/tarat/tarat.toml;
#  - /etc/tarat: the shipped etc/ with plugin_dir set to the installed plugins. A file that is
#    already there is left alone (an administrator may have edited it).
# In: TARAT_SOURCE_DIR, TARAT_STAGING_DIR, TARAT_SBINDIR, TARAT_BINDIR, TARAT_SYSCONFDIR,
# TARAT_PLUGIN_DIR, TARAT_UNIT_DIR (each relative to the prefix or absolute).

# GNUInstallDirs' rules for a relative dir, applied to the install-time prefix.
function(tarat_full_dir out dir)
  if(IS_ABSOLUTE "${dir}")
    set(full "${dir}")
  elseif(dir STREQUAL "etc" AND CMAKE_INSTALL_PREFIX MATCHES "^/usr/?$")
    set(full "/etc")
  elseif(dir STREQUAL "etc" AND CMAKE_INSTALL_PREFIX MATCHES "^/opt/")
    set(full "/etc${CMAKE_INSTALL_PREFIX}")
  else()
    set(full "${CMAKE_INSTALL_PREFIX}/${dir}")
  endif()
  string(REGEX REPLACE "//+" "/" full "${full}")
  set(${out} "${full}" PARENT_SCOPE)
endfunction()

# Our own scratch folder: a concurrent install (cpack, tests) must not read our half-written files.
string(RANDOM LENGTH 12 scratch)
set(TARAT_STAGING_DIR "${TARAT_STAGING_DIR}/${scratch}")

tarat_full_dir(TARAT_FULL_SBINDIR "${TARAT_SBINDIR}")
tarat_full_dir(TARAT_FULL_BINDIR "${TARAT_BINDIR}")
tarat_full_dir(etc_dir "${TARAT_SYSCONFDIR}")
tarat_full_dir(plugin_dir "${TARAT_PLUGIN_DIR}")
tarat_full_dir(unit_dir "${TARAT_UNIT_DIR}")
set(config_dir "${etc_dir}/tarat")
set(TARAT_CONFIG_FILE "${config_dir}/tarat.toml")

# The service unit.
file(READ "${TARAT_SOURCE_DIR}/systemd/tarat.service.in" unit)
string(CONFIGURE "${unit}" unit @ONLY)
file(WRITE "${TARAT_STAGING_DIR}/tarat.service" "${unit}")
file(INSTALL DESTINATION "${unit_dir}" TYPE FILE FILES "${TARAT_STAGING_DIR}/tarat.service")

# The shipped tarat.toml names no plugin_dir (taratd's built-in default applies); the installed one
# names the plugins this install put in place.
file(READ "${TARAT_SOURCE_DIR}/etc/tarat.toml" config)
set(plugin_line "plugin_dir = \"${plugin_dir}\"")
string(REGEX MATCH "\n# *plugin_dir = [^\n]*" commented "${config}")
if(commented)
  string(REPLACE "${commented}" "\n${plugin_line}" config "${config}")
elseif(NOT config MATCHES "\nplugin_dir *=")
  string(REPLACE "[daemon]\n" "[daemon]\n${plugin_line}\n" config "${config}")
endif()
file(WRITE "${TARAT_STAGING_DIR}/etc/tarat.toml" "${config}")

file(GLOB_RECURSE shipped RELATIVE "${TARAT_SOURCE_DIR}/etc" "${TARAT_SOURCE_DIR}/etc/*")
list(SORT shipped)
foreach(name IN LISTS shipped)
  set(source "${TARAT_SOURCE_DIR}/etc/${name}")
  if(name STREQUAL "tarat.toml")
    set(source "${TARAT_STAGING_DIR}/etc/tarat.toml")
  endif()
  set(target "$ENV{DESTDIR}${config_dir}/${name}")
  if(EXISTS "${target}")
    file(SHA256 "${source}" new_hash)
    file(SHA256 "${target}" old_hash)
    if(NOT new_hash STREQUAL old_hash)
      message(STATUS "Kept (edited): ${target}")
    endif()
    continue()
  endif()
  get_filename_component(subdir "${name}" DIRECTORY)
  set(destination "${config_dir}")
  if(subdir)
    string(APPEND destination "/${subdir}")
  endif()
  file(INSTALL DESTINATION "${destination}" TYPE FILE FILES "${source}")
endforeach()
file(REMOVE_RECURSE "${TARAT_STAGING_DIR}")
