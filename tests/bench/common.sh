# Shared set-up of the benchmarks; sourced by run-bench.sh and lifecycle-bench.sh.
# bench_enter SCRIPT ARGS...: outside the sandbox, installs the peers, writes
# podman's containers.conf when absent, builds lit (unless $LIT is set), then
# re-runs SCRIPT inside a throwaway mount + network namespace. Inside, it
# brings lo up, makes $work and the fixtures, and loads the image into lit
# ("${lit[@]}") and podman ("${podman[@]}"), both with throwaway state roots.
bench_enter() {
  local script=$1
  shift
  if [ "$(id -u)" -ne 0 ]; then
    echo "$(basename "$script"): run as root" >&2
    exit 1
  fi
  if [ -n "${LIT_BENCH_INSIDE:-}" ]; then
    bench_inside
    return
  fi
  local missing=() tool
  # podman's network stack (netavark 1.4) runs the iptables command: without
  # it every podman container with a network fails to start ("netavark: No
  # such file or directory"). It changes only the sandbox's own netns here.
  for tool in podman runc crun hyperfine iptables; do
    command -v "$tool" >/dev/null || missing+=("$tool")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing peers: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
  fi
  # podman fails every container on this kind of host without these settings.
  if [ ! -e /etc/containers/containers.conf ]; then
    mkdir -p /etc/containers
    cat >/etc/containers/containers.conf <<'CONF'
[containers]
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]
[engine]
runtime = "runc"
CONF
    echo "wrote /etc/containers/containers.conf (ulimits, runtime=runc) for podman"
  fi
  if [ -z "${LIT:-}" ]; then
    cmake -S "$repo" -B "$repo/build-bench" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DLIT_BUILD_TESTS=OFF >/dev/null
    ninja -C "$repo/build-bench" lit lit-shim >/dev/null
    LIT=$repo/build-bench/lit
  fi
  # Everything else happens in a throwaway mount + network namespace; its
  # scratch directory is removed from out here, where no mount of it is left.
  work=$(mktemp -d /var/tmp/lit-bench-XXXXXX)
  local rc=0
  env LIT_BENCH_INSIDE=1 LIT="$LIT" LIT_BENCH_WORK="$work" \
    unshare -n -m --propagation private bash "$script" "$@" || rc=$?
  rm -rf "$work"
  exit "$rc"
}

bench_inside() {
  ip link set lo up
  work=$LIT_BENCH_WORK
  bash "$repo/tests/fixtures/build-images.sh" "$work/fixtures" >/dev/null
  image=localhost/lit-test:latest
  # Runtime state lives on a tmpfs, as each tool's default does (/run/lit,
  # /run/crun, /run/runc, /run/containers/storage); persistent state on disk.
  run=$work/run
  mkdir -p "$run"
  mount -t tmpfs -o mode=0700 bench-run "$run"
  lit=("$LIT" --root "$work/lit" --run-root "$run/lit")
  "${lit[@]}" image load -i "$work/fixtures/busybox-docker.tar" >/dev/null
  podman=(podman --root "$work/podman" --runroot "$run/podman" --storage-driver overlay)
  "${podman[@]}" load -i "$work/fixtures/busybox-docker.tar" >/dev/null
  sync  # the set-up's writes are on disk before anything is timed
}

# our_pids NAME: pids of processes named NAME in this network namespace only,
# so concurrent runs elsewhere on the host are never counted or touched.
our_pids() {
  local self pid
  self=$(readlink /proc/self/ns/net)
  for pid in $(pgrep -x "$1" || true); do
    [ "$(readlink "/proc/$pid/ns/net" 2>/dev/null)" = "$self" ] && echo "$pid"
  done
  return 0
}

# podman_compose_wrapper: podman-compose puts --podman-args AFTER the
# subcommand, where podman's global --root/--runroot are not accepted; a
# wrapper puts them first. Sets pcompose to run podman-compose through it.
podman_compose_wrapper() {
  cat >"$work/podman-wrap" <<EOF
#!/bin/sh
exec $(printf '%q ' "${podman[@]}") "\$@"
EOF
  chmod +x "$work/podman-wrap"
  pcompose=(podman-compose --podman-path "$work/podman-wrap")
}
