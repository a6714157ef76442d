#!/usr/bin/env bash
# Detached containers side by side: lit's supervisor (lit-shim) against
# podman's conmon, N containers each (default 20) running `sleep`, in one run.
# Prints the median `run -d` latency and the mean RSS and PSS per supervisor
# (from /proc/PID/smaps_rollup), with ratios. Run by hand as root, not in CI:
#   bash tests/bench/lifecycle-bench.sh [N]
# Env: LIT=path/to/lit (default: builds build-bench/lit and lit-shim).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
n=${1:-20}

. "$repo/tests/bench/common.sh"
bench_enter "${BASH_SOURCE[0]}" "$n"

cleanup() {
  "${lit[@]}" container rm -f $("${lit[@]}" container ls -aq) >/dev/null 2>&1 || true
  "${podman[@]}" rm -f -t 0 -a >/dev/null 2>&1 || true
}
trap cleanup EXIT

now_ms() { date +%s%N | awk '{printf "%.3f", $1 / 1e6}'; }

# start NAME CMD...: runs CMD n times, one latency (ms) per line in $work/NAME.ms
start() {
  local name=$1 i t0 t1
  shift
  : >"$work/$name.ms"
  for i in $(seq "$n"); do
    t0=$(now_ms)
    "$@" >/dev/null
    t1=$(now_ms)
    awk -v a="$t0" -v b="$t1" 'BEGIN{print b - a}' >>"$work/$name.ms"
  done
}

# memory NAME PID...: "rss pss" in kB per pid, in $work/NAME.mem
memory() {
  local name=$1 pid
  shift
  : >"$work/$name.mem"
  for pid in "$@"; do
    awk '/^Rss:/{r=$2} /^Pss:/{p=$2} END{print r, p}' "/proc/$pid/smaps_rollup" >>"$work/$name.mem"
  done
}

start lit "${lit[@]}" container run -d --network none "$image" sleep 1000
start podman "${podman[@]}" run -d --network=none "$image" sleep 1000
sleep 1  # let every supervisor settle into its steady state

shims=$("${lit[@]}" container inspect $("${lit[@]}" container ls -q) |
  python3 -c 'import json,sys; print(" ".join(str(c["state"]["shim_pid"]) for c in json.load(sys.stdin)))')
conmons=$(pgrep -f "conmon .*$work/podman" | tr '\n' ' ')
memory lit $shims
memory podman $conmons

python3 - "$work" "$n" <<'PY'
import os, statistics, sys
work, n = sys.argv[1], int(sys.argv[2])
def lat(name):
    return statistics.median(float(l) for l in open(os.path.join(work, name + ".ms")) if l.strip())
def mem(name):
    rows = [tuple(map(int, l.split())) for l in open(os.path.join(work, name + ".mem")) if l.strip()]
    return len(rows), statistics.mean(r[0] for r in rows), statistics.mean(r[1] for r in rows)
l_lat, p_lat = lat("lit"), lat("podman")
l_n, l_rss, l_pss = mem("lit")
p_n, p_rss, p_pss = mem("podman")
print()
print("%-22s %12s %12s" % ("", "lit", "podman"))
print("%-22s %12.1f %12.1f" % ("run -d median ms", l_lat, p_lat))
print("%-22s %12d %12d" % ("supervisors", l_n, p_n))
print("%-22s %12.0f %12.0f" % ("RSS kB per supervisor", l_rss, p_rss))
print("%-22s %12.0f %12.0f" % ("PSS kB per supervisor", l_pss, p_pss))
print()
print("podman/lit run -d latency  %.1f" % (p_lat / l_lat))
print("conmon/lit-shim RSS        %.2f" % (p_rss / l_rss))
print("conmon/lit-shim PSS        %.2f" % (p_pss / l_pss))
PY
