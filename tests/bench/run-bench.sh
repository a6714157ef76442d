#!/usr/bin/env bash
# Side-by-side start-up benchmark: lit vs crun, runc and podman running `true`
# in the busybox fixture, all measured in one run so the ratios are comparable.
# Run by hand as root (not in CI): bash tests/bench/run-bench.sh [RUNS]
# Env: LIT=path/to/lit (default: builds build-bench/lit), RUNS (default 30).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
runs=${1:-${RUNS:-30}}

. "$repo/tests/bench/common.sh"
bench_enter "${BASH_SOURCE[0]}" "$runs"
"${lit[@]}" container run --rm --network none "$image" true  # smoke test

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

"${podman[@]}" run --rm --network=none "$image" true  # smoke test

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
measure lit "${lit[@]}" container run --rm --network none "$image" true
measure runc runc --root "$run/runc" run bench-runc
measure podman "${podman[@]}" run --rm --network=none "$image" true
# crun refuses hybrid cgroups whose cgroup2 mount has a controller: detach that
# mount in a nested private namespace (the workaround from PEERS.md); lit needs none.
export -f measure
export runs results work run
unshare -m --propagation private bash -c '
  umount /sys/fs/cgroup/unified 2>/dev/null || true
  measure crun crun --root "$run/crun" run bench-crun'

python3 - "$results" <<'PY'
import json, os, sys
d = sys.argv[1]
med = {}
for name in ["lit", "crun", "runc", "podman"]:
    r = json.load(open(os.path.join(d, name + ".json")))["results"][0]
    med[name] = r["median"] * 1000
print()
print("%-8s %10s" % ("runtime", "median ms"))
for name, ms in med.items():
    print("%-8s %10.1f" % (name, ms))
print()
print("lit/crun    %.2f" % (med["lit"] / med["crun"]))
print("lit/runc    %.2f" % (med["lit"] / med["runc"]))
print("podman/lit  %.2f" % (med["podman"] / med["lit"]))
PY
