#!/usr/bin/env bash
# Checks the artifacts scripts/dist.sh wrote to dist/, from a user's seat (run by test.sh):
# - what the binaries need: NEEDED libraries, glibc symbol versions (<= 2.28), auditwheel show,
#   the Windows DLL's and extension's imports (system DLLs only), sizes against the budgets;
# - Python on a bare Debian: a minimal rootfs made by debootstrap (python3 and python3-venv, no
#   X11, PipeWire, D-Bus or compiler) gets the wheel in a venv, and scripts/dist/user_seat.py
#   runs in it (chroot): media, records, a report, every capture source unavailable with reasons;
# - C on Linux: the archive unpacked into a fresh prefix; test_api.c built with pkg-config (run
#   under valgrind) and with CMake find_package(activity_core) (run); the static archive linked
#   through CMake's activity_core::activity_core_static;
# - C on Windows: the zip unpacked; test_api.c built by CMake with mingw-w64, run under Wine;
# - the crate: the README's Rust example built against the packed .crate;
# - the extension zips: web-ext lint (npm), no errors.
#
#   scripts/test-dist.sh            (after scripts/dist.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
step() { printf '\n==> test-dist: %s\n' "$*"; }
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)"
dist="$repo/dist"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/activity-core"
tools="$cache/dist-venv"
work="${CARGO_TARGET_DIR:-$repo/target}/test-dist"
rm -rf "$work"
mkdir -p "$work"
(cd "$dist" && sha256sum --quiet -c SHA256SUMS)

whl="$(ls "$dist"/activity_core-"$version"-cp311-abi3-manylinux_2_28_x86_64.whl)"
wwhl="$(ls "$dist"/activity_core-"$version"-cp311-abi3-win_amd64.whl)"
c_linux="activity-core-$version-x86_64-linux-gnu"
c_windows="activity-core-$version-x86_64-windows-gnu"

step "sizes (budgets: wheel <= 15 MB, libactivity_core.so <= 26 MB)"
tar -C "$work" -xzf "$dist/$c_linux.tar.gz"
python3 -m zipfile -e "$whl" "$work/whl"
python3 -m zipfile -e "$wwhl" "$work/wwhl"
python3 -m zipfile -e "$dist/$c_windows.zip" "$work/cwin"
so="$work/$c_linux/lib/libactivity_core.so.$version"
ext="$(ls "$work"/whl/activity_core/_native*.so)"
pyd="$(ls "$work"/wwhl/activity_core/_native*.pyd)"
dll="$work/cwin/$c_windows/bin/activity_core.dll"
python3 - "$dist" "$so" "$ext" "$dll" "$pyd" <<'PY'
import os, sys
dist, so, ext, dll, pyd = sys.argv[1:]
mb = lambda p: os.path.getsize(p) / 1e6
for f in sorted(os.listdir(dist)):
    print(f"  {mb(os.path.join(dist, f)):7.2f} MB  {f}")
for name, p in (("libactivity_core.so", so), ("_native.abi3.so (in the wheel)", ext),
                ("activity_core.dll", dll), ("_native.pyd (in the Windows wheel)", pyd)):
    print(f"  {mb(p):7.2f} MB  {name}, stripped")
wheel = [f for f in os.listdir(dist) if f.endswith("manylinux_2_28_x86_64.whl")][0]
assert mb(os.path.join(dist, wheel)) <= 15, "the Linux wheel is over 15 MB"
# 20 MB until 6/6 put a Parquet writer in the core (parquet + arrow + zstd, which that issue
# asks for: 25.2 MB measured, 24.3 MB with those crates built for size).
assert mb(so) <= 26, "libactivity_core.so is over 26 MB"
PY

step "Linux binaries: NEEDED only glibc's and libgcc_s; glibc symbols no newer than 2.28"
for f in "$so" "$ext" "$work/$c_linux/bin/activity-core-browser-host"; do
    needed="$(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')"
    glibc="$(objdump -T "$f" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -n 1)"
    echo "  $(basename "$f"): NEEDED $needed; newest symbol version $glibc"
    for n in $needed; do
        case "$n" in
            libc.so.6|libm.so.6|libgcc_s.so.1|libpthread.so.0|libdl.so.2|librt.so.1|libutil.so.1|ld-linux-x86-64.so.2) ;;
            *) echo "  $(basename "$f") needs $n, which a bare system lacks"; exit 1 ;;
        esac
    done
    python3 -c "import sys; v = tuple(map(int, sys.argv[1][6:].split('.'))); sys.exit(v > (2, 28))" "$glibc" ||
        { echo "  $(basename "$f") needs $glibc (> 2.28)"; exit 1; }
done
"$tools/bin/auditwheel" show "$whl"
"$tools/bin/auditwheel" show "$whl" | grep -q 'manylinux_2_28_x86_64' ||
    { echo "auditwheel does not place the wheel under manylinux_2_28"; exit 1; }

