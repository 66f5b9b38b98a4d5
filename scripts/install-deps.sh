#!/usr/bin/env bash
# Installs the Debian packages the build needs (and, with --test, what the tests need).
# Only missing packages are installed; as root directly, otherwise through sudo.
set -euo pipefail

# cmake + nasm: libjpeg-turbo is built from its bundled source (the `turbojpeg` feature).
PACKAGES=(cmake nasm pkg-config)
if [ "${1:-}" = "--test" ]; then
    # tesseract and the fonts: the OCR referee of the blur test; pip: its Python tools.
    PACKAGES+=(tesseract-ocr tesseract-ocr-eng fonts-dejavu-core fonts-liberation2 python3-pip)
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
