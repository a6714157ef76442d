#!/usr/bin/env bash
# Side-by-side start-up benchmark: lit vs crun, runc and podman running `true`
# in the busybox fixture, all measured in one run so the ratios are comparable.
# Run by hand as root (not in CI): bash tests/bench/run-bench.sh [RUNS] [ROUNDS]
# Env: LIT=path/to/lit (default: builds build-bench/lit), RUNS (default 30),
# ROUNDS (default 3). Two measures, both reported:
#   - back to back: the tools take turns by the block, RUNS runs each per
#     round, ROUNDS rounds, so load and the disk's state drift over all of
#     them alike; medians are of all runs;
#   - isolated: RUNS x ROUNDS runs of each, taking turns one run at a time,
#     each 0.1 s after the last (interleave.py).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
runs=${1:-${RUNS:-30}}
rounds=${2:-${ROUNDS:-3}}

. "$repo/tests/bench/common.sh"
bench_enter "${BASH_SOURCE[0]}" "$runs" "$rounds"
"${lit[@]}" container run --rm --network none "$image" true  # smoke test
# The same lit with its root on a tmpfs: what lit costs without the disk
# (the container's upper/ and work/ are the only files it makes there).
mkdir -p "$work/lit-tmpfs"
mount -t tmpfs -o mode=0700 bench-lit-root "$work/lit-tmpfs"
lit_tmpfs=("$LIT" --root "$work/lit-tmpfs/root" --run-root "$run/lit-tmpfs")
"${lit_tmpfs[@]}" image load -i "$work/fixtures/busybox-docker.tar" >/dev/null

# --userns auto: lit's subordinate ids, bound over /etc/subuid and /etc/subgid
# in this throwaway mount namespace only. The layers are id-mapped, never
# copied: the root must not grow by more than the container's own files.
printf 'lit:1000000:65536000\n' >"$work/subids"
for f in /etc/subuid /etc/subgid; do
  [ -e "$f" ] || touch "$f"
  mount --bind "$work/subids" "$f"
done
before=$(du -sk "$work/lit" | cut -f1)
"${lit[@]}" container run --rm --userns auto --network none "$image" true  # smoke test
after=$(du -sk "$work/lit" | cut -f1)
if [ $((after - before)) -gt 256 ]; then
  echo "--userns auto grew lit's root by $((after - before)) KiB: layers copied?" >&2
  exit 1
fi

# crun/runc: an OCI bundle whose rootfs is the fixture's flattened rootfs.
bundle=$work/bundle
mkdir -p "$bundle/rootfs"
tar -xzf "$work/fixtures/busybox-rootfs.tar.gz" -C "$bundle/rootfs"
(cd "$bundle" && runc spec)
python3 - "$bundle/config.json" <<'PY'
import json, sys
path = sys.argv[1]
cfg = json.load(open(path))
cfg["process"]["args"] = ["true"]
cfg["process"]["terminal"] = False
cfg["root"] = {"path": "rootfs", "readonly": False}
cfg["hostname"] = "bench"
json.dump(cfg, open(path, "w"), indent=2)
PY


results=$work/results
mkdir -p "$results"

# measure NAME CMD...: median wall time of RUNS runs (hyperfine, or our own loop).
measure() {
  local name=$1
  shift
  if command -v hyperfine >/dev/null; then
    hyperfine -N --warmup 3 --runs "$runs" --export-json "$results/$name.json" \
      --command-name "$name" "$(printf '%q ' "$@")" >&2
  else
    python3 - "$results/$name.json" "$runs" "$@" <<'PY'
import json, statistics, subprocess, sys, time
out, runs, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
times = []
for i in range(runs + 3):
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    if i >= 3:
        times.append(time.perf_counter() - t)
json.dump({"results": [{"median": statistics.median(times), "times": times}]}, open(out, "w"))
PY
  fi
}

cd "$bundle"
# crun refuses hybrid cgroups whose cgroup2 mount has a controller: detach that
# mount in a nested private namespace (the workaround from PEERS.md); lit needs none.
export -f measure
export runs results work run
"${podman[@]}" run --rm --network=none "$image" true  # smoke test
for round in $(seq "$rounds"); do
  measure "lit.$round" "${lit[@]}" container run --rm --network none "$image" true
  measure "lit-tmpfs.$round" "${lit_tmpfs[@]}" container run --rm --network none "$image" true
  measure "lit-userns.$round" "${lit[@]}" container run --rm --userns auto --network none \
    "$image" true
  measure "runc.$round" runc --root "$run/runc" run bench-runc
  measure "podman.$round" "${podman[@]}" run --rm --network=none "$image" true
  # shellcheck disable=SC2016 # expanded by the inner bash
  unshare -m --propagation private bash -c '
    umount /sys/fs/cgroup/unified 2>/dev/null || true
    measure crun.'"$round"' crun --root "$run/crun" run bench-crun'
done

