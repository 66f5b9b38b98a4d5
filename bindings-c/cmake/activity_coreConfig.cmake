# CMake package of activity-core's C library. In a CMakeLists.txt:
#   find_package(activity_core 0.1 REQUIRED)        # CMAKE_PREFIX_PATH=<where the archive was unpacked>
#   target_link_libraries(app PRIVATE activity_core::activity_core)
# activity_core::activity_core is the shared library (activity_core.dll on Windows, with its
# import library); on Linux activity_core::activity_core_static is the static archive too.
# Paths are found relative to this file, so the unpacked archive works wherever it lies.
get_filename_component(_ac_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
# The soname's version, as bindings-c/build.rs sets it: 0.MINOR while the major version is 0.
if(activity_core_VERSION_MAJOR EQUAL 0)
  set(_ac_soversion "0.${activity_core_VERSION_MINOR}")
else()
  set(_ac_soversion "${activity_core_VERSION_MAJOR}")
endif()

if(NOT TARGET activity_core::activity_core)
  add_library(activity_core::activity_core SHARED IMPORTED)
  set_target_properties(activity_core::activity_core PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${_ac_prefix}/include")
  if(WIN32)
    set_target_properties(activity_core::activity_core PROPERTIES
      IMPORTED_LOCATION "${_ac_prefix}/bin/activity_core.dll"
      IMPORTED_IMPLIB "${_ac_prefix}/lib/libactivity_core.dll.a")
  else()
    set_target_properties(activity_core::activity_core PROPERTIES
      IMPORTED_LOCATION "${_ac_prefix}/lib/libactivity_core.so.${_ac_soversion}"
      IMPORTED_SONAME "libactivity_core.so.${_ac_soversion}")
    add_library(activity_core::activity_core_static STATIC IMPORTED)
    set_target_properties(activity_core::activity_core_static PROPERTIES
      IMPORTED_LOCATION "${_ac_prefix}/lib/libactivity_core.a"
      INTERFACE_INCLUDE_DIRECTORIES "${_ac_prefix}/include"
      INTERFACE_LINK_LIBRARIES "gcc_s;util;rt;pthread;m;dl;c")
  endif()
endif()
set(activity_core_INCLUDE_DIRS "${_ac_prefix}/include")
set(activity_core_LIBRARIES activity_core::activity_core)
unset(_ac_prefix)
unset(_ac_soversion)
