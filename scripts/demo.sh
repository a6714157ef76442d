#!/usr/bin/env bash
# The README's demo: installs dependencies, builds lit, builds the busybox test
# image offline, loads it, runs one container that prints its isolated view,
# then brings up the demo project (lit.yml) with `lit up -d --wait` and curls it.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh >/dev/null
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build lit >/dev/null
bash tests/fixtures/build-images.sh build/fixtures >/dev/null

lit=./build/lit
$lit image load -i build/fixtures/busybox-docker.tar
$lit image ls

echo "--- inside a container (--memory 64m --hostname demo) ---"
$lit container run --rm --memory 64m --pids-limit 64 --hostname demo localhost/lit-test sh -c '
  echo "hostname:     $(hostname)"
  echo "my pid:       $$ (PID 1 is $(cat /proc/1/comm), this shell)"
  echo "processes:    $(ls -d /proc/[0-9]* | wc -l) visible"
  if [ -f /sys/fs/cgroup/memory.max ]; then
    echo "memory limit: $(cat /sys/fs/cgroup/memory.max) bytes (cgroup v2)"
  else
    echo "memory limit: $(cat /sys/fs/cgroup/memory/memory.limit_in_bytes) bytes (cgroup v1)"
  fi
  echo "network:      $(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | tr "\n" " ")"
  echo "root fs:      $(grep " / " /proc/self/mounts | cut -d" " -f3)"'

echo "--- the demo project (lit.yml): lit up -d --wait ---"
$lit up -d --wait
$lit ps -a
echo "--- curl http://127.0.0.1:8080/ (the web service's published port) ---"
curl -fsS http://127.0.0.1:8080/
echo "--- what the client service got, by service name (web, api) ---"
$lit logs client
echo "(stop and remove it all with: ./build/lit down -v)"
