#!/bin/sh
# Install what is needed, build, and run every test suite: the normal
# build (-Werror) runs all suites; an ASan+UBSan build runs the unit,
# qtest and fuzz suites again.  Ends with one line
# "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.."

scripts/install-deps.sh || { echo "0 passed, 1 failed, 0 skipped"; exit 1; }

status=0
run_build() { # builddir configure-args...
    dir=$1; shift
    if [ ! -f "$dir/build.ninja" ]; then
        ./configure --builddir="$dir" --enable-werror "$@" >/dev/null || return 1
    fi
    ninja -C "$dir" || return 1
}

logs=""
if run_build build; then
    meson test -C build --no-rebuild --print-errorlogs --num-processes 2 \
        || status=1
    logs="$logs build/meson-logs/testlog.json"
else
    echo "build failed" >&2
    status=1
fi
if run_build build-asan --enable-sanitizers; then
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        meson test -C build-asan --no-rebuild --print-errorlogs \
        --num-processes 2 --suite unit --suite qtest --suite fuzz \
        --logbase asan \
        || status=1
    logs="$logs build-asan/meson-logs/asan.json"
else
    echo "sanitizer build failed" >&2
    status=1
fi

python3 - $logs <<'PY' || status=1
import json, sys
passed = failed = skipped = 0
for path in sys.argv[1:]:
    try:
        f = open(path)
    except OSError:
        failed += 1
        continue
    for line in f:
        r = json.loads(line).get("result")
        if r in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif r == "SKIP":
            skipped += 1
        else:
            failed += 1
if passed + failed == 0:
    failed = 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
PY
exit $status
