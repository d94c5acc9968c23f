#!/bin/sh
# Install what is needed, build, and run the main demo: boot the bundled
# power-off guest on the default machine (q35-lite) under kvm — falling
# back to the qtest accelerator, with a message, where /dev/kvm is
# missing — and print the guest's console, the QMP events, the exit
# status and how long it took.
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
exec python3 tests/kvm/boot-demo.py build "$@"
