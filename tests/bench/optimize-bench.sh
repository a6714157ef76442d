#!/usr/bin/env bash
# `lit optimize image`, measured: the fixture image plus 4 MB of unused data
# and an unused binary (as tests/integration/optimize_image_test.cpp builds
# it), a service `sh -c 'cat /data/used.txt; exec httpd ...'` with a 100 ms
# health check. RUNS times (default 5) it runs `lit optimize image web`,
# which prints, for each of its two one-off containers, create to check passed:
#   - traced: on the original image, its root traced (fanotify);
#   - verify: on the slim image, not traced;
# and, beside them, `lit up -d --wait` to healthy on the original and on the
# slim image (shrink_image off, then on), untraced. Then the sizes of the
# original and slim images. Medians over the runs.
# Run by hand as root, not in CI:
#   bash tests/bench/optimize-bench.sh [RUNS]
# Env: LIT=path/to/lit (default: build/lit).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
runs=${1:-5}
if [ "$(id -u)" -ne 0 ]; then
  echo "optimize-bench.sh: run as root" >&2
  exit 1
fi
LIT=${LIT:-$repo/build/lit}

if [ -z "${LIT_BENCH_INSIDE:-}" ]; then
  work=$(mktemp -d /var/tmp/lit-optbench-XXXXXX)
  rc=0
  env LIT_BENCH_INSIDE=1 LIT="$LIT" LIT_BENCH_WORK="$work" \
    unshare -n -m --propagation private bash "$0" "$@" || rc=$?
  rm -rf "$work"
  exit "$rc"
fi

work=$LIT_BENCH_WORK
ip link set lo up
bash "$repo/tests/fixtures/build-images.sh" "$work/fixtures" >/dev/null
mkdir -p "$work/run" "$work/proj"
mount -t tmpfs -o mode=0700 bench-run "$work/run"
lit=("$LIT" --root "$work/lit" --run-root "$work/run/lit")
"${lit[@]}" image load -i "$work/fixtures/busybox-docker.tar" >/dev/null
cat >"$work/proj/Containerfile" <<'EOF'
FROM localhost/lit-test:latest
RUN mkdir -p /unused /data /www && head -c 4194304 /dev/urandom > /unused/blob.bin && cp /bin/busybox /unused/tool && echo used > /data/used.txt && echo hello > /www/index.html
EOF
compose() {
  cat >"$work/proj/compose.yaml" <<EOF
name: optbench
services:
  web:
    build: .
    network_mode: none
    command: ["sh", "-c", "cat /data/used.txt; exec httpd -f -p 8080 -h /www"]
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"]
      interval: 100ms
      retries: 100
    optimize:
      shrink_image: $1
EOF
}
proj=("${lit[@]}" --project-directory "$work/proj" -f "$work/proj/compose.yaml")
compose false
"${proj[@]}" build >/dev/null 2>&1

now_ms() { date +%s%3N; }
up_ms() {
  local t0 t1
  t0=$(now_ms)
  "${proj[@]}" up -d --wait >/dev/null 2>&1
  t1=$(now_ms)
  "${proj[@]}" down -t 0 >/dev/null 2>&1
  echo $((t1 - t0))
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

: >"$work/traced"; : >"$work/verify"; : >"$work/up-orig"; : >"$work/up-slim"
for i in $(seq "$runs"); do
  compose false
  up_ms >>"$work/up-orig"
  out=$("${proj[@]}" optimize image web)
  echo "$out" | sed -n 's/.*passed after \([0-9.]*\) s.*/\1/p' | head -1 >>"$work/traced"
  echo "$out" | sed -n 's/^Verified:.* after \([0-9.]*\) s.*/\1/p' >>"$work/verify"
  compose true
  up_ms >>"$work/up-slim"
done
sec_to_ms() { awk '{printf "%d\n", $1 * 1000}'; }
orig=$("${lit[@]}" image inspect optbench-web | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Size"])')
slim=$("${lit[@]}" image inspect optbench-web:lit-slim | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Size"])')
echo "lit optimize image, $runs runs, medians (ms, create to health check passed):"
echo "  traced run, original image:  $(sec_to_ms <"$work/traced" | median)"
echo "  verify run, slim image:      $(sec_to_ms <"$work/verify" | median)"
echo "  up --wait, original image:   $(median <"$work/up-orig")"
echo "  up --wait, slim image:       $(median <"$work/up-slim")"
echo "size: original $orig bytes, slim $slim bytes ($((100 - 100 * slim / orig))% smaller)"
