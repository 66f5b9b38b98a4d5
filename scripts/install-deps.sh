#!/usr/bin/env bash
# Installs the Debian packages the build needs (and, with --test, what the tests need).
# Only missing packages are installed; as root directly, otherwise through sudo.
set -euo pipefail

# cmake + nasm: libjpeg-turbo is built from its bundled source (the `turbojpeg` feature); a C
# compiler for it, SQLite, libwebp and aws-lc. No display headers: on Linux the capture
# backends speak X11, Wayland and D-Bus through pure-Rust crates.
PACKAGES=(cmake nasm pkg-config gcc g++ make)
if [ "${1:-}" = "--test" ] || [ "${1:-}" = "--display" ]; then
    # A virtual desktop: Xvfb, the openbox window manager (the active window needs EWMH), xterm
    # windows, xdotool as the user, xprop to set window titles.
    PACKAGES+=(xvfb openbox xterm xdotool x11-utils fontconfig fonts-dejavu-core)
fi
if [ "${1:-}" = "--test" ]; then
    # tesseract and the fonts: the OCR referee of the blur test; pip: its Python tools.
    PACKAGES+=(tesseract-ocr tesseract-ocr-eng fonts-dejavu-core fonts-liberation2 python3-pip)
    # The C API's tests: valgrind, libjpeg to decode the media output in C, a C++ compiler for
    # the header check.
    PACKAGES+=(valgrind libjpeg-dev g++)
    # The report page is looked at in a real browser; the extension runs in Chromium and Firefox
    # ESR (setpriv, from util-linux, acts as another user in the browser socket's test).
    PACKAGES+=(chromium firefox-esr util-linux)
    # Wayland: a real compositor run headless (sway, as an unprivileged user the tests create),
    # terminal windows with known app ids (foot), typing through the virtual-keyboard protocol
    # (wtype), the Screenshot portal for wlroots (xdg-desktop-portal 1.16 exports Screenshot only
    # with an Access implementation: -gtk; -wlr starts only with a PipeWire daemon and takes the
    # screenshot by running `grim`, which it only recommends), and a private session bus for the
    # GNOME/KDE fakes.
    PACKAGES+=(sway foot wtype xdg-desktop-portal xdg-desktop-portal-wlr xdg-desktop-portal-gtk
        grim pipewire-bin dbus-daemon dbus-bin)
    # The release artifacts checked from a user's seat (scripts/test-dist.sh): a bare Debian
    # rootfs for the wheel (debootstrap), CMake for the C archives' package files.
    PACKAGES+=(debootstrap cmake)
    # Organisation reports on Apache Spark in local mode (the Python tests): Spark 4 runs on
    # Java 17 or 21.
    PACKAGES+=(openjdk-17-jre-headless)
fi
if [ "${1:-}" = "--test" ] || [ "${1:-}" = "--windows" ]; then
    # Windows, cross-built and run here: the mingw-w64 C and C++ compilers (the bundled SQLite
    # and libjpeg-turbo, the C tests), Wine to run the result on the Xvfb display (wine64 runs
    # the programs; wine brings notepad and the `wine` launcher).
    PACKAGES+=(gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64 wine64 wine cmake nasm xvfb openbox
        xdotool)
fi
missing=()
for p in "${PACKAGES[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    echo "installing: ${missing[*]}"
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
if [ "${1:-}" = "--test" ] || [ "${1:-}" = "--windows" ]; then
    if command -v rustup >/dev/null 2>&1; then
        rustup target list --installed | grep -qx x86_64-pc-windows-gnu ||
            rustup target add x86_64-pc-windows-gnu
    fi
fi
