#!/bin/sh
# Compile per-arch KVM files with a (cross) compiler, as CI does:
#   cross-compile.sh CC SOURCE_ROOT FILE...
# -ffreestanding: the files may use only the kernel's uapi headers, the
# compiler's own headers and qaccel's neutral ones (accel/kvm/kvm-arch.h),
# so a bare gcc-<arch>-linux-gnu without a cross libc is enough.
# Exits 77 (skip) when CC is not installed.
set -u
cc=$1
root=$2
shift 2
if ! command -v "$cc" >/dev/null 2>&1; then
    echo "SKIP: $cc is not installed"
    exit 77
fi
for f in "$@"; do
    "$cc" -std=gnu11 -ffreestanding -Wall -Wextra -Werror \
        -Wno-unused-parameter -Wmissing-prototypes -Wstrict-prototypes \
        -I"$root/include" -I"$root/accel/kvm" \
        -c "$root/$f" -o /dev/null || exit 1
    echo "ok: $cc -c $f"
done
