#!/bin/sh
# Check every C source against the repository's .clang-format.
# Skips (77) when clang-format is not installed.
set -u
cd "${1:-.}"
command -v clang-format >/dev/null 2>&1 || { echo "clang-format missing"; exit 77; }
files=$(find qom hw accel system include tests -name '*.[ch]' \
        ! -path 'tests/guests/*' | sort)
bad=0
for f in $files; do
    if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
        echo "not formatted: $f (run clang-format -i $f)"
        bad=$((bad + 1))
    fi
done
echo "$bad file(s) not formatted"
[ "$bad" -eq 0 ]
