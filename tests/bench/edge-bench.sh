#!/usr/bin/env bash
# Small devices, measured: one 5-service project (tests/bench/edge/compose.yml:
# busybox httpd/sh services on one network, each with a 1 s health check,
# db, cache -> api -> web, worker by service_healthy) brought up by lit and by
# podman-compose (podman, conmon, netavark, aardvark-dns) in the same run,
# RUNS times each, taking turns (default 5). For each side it reports:
#   - boot-to-healthy: from starting `up` until every service is healthy
#     (lit: `up --wait` returning, and the last health_status event; podman:
#     the last passing probe, see below), against the services' own lower
#     bound (the longest chain of health intervals, 3 s here);
#   - the peak RSS of the `up` CLI's own process (VmHWM at its exit, read
#     through ptrace: edge/peak-rss.cpp), and the largest of it and the
#     children it waited for (wait4's ru_maxrss, as `time -f %M`);
#   - RSS and PSS (smaps_rollup) of every long-lived process of the stack
#     with the project running (lit-shim, lit-dns; conmon, aardvark-dns and
#     any podman left) and their totals;
#   - the installed size of the binaries (stripped, as `cmake --install
#     --strip` installs lit) and of the shared libraries they need beyond the
#     C library.
# podman cannot run health checks on a host without systemd (it schedules
# each with a transient systemd timer); edge/podman-health.py does what that
# timer would. podman-compose 1.0.3 ignores depends_on conditions: it starts
# the services one after another (sleeping 1 s after each `podman run`).
# Run by hand as root, not in CI:
#   bash tests/bench/edge-bench.sh [RUNS]
# Env: LIT=path/to/lit (default: builds build-bench/ with every lit binary);
# EDGE_BENCH_SAVE=DIR keeps the raw per-run results there.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
runs=${1:-5}

if [ -z "${LIT_BENCH_INSIDE:-}" ] && [ "$(id -u)" -eq 0 ]; then
  missing=()
  for pkg in podman-compose netavark aardvark-dns; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
  fi
  if [ -z "${LIT:-}" ]; then  # common.sh builds lit and lit-shim only; DNS needs lit-dns
    cmake -S "$repo" -B "$repo/build-bench" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DLIT_BUILD_TESTS=OFF >/dev/null
    ninja -C "$repo/build-bench" -j2 lit lit-shim lit-init lit-exec lit-dns lit-dbus >/dev/null
    export LIT=$repo/build-bench/lit
  fi
fi

. "$repo/tests/bench/common.sh"
bench_enter "${BASH_SOURCE[0]}" "$runs"

# --- inside the throwaway namespaces from here on ---

# podman's network definitions, netavark's and aardvark-dns's run directory,
# its tmpdir and event log stay in $work (see network-bench.sh).
mkdir -p "$work/podman-networks" /run/containers/networks
mount -t tmpfs eb-netavark /run/containers/networks
podman+=(--network-config-dir "$work/podman-networks" --network-backend netavark
         --tmpdir "$run/libpod" --events-backend file)
cat >"$work/podman-wrap" <<EOF
#!/bin/sh
exec $(printf '%q ' "${podman[@]}") "\$@"
EOF
chmod +x "$work/podman-wrap"
pcompose=(podman-compose --podman-path "$work/podman-wrap")
compose=$repo/tests/bench/edge/compose.yml
res=$work/results
mkdir -p "$res"
g++ -O2 -std=c++20 -o "$work/peak-rss" "$repo/tests/bench/edge/peak-rss.cpp"
cp "$compose" "$res/compose.yml"

# Health intervals per service (s), and the services' own lower bound: the
# longest chain of intervals through service_healthy conditions.
read -r intervals bound < <(python3 - "$compose" <<'PY'
import json, re, sys, yaml
services = yaml.safe_load(open(sys.argv[1]))["services"]
def seconds(text):
    total = 0.0
    for n, unit in re.findall(r"([0-9.]+)(us|ms|s|m|h)", text):
        total += float(n) * {"us": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}[unit]
    return total
iv = {name: seconds(s["healthcheck"]["interval"]) for name, s in services.items()}
def bound(name):
    deps = services[name].get("depends_on") or {}
    return iv[name] + max([bound(d) for d, c in deps.items()
                           if c.get("condition") == "service_healthy"] or [0])
print(json.dumps(iv, separators=(",", ":")), max(bound(n) for n in services))
PY
)
nservices=$(python3 -c 'import json,sys; print(len(json.loads(sys.argv[1])))' "$intervals")

