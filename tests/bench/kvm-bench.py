#!/usr/bin/env python3
"""Benchmark qaccel -accel kvm against the raw-KVM limit (and QEMU).

Runs the same x86 guest images under three runners, interleaved round by
round so that load from other processes hits all of them alike:

  raw     tests/bench/kvm-raw IMG           (the least possible work)
  qaccel  qaccel -machine q35-lite -accel kvm -bios IMG
  qemu    qemu-system-x86_64 -accel kvm -machine q35 -bios IMG
                             -display none -nodefaults  (if installed)

(runner order shuffled per round, 20 ms apart; QEMU in rounds of its own
with raw, as its teardown disturbs the runs after it; --also NAME=PATH
adds another qaccel build as a runner, for before/after comparisons
under the same load) and reports, as medians over the rounds:

  start-to-exit  process start -> guest ACPI S5 -> process exit, poweroff.img
                 (median of --start-runs runs per round)
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
import random
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


def qaccel_cmd(binary):
    return lambda img: [binary, "-machine", "q35-lite", "-accel", "kvm",
                        "-bios", img]


def runners(args):
    r = {
        "raw": lambda img: [args.raw, img],
        "qaccel": qaccel_cmd(args.qaccel),
    }
    # other qaccel builds, same command: A/B comparisons in the same rounds
    for spec in args.also:
        name, sep, path = spec.partition("=")
        if not sep or not name or name in r or name == "qemu":
            raise SystemExit("--also %s: expected NAME=PATH with a new NAME"
                             % spec)
        r[name] = qaccel_cmd(path)
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
    ap.add_argument("--also", action="append", default=[],
                    metavar="NAME=PATH",
                    help="another qaccel binary to run the same way "
                         "(e.g. a baseline build); repeatable")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--start-runs", type=int, default=5,
                    help="start->exit runs per runner and round (the "
                         "round's value is their median)")
    ap.add_argument("--rss-runs", type=int, default=5,
                    help="peak-RSS runs per runner (median reported)")
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
    # QEMU is measured in rounds of its own, paired with raw runs of those
    # rounds: a QEMU run leaves deferred kernel work behind (its VM's
    # RCU/SRCU callbacks, deferred static-key updates) that lands on
    # whatever runs next, and it hits the multi-threaded qaccel harder
    # than the single-threaded raw program.
    phases = [[r for r in run if r != "qemu"]]
    if "qemu" in run:
        phases.append(["raw", "qemu"])
    base_of = {r: "raw" if r in phases[0] else "raw@qemu" for r in run}
    times = {(w, r): [] for w in images
             for r in list(run) + ["raw@qemu"] * ("qemu" in run)}
    order = random.Random(1)
    try:
        for phase in phases:
            for _ in range(args.rounds):
                for w, img in images.items():
                    # start->exit is short and its noise comes in bursts
                    # of several ms (other load delaying the kernel's
                    # workers): a round takes the median of a few runs
                    reps = args.start_runs if w == "start" else 1
                    got = {r: [] for r in phase}
                    for _ in range(reps):
                        # a different runner order each time, and a pause
                        # so one run's teardown does not spill into the
                        # next
                        names = list(phase)
                        order.shuffle(names)
                        for r in names:
                            time.sleep(0.02)
                            got[r].append(timed_run(run[r](img)))
                    for r in phase:
                        key = r if r != "raw" or "qemu" not in phase \
                            else "raw@qemu"
                        times[(w, key)].append(statistics.median(got[r]))
        rss = {r: [rss_run(args.peak_rss, mk(images["start"]))
                   for _ in range(args.rss_runs)] for r, mk in run.items()}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    # Per round: each runner's start time and PIO/MMIO slopes, and their
    # ratios to raw in that same round (pairing cancels slow drifts of
    # the host's load); the medians over rounds are reported, with the
    # interquartile range of the ratios as the noise that remains.  QEMU's
    # ratios are to the raw runs of its own rounds.
    def slope(r, kind, i):
        return (times[(kind + "-n2", r)][i] - times[(kind + "-n1", r)][i]) \
            / (args.n2 - args.n1)

    res = {"rounds": args.rounds, "n1": args.n1, "n2": args.n2,
           "realtime": args.realtime, "runners": {}}
    for r in run:
        d = {}
        rounds = range(args.rounds)
        per = {
            "start_to_exit_ms": [times[("start", r)][i] * 1e3 for i in rounds],
            "pio_exit_us": [slope(r, "pio", i) * 1e6 for i in rounds],
            "mmio_exit_us": [slope(r, "mmio", i) * 1e6 for i in rounds],
        }
        b = base_of[r]
        ratios = {
            "start_ratio": [times[("start", r)][i] / times[("start", b)][i]
                            for i in rounds],
            "pio_ratio": [slope(r, "pio", i) / slope(b, "pio", i)
                          for i in rounds],
            "mmio_ratio": [slope(r, "mmio", i) / slope(b, "mmio", i)
                           for i in rounds],
        }
        for k, v in per.items():
            d[k] = statistics.median(v)
        for k, v in ratios.items():
            q = statistics.quantiles(v, n=4) if len(v) > 1 else [v[0]] * 3
            d[k + "_iqr"] = [q[0], q[2]]
        # headline ratios: of the medians; the per-round ratios give the
        # spread
        if b == "raw":
            base = res["runners"].get("raw", d)
        else:
            base = {k: statistics.median(v) for k, v in (
                ("start_to_exit_ms",
                 [times[("start", b)][i] * 1e3 for i in rounds]),
                ("pio_exit_us", [slope(b, "pio", i) * 1e6 for i in rounds]),
                ("mmio_exit_us", [slope(b, "mmio", i) * 1e6 for i in rounds]))}
            d["raw_in_own_rounds"] = base
        d["start_ratio"] = d["start_to_exit_ms"] / base["start_to_exit_ms"]
        d["pio_ratio"] = d["pio_exit_us"] / base["pio_exit_us"]
        d["mmio_ratio"] = d["mmio_exit_us"] / base["mmio_exit_us"]
        hwm = statistics.median(x[0] for x in rss[r])
        guest = statistics.median(x[1] for x in rss[r])
        d["peak_rss_kib"] = hwm
        d["guest_ram_touched_kib"] = guest
        d["rss_besides_guest_kib"] = hwm - guest
        res["runners"][r] = d

    print("qaccel kvm benchmark: %d rounds, N = %d / %d%s" %
          (args.rounds, args.n1, args.n2,
           ", SCHED_FIFO" if args.realtime else ""))
    print("medians over rounds and their ratio to raw; [interquartile "
          "range of the per-round ratios]%s" % (
              "; qemu: own rounds, ratios to raw of those" if "qemu" in run
              else ""))
    print("%-7s %-29s %-29s %-29s %8s %10s" % (
        "", "start->exit ms", "PIO exit us", "MMIO exit us", "RSS KiB",
        "-guest KiB"))
    for r, d in res["runners"].items():
        cols = []
        for k, unit in (("start_to_exit_ms", "start_ratio"),
                        ("pio_exit_us", "pio_ratio"),
                        ("mmio_exit_us", "mmio_ratio")):
            lo, hi = d[unit + "_iqr"]
            cols.append("%6.2f %6.3fx [%5.2f-%5.2f]" % (d[k], d[unit], lo, hi))
        print("%-7s %-29s %-29s %-29s %8d %10d" % (
            r, cols[0], cols[1], cols[2], d["peak_rss_kib"],
            d["rss_besides_guest_kib"]))
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
