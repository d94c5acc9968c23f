#!/bin/sh
# Prove the system_event layouts for one target ABI (TAP output).
#
# usage: check-layout.sh NAME TRIPLE SOURCE_ROOT
#
# Test 1 compiles layout-check.c for TRIPLE with clang -ffreestanding
# -fsyntax-only: qaccel's own layout definitions and their offsets.
# Test 2 does the same with the target's <linux/kvm.h> included, and is
# skipped when no kernel header for the target is installed.  Without clang,
# or with a clang that cannot target TRIPLE, the whole test is skipped
# (TAP "1..0 # SKIP", which meson reports as a skip: under the TAP protocol
# meson treats exit status 77 as an error, not a skip).
#
# -nostdinc keeps the host's /usr/include out: only clang's own freestanding
# headers, qaccel's include/ and the chosen kernel header directories are
# searched, so a target never sees another architecture's <asm/kvm.h>.

set -u
name=$1
triple=$2
root=$3
clang=${CLANG:-clang}

if ! command -v "$clang" >/dev/null 2>&1; then
    echo "1..0 # SKIP clang not found"
    exit 0
fi
if ! echo 'int qa_probe;' |
    "$clang" "--target=$triple" -ffreestanding -fsyntax-only -x c - \
        >/dev/null 2>&1; then
    echo "1..0 # SKIP $clang cannot compile for $triple"
    exit 0
fi
resdir=$("$clang" -print-resource-dir)

# Kernel header candidates, "ASMDIR LINUXDIR" pairs: a cross
# linux-libc-dev (/usr/<triple>/include) or a multiarch one.  The x86 uapi
# headers are the same for i386 and x86_64 (asm/ selects on __x86_64__),
# so i386 may use the amd64 package.
case $name in
x86_64)
    cands="/usr/include/x86_64-linux-gnu:/usr/include
           /usr/x86_64-linux-gnu/include:/usr/x86_64-linux-gnu/include" ;;
i386)
    cands="/usr/include/i386-linux-gnu:/usr/include
           /usr/i686-linux-gnu/include:/usr/i686-linux-gnu/include
           /usr/include/x86_64-linux-gnu:/usr/include" ;;
aarch64)
    cands="/usr/aarch64-linux-gnu/include:/usr/aarch64-linux-gnu/include
           /usr/include/aarch64-linux-gnu:/usr/include" ;;
armhf)
    cands="/usr/arm-linux-gnueabihf/include:/usr/arm-linux-gnueabihf/include
           /usr/include/arm-linux-gnueabihf:/usr/include" ;;
riscv64)
    cands="/usr/riscv64-linux-gnu/include:/usr/riscv64-linux-gnu/include
           /usr/include/riscv64-linux-gnu:/usr/include" ;;
riscv32)
    cands="/usr/riscv32-linux-gnu/include:/usr/riscv32-linux-gnu/include" ;;
*)
    echo "Bail out! unknown target name $name"
    exit 1 ;;
esac

compile() {
    out=$("$clang" "--target=$triple" -std=c11 -ffreestanding -fsyntax-only \
        -nostdinc -isystem "$resdir/include" "$@" \
        -I "$root/include" -I "$root/tests/abi" \
        -Wall -Wextra -Werror "$root/tests/abi/layout-check.c" 2>&1)
    rc=$?
    [ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/# /'
    return $rc
}

echo "1..2"
if compile; then
    echo "ok 1 - $name: qaccel layout offsets"
else
    echo "not ok 1 - $name: qaccel layout offsets"
fi

kdirs=
for c in $cands; do
    asmdir=${c%%:*}
    linuxdir=${c#*:}
    if [ -f "$asmdir/asm/kvm.h" ] && [ -f "$linuxdir/linux/kvm.h" ]; then
        kdirs=$c
        break
    fi
done
if [ -z "$kdirs" ]; then
    echo "ok 2 - $name: <linux/kvm.h> # SKIP no kernel header for $triple"
    exit 0
fi
asmdir=${kdirs%%:*}
linuxdir=${kdirs#*:}
echo "# kernel headers: $asmdir $linuxdir"
if compile -DQA_ABI_KERNEL_HEADER -isystem "$asmdir" -isystem "$linuxdir"; then
    echo "ok 2 - $name: struct kvm_run matches"
else
    echo "not ok 2 - $name: struct kvm_run matches"
fi
exit 0