cleanup() {
  set +e
  local r pid
  # EDGE_BENCH_SAVE=DIR keeps the raw results (timelines, per-run files).
  [ -n "${EDGE_BENCH_SAVE:-}" ] && mkdir -p "$EDGE_BENCH_SAVE" && cp -r "$res/." "$EDGE_BENCH_SAVE"
  for r in $(seq "$runs"); do
    "${lit[@]}" -f "$compose" -p "edgel$r" down -t 0 >/dev/null 2>&1
    "${pcompose[@]}" -f "$compose" -p "edgep$r" down -t 0 >/dev/null 2>&1
    "${podman[@]}" network rm -f "edgep${r}_default" >/dev/null 2>&1
  done
  "${lit[@]}" container rm -f $("${lit[@]}" container ls -aq 2>/dev/null) >/dev/null 2>&1
  "${podman[@]}" rm -f -t 0 -a >/dev/null 2>&1
  sleep 0.5
  for pid in $(our_pids lit-shim) $(our_pids lit-dns) $(our_pids conmon) $(our_pids aardvark-dns); do
    echo "killing leftover $(cat "/proc/$pid/comm" 2>/dev/null) $pid" >&2
    kill "$pid" 2>/dev/null
  done
  umount /run/containers/networks 2>/dev/null
}
trap cleanup EXIT

now_ns() { date +%s%N; }
load() { cut -d' ' -f1 /proc/loadavg; }

# memory KEY NAME...: "comm pid rss pss" (kB) of every process named NAME in
# this network namespace, to $res/KEY; a supervisor's health probe that
# happens to run (`lit container __health`, one per interval) is not kept.
memory() {
  local key=$1 name pid
  shift
  : >"$res/$key"
  for name in "$@"; do
    for pid in $(our_pids "$name"); do
      tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- ' __health ' && continue
      awk -v c="$name" -v p="$pid" '/^Rss:/{r=$2} /^Pss:/{q=$2} END{print c, p, r, q}' \
        "/proc/$pid/smaps_rollup" >>"$res/$key" 2>/dev/null || true
    done
  done
}

# fail MSG LOG: prints the log's tail and stops the bench.
fail() {
  echo "FAILED: $1" >&2
  tail -n 20 "$2" >&2
  exit 1
}

lit_run() {
  local r=$1 p=edgel$1 t0 t1
  echo "run $r: lit (load $(load))" >&2
  sync
  t0=$(now_ns)
  "$work/peak-rss" "$res/lit-cli.$r" "${lit[@]}" -f "$compose" -p "$p" up --wait \
    >"$work/last.log" 2>&1 || fail "lit up --wait" "$work/last.log"
  t1=$(now_ns)
  echo "$t0 $t1" >"$res/lit-boot.$r"
  local healthy
  healthy=$("${lit[@]}" -f "$compose" -p "$p" ps --format '{{.Health}}' | grep -cx healthy || true)
  [ "$healthy" = "$nservices" ] || {
    "${lit[@]}" -f "$compose" -p "$p" ps >&2
    fail "lit: $healthy of $nservices services healthy after up --wait" "$work/last.log"
  }
  # The timeline (create, start, health_status) from lit's event journal.
  "${lit[@]}" -f "$compose" -p "$p" events --json --since "$((t0 / 1000000000 - 1))" --until 0s >"$res/lit-events.$r"
  sleep 2  # steady state: a few probes, nothing starting
  memory "lit-mem.$r" lit-shim lit-dns lit
  echo "$(load)" >"$res/lit-load.$r"
  "${lit[@]}" -f "$compose" -p "$p" down -t 1 >"$work/last.log" 2>&1 ||
    fail "lit down" "$work/last.log"
  [ -z "$(our_pids lit-shim)$(our_pids lit-dns)" ] || fail "lit left processes after down" /dev/null
}

