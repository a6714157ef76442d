#!/usr/bin/env bash
# Container networking side by side, lit against podman (netavark +
# aardvark-dns), in one run so the ratios are comparable:
#   - iperf3 TCP throughput container -> container on one network (lit network
#     vs podman's default bridge) and through a published port from the host
#     (127.0.0.1 and a host address), each against plain host loopback;
#   - DNS latency (p50, p90) of a container-name query sent from the host to
#     lit-dns and to aardvark-dns on their network's gateway, and their RSS.
# Run by hand as root, not in CI:
#   bash tests/bench/network-bench.sh [SECONDS] [ROUNDS] [QUERIES]
# (defaults 5 s per iperf3 test, 3 rounds interleaved, 2000 DNS queries per
# round; medians over rounds). Env: LIT=path/to/lit (default: builds build-bench).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
secs=${1:-5}
rounds=${2:-3}
queries=${3:-2000}

if [ -z "${LIT_BENCH_INSIDE:-}" ] && [ "$(id -u)" -eq 0 ] && ! command -v iperf3 >/dev/null; then
  echo "installing iperf3"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q iperf3
fi

. "$repo/tests/bench/common.sh"
bench_enter "${BASH_SOURCE[0]}" "$secs" "$rounds" "$queries"

# --- inside the throwaway namespaces from here on ---

# podman keeps network definitions in /etc/containers/networks and netavark's
# and aardvark-dns's state in /run/containers/networks: keep both in $work.
mkdir -p "$work/podman-networks" /run/containers/networks
mount -t tmpfs nb-netavark /run/containers/networks
podman+=(--network-config-dir "$work/podman-networks")

net=nbnet          # lit network
pdns_net=nbdns     # podman network with DNS (its default bridge has none)
lit_port=15201     # published host ports; 5201 is the loopback server's
podman_port=25201
iperf_image=localhost/nb-iperf3:latest
res=$work/results
mkdir -p "$res"
loop_pid=

cleanup() {
  set +e
  [ -n "$loop_pid" ] && kill "$loop_pid" 2>/dev/null
  "${lit[@]}" container rm -f $("${lit[@]}" container ls -aq 2>/dev/null) >/dev/null 2>&1
  "${lit[@]}" network rm "$net" >/dev/null 2>&1
  "${podman[@]}" rm -f -t 0 -a >/dev/null 2>&1
  "${podman[@]}" network rm -f "$pdns_net" >/dev/null 2>&1
  sleep 0.5
  local pid
  for pid in $(our_pids lit-dns) $(our_pids aardvark-dns); do
    echo "killing leftover $(cat "/proc/$pid/comm" 2>/dev/null) $pid" >&2
    kill "$pid" 2>/dev/null
  done
  umount /run/containers/networks 2>/dev/null
}
trap cleanup EXIT

# iperf3 image for both engines: the host's binary and the libraries ldd
# lists, as a plain rootfs tarball (identical bits in lit and podman).
rootfs=$work/iperf3-rootfs
mkdir -p "$rootfs/usr/bin" "$rootfs/tmp"
chmod 1777 "$rootfs/tmp"
cp "$(command -v iperf3)" "$rootfs/usr/bin/iperf3"
for lib in $(ldd "$(command -v iperf3)" | grep -o '/[^ ]*'); do
  mkdir -p "$rootfs$(dirname "$lib")"
  cp -L "$lib" "$rootfs$lib"
done
tar -C "$rootfs" -cf "$work/iperf3-rootfs.tar" .
"${lit[@]}" image import "$work/iperf3-rootfs.tar" "$iperf_image" >/dev/null
"${podman[@]}" import -q "$work/iperf3-rootfs.tar" "$iperf_image" >/dev/null

g++ -O2 -std=c++20 -o "$work/dns-latency" "$repo/tests/bench/net/dns-latency.cpp"

# A host address that is not loopback (a fresh netns has none); a veth pair
# because the dummy driver may not be loaded.
ip link add bench0 type veth peer name bench1
ip addr add 192.0.2.1/24 dev bench0
ip link set bench1 up
ip link set bench0 up
host_ip=192.0.2.1

# wait_iperf ADDR PORT: until an iperf3 server answers there (a 1 KB test).
wait_iperf() {
  local i
  for i in $(seq 100); do
    timeout 3 iperf3 -c "$1" -p "$2" -n 1K >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "no iperf3 server answers on $1:$2" >&2
  return 1
}

