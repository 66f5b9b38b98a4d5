#!/usr/bin/env bash
# Writes the files that let C/C++ builds find an installed activity_core, under PREFIX:
#   lib/pkgconfig/activity_core.pc          relocatable: prefix=${pcfiledir}/../..
#   lib/cmake/activity_core/                find_package(activity_core) -> activity_core::activity_core
# Used by install-c.sh, install-c-windows.sh and dist.sh, so an install and a release archive
# carry the same files.
#
#   scripts/c-package-files.sh linux|windows PREFIX
set -euo pipefail
cd "$(dirname "$0")/.."
platform="$1" prefix="$2"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)"
major="${version%%.*}"
minor="${version#*.}"; minor="${minor%%.*}"
install -d "$prefix/lib/pkgconfig" "$prefix/lib/cmake/activity_core"
description="Activity tracking for time-tracking products (screenshots, app and website time, activity levels)"
if [ "$platform" = linux ]; then
    # The static archive needs only what Rust's std needs (x11rb, Wayland and D-Bus are pure
    # Rust): `pkg-config --static` adds these.
    cat > "$prefix/lib/pkgconfig/activity_core.pc" <<PC
prefix=\${pcfiledir}/../..
libdir=\${prefix}/lib
includedir=\${prefix}/include

# valgrind --suppressions=\$(pkg-config --variable=valgrind_suppressions activity_core)
valgrind_suppressions=\${prefix}/share/activity_core/valgrind.supp

Name: activity_core
Description: $description
Version: $version
Cflags: -I\${includedir}
Libs: -L\${libdir} -Wl,-rpath,\${libdir} -lactivity_core
Libs.private: -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
PC
    # What the library's own threads leave at exit, by design (each entry says why): a user's
    # `valgrind --error-exitcode=1 --leak-check=full` of their program is clean with it.
    install -d "$prefix/share/activity_core"
    install -m 0644 bindings-c/tests/valgrind.supp "$prefix/share/activity_core/valgrind.supp"
else
    cat > "$prefix/lib/pkgconfig/activity_core.pc" <<PC
prefix=\${pcfiledir}/../..
libdir=\${prefix}/lib
includedir=\${prefix}/include
bindir=\${prefix}/bin

Name: activity_core
Description: $description
Version: $version
Cflags: -I\${includedir}
Libs: -L\${libdir} -lactivity_core
PC
fi
install -m 0644 bindings-c/cmake/activity_coreConfig.cmake "$prefix/lib/cmake/activity_core/"
# 0.x: only the same minor version is compatible (the soname says the same); from 1.0 on, the
# same major version at least as new as asked for.
cat > "$prefix/lib/cmake/activity_core/activity_coreConfigVersion.cmake" <<CMAKE
set(PACKAGE_VERSION "$version")
set(PACKAGE_VERSION_COMPATIBLE FALSE)
if(PACKAGE_FIND_VERSION_MAJOR EQUAL $major AND NOT PACKAGE_FIND_VERSION VERSION_GREATER PACKAGE_VERSION)
  if(NOT $major EQUAL 0 OR PACKAGE_FIND_VERSION_MINOR EQUAL $minor)
    set(PACKAGE_VERSION_COMPATIBLE TRUE)
  endif()
endif()
if(PACKAGE_FIND_VERSION STREQUAL PACKAGE_VERSION)
  set(PACKAGE_VERSION_EXACT TRUE)
endif()
if(NOT CMAKE_SIZEOF_VOID_P EQUAL 8)
  set(PACKAGE_VERSION "\${PACKAGE_VERSION} (64-bit)")
  set(PACKAGE_VERSION_UNSUITABLE TRUE)
endif()
CMAKE
