#!/usr/bin/env python3
"""Boot the bundled power-off guest and say what happened.

    tests/kvm/boot-demo.py [BUILD_DIR]      (default: build)

Under kvm: starts `qaccel -machine q35-lite -accel kvm -bios
BUILD/tests/guests/x86/poweroff.img -device isa-debugcon` with QMP on a
socket, lets the guest run from the reset vector (it prints on the debug
console, then writes ACPI S5), and prints the guest's console, the QMP
events, the exit status and the time from process start to exit.

Where /dev/kvm is missing it says so and falls back to -accel qtest,
where no guest code runs: the demo itself writes S5 to PM1a_CNT through
the qtest protocol (outw 0x604 0x2000), which takes the same device and
runstate path.
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time


def kvm_usable(qaccel):
    """Ask qaccel itself (-accel help runs the kvm probe: /dev/kvm and the
    API version)."""
    out = subprocess.run([qaccel, "-accel", "help"], capture_output=True,
                         text=True).stdout
    for line in out.splitlines():
        if line.startswith("kvm "):
            rest = line[3:].strip()
            if rest == "usable":
                return True, None
            return False, rest.removeprefix("not usable: ")
    return False, "this qaccel was built without the kvm accelerator"


def print_event(msg, out):
    out.append(msg)
    data = msg.get("data")
    print("  QMP event   %s%s" % (msg["event"],
                                  " " + json.dumps(data) if data else ""),
          flush=True)


def console_reader(pipe):
    for line in pipe:
        print("  guest says  %s" % line.rstrip("\r\n"), flush=True)


def start_qaccel(args):
    """Start qaccel with QMP on a socket it connects to, the guest console
    on a pipe; returns (process, QMP file, console thread, start time)."""
    tmp = tempfile.mkdtemp(prefix="qaccel-demo-")
    qmp_path = os.path.join(tmp, "qmp.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(qmp_path)
    srv.listen(1)
    cmd = args + ["-chardev", "socket,path=%s,id=qmp" % qmp_path,
                  "-mon", "chardev=qmp,mode=control"]
    print("$ " + " ".join(args))
    start = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, bufsize=1)
    reader = threading.Thread(target=console_reader, args=(p.stdout,))
    reader.start()
    conn = None
    srv.settimeout(0.1)
    deadline = time.monotonic() + 30
    while conn is None:
        try:
            conn, _ = srv.accept()
        except socket.timeout:
            if p.poll() is not None or time.monotonic() > deadline:
                reader.join()
                sys.exit("qaccel exited (status %s) before QMP connected"
                         % p.poll())
    srv.close()
    os.unlink(qmp_path)
    os.rmdir(tmp)
    qmp = conn.makefile("rw", buffering=1, newline="\n")
    qmp.readline()                                  # greeting
    return p, qmp, reader, start


def qmp_command(qmp, name, events):
    qmp.write(json.dumps({"execute": name}) + "\n")
    qmp.flush()
    for line in qmp:
        msg = json.loads(line)
        if "event" in msg:
            print_event(msg, events)
        else:
            return msg


def finish(p, qmp, reader, start, events):
    for line in qmp:                                # until qaccel exits
        msg = json.loads(line)
        if "event" in msg:
            print_event(msg, events)
    status = p.wait()
    reader.join()
    return status, time.monotonic() - start, events


def run_kvm(qaccel, image):
    # -S: nothing runs before QMP is ready, so no event can be missed
    p, qmp, reader, start = start_qaccel(
        [qaccel, "-machine", "q35-lite", "-accel", "kvm", "-bios", image,
         "-device", "isa-debugcon", "-S"])
    events = []
    qmp_command(qmp, "qmp_capabilities", events)
    qmp_command(qmp, "cont", events)
    return finish(p, qmp, reader, start, events)


def run_qtest(qaccel):
    tmp = tempfile.mkdtemp(prefix="qaccel-demo-")
    path = os.path.join(tmp, "qtest.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    p, qmp, reader, start = start_qaccel(
        [qaccel, "-machine", "q35-lite", "-accel", "qtest", "-qtest",
         "unix:" + path, "-qtest-log", "none"])
    conn, _ = srv.accept()
    events = []
    qmp_command(qmp, "qmp_capabilities", events)
    print("  qtest       outw 0x604 0x2000   (PM1a_CNT: SLP_TYP 0 = S5, "
          "SLP_EN)", flush=True)
    conn.sendall(b"outw 0x604 0x2000\n")
    result = finish(p, qmp, reader, start, events)
    conn.close()
    srv.close()
    os.unlink(path)
    os.rmdir(tmp)
    return result


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    qaccel = os.path.join(build, "qaccel")
    image = os.path.join(build, "tests", "guests", "x86", "poweroff.img")
    ok, why = kvm_usable(qaccel)
    if ok and os.path.exists(image):
        status, elapsed, events = run_kvm(qaccel, image)
        how = "the guest ran on KVM from the reset vector and wrote ACPI S5"
    else:
        if ok:
            why = "%s is missing (built without the x86 guests?)" % image
        print("%s: falling back to -accel qtest, which runs no guest code"
              % why)
        status, elapsed, events = run_qtest(qaccel)
        how = "the qtest client wrote ACPI S5 (no guest code ran)"
    shut = [e for e in events if e["event"] == "SHUTDOWN"]
    print()
    if shut:
        d = shut[-1]["data"]
        print("What happened: %s; qaccel reported SHUTDOWN (guest: %s, "
              "reason: %s) and exited with status %d." %
              (how, str(d["guest"]).lower(), d["reason"], status))
    else:
        print("What happened: no SHUTDOWN event; qaccel exited with "
              "status %d." % status)
    print("How long it took: %.1f ms from process start to exit." %
          (elapsed * 1e3))
    return 0 if status == 0 and shut else 1


if __name__ == "__main__":
    sys.exit(main())