step "Windows binaries: imports are system DLLs (and python3.dll for the extension)"
for f in "$dll" "$pyd" "$work/cwin/$c_windows/bin/activity-core-browser-host.exe"; do
    imports="$(x86_64-w64-mingw32-objdump -p "$f" | sed -n 's/^\s*DLL Name: //p' | sort -uf | tr '\n' ' ')"
    echo "  $(basename "$f"): $imports"
    for d in $imports; do
        case "${d,,}" in
            lib*.dll) echo "  $(basename "$f") imports $d, a mingw runtime DLL Windows lacks"; exit 1 ;;
            python3.dll) [ "$f" = "$pyd" ] || { echo "  $f imports python3.dll"; exit 1; } ;;
            python3?*.dll) echo "  $(basename "$f") imports $d: not the stable ABI"; exit 1 ;;
        esac
    done
done
python3 - "$wwhl" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
wheel = z.read(next(n for n in z.namelist() if n.endswith(".dist-info/WHEEL"))).decode()
assert "Tag: cp311-abi3-win_amd64" in wheel, wheel
names = set(z.namelist())
for want in ("activity_core/__init__.py", "activity_core/_native.pyd", "activity_core/py.typed", "activity_core/_native.pyi"):
    assert want in names, (want, sorted(names))
print("  Windows wheel tags and contents ok:", len(names), "files")
PY

step "Python from a user's seat: a bare Debian (debootstrap minbase + python3, python3-venv)"
rootfs="$cache/rootfs-bookworm"
if [ ! -x "$rootfs/usr/bin/python3" ]; then
    rm -rf "$rootfs.tmp"
    debootstrap --variant=minbase --include=python3,python3-venv bookworm "$rootfs.tmp" \
        http://deb.debian.org/debian > "$work/debootstrap.log" 2>&1 ||
        { tail -n 30 "$work/debootstrap.log"; exit 1; }
    mv "$rootfs.tmp" "$rootfs"
fi
libs="$(ls "$rootfs"/usr/lib/x86_64-linux-gnu | grep -E '^lib(xcb|X11|Xtst|dbus-1|pipewire|wayland|gbm|EGL)' || true)"
[ -z "$libs" ] || { echo "the rootfs is not bare: $libs"; exit 1; }
! chroot "$rootfs" sh -c 'command -v cc gcc Xorg dbus-daemon' || { echo "the rootfs has a compiler or a display"; exit 1; }
rm -rf "$rootfs/opt/ac" "$rootfs/tmp/ac"
mkdir -p "$rootfs/tmp/ac"
cp "$whl" scripts/dist/user_seat.py "$rootfs/tmp/ac/"
mount -t proc proc "$rootfs/proc"
trap 'umount "$rootfs/proc" 2>/dev/null || true' EXIT
chroot "$rootfs" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/root LANG=C.UTF-8 sh -c "
    python3 -m venv /opt/ac &&
    /opt/ac/bin/pip install -q --no-index --disable-pip-version-check /tmp/ac/$(basename "$whl") &&
    cd /tmp && /opt/ac/bin/python /tmp/ac/user_seat.py"
umount "$rootfs/proc"
trap - EXIT

step "C from a user's seat, Linux: pkg-config (under valgrind) and CMake find_package"
prefix="$work/$c_linux"
# The debug archive unpacked over the prefix, as a user who wants symbols would: each .debug
# file lands next to its binary, where gdb and valgrind follow the .gnu_debuglink (valgrind's
# suppressions match function names, which the stripped library no longer has).
tar -C "$prefix" --strip-components=1 -xzf "$dist/activity-core-$version-debug-x86_64-linux-gnu.tar.gz"
test -f "$prefix/lib/libactivity_core.so.$version.debug"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
pkg-config --modversion activity_core
# The suppressions ship with the library (share/activity_core/valgrind.supp, named by pkg-config).
test -f "$(pkg-config --variable=valgrind_suppressions activity_core)"
# shellcheck disable=SC2046
cc -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -g bindings-c/tests/test_api.c -o "$work/test_api_pc" \
    $(pkg-config --cflags --libs activity_core) -ljpeg -lm
(cd "$work" && valgrind --error-exitcode=1 --leak-check=full -q \
    --suppressions="$(pkg-config --variable=valgrind_suppressions activity_core)" ./test_api_pc)
