#!/usr/bin/env bash
# Projects side by side: `lit up -d` / `down` against podman-compose on the
# SAME generated compose file (N services running `sleep 600` from the
# busybox fixture on the default network, stop_grace_period 1s), for each N
# in SIZES (default "1 5 20"), ROUNDS rounds each (default 3), interleaved.
# Also times a second, no-op `up -d`. Prints medians with ratios. Run by hand
# as root, not in CI:
#   bash tests/bench/project-bench.sh [ROUNDS] [SIZES]
# Env: LIT=path/to/lit (default: builds build-bench/lit and lit-shim).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
rounds=${1:-3}
sizes=${2:-"1 5 20"}

if [ -z "${LIT_BENCH_INSIDE:-}" ] && [ "$(id -u)" -eq 0 ] && ! command -v podman-compose >/dev/null; then
  echo "installing podman-compose"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q podman-compose
fi

. "$repo/tests/bench/common.sh"
bench_enter "${BASH_SOURCE[0]}" "$rounds" "$sizes"

# --- inside the throwaway namespaces from here on ---

# podman keeps network definitions in /etc/containers/networks and netavark's
# and aardvark-dns's state in /run/containers/networks: keep both in $work.
mkdir -p "$work/podman-networks" /run/containers/networks
mount -t tmpfs pb-netavark /run/containers/networks
podman+=(--network-config-dir "$work/podman-networks")
podman_compose_wrapper
res=$work/results
mkdir -p "$res"

cleanup() {
  set +e
  local n pid
  for n in $sizes; do
    [ -f "$work/compose-$n.yml" ] || continue
    "${lit[@]}" -f "$work/compose-$n.yml" -p "pbl$n" down -t 0 >/dev/null 2>&1
    "${pcompose[@]}" -f "$work/compose-$n.yml" -p "pbp$n" down -t 0 >/dev/null 2>&1
  done
  "${lit[@]}" container rm -f $("${lit[@]}" container ls -aq 2>/dev/null) >/dev/null 2>&1
  "${podman[@]}" rm -f -t 0 -a >/dev/null 2>&1
  "${podman[@]}" network prune -f >/dev/null 2>&1
  sleep 0.5
  for pid in $(our_pids lit-dns) $(our_pids aardvark-dns); do
    echo "killing leftover $(cat "/proc/$pid/comm" 2>/dev/null) $pid" >&2
    kill "$pid" 2>/dev/null
  done
  umount /run/containers/networks 2>/dev/null
}
trap cleanup EXIT

now_ms() { date +%s%N | awk '{printf "%.3f", $1 / 1e6}'; }

# timed KEY CMD...: runs CMD (output to $work/last.log), appends its latency
# in ms to $res/KEY; a failure prints the log and stops the bench.
timed() {
  local key=$1 t0 t1
  shift
  t0=$(now_ms)
  if ! "$@" >"$work/last.log" 2>&1; then
    echo "FAILED: $*" >&2
    tail -n 20 "$work/last.log" >&2
    exit 1
  fi
  t1=$(now_ms)
  awk -v a="$t0" -v b="$t1" 'BEGIN{print b - a}' >>"$res/$key"
}

# compose_file N: N services, identical for both engines.
compose_file() {
  local n=$1 i f=$work/compose-$1.yml
  echo "services:" >"$f"
  for i in $(seq "$n"); do
    cat >>"$f" <<EOF
  s$i:
    image: $image
    command: ["sleep", "600"]
    stop_grace_period: 1s
EOF
  done
}

# running_count CMD...: how many lines CMD prints; checks each up really started N.
expect_running() {
  local want=$1 got
  shift
  got=$("$@" | grep -c . || true)
  if [ "$got" -ne "$want" ]; then
    echo "expected $want running containers, got $got: $*" >&2
    exit 1
  fi
}

for n in $sizes; do compose_file "$n"; done
for r in $(seq "$rounds"); do
  for n in $sizes; do
    f=$work/compose-$n.yml
    echo "round $r, N=$n" >&2
    timed "lit-up-$n" "${lit[@]}" -f "$f" -p "pbl$n" up -d
    expect_running "$n" "${lit[@]}" container ls -q
    timed "lit-noop-$n" "${lit[@]}" -f "$f" -p "pbl$n" up -d
    expect_running "$n" "${lit[@]}" container ls -q
    timed "lit-down-$n" "${lit[@]}" -f "$f" -p "pbl$n" down -t 1
    expect_running 0 "${lit[@]}" container ls -aq

    timed "pc-up-$n" "${pcompose[@]}" -f "$f" -p "pbp$n" up -d
    expect_running "$n" "${podman[@]}" ps -q
    timed "pc-noop-$n" "${pcompose[@]}" -f "$f" -p "pbp$n" up -d
    expect_running "$n" "${podman[@]}" ps -q
    timed "pc-down-$n" "${pcompose[@]}" -f "$f" -p "pbp$n" down -t 1
    expect_running 0 "${podman[@]}" ps -aq
    # podman-compose down leaves the project network; drop it (untimed) so
    # every round starts from the same state as lit's.
    "${podman[@]}" network rm -f "pbp${n}_default" >/dev/null 2>&1 || true
  done
done

python3 - "$res" "$rounds" $sizes <<'PY'
import os, statistics, sys
res, rounds, sizes = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
def med(key):
    return statistics.median(float(l) for l in open(os.path.join(res, key)) if l.strip())
print()
print("medians over %d rounds, ms" % rounds)
print("%-18s %10s %14s %14s" % ("", "lit", "podman-compose", "pc/lit"))
for n in sizes:
    for op, label in (("up", "up -d"), ("noop", "2nd up -d"), ("down", "down -t 1")):
        l, p = med("lit-%s-%s" % (op, n)), med("pc-%s-%s" % (op, n))
        print("%-18s %10.1f %14.1f %14.1f" % ("N=%s %s" % (n, label), l, p, p / l))
print()
print("targets (20 services): up < 1000 ms, down < 1000 ms + stop timeout, no-op up < 50 ms")
PY
