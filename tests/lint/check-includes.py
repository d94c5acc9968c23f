#!/usr/bin/env python3
"""Enforce the include boundaries of DESIGN.md section 2.

- qom/ needs only GLib (and its own headers, qaccel/object.h, error.h);
- hw/ sees qom/ and the public headers, never accel/ internals or
  <linux/kvm.h>;
- only accel/kvm/ includes <linux/kvm.h>;
- include/qaccel/ (public) never includes internal headers;
- only the control plane (CONTROL below: the qaccel-control module)
  includes json-glib or GIO: the core, the public headers and main.c
  need GLib alone (docs/architecture.md);
- only system/main.c calls exit().
Prints every violation with file:line and exits 1 if there is any.
"""
import os
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else "."
inc_re = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]')
exit_re = re.compile(r'(?<![\w.>])(exit|_exit|abort)\s*\(')
QOM_OK = {"qaccel/object.h", "qaccel/error.h"}
CONTROL = ("system/control.c", "system/chardev.", "system/qtest-",
           "system/qmp")
errors = []


def sources():
    for top in ("qom", "hw", "accel", "system", "include"):
        for d, _, files in os.walk(os.path.join(root, top)):
            for f in files:
                if f.endswith((".c", ".h")):
                    yield os.path.relpath(os.path.join(d, f), root)


for path in sources():
    with open(os.path.join(root, path), encoding="utf-8") as fh:
        lines = fh.read().split("\n")
    for n, line in enumerate(lines, 1):
        m = inc_re.match(line)
        where = f"{path}:{n}"
        if m:
            h = m.group(1)
            if h == "linux/kvm.h" and not path.startswith("accel/kvm/"):
                errors.append(f"{where}: <linux/kvm.h> outside accel/kvm/")
            if path.startswith("qom/") and h.startswith("qaccel/") \
                    and h not in QOM_OK:
                errors.append(f"{where}: qom/ includes {h} (GLib only)")
            if path.startswith("hw/") and (h.startswith("accel/") or
                                           "vcpu-loop.h" in h or
                                           h.startswith("system/")):
                errors.append(f"{where}: hw/ includes internal {h}")
            if path.startswith("include/") and not (
                    h.startswith("qaccel/") or "/" not in h or
                    h.startswith(("glib", "sys/"))):
                errors.append(f"{where}: public header includes {h}")
            if h.startswith(("json-glib/", "gio/")) and \
                    not path.startswith(CONTROL):
                errors.append(f"{where}: {h} outside the control plane")
        code = line.split("//")[0]
        if exit_re.search(code) and path != "system/main.c" \
                and not code.lstrip().startswith(("*", "/*")):
            errors.append(f"{where}: exit()/abort() outside system/main.c")

for e in errors:
    print(e)
print(f"{len(errors)} include/exit boundary violation(s)")
sys.exit(1 if errors else 0)
