#!/usr/bin/env python3
"""CPU a claim, per process, while a command runs: how a claim's cost splits between the
server, cxbot and the client (examples/PERF.md, "Ninth round"; `examples/ratios.sh cpu` runs
it).

    cpu_split.py LABEL DATABASE_URL -- COMMAND...

Runs COMMAND, reading every process's CPU ticks (/proc/PID/stat) every 50 ms, so that a
process that ends before the command does (a pgbench backend, wrk) is counted up to its
last reading. Divides each process name's ticks by the claims the audit table gained
(`ticket_audit`, action 'claim') and prints one line: claims, claims a second, the machine's
idle share, all busy CPU a claim, and each process name's CPU a claim in microseconds (its
system part in brackets). Every PostgreSQL process counts as `postgres`, every kernel
worker as `kworker`.
"""
import os
import subprocess
import sys
import threading
import time

if len(sys.argv) < 5 or sys.argv[3] != "--":
    sys.exit(__doc__)
label, url, cmd = sys.argv[1], sys.argv[2], sys.argv[4:]
HZ = os.sysconf("SC_CLK_TCK")


def claims():
    sql = "SELECT count(*) FROM ticket_audit WHERE action = 'claim'"
    got = subprocess.run(["psql", "-qtA", url, "-c", sql], capture_output=True, text=True)
    if got.returncode != 0:
        sys.exit(f"{label}: cannot count the claims in {url}: {got.stderr.strip()}")
    return int(got.stdout.strip())


def processes():
    """pid -> (name, user ticks, system ticks)."""
    found = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        found[int(pid)] = (name, int(fields[11]), int(fields[12]))
    return found


def machine():
    """(all ticks, idle ticks) of every core."""
    with open("/proc/stat") as f:
        ticks = list(map(int, f.readline().split()[1:9]))
    return sum(ticks), ticks[3] + ticks[4]


start = processes()
last = dict(start)
done = threading.Event()


def sample():
    while not done.is_set():
        last.update(processes())
        time.sleep(0.05)


before = claims()
all0, idle0 = machine()
sampler = threading.Thread(target=sample)
sampler.start()
run = subprocess.run(cmd, capture_output=True, text=True)
done.set()
sampler.join()
all1, idle1 = machine()
n = claims() - before
if run.returncode != 0 or n <= 0:
    sys.exit(f"{label}: {cmd[0]} exited {run.returncode} with {n} claims:\n{run.stdout}{run.stderr}")

by_name = {}
for pid, (name, user, system) in last.items():
    # A kernel worker's name changes with the work it does; a backend's with its state.
    for family in ("postgres", "kworker"):
        if name.startswith(family):
            name = family
    user0 = system0 = 0
    if pid in start:
        user0, system0 = start[pid][1], start[pid][2]
    total = by_name.setdefault(name, [0, 0])
    total[0] += user - user0
    total[1] += system - system0

us = 1e6 / HZ / n
wall = (all1 - all0) / os.cpu_count() / HZ
parts = " ".join(
    f"{name} {(u + s) * us:.0f} ({s * us:.0f})"
    for name, (u, s) in sorted(by_name.items(), key=lambda kv: -sum(kv[1]))
    if (u + s) * us >= 3
)
print(
    f"{label}: {n} claims, {n / wall:.0f}/s, idle {100 * (idle1 - idle0) / (all1 - all0):.1f}%, "
    f"busy {((all1 - all0) - (idle1 - idle0)) * us:.0f} µs a claim | {parts}"
)
