#!/bin/sh
# Configure (once) and build qaccel in ./build with warnings as errors.
set -eu
cd "$(dirname "$0")/.."
if [ ! -f build/build.ninja ]; then
    ./configure --enable-werror --builddir=build >/dev/null
fi
ninja -C build >/dev/null
