#!/usr/bin/env python3
"""podman's health-check timers, for a host without systemd.

podman runs a container's health checks from a transient systemd timer
(`systemd-run --on-unit-inactive=INTERVAL podman healthcheck run ID`); on a
host without systemd it logs "unable to get systemd connection to add
healthchecks" and the container stays "starting" for ever. This does what
that timer would: for every container of PREFIX that starts (read from
`podman events`), it runs `podman healthcheck run NAME` one interval after
the start event's own timestamp and then one interval after each probe ends,
until the probe passes. When every one of COUNT containers has passed once
it writes "LAST_HEALTHY_NS\\n" (realtime clock, nanoseconds) to OUT, one
"NAME START_NS HEALTHY_NS PROBES" line per container after it, and exits.

usage: podman-health.py OUT PREFIX COUNT INTERVALS_JSON TIMEOUT_S -- PODMAN...
INTERVALS_JSON maps a compose service name to its interval in seconds;
podman-compose names containers PREFIX_SERVICE_1.
"""
import datetime
import json
import subprocess
import sys
import threading
import time


def parse_time_ns(text):
    # "2026-12-06T15:56:21.615359348Z": datetime keeps microseconds only.
    base, _, frac = text.rstrip("Z").partition(".")
    dt = datetime.datetime.strptime(base, "%Y-%m-%dT%H:%M:%S").replace(
        tzinfo=datetime.timezone.utc)
    return int(dt.timestamp()) * 1_000_000_000 + int((frac + "000000000")[:9])


def main():
    sep = sys.argv.index("--")
    out, prefix, count, intervals, timeout = sys.argv[1:sep]
    podman = sys.argv[sep + 1:]
    count, timeout = int(count), float(timeout)
    intervals = json.loads(intervals)
    done, lock, finished = {}, threading.Lock(), threading.Event()

    def probe_loop(name, service, start_ns):
        interval = intervals[service]
        due = start_ns / 1e9 + interval
        probes = 0
        while not finished.is_set():
            delay = due - time.time()
            if delay > 0:
                time.sleep(delay)
            probes += 1
            rc = subprocess.call(podman + ["healthcheck", "run", name],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            end = time.time_ns()
            if rc == 0:
                with lock:
                    done[name] = (start_ns, end, probes)
                    if len(done) == count:
                        finished.set()
                return
            due = end / 1e9 + interval

    events = subprocess.Popen(
        podman + ["events", "--filter", "event=start", "--format", "json"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    deadline = time.time() + timeout

    def read_events():
        for line in events.stdout:
            try:
                e = json.loads(line)
            except ValueError:
                continue
            name = e.get("Name", "")
            if not name.startswith(prefix + "_"):
                continue
            service = name[len(prefix) + 1:].rsplit("_", 1)[0]
            if service not in intervals:
                continue
            threading.Thread(target=probe_loop, daemon=True,
                             args=(name, service, parse_time_ns(e["Time"]))).start()

    threading.Thread(target=read_events, daemon=True).start()
    # Ready to see the first start: podman events has opened its log.
    print("ready", flush=True)
    while not finished.wait(0.2):
        if time.time() > deadline:
            break
    events.terminate()
    events.wait()
    with open(out, "w") as f:
        if len(done) == count:
            f.write("%d\n" % max(v[1] for v in done.values()))
        else:
            f.write("timeout\n")
        for name, (start, healthy, probes) in sorted(done.items()):
            f.write("%s %d %d %d\n" % (name, start, healthy, probes))
    return 0 if len(done) == count else 1


if __name__ == "__main__":
    sys.exit(main())