# measure KEY CMD...: runs an iperf3 client (-J) and appends the receiver's
# Gbit/s to $res/KEY; a failure is recorded in $res/KEY.err and reported.
measure() {
  local key=$1
  shift
  if "$@" -t "$secs" -J >"$res/$key.json" 2>"$res/$key.stderr" &&
     python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"] / 1e9)' \
       "$res/$key.json" >>"$res/$key" 2>>"$res/$key.stderr"; then
    return 0
  fi
  { tail -n 2 "$res/$key.stderr"; grep -o '"error":.*' "$res/$key.json"; } 2>/dev/null |
    tr '\n' ' ' >"$res/$key.err"
  echo "$key failed: $(cat "$res/$key.err")" >&2
}

# not_run REASON-FILE KEY...: marks scenarios whose set-up failed.
not_run() {
  local reason=$1 key
  shift
  for key in "$@"; do
    tr '\n' ' ' <"$reason" | cut -c1-200 >"$res/$key.err"
  done
}

# --- set-up: one iperf3 server per side, serving every round ---
iperf3 -s -p 5201 >/dev/null 2>&1 &
loop_pid=$!
wait_iperf 127.0.0.1 5201

lit_setup() {
  "${lit[@]}" network create "$net" >/dev/null || return 1
  local info
  info=$("${lit[@]}" network inspect "$net") || return 1
  lit_gw=$(python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["gateway"])' <<<"$info") || return 1
  lit_srv=${lit_gw%.*}.10
  "${lit[@]}" container run -d --name nb-srv --network "$net" --ip "$lit_srv" \
    -p "$lit_port:5201" "$iperf_image" iperf3 -s >/dev/null || return 1
  wait_iperf "$lit_srv" 5201
}
lit_ok=1
if ! lit_setup 2>"$res/lit-setup.err"; then
  lit_ok=0
  echo "lit set-up failed: $(head -c 300 "$res/lit-setup.err")" >&2
  not_run "$res/lit-setup.err" lit_c2c lit_pub_lo lit_pub_host lit_dns
fi

"${podman[@]}" run -d --name nb-psrv -p "$podman_port:5201" "$iperf_image" iperf3 -s >/dev/null
podman_srv=$("${podman[@]}" inspect -f '{{.NetworkSettings.IPAddress}}' nb-psrv)
wait_iperf "$podman_srv" 5201

# DNS: a container to look up on each side, on a network that has a server.
"${podman[@]}" network create "$pdns_net" >/dev/null
"${podman[@]}" run -d --name nb-pdns --network "$pdns_net" "$image" sleep 100000 >/dev/null
podman_gw=$("${podman[@]}" network inspect "$pdns_net" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["subnets"][0]["gateway"])')

# dns KEY SERVER NAME: 200 warm-up queries, then $queries; "p50 p90" to $res/KEY.
dns() {
  local out
  "$work/dns-latency" "$2" "$3" 200 >/dev/null 2>&1 || true
  if out=$("$work/dns-latency" "$2" "$3" "$queries" 2>"$res/$1.stderr"); then
    echo "$out" >>"$res/$1"
  else
    echo "$2 did not answer every query for $3 (p50 p90 p99 answered: $out)" | tee "$res/$1.err" >&2
  fi
}

# --- rounds, interleaved so drift in the machine's load hits every side ---
for r in $(seq "$rounds"); do
  echo "round $r/$rounds" >&2
  measure loop iperf3 -c 127.0.0.1 -p 5201
  if [ "$lit_ok" = 1 ]; then
    measure lit_c2c "${lit[@]}" container run --rm --network "$net" "$iperf_image" \
      iperf3 -c "$lit_srv" -p 5201
    measure lit_pub_lo iperf3 -c 127.0.0.1 -p "$lit_port"
    measure lit_pub_host iperf3 -c "$host_ip" -p "$lit_port"
  fi
  measure podman_c2c "${podman[@]}" run --rm "$iperf_image" iperf3 -c "$podman_srv" -p 5201
  measure podman_pub_lo iperf3 -c 127.0.0.1 -p "$podman_port"
  measure podman_pub_host iperf3 -c "$host_ip" -p "$podman_port"
  [ "$lit_ok" = 1 ] && dns lit_dns "$lit_gw" nb-srv
  dns podman_dns "$podman_gw" nb-pdns
done