unset PKG_CONFIG_PATH
mkdir -p "$work/cmake-app"
cat > "$work/cmake-app/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.16)
project(uses_activity_core C)
find_package(activity_core $version REQUIRED)
find_package(JPEG REQUIRED)
add_executable(test_api "$repo/bindings-c/tests/test_api.c")
target_link_libraries(test_api PRIVATE activity_core::activity_core JPEG::JPEG m)
set_target_properties(test_api PROPERTIES C_STANDARD 11 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
if(NOT WIN32)
  target_compile_definitions(test_api PRIVATE _POSIX_C_SOURCE=200809L)
  add_executable(blur_static "$repo/examples/c/blur.c")
  target_link_libraries(blur_static PRIVATE activity_core::activity_core_static)
endif()
CMAKE
cmake -S "$work/cmake-app" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_BUILD_TYPE=Debug > "$work/cmake.log" || { cat "$work/cmake.log"; exit 1; }
cmake --build "$work/cmake-build" > "$work/cmake-build.log" || { cat "$work/cmake-build.log"; exit 1; }
(cd "$work" && ./cmake-build/test_api)
readelf -d "$work/cmake-build/blur_static" | grep -q 'libactivity_core' &&
    { echo "blur_static links the shared library"; exit 1; }
echo "  the static archive links (blur_static needs no libactivity_core.so)"

step "C from a user's seat, Windows: CMake with mingw-w64, run under Wine"
wprefix="$work/cwin/$c_windows"
# libjpeg for test_api.c's decoding: the libjpeg-turbo dist.sh's Windows build cross-compiled.
jpeg="$(realpath "$(ls -d "${CARGO_TARGET_DIR:-target}"/x86_64-pc-windows-gnu/release/build/turbojpeg-sys-*/out | head -n 1)")"
cmake -S "$work/cmake-app" -B "$work/cmake-build-windows" -DCMAKE_SYSTEM_NAME=Windows \
    -DCMAKE_C_COMPILER=x86_64-w64-mingw32-gcc -DCMAKE_PREFIX_PATH="$wprefix" \
    -DCMAKE_FIND_ROOT_PATH="$wprefix;$jpeg" -DCMAKE_FIND_ROOT_PATH_MODE_PACKAGE=ONLY \
    -DCMAKE_FIND_ROOT_PATH_MODE_LIBRARY=ONLY -DCMAKE_FIND_ROOT_PATH_MODE_INCLUDE=ONLY \
    -DJPEG_INCLUDE_DIR="$jpeg/include" -DJPEG_LIBRARY="$jpeg/lib/libjpeg.a" \
    -DCMAKE_EXE_LINKER_FLAGS="-static-libgcc -Wl,-Bstatic -lpthread -Wl,-Bdynamic" \
    > "$work/cmake-windows.log" || { cat "$work/cmake-windows.log"; exit 1; }
cmake --build "$work/cmake-build-windows" > "$work/cmake-windows-build.log" ||
    { cat "$work/cmake-windows-build.log"; exit 1; }
cp "$wprefix/bin/activity_core.dll" "$work/cmake-build-windows/"
(cd "$work/cmake-build-windows" && "$repo/scripts/wine-run.sh" ./test_api.exe)

step "the crate: the README's Rust example against the packed .crate"
mkdir -p "$work/crate" "$work/readme-app/src"
tar -C "$work/crate" -xzf "$dist/activity-core-$version.crate"
cat > "$work/readme-app/Cargo.toml" <<TOML
[package]
name = "readme-app"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
activity-core = { path = "$work/crate/activity-core-$version" }

[workspace]
TOML
python3 - README.md > "$work/readme-app/src/main.rs" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
body = re.search(r"## Using the crate\n\n```rust\n(.*?)```", text, re.S).group(1)
lines = [l[2:] if l.startswith("# ") else l for l in body.splitlines()]
print("fn main() -> Result<(), Box<dyn std::error::Error>> {")
print("\n".join("    " + l for l in lines))
print("}")
PY
# The packed crate's lock file pins the versions the workspace tests with (and already built).
cp "$work/crate/activity-core-$version/Cargo.lock" "$work/readme-app/"
(cd "$work/readme-app" && CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}" cargo run --quiet)

step "the extension zips: web-ext lint (no errors)"
npm_dir="$cache/npm"
if [ ! -x "$npm_dir/node_modules/.bin/web-ext" ]; then
    mkdir -p "$npm_dir"
    (cd "$npm_dir" && npm install --silent --no-audit --no-fund web-ext@8 > /dev/null)
fi
for b in chromium firefox; do
    rm -rf "$work/ext-$b" && mkdir -p "$work/ext-$b"
    python3 -m zipfile -e "$dist/activity-core-$version-$b.zip" "$work/ext-$b"
    "$npm_dir/node_modules/.bin/web-ext" lint --source-dir "$work/ext-$b" --output json \
        > "$work/lint-$b.json" 2>/dev/null || true
    python3 - "$b" "$work/lint-$b.json" <<'PY'
import json, sys
name, path = sys.argv[1:]
r = json.load(open(path))
s = r["summary"]
print(f"  {name}: {s['errors']} errors, {s['warnings']} warnings, {s['notices']} notices",
      [w["code"] for w in r["warnings"]])
assert s["errors"] == 0, r["errors"]
PY
done
echo
echo "dist artifacts checked"