podman_run() {
  local r=$1 p=edgep$1 t0 t1
  echo "run $r: podman-compose (load $(load))" >&2
  python3 "$repo/tests/bench/edge/podman-health.py" "$res/pc-health.$r" "$p" "$nservices" \
    "$intervals" 120 -- "${podman[@]}" >"$work/health.log" 2>&1 &
  local driver=$!
  sleep 1  # its `podman events` is reading before anything starts
  sync
  t0=$(now_ns)
  "$work/peak-rss" "$res/pc-cli.$r" "${pcompose[@]}" -f "$compose" -p "$p" up -d \
    >"$work/last.log" 2>&1 || fail "podman-compose up -d" "$work/last.log"
  t1=$(now_ns)
  wait "$driver" || fail "podman: not every service healthy in 120 s" "$res/pc-health.$r"
  echo "$t0 $t1 $(head -n1 "$res/pc-health.$r")" >"$res/pc-boot.$r"
  sleep 2
  memory "pc-mem.$r" conmon aardvark-dns podman netavark catatonit
  echo "$(load)" >"$res/pc-load.$r"
  "${pcompose[@]}" -f "$compose" -p "$p" down -t 1 >"$work/last.log" 2>&1 ||
    fail "podman-compose down" "$work/last.log"
  "${podman[@]}" network rm -f "${p}_default" >/dev/null 2>&1 || true  # compose leaves it
  sleep 0.5
  [ -z "$(our_pids conmon)$(our_pids aardvark-dns)" ] || fail "podman left processes after down" /dev/null
}

# One health probe's own peak RSS on each side (a process every interval);
# its exit status is the probe's (lit's __health exits 4 for "not starting").
probe_rss() {
  local key=$1
  shift
  "$work/peak-rss" "$res/$key" "$@" >/dev/null 2>&1 || true
  [ -s "$res/$key" ] || echo "-1 -1" >"$res/$key"
}

for r in $(seq "$runs"); do
  lit_run "$r"
  podman_run "$r"
done

# A probe each, on a project left running for it.
"${lit[@]}" -f "$compose" -p edgelp up --wait >"$work/last.log" 2>&1 || fail "lit up" "$work/last.log"
probe_rss lit-probe "${lit[@]}" container __health "$("${lit[@]}" -f "$compose" -p edgelp ps -q db)"
"${lit[@]}" -f "$compose" -p edgelp down -t 0 >/dev/null 2>&1
"${podman[@]}" run -d --name edgepp --health-cmd 'true' --health-interval 1h "$image" sleep 600 \
  >/dev/null 2>&1
probe_rss pc-probe "${podman[@]}" healthcheck run edgepp
"${podman[@]}" rm -f -t 0 edgepp >/dev/null 2>&1

# Installed sizes: lit as `cmake --install --strip` installs it (or stripped
# copies when $LIT is not in a build directory), the peers as Debian ships them.
litbin=$(dirname "$LIT")
mkdir -p "$work/install/bin"
if [ -f "$litbin/cmake_install.cmake" ]; then
  cmake --install "$litbin" --prefix "$work/install" --strip >/dev/null
else
  for b in lit lit-shim lit-dns lit-init lit-exec lit-dbus; do
    [ -x "$litbin/$b" ] && install -s "$litbin/$b" "$work/install/bin/$b"
  done
fi
{
  for b in lit lit-shim lit-dns lit-init lit-exec; do
    [ -e "$work/install/bin/$b" ] && echo "lit $b $work/install/bin/$b"
  done
  [ -e "$work/install/bin/lit-dbus" ] && echo "lit-extra lit-dbus $work/install/bin/lit-dbus"
  for b in /usr/bin/podman /usr/bin/conmon /usr/lib/podman/netavark /usr/lib/podman/aardvark-dns \
           /usr/bin/crun /usr/bin/podman-compose; do
    [ -e "$b" ] && echo "podman $(basename "$b") $b"
  done
  # Not counted: runc (podman's runtime on this host, instead of crun) and
  # lit-dbus (the optional D-Bus front end), shown for reference.
  [ -e /usr/sbin/runc ] && echo "podman-extra runc /usr/sbin/runc"
  true
} >"$res/binaries"

python3 - "$res" "$runs" "$bound" "$intervals" <<'PY'
import json, os, statistics, subprocess, sys
res, runs, bound = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
med = statistics.median

def lines(name):
    p = os.path.join(res, name)
    return [l.split() for l in open(p) if l.strip()] if os.path.exists(p) else []

def ms(ns):
    return ns / 1e6

