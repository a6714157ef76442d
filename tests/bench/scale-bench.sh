#!/usr/bin/env bash
# Scale (issue 22): N services running `sleep 600` on one network (so DNS
# runs), for each N in SIZES (default "1 10 50 100 250"), one round each:
#   - `up -d` and its cost per service (flat in N is the target), the peak
#     RSS of the `up` process itself;
#   - every service resolvable by name from one of them (nslookup of all N);
#   - a no-op `up -d`;
#   - the largest RSS of a supervisor (lit-shim), and lit-dns's;
#   - `down -t 1`.
# podman-compose runs the same file for N <= PEER_MAX (default 50: it starts
# containers one after another, ~1 s each), reported as ratios. Run by hand as
# root, not in CI:
#   bash tests/bench/scale-bench.sh [SIZES]
# Env: LIT=path/to/lit (default: builds build-bench/lit), PEER_MAX.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
sizes=${1:-${SIZES:-1 10 50 100 250}}
peer_max=${PEER_MAX:-50}

if [ -z "${LIT_BENCH_INSIDE:-}" ] && [ "$(id -u)" -eq 0 ] && [ -z "${LIT:-}" ]; then
  cmake -S "$repo" -B "$repo/build-bench" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DLIT_BUILD_TESTS=OFF >/dev/null
  ninja -C "$repo/build-bench" -j2 lit lit-shim lit-init lit-exec lit-dns >/dev/null
  export LIT=$repo/build-bench/lit
fi
. "$repo/tests/bench/common.sh"
bench_enter "${BASH_SOURCE[0]}" "$sizes"
# --- inside the throwaway namespaces from here on ---

mkdir -p "$work/podman-networks" /run/containers/networks
mount -t tmpfs scale-netavark /run/containers/networks
podman+=(--network-config-dir "$work/podman-networks" --network-backend netavark)
podman_compose_wrapper
res=$work/results
mkdir -p "$res"
g++ -O2 -std=c++20 -o "$work/peak-rss" "$repo/tests/bench/edge/peak-rss.cpp"

cleanup() {
  set +e
  local n
  for n in $sizes; do
    [ -f "$work/compose-$n.yml" ] || continue
    "${lit[@]}" -f "$work/compose-$n.yml" -p "sl$n" down -t 0 >/dev/null 2>&1
    "${pcompose[@]}" -f "$work/compose-$n.yml" -p "sp$n" down -t 0 >/dev/null 2>&1
  done
  "${podman[@]}" rm -f -t 0 -a >/dev/null 2>&1
  "${podman[@]}" network prune -f >/dev/null 2>&1
  umount /run/containers/networks 2>/dev/null
}
trap cleanup EXIT

compose_file() {
  local n=$1 i
  {
    echo "services:"
    for i in $(seq "$n"); do
      printf '  s%d:\n    image: %s\n    command: ["sleep", "600"]\n    stop_grace_period: 1s\n' \
        "$i" "$image"
    done
  } >"$work/compose-$n.yml"
}

ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

# The largest RSS (kB) of the named processes in this namespace.
max_rss() {
  local name pid rss max=0
  for name in "$@"; do
    for pid in $(our_pids "$name"); do
      rss=$(awk '/^VmRSS:/{print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
      [ "${rss:-0}" -gt "$max" ] && max=$rss
    done
  done
  echo "$max"
}

for n in $sizes; do
  compose_file "$n"
  f=$work/compose-$n.yml
  echo "N=$n: lit" >&2
  sync
  t=$(date +%s%N)
  "$work/peak-rss" "$res/lit-up-rss-$n" "${lit[@]}" -f "$f" -p "sl$n" up -d >/dev/null 2>&1
  up=$(ms_since "$t")
  running=$("${lit[@]}" container ls -q | grep -c . || true)
  [ "$running" -eq "$n" ] || { echo "lit: $running of $n running" >&2; exit 1; }
  names=$(seq -f 's%g' "$n" | tr '\n' ' ')
  missed=$("${lit[@]}" -f "$f" -p "sl$n" exec s1 sh -c \
    "for s in $names; do nslookup \$s >/dev/null 2>&1 || echo \$s; done" | grep -c . || true)
  t=$(date +%s%N)
  "${lit[@]}" -f "$f" -p "sl$n" up -d >/dev/null 2>&1
  noop=$(ms_since "$t")
  shim_rss=$(max_rss lit-shim)
  dns_rss=$(max_rss lit-dns)
  t=$(date +%s%N)
  "${lit[@]}" -f "$f" -p "sl$n" down -t 1 >/dev/null 2>&1
  down=$(ms_since "$t")
  read -r hwm _ <"$res/lit-up-rss-$n"
  echo "$n $up $noop $down $missed $shim_rss $dns_rss $hwm" >>"$res/lit"

  [ "$n" -le "$peer_max" ] || continue
  echo "N=$n: podman-compose" >&2
  t=$(date +%s%N)
  "${pcompose[@]}" -f "$f" -p "sp$n" up -d >/dev/null 2>&1
  up=$(ms_since "$t")
  t=$(date +%s%N)
  "${pcompose[@]}" -f "$f" -p "sp$n" down -t 1 >/dev/null 2>&1
  down=$(ms_since "$t")
  "${podman[@]}" network rm -f "sp${n}_default" >/dev/null 2>&1 || true
  echo "$n $up $down" >>"$res/pc"
done

python3 - "$res" <<'PY'
import os, sys
res = sys.argv[1]
lit = {int(l.split()[0]): list(map(int, l.split()[1:])) for l in open(os.path.join(res, "lit"))}
pc = {}
if os.path.exists(os.path.join(res, "pc")):
    pc = {int(l.split()[0]): list(map(int, l.split()[1:])) for l in open(os.path.join(res, "pc"))}
print()
print("%6s %9s %11s %9s %9s %10s %12s %11s %11s %9s %9s" % (
    "N", "up -d ms", "ms/service", "no-op ms", "down ms", "unresolved",
    "lit-shim kB", "lit-dns kB", "up peak kB", "pc up/lit", "pc down/lit"))
for n in sorted(lit):
    up, noop, down, missed, shim, dns, hwm = lit[n]
    ratios = ("%9.1f %9.1f" % (pc[n][0] / up, pc[n][1] / down)) if n in pc else "%9s %9s" % ("-", "-")
    print("%6d %9d %11.1f %9d %9d %10d %12d %11d %11d %s" % (
        n, up, up / n, noop, down, missed, shim, dns, hwm, ratios))
print()
print("targets: up -d of 100 under 2000 ms, ms/service flat in N; every name resolves;"
      " every resident lit process under 1024 kB")
PY