# RSS (and PSS) of each side's DNS server, in kB; several processes are summed.
dns_memory() {
  local pids
  pids=$(our_pids "$1")
  [ -n "$pids" ] || return 0
  for pid in $pids; do
    awk '/^VmRSS:/{print $2}' "/proc/$pid/status" | tr '\n' ' '
    awk '/^Pss:/{print $2}' "/proc/$pid/smaps_rollup"
  done | awk -v n="$(echo "$pids" | wc -w)" '{r+=$1; p+=$2} END{print r, p, n}' >"$res/$2.mem"
}
dns_memory lit-dns lit_dns
dns_memory aardvark-dns podman_dns

python3 - "$res" "$secs" "$rounds" "$queries" <<'PY'
import os, statistics, sys
res, secs, rounds, queries = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]

def rows(key):
    p = os.path.join(res, key)
    if not os.path.exists(p):
        return []
    return [list(map(float, l.split())) for l in open(p) if l.strip()]

def why(key):
    p = os.path.join(res, key + ".err")
    return open(p).read().strip() if os.path.exists(p) else "no result"

def gbps(key):
    r = rows(key)
    return statistics.median(x[0] for x in r) if r else None

def fmt(v, spec):
    return spec % v if v is not None else "n/a"

def ratio(a, b):
    return a / b if a is not None and b else None

loop = gbps("loop")
print()
print("iperf3 TCP, %s s per test, median of %s rounds (Gbit/s, and ratios)" % (secs, rounds))
print("%-34s %9s %9s %9s %9s %11s" % ("", "lit", "lit/loop", "podman", "pod/loop", "lit/podman"))
print("%-34s %9s" % ("host loopback 127.0.0.1", fmt(loop, "%.2f")))
failures = []
for label, lk, pk in [("container -> container", "lit_c2c", "podman_c2c"),
                      ("host -> published port 127.0.0.1", "lit_pub_lo", "podman_pub_lo"),
                      ("host -> published port 192.0.2.1", "lit_pub_host", "podman_pub_host")]:
    l, p = gbps(lk), gbps(pk)
    print("%-34s %9s %9s %9s %9s %11s" % (label, fmt(l, "%.2f"), fmt(ratio(l, loop), "%.2f"),
                                         fmt(p, "%.2f"), fmt(ratio(p, loop), "%.2f"), fmt(ratio(l, p), "%.2f")))
    for k, v in ((lk, l), (pk, p)):
        if v is None:
            failures.append("%s: %s" % (k, why(k)))

def dns(key):
    r = rows(key)
    if not r:
        return None
    return statistics.median(x[0] for x in r), statistics.median(x[1] for x in r)

def mem(key):
    p = os.path.join(res, key + ".mem")
    if not os.path.exists(p):
        return None
    rss, pss, n = open(p).read().split()
    return int(rss), int(pss), int(n)

print()
print("DNS A query for a container name, from the host to the network's gateway,")
print("%s queries per round after 200 warm-up, median of %s rounds (microseconds)" % (queries, rounds))
print("%-22s %12s %14s %10s" % ("", "lit-dns", "aardvark-dns", "lit/aard"))
ld, pd = dns("lit_dns"), dns("podman_dns")
for i, label in enumerate(("p50 us", "p90 us")):
    lv = ld[i] if ld else None
    pv = pd[i] if pd else None
    print("%-22s %12s %14s %10s" % (label, fmt(lv, "%.1f"), fmt(pv, "%.1f"), fmt(ratio(lv, pv), "%.2f")))
lm, pm = mem("lit_dns"), mem("podman_dns")
for i, label in enumerate(("VmRSS kB", "PSS kB")):
    lv = lm[i] if lm else None
    pv = pm[i] if pm else None
    print("%-22s %12s %14s %10s" % (label, fmt(lv, "%d"), fmt(pv, "%d"), fmt(ratio(lv, pv), "%.2f")))
if lm and lm[2] != 1 or pm and pm[2] != 1:
    print("(processes summed: lit-dns %s, aardvark-dns %s)" % (lm and lm[2], pm and pm[2]))
for k, v in (("lit_dns", ld), ("podman_dns", pd)):
    if v is None:
        failures.append("%s: %s" % (k, why(k)))
if lm is None:
    failures.append("lit-dns RSS: no lit-dns process in this namespace")

print()
print("targets: lit c2c >= 0.90 of loopback and > podman; published >= 0.85 of loopback;")
print("         lit-dns p50 < 80 us and VmRSS < 1024 kB")
if failures:
    print()
    print("not measured:")
    for f in failures:
        print("  " + f)
PY