python3 - "$results" "$rounds" <<'PY'
import json, os, statistics, sys
d, rounds = sys.argv[1], int(sys.argv[2])
med = {}
per_round = {}
for name in ["lit", "lit-tmpfs", "lit-userns", "crun", "runc", "podman"]:
    times = []
    per_round[name] = []
    for r in range(1, rounds + 1):
        t = json.load(open(os.path.join(d, "%s.%d.json" % (name, r))))["results"][0]["times"]
        per_round[name].append(statistics.median(t) * 1000)
        times += t
    med[name] = statistics.median(times) * 1000
print()
print("back to back (blocks of RUNS runs of one tool)")
print("%-10s %10s   %s" % ("runtime", "median ms", "per round"))
for name, ms in med.items():
    print("%-10s %10.1f   %s" % (name, ms, " ".join("%.1f" % x for x in per_round[name])))
print()
print("lit/crun    %.2f   (per round: %s)" % (med["lit"] / med["crun"],
      " ".join("%.2f" % (a / b) for a, b in zip(per_round["lit"], per_round["crun"]))))
print("lit-tmpfs/crun %.2f (lit with its root on a tmpfs)" % (med["lit-tmpfs"] / med["crun"]))
print("lit/runc    %.2f" % (med["lit"] / med["runc"]))
print("lit-userns - lit  %+.1f ms (--userns auto: id-mapped layers, no copy)" %
      (med["lit-userns"] - med["lit"]))
print("podman/lit  %.2f" % (med["podman"] / med["lit"]))
PY

# Isolated runs: the same tools, one run each per turn in a shuffled order,
# each 0.1 s after the last (interleave.py). That is how a person or a boot
# script starts a container, and it costs some tools more than back to back:
# the first process moved into a v1 cgroup from outside (crun, runc write
# cgroup.procs) waits for an RCU grace period (~15 ms here) that a run right
# after another skips; lit's init moves itself (join_self) and never waits.
python3 - "$results/config.json" "$bundle" "$run" "$image" "${#lit[@]}" "${lit[@]}" \
  "${#lit_tmpfs[@]}" "${lit_tmpfs[@]}" "${#podman[@]}" "${podman[@]}" <<'PY'
import json, sys
out, bundle, run, image = sys.argv[1:5]
rest = sys.argv[5:]
def take():
    n = int(rest.pop(0))
    taken = rest[:n]
    del rest[:n]
    return taken
lit, lit_tmpfs, podman = take(), take(), take()
crun_ns = ["unshare", "-m", "--propagation", "private", "bash", "-c",
           'umount /sys/fs/cgroup/unified 2>/dev/null || true; exec "$@"', "--"]
tools = [
    {"name": "lit", "argv": lit + ["container", "run", "--rm", "--network", "none", image, "true"]},
    {"name": "lit-tmpfs",
     "argv": lit_tmpfs + ["container", "run", "--rm", "--network", "none", image, "true"]},
    {"name": "lit-userns", "argv": lit + ["container", "run", "--rm", "--userns", "auto",
                                          "--network", "none", image, "true"]},
    {"name": "crun", "argv": ["crun", "--root", run + "/crun", "run", "bench-crun"],
     "cwd": bundle, "server": crun_ns},
    {"name": "runc", "argv": ["runc", "--root", run + "/runc", "run", "bench-runc"], "cwd": bundle},
    {"name": "podman", "argv": podman + ["run", "--rm", "--network=none", image, "true"]},
]
json.dump(tools, open(out, "w"), indent=2)
PY
python3 "$repo/tests/bench/interleave.py" "$results/config.json" "$((runs * rounds))" 3 \
  "$results/times.json" 0.1

python3 - "$results/times.json" <<'PY'
import json, statistics, sys
t = {n: v["times"] for n, v in json.load(open(sys.argv[1])).items()}
ms = lambda xs: statistics.median(xs) * 1000
def q(xs, f):
    xs = sorted(xs)
    return xs[int(f * (len(xs) - 1))] * 1000
n = len(t["lit"])
thirds = [range(i * n // 3, (i + 1) * n // 3) for i in range(3)]
print()
print("isolated (%d runs of each, taking turns, 0.1 s apart)" % n)
print("%-10s %10s %8s %8s   %s" % ("runtime", "median ms", "p25", "p75", "median by thirds of the run"))
for name, xs in t.items():
    print("%-10s %10.1f %8.1f %8.1f   %s" % (name, ms(xs), q(xs, .25), q(xs, .75),
          " ".join("%.1f" % ms([xs[i] for i in r]) for r in thirds)))
ratio = lambda a, b: ms(t[a]) / ms(t[b])
turns = statistics.median(a / b for a, b in zip(t["lit"], t["crun"]))
print()
print("lit/crun    %.2f   (median of the per-turn ratios %.2f; by thirds: %s)" % (
    ratio("lit", "crun"), turns,
    " ".join("%.2f" % (ms([t["lit"][i] for i in r]) / ms([t["crun"][i] for i in r]))
             for r in thirds)))
print("lit-tmpfs/crun %.2f (lit with its root on a tmpfs)" % ratio("lit-tmpfs", "crun"))
print("lit/runc    %.2f" % ratio("lit", "runc"))
print("lit-userns - lit  %+.1f ms (--userns auto: id-mapped layers, no copy)" %
      (ms(t["lit-userns"]) - ms(t["lit"])))
print("podman/lit  %.2f" % ratio("podman", "lit"))
PY
