#!/bin/sh
# Install into a scratch DESTDIR and build the embedding example against
# the installed headers, library and qaccel.pc, then run it and the
# installed binary (which must find the installed machine configs and its
# control-plane module).
set -eu
build=$1
src=$2
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT

meson install -C "$build" --destdir "$dest" --no-rebuild >/dev/null
prefix=$(meson introspect "$build" --buildoptions |
         python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"][0])')
libdir=$(meson introspect "$build" --buildoptions |
         python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="libdir"][0])')
root="$dest$prefix"
pc="$root/$libdir/pkgconfig"
test -f "$pc/qaccel.pc" || { echo "qaccel.pc not installed"; exit 1; }
test -f "$root/include/qaccel/machine.h" || { echo "headers not installed"; exit 1; }
test -f "$root/share/qaccel/machines/q35-lite.conf" || { echo "configs not installed"; exit 1; }

# qaccel.pc names the real prefix; point it at the scratch copy
sed "s|^prefix=.*|prefix=$root|" "$pc/qaccel.pc" > "$dest/qaccel.pc"
cflags=$(PKG_CONFIG_PATH="$dest" pkg-config --cflags qaccel)
libs=$(PKG_CONFIG_PATH="$dest" pkg-config --libs qaccel)
# shellcheck disable=SC2086
cc -std=gnu11 -Wall -Werror $cflags "$src/examples/embed.c" -o "$dest/embed" $libs
LD_LIBRARY_PATH="$root/$libdir" "$dest/embed" >/dev/null
# the installed binary finds the installed configs via QACCEL_DATADIR
LD_LIBRARY_PATH="$root/$libdir" QACCEL_DATADIR="$root/share/qaccel" \
    "$root/bin/qaccel" -machine help | grep -q q35-lite
# ... and loads its control-plane module from ../LIBDIR/qaccel (a
# relocated tree: the configured LIBDIR does not hold this build's module)
test -f "$root/$libdir/qaccel/qaccel-control.so" || { echo "control-plane module not installed"; exit 1; }
printf '{"execute": "qmp_capabilities"}{"execute": "quit"}' |
    QACCEL_DATADIR="$root/share/qaccel" "$root/bin/qaccel" -accel qtest \
        -qmp stdio | grep -q '"SHUTDOWN"' ||
    { echo "installed binary: -qmp does not work"; exit 1; }
echo "install tree, qaccel.pc and the embedding example: ok"
