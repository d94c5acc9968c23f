#!/bin/sh
# Install the Debian 12 packages qaccel needs to build and test.
# Skips apt entirely when everything is already installed.
set -eu

PKGS="meson ninja-build pkg-config gcc libc6-dev libglib2.0-dev
libjson-glib-dev libfdt-dev device-tree-compiler clang clang-format
python3 gcc-aarch64-linux-gnu gcc-riscv64-linux-gnu"

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing:$missing" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
    --no-install-recommends $missing >/dev/null
