#!/usr/bin/env bash
# Side-by-side image benchmark: pull and build, lit against podman and skopeo,
# measured in one run so the ratios are comparable.
# Run by hand as root (not in CI): bash tests/bench/image-bench.sh [ROUNDS]
# Env: LIT=path/to/lit (default: builds build-bench/lit), ROUNDS (default 5).
# Pull: a ~50 MB, 5-layer image (the busybox fixture + 3 layers of
# /dev/urandom data) on Debian's docker-registry on 127.0.0.1; each round,
# taking turns, each tool pulls it into an empty store. Build: a 5-step
# Containerfile on the busybox fixture, from nothing and fully cached.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
rounds=${1:-${ROUNDS:-5}}

if [ -z "${LIT_BENCH_INSIDE:-}" ]; then
  missing=()
  for tool in skopeo docker-registry; do
    command -v "$tool" >/dev/null || missing+=("$tool")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing peers: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
  fi
fi

. "$repo/tests/bench/common.sh"
bench_enter "${BASH_SOURCE[0]}" "$rounds"

results=$work/results.txt
: >"$results"
ms_now() { date +%s%N; }
# timed NAME CMD...: runs CMD once (output to $work/NAME.log), appends "NAME ms".
timed() {
  local name=$1 t0 t1
  shift
  sync  # the previous run's writes do not land in this one's time
  t0=$(ms_now)
  "$@" >>"$work/$name.log" 2>&1 || {
    echo "$name failed:" >&2
    tail -20 "$work/$name.log" >&2
    exit 1
  }
  t1=$(ms_now)
  echo "$name $(((t1 - t0) / 1000))" >>"$results"
}

# --- the registry, filled with the bench image -------------------------------
port=5000
mkdir -p "$work/registry/storage"
cat >"$work/registry/config.yml" <<EOF
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $work/registry/storage
http:
  addr: 127.0.0.1:$port
EOF
docker-registry serve "$work/registry/config.yml" >"$work/registry/log" 2>&1 &
registry_pid=$!
trap 'kill $registry_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break
  sleep 0.1
done
# bench: the image every tool pulls; bench2: another one like it (other
# random layers, the same busybox base), for two lit pulls at once.
for name in bench bench2; do
  python3 "$repo/tests/bench/make_bench_image.py" "$work/fixtures/busybox-docker.tar" \
    "$work/$name.tar" "localhost/$name:latest" 3 16
  skopeo copy -q --dest-tls-verify=false "docker-archive:$work/$name.tar" \
    "docker://127.0.0.1:$port/$name:latest"
  rm -f "$work/$name.tar"
done
ref=127.0.0.1:$port/bench:latest
ref2=127.0.0.1:$port/bench2:latest
echo "registry: $ref, layers (compressed bytes):"
skopeo inspect --raw --tls-verify=false "docker://$ref" |
  python3 -c 'import json,sys; m=json.load(sys.stdin); print(" ", [l["size"] for l in m["layers"]], sum(l["size"] for l in m["layers"]))'

# --- pull: each tool into an empty store, taking turns ------------------------
fresh() {  # fresh NAME: an empty directory under $work (and one on the tmpfs)
  rm -rf "${work:?}/$1" "${run:?}/$1"
  mkdir -p "$work/$1" "$run/$1"
}
for _ in $(seq "$rounds"); do
  fresh p-podman
  timed pull.podman podman --root "$work/p-podman/root" --runroot "$run/p-podman" \
    --storage-driver overlay pull -q --tls-verify=false "$ref"
  fresh p-skopeo
  timed pull.skopeo skopeo copy -q --src-tls-verify=false "docker://$ref" "dir:$work/p-skopeo/x"
  fresh p-lit
  timed pull.lit "$LIT" --root "$work/p-lit/root" --run-root "$run/p-lit" image pull -q "$ref"
  # Two pulls at once into one empty root: they overlap (the store lock is
  # taken only to commit); on 2 cores they still share the CPU (hashing).
  fresh p-lit2
  # shellcheck disable=SC2016 # expanded by the inner bash
  timed pull2.lit bash -c 'l=("${@:3}"); "${l[@]}" "$1" & a=$!; "${l[@]}" "$2" & b=$!
      wait $a && wait $b' _ "$ref" "$ref2" \
    "$LIT" --root "$work/p-lit2/root" --run-root "$run/p-lit2" image pull -q
