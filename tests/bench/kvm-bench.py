#!/usr/bin/env python3
"""Benchmark qaccel -accel kvm against the raw-KVM limit (and QEMU).

Runs the same x86 guest images under three runners, interleaved round by
round so that load from other processes hits all of them alike:

  raw     tests/bench/kvm-raw IMG           (the least possible work)
  qaccel  qaccel -machine q35-lite -accel kvm -bios IMG
  qemu    qemu-system-x86_64 -accel kvm -machine q35 -bios IMG
                             -display none -nodefaults  (if installed)

and reports, as medians over the rounds:

  start-to-exit  process start -> guest ACPI S5 -> process exit, poweroff.img
  per-exit cost  slope of run time over N for bench-pio / bench-mmio
                 (N written into the image's parameter block), i.e. one
                 PIO or MMIO exit round trip
  peak RSS       VmHWM at exit, and the guest RAM that was resident then
                 (tests/bench/peak-rss)

with qaccel and QEMU as ratios to the raw baseline of the same run.
Nothing here asserts: it is a benchmark, see docs/performance.md.
Exit status 0 unless a runner fails to run a guest; 77 (skip) without
/dev/kvm.
"""
import argparse
import json
import os
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time

PARAM_OFFSET = 0xFFE0           # guest address 0xFFFFFFE0 in a 64 KiB image
PARAM_MAGIC = b"QAPARAM\0"


def patch_image(src, dst, n):
    """Copy a guest image, setting the iteration count of its parameters."""
    data = bytearray(open(src, "rb").read())
    if data[PARAM_OFFSET:PARAM_OFFSET + 8] != PARAM_MAGIC:
        raise SystemExit("%s: no parameter block at 0x%x" % (src, PARAM_OFFSET))
    data[PARAM_OFFSET + 8:PARAM_OFFSET + 12] = struct.pack("<I", n)
    with open(dst, "wb") as f:
        f.write(data)


def runners(args):
    r = {
        "raw": lambda img: [args.raw, img],
        "qaccel": lambda img: [args.qaccel, "-machine", "q35-lite",
                               "-accel", "kvm", "-bios", img],
    }
    if args.qemu:
        r["qemu"] = lambda img: [args.qemu, "-accel", "kvm", "-machine",
                                 "q35", "-bios", img, "-display", "none",
                                 "-nodefaults"]
    return r


def timed_run(cmd):
    """Wall time of one run in seconds; raises on a non-zero exit."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(cmd),
                           proc.returncode, proc.stderr.decode()[-300:]))
    return elapsed


def rss_run(peak_rss, cmd):
    proc = subprocess.run([peak_rss, "--"] + cmd, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE)
    for line in proc.stderr.decode().splitlines():
        if line.startswith("hwm_kb="):
            fields = dict(kv.split("=") for kv in line.split())
            return int(fields["hwm_kb"]), int(fields["guest_kb"])
    raise RuntimeError("peak-rss: %s" % proc.stderr.decode()[-300:])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--qaccel", required=True)
    ap.add_argument("--raw", required=True, help="the kvm-raw program")
    ap.add_argument("--peak-rss", required=True)
    ap.add_argument("--guests", required=True, help="dir with the .img files")
    ap.add_argument("--qemu", default="auto",
                    help="qemu-system-x86_64 path, 'auto' (PATH) or 'none'")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--n1", type=int, default=2000)
    ap.add_argument("--n2", type=int, default=40000)
    ap.add_argument("--realtime", action="store_true",
                    help="run under SCHED_FIFO (root) to shut out noise")
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()

    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        print("SKIP: /dev/kvm is not usable here")
        return 77
    if args.qemu == "auto":
        args.qemu = shutil.which("qemu-system-x86_64")
    elif args.qemu == "none":
        args.qemu = None
    if args.realtime:
        try:
            os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(10))
        except PermissionError:
            print("note: SCHED_FIFO not permitted, running normally")

    tmp = tempfile.mkdtemp(prefix="qaccel-bench-")
    images = {"start": os.path.join(args.guests, "poweroff.img")}
    for kind in ("pio", "mmio"):
        for tag, n in (("n1", args.n1), ("n2", args.n2)):
            dst = os.path.join(tmp, "%s-%d.img" % (kind, n))
            patch_image(os.path.join(args.guests, "bench-%s.img" % kind),
                        dst, n)
            images["%s-%s" % (kind, tag)] = dst

    run = runners(args)
    times = {(w, r): [] for w in images for r in run}
    try:
        for _ in range(args.rounds):
            for w, img in images.items():
                for r, mk in run.items():
                    times[(w, r)].append(timed_run(mk(img)))
        rss = {r: [rss_run(args.peak_rss, mk(images["start"]))
                   for _ in range(3)] for r, mk in run.items()}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    med = {k: statistics.median(v) for k, v in times.items()}
    res = {"rounds": args.rounds, "n1": args.n1, "n2": args.n2,
           "realtime": args.realtime, "runners": {}}
    for r in run:
        d = {"start_to_exit_ms": med[("start", r)] * 1e3}
        for kind in ("pio", "mmio"):
            slope = (med[(kind + "-n2", r)] - med[(kind + "-n1", r)]) / \
                    (args.n2 - args.n1)
            d[kind + "_exit_us"] = slope * 1e6
        hwm = statistics.median(x[0] for x in rss[r])
        guest = statistics.median(x[1] for x in rss[r])
        d["peak_rss_kib"] = hwm
        d["guest_ram_touched_kib"] = guest
        d["rss_besides_guest_kib"] = hwm - guest
        res["runners"][r] = d
    base = res["runners"]["raw"]
    for r, d in res["runners"].items():
        d["start_ratio"] = d["start_to_exit_ms"] / base["start_to_exit_ms"]
        for kind in ("pio", "mmio"):
            d[kind + "_ratio"] = d[kind + "_exit_us"] / base[kind + "_exit_us"]

    print("qaccel kvm benchmark: %d rounds, N = %d / %d%s" %
          (args.rounds, args.n1, args.n2,
           ", SCHED_FIFO" if args.realtime else ""))
    print("%-7s %15s %16s %16s %10s %12s" % (
        "", "start->exit ms", "PIO exit us", "MMIO exit us", "RSS KiB",
        "-guest KiB"))
    for r, d in res["runners"].items():
        print("%-7s %8.2f (%4.2fx) %9.2f (%5.3fx) %9.2f (%5.3fx) %10d %12d" % (
            r, d["start_to_exit_ms"], d["start_ratio"], d["pio_exit_us"],
            d["pio_ratio"], d["mmio_exit_us"], d["mmio_ratio"],
            d["peak_rss_kib"], d["rss_besides_guest_kib"]))
    q = res["runners"]["qaccel"]
    print("targets: start->exit <= 1.5x raw: %s; per-exit <= 1.03x raw: "
          "PIO %s, MMIO %s; RSS besides guest RAM < 4096 KiB: %s" % (
              "met" if q["start_ratio"] <= 1.5 else "missed",
              "met" if q["pio_ratio"] <= 1.03 else "missed",
              "met" if q["mmio_ratio"] <= 1.03 else "missed",
              "met" if q["rss_besides_guest_kib"] < 4096 else "missed"))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