# --- boot-to-healthy ---
lit_up, lit_last, pc_up, pc_last, loads = [], [], [], [], []
phases = {}
for r in range(1, runs + 1):
    t0, t1 = map(int, lines("lit-boot.%d" % r)[0])
    lit_up.append(ms(t1 - t0))
    events = [json.loads(l) for l in open(os.path.join(res, "lit-events.%d" % r)) if l.strip()]
    def when(e):
        t = e["time"]  # RFC 3339 with nanoseconds
        import datetime
        base, _, frac = t.rstrip("Z").partition(".")
        dt = datetime.datetime.strptime(base, "%Y-%m-%dT%H:%M:%S").replace(
            tzinfo=datetime.timezone.utc)
        return int(dt.timestamp()) * 10**9 + int((frac + "000000000")[:9])
    ev = {}
    for e in events:
        if when(e) < t0:
            continue
        ev.setdefault((e.get("service", ""), e["action"]), when(e))
    healthy = [v for (s, a), v in ev.items() if a == "health_status: healthy"]
    lit_last.append(ms(max(healthy) - t0))
    for (s, a), v in ev.items():
        phases.setdefault((s, a), []).append(ms(v - t0))
    row = lines("pc-boot.%d" % r)[0]
    pc_up.append(ms(int(row[1]) - int(row[0])))
    pc_last.append(ms(int(row[2]) - int(row[0])))
    loads.append(lines("lit-load.%d" % r)[0][0] + "/" + lines("pc-load.%d" % r)[0][0])

print()
print("runs: %d, load average after each (lit/podman): %s" % (runs, " ".join(loads)))
print("services' own lower bound (longest chain of health intervals): %.0f ms" % (bound * 1000))
print()
print("boot-to-healthy, ms        median     runs")
fmt = lambda xs: " ".join("%.0f" % x for x in xs)
print("lit up --wait returned   %8.0f   %s" % (med(lit_up), fmt(lit_up)))
print("lit last service healthy %8.0f   %s" % (med(lit_last), fmt(lit_last)))
print("podman last healthy      %8.0f   %s" % (med(pc_last), fmt(pc_last)))
print("podman-compose up -d     %8.0f   %s" % (med(pc_up), fmt(pc_up)))
print("lit adds over the bound: %.0f ms (up --wait), %.0f ms (last healthy event);"
      " podman %.0f ms" % (med(lit_up) - bound * 1000, med(lit_last) - bound * 1000,
                          med(pc_last) - bound * 1000))
print("podman/lit boot-to-healthy: %.2f" % (med(pc_last) / med(lit_up)))
print()
print("lit's timeline, median ms after `up` started:")
order = sorted(phases, key=lambda k: med(phases[k]))
for s, a in order:
    print("  %-8s %-24s %8.0f" % (s, a, med(phases[(s, a)])))
# Where lit's time over the intervals goes, per service (medians over runs):
# its create after the last dependency it waits for turned healthy (noticing
# the change, then making the container), create -> start, and start ->
# healthy beyond the service's own interval (the first probe: `lit __health`,
# the exec into the container, the test itself, the record).
import yaml
services = yaml.safe_load(open(os.path.join(res, "compose.yml")))["services"]
iv = json.loads(sys.argv[4])
def gap(r_phases, a, b):
    return [x - y for x, y in zip(r_phases[a], r_phases[b])]
print()
print("per service, median ms: healthy deps -> create, create -> start, start -> healthy - interval")
for name in services:
    deps = [d for d, c in (services[name].get("depends_on") or {}).items()
            if c.get("condition") == "service_healthy"]
    c, st, h = (phases.get((name, a)) for a in ("create", "start", "health_status: healthy"))
    if not (c and st and h):
        continue
    after = "-"
    if deps:
        last_dep = [max(phases[(d, "health_status: healthy")][i] for d in deps) for i in range(runs)]
        after = "%.0f" % med(x - y for x, y in zip(c, last_dep))
    print("  %-8s %8s %8.0f %8.0f" % (name, after, med(x - y for x, y in zip(st, c)),
                                       med(x - y - iv[name] * 1000 for x, y in zip(h, st))))
print("  start-up to the first create %.0f ms; last healthy -> up --wait returned %.0f ms" % (
    med(min(phases[(n, "create")][i] for n in services) for i in range(runs)),
    med(u - l for u, l in zip(lit_up, lit_last))))

# --- the CLI's peak RSS ---
def cli(prefix):
    rows = [list(map(int, lines("%s.%d" % (prefix, r))[0])) for r in range(1, runs + 1)]
    return [med(r[i] for r in rows) for i in range(4)] + [max(r[0] for r in rows)]
