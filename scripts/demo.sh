#!/bin/sh
# Install what is needed, build, and run the main demo: the default
# machine (q35-lite) under the qtest accelerator, showing its object tree
# and state.
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
exec build/qaccel -machine q35-lite -accel qtest -dump-tree "$@"