done
"$LIT" --root "$work/p-lit/root" --run-root "$run/p-lit" container run --rm --network none \
  "$ref" sh -c 'test -s /bench/data-2'  # the pulled image runs
[ "$("$LIT" --root "$work/p-lit2/root" image ls -q | wc -l)" = 2 ]  # both landed
rm -rf "$work/p-podman" "$work/p-skopeo" "$work/p-lit" "$work/p-lit2"

# --- build: a 5-step Containerfile, from nothing and fully cached -------------
ctx=$work/ctx
mkdir -p "$ctx"
head -c 1M /dev/urandom >"$ctx/a.bin"
head -c 1M /dev/urandom >"$ctx/b.bin"
cat >"$ctx/Containerfile" <<'EOF'
FROM localhost/lit-test:latest
COPY a.bin b.bin /data/
RUN cat /data/a.bin /data/b.bin | md5sum >/data/sum
RUN rm /data/a.bin
CMD ["sh"]
EOF
for _ in $(seq "$rounds"); do
  fresh b-podman
  pod=(podman --root "$work/b-podman/root" --runroot "$run/b-podman" --storage-driver overlay)
  "${pod[@]}" load -q -i "$work/fixtures/busybox-docker.tar" >/dev/null
  timed build.podman "${pod[@]}" build -q --network none -t bench-built "$ctx"
  timed cached.podman "${pod[@]}" build -q --network none -t bench-built "$ctx"
  fresh b-lit
  l=("$LIT" --root "$work/b-lit/root" --run-root "$run/b-lit")
  "${l[@]}" image load -i "$work/fixtures/busybox-docker.tar" >/dev/null
  timed build.lit "${l[@]}" build -q --network none -t bench-built "$ctx"
  timed cached.lit "${l[@]}" build -q --network none -t bench-built "$ctx"
done
"${l[@]}" container run --rm --network none bench-built sh -c \
  'test ! -e /data/a.bin && test -s /data/b.bin && test -s /data/sum'  # the built image is right
rm -rf "$work/b-podman" "$work/b-lit"

python3 - "$results" <<'PY'
import collections, statistics, sys
times = collections.defaultdict(list)
for line in open(sys.argv[1]):
    name, us = line.split()
    times[name].append(int(us) / 1000)
med = {k: statistics.median(v) for k, v in times.items()}
print()
print("%-14s %10s   %s" % ("", "median ms", "runs"))
for k in ["pull.podman", "pull.skopeo", "pull.lit", "pull2.lit", "build.podman", "build.lit",
          "cached.podman", "cached.lit"]:
    print("%-14s %10.1f   %s" % (k, med[k], " ".join("%.0f" % x for x in times[k])))
print()
print("pull   lit/podman %.2f  (target <= 0.50)" % (med["pull.lit"] / med["pull.podman"]))
print("pull   lit/skopeo %.2f  (target <= 1.00)" % (med["pull.lit"] / med["pull.skopeo"]))
print("pull   two lit pulls at once / one lit pull %.2f  (2.00: one after the other)"
      % (med["pull2.lit"] / med["pull.lit"]))
print("build  lit/podman %.2f  (target <= 0.50)" % (med["build.lit"] / med["build.podman"]))
print("cached lit/podman %.3f, lit %.1f ms (target well under 100 ms)"
      % (med["cached.lit"] / med["cached.podman"], med["cached.lit"]))
PY