l_hwm, l_max, l_anon, l_file, l_top = cli("lit-cli")
p_hwm, p_max, p_anon, p_file, p_top = cli("pc-cli")
print()
print("peak RSS of `up`, kB     own: median   max   with waited children"
      "   resident at exit: anon  file")
print("lit up --wait              %8d %8d   %8d               %8d %6d" % (
    l_hwm, l_top, l_max, l_anon, l_file))
print("podman-compose up -d       %8d %8d   %8d               %8d %6d" % (
    p_hwm, p_top, p_max, p_anon, p_file))
pr = {k: list(map(int, lines(k)[0])) for k in ("lit-probe", "pc-probe") if lines(k)}
if pr:
    print("one health probe (own)     lit __health %s kB, podman healthcheck run %s kB" %
          (pr.get("lit-probe", ["?"])[0], pr.get("pc-probe", ["?"])[0]))

# --- long-lived processes ---
def mem(prefix):
    per, tot_rss, tot_pss = {}, [], []
    for r in range(1, runs + 1):
        rows = lines("%s.%d" % (prefix, r))
        for c, p, rss, pss in rows:
            per.setdefault(c, []).append((int(rss), int(pss)))
        tot_rss.append(sum(int(x[2]) for x in rows))
        tot_pss.append(sum(int(x[3]) for x in rows))
    return per, med(tot_rss), med(tot_pss)
print()
print("long-lived processes with the project running, kB (median per process, max)")
totals = {}
for side, prefix in (("lit", "lit-mem"), ("podman", "pc-mem")):
    per, trss, tpss = mem(prefix)
    totals[side] = (trss, tpss)
    for c, v in sorted(per.items()):
        n = len(v) // runs
        print("  %-6s %-13s x%d  RSS %6d (max %6d)  PSS %6d (max %6d)" % (
            side, c, n, med(x[0] for x in v), max(x[0] for x in v),
            med(x[1] for x in v), max(x[1] for x in v)))
    print("  %-6s total              RSS %6d             PSS %6d" % (side, trss, tpss))
print("  podman/lit total RSS %.1f, PSS %.1f" % (totals["podman"][0] / totals["lit"][0],
                                               totals["podman"][1] / totals["lit"][1]))

# --- installed size ---
base = ("libc.so", "libm.so", "ld-linux", "libpthread", "libdl.so", "librt.so", "libgcc_s")
def libs(path):
    try:
        out = subprocess.run(["ldd", path], capture_output=True, text=True).stdout
    except OSError:
        return set()
    found = set()
    for l in out.splitlines():
        parts = l.split("=>")
        if len(parts) == 2 and parts[1].strip().startswith("/"):
            lib = parts[1].split()[0]
            if not any(b in lib for b in base):
                found.add(os.path.realpath(lib))
    return found
print()
print("installed size, kB (stripped as installed)")
sizes = {}
for side, name, path in lines("binaries"):
    size = os.path.getsize(path) // 1024
    sizes.setdefault(side, [0, set()])
    sizes[side][0] += size
    sizes[side][1] |= libs(path)
    print("  %-12s %-14s %8d" % (side, name, size))
for side, (total, ls) in sizes.items():
    lsz = sum(os.path.getsize(l) for l in ls) // 1024
    print("  %-12s binaries %8d kB; + %d shared libraries beyond libc %8d kB: %s" % (
        side, total, len(ls), lsz, " ".join(sorted(os.path.basename(l) for l in ls))))
if "lit" in sizes and "podman" in sizes:
    lb, pb = sizes["lit"], sizes["podman"]
    lib_kb = lambda ls: sum(os.path.getsize(l) for l in ls) // 1024
    print("  podman/lit binaries %.1f, with their libraries %.1f" % (
        pb[0] / lb[0], (pb[0] + lib_kb(pb[1])) / (lb[0] + lib_kb(lb[1]))))

print()
lit_procs = [int(c[2]) for r in range(1, runs + 1) for c in lines("lit-mem.%d" % r)]
print("targets: every long-lived lit process < 1024 kB RSS: %s (max %d kB);"
      " up's peak < 20 MB: %s (%d kB); lit adds < 100 ms to boot-to-healthy: %s (%.0f ms)" % (
          "met" if max(lit_procs) < 1024 else "MISSED", max(lit_procs),
          "met" if l_top < 20480 else "MISSED", l_top,
          "met" if med(lit_up) - bound * 1000 < 100 else "MISSED", med(lit_up) - bound * 1000))
PY
