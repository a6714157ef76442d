#!/usr/bin/env python3
"""Times several commands taking turns, one run of each per turn.

This host's speed drifts by tens of percent over seconds (a VM on a shared
host), so a tool timed in a block of runs of its own can land on a slow
stretch another tool missed. Taking turns (in a shuffled order each turn)
exposes every tool to the same drift; the medians and the median of the
per-turn ratios are then comparable. Each run starts on a settled machine
(SETTLE seconds after the last, default 0.1): what a run leaves the kernel to
finish after it returned (a network namespace's or a cgroup's teardown, the
journal's commit) would otherwise land on the next run, another tool's.

    interleave.py CONFIG.json RUNS WARMUP OUT.json [SETTLE]

CONFIG: [{"name": "lit", "argv": [...], "cwd": "DIR"?, "server": [...]?}, ...]
A command with "server" is run by a copy of this script started through that
argv prefix (e.g. `unshare -m ... bash -c 'umount X; exec "$@"' --`), which
times it there the same way: for a tool that must run in another mount
namespace, without timing the namespace's set-up.
OUT: {"name": {"times": [seconds, ...]}, ...}; a summary goes to stdout.
"""
import json
import random
import statistics
import subprocess
import sys
import time


def run_once(argv, cwd):
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def serve():
    # One JSON request per line: {"argv": [...], "cwd": ...}; one time per line back.
    for line in sys.stdin:
        req = json.loads(line)
        print(run_once(req["argv"], req.get("cwd")), flush=True)


class Runner:
    def __init__(self, tool):
        self.tool = tool
        self.server = None
        if tool.get("server"):
            self.server = subprocess.Popen(
                tool["server"] + [sys.executable, __file__, "--serve"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def run(self):
        if not self.server:
            return run_once(self.tool["argv"], self.tool.get("cwd"))
        req = {"argv": self.tool["argv"], "cwd": self.tool.get("cwd")}
        self.server.stdin.write(json.dumps(req) + "\n")
        self.server.stdin.flush()
        reply = self.server.stdout.readline()
        if not reply:
            raise SystemExit("%s: its server exited" % self.tool["name"])
        return float(reply)

    def close(self):
        if self.server:
            self.server.stdin.close()
            self.server.wait()


def main():
    if sys.argv[1:] == ["--serve"]:
        serve()
        return
    config, runs, warmup, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    settle = float(sys.argv[5]) if len(sys.argv) > 5 else 0.1
    tools = json.load(open(config))
    runners = [Runner(t) for t in tools]
    times = {t["name"]: [] for t in tools}
    try:
        for turn in range(warmup + runs):
            order = list(runners)
            random.shuffle(order)
            for r in order:
                time.sleep(settle)
                t = r.run()
                if turn >= warmup:
                    times[r.tool["name"]].append(t)
    finally:
        for r in runners:
            r.close()
    json.dump({n: {"times": ts} for n, ts in times.items()}, open(out, "w"))


if __name__ == "__main__":
    main()
