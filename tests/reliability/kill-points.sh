#!/bin/bash
# lit killed at random points, then recovered: nothing half-made survives and
# nothing is left behind (issue 22).
#
#   tests/reliability/kill-points.sh [KILLS] [SEED]
#
# Each kill point runs one lit command (up, down, container run -d, container
# rm -f, network rm, image load, image pull, build), SIGKILLs that lit process after a delay drawn
# (seeded, reproducible: RANDOM=SEED) between 0 and 1.2x the command's own
# duration, measured once at the start, and then recovers as a user would:
#   up          `up -d --wait`: the project converged and web answers from db
#               by service name; then `down -v`
#   down        `down -v` again
#   run -d      `container rm -f` of the container, if it was made
#   rm -f       `container rm -f` again
#   network rm  `network rm` again
#   image load  `image load` again, and a container runs from the image
#   image pull  `image pull` again (from Debian's docker-registry on
#               127.0.0.1 in the sandbox, holding a 3-layer image of 12 MB),
#               and a container runs from it
#   build       `build --no-cache` again of a 4-step Containerfile (RUN, COPY),
#               and a container from the result sees what each step made
# After each point the image store must pass `system check` (no tag points at
# nothing, every image's config and layers are there and each layer's files
# hash to what was recorded when it entered the store, no unpacked layer that
# no image lists).
# After each point `lit system check` must find nothing, no lit-shim or lit-dns
# of this root may run, no lit link, nftables rule or cgroup of ours may exist,
# no mount under the roots, and no temporary file or directory (NAME.tmp-PID,
# images/tmp/*, versions/.staged-*). The supervisors a killed lit already started
# are not lit's to lose: only the lit command itself is killed.
#
# CI runs it reduced (ctest: 24 points); by hand, e.g. `kill-points.sh 240 7`.
# Runs as root in a throwaway mount + network namespace with its own lit roots
# on a tmpfs. LIT names the lit binary (default: build/lit).
set -euo pipefail

# shellcheck source=tests/reliability/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
repo=$reliability_repo
kills=${1:-24}
seed=${2:-1}
reliability_enter "${BASH_SOURCE[0]}" "$kills" "$seed"
project=(-f "$work/compose.yaml" -p rel)
image=localhost/lit-test:latest

cleanup() {
  set +e
  "${lit[@]}" "${project[@]}" down -v -t 0 >/dev/null 2>&1
  "${lit[@]}" container rm -f solo >/dev/null 2>&1
  "${lit[@]}" network rm relnet >/dev/null 2>&1
  [ -n "${registry_pid:-}" ] && kill "$registry_pid" 2>/dev/null && wait "$registry_pid" 2>/dev/null
  reliability_leave
}
trap cleanup EXIT

cat >"$work/compose.yaml" <<'EOF'
services:
  db:
    image: localhost/lit-test:latest
    command: ["sh", "-c", "mkdir -p /srv && echo db >/srv/index.html && exec httpd -f -p 80 -h /srv"]
    healthcheck:
      test: ["CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1/"]
      interval: 200ms
      retries: 50
    volumes: [data:/data]
    stop_grace_period: 1s
  web:
    image: localhost/lit-test:latest
    command: ["sh", "-c", "mkdir -p /srv && echo web >/srv/index.html && exec httpd -f -p 80 -h /srv"]
    depends_on:
      db: {condition: service_healthy}
    ports: ["18080:80"]
    stop_grace_period: 1s
volumes:
  data: {}
EOF

"${lit[@]}" image load -i "$fixtures/busybox-docker.tar" >/dev/null
# The registry the pull points pull from: docker-registry on 127.0.0.1 of the
# sandbox, holding localhost/big (the busybox fixture and three 4 MB layers).
registry=127.0.0.1:5000
mkdir -p "$work/registry/storage"
cat >"$work/registry/config.yml" <<EOF
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $work/registry/storage
http:
  addr: $registry
EOF
docker-registry serve "$work/registry/config.yml" >"$work/registry/log" 2>&1 &
registry_pid=$!
for _ in $(seq 100); do
  (exec 3<>/dev/tcp/127.0.0.1/5000) 2>/dev/null && break
  sleep 0.1
done
python3 "$repo/tests/bench/make_bench_image.py" "$fixtures/busybox-docker.tar" \
  "$work/big.tar" localhost/big:latest 3 4
"${lit[@]}" image load -i "$work/big.tar" >/dev/null
"${lit[@]}" image push --insecure-registry "$registry" localhost/big:latest "$registry/big:latest" >/dev/null
"${lit[@]}" image rm localhost/big:latest >/dev/null
rm "$work/big.tar"
pulled=$registry/big:latest

# The build points' context: RUN steps that take a while and write files,
# and a COPY.
mkdir -p "$work/ctx"
echo copied >"$work/ctx/file"
cat >"$work/ctx/Containerfile" <<'EOF'
FROM localhost/lit-test:latest
RUN echo one >/one && dd if=/dev/zero of=/zeros bs=1M count=4 2>/dev/null
COPY file /file
RUN for i in 1 2 3 4 5 6 7 8; do echo $i >>/count; done && sleep 0.2
RUN cat /one /file /count | wc -l >/lines
EOF

cgroups_before=$(find /sys/fs/cgroup -maxdepth 4 -type d -path '*lit/*' 2>/dev/null | sort)

# Everything but the command to kill, and the recovery after it.
prepare() {
  local out=
  case $1 in
    down) out=$("${lit[@]}" "${project[@]}" up -d --wait --wait-timeout 60 2>&1) ;;
    rm)
      out=$("${lit[@]}" network create relnet 2>&1 &&
        "${lit[@]}" container run -d --name solo --network relnet "$image" sleep 600 2>&1)
      ;;
    run | netrm) out=$("${lit[@]}" network create relnet 2>&1) ;;
    load) out=$("${lit[@]}" image rm "$image" 2>&1) ;;  # nothing runs it between points
    pull | build)
      out=$("${lit[@]}" image rm "$([ "$1" = pull ] && echo "$pulled" || echo built:latest)" 2>&1) ||
        [[ $out == *"image not found"* ]]
      ;;
  esac || fail "preparing $1" "$out"
}
command_of() {
  case $1 in
    up) echo "${project[*]} up -d" ;;
    down) echo "${project[*]} down -v -t 1" ;;
    run) echo "container run -d --name solo --network relnet $image sleep 600" ;;
    rm) echo "container rm -f solo" ;;
    netrm) echo "network rm relnet" ;;
    load) echo "image load -i $fixtures/busybox-docker.tar" ;;
    pull) echo "image pull -q --insecure-registry $registry $pulled" ;;
    build) echo "build --no-cache -q -t built:latest $work/ctx" ;;
  esac
}
# The figures for run.sh (the last line): a failure in check_clean is a leak.
survived=0 hit=0 in_check=0 point=0 what=setup delay_ms=none
result() {
  reliability_result kill-points "points=$kills" "survived=$survived" "killed=$hit" \
    "containers=$(containers_started)" "leaks=$1"
}
fail() {
  echo "FAILED at kill point $point ($what after ${delay_ms} ms): $1" >&2
  shift
  [ $# -gt 0 ] && printf '%s\n' "$@" >&2
  result "$in_check"
  exit 1
}
recover() {
  local out
  case $1 in
    up)
      out=$("${lit[@]}" "${project[@]}" up -d --wait --wait-timeout 60 2>&1) ||
        fail "up --wait did not converge" "$out"
      out=$("${lit[@]}" "${project[@]}" exec web wget -q -O - http://db/ 2>&1) || true
      [ "$out" = db ] || fail "web does not reach db by name: $out" "$("${lit[@]}" "${project[@]}" ps -a 2>&1)"
      out=$("${lit[@]}" "${project[@]}" down -v -t 1 2>&1) || fail "down -v" "$out"
      ;;
    down)
      out=$("${lit[@]}" "${project[@]}" down -v -t 1 2>&1) || fail "down -v again" "$out"
      ;;
    run | rm)
      out=$("${lit[@]}" container rm -f solo 2>&1) ||
        [[ $out == *"no such container"* ]] || fail "rm -f solo" "$out"
      out=$("${lit[@]}" network rm relnet 2>&1) || fail "network rm relnet" "$out"
      ;;
    netrm)
      out=$("${lit[@]}" network rm relnet 2>&1) ||
        [[ $out == *"no such network"* ]] || fail "network rm again" "$out"
      ;;
    load)
      out=$("${lit[@]}" image load -i "$fixtures/busybox-docker.tar" 2>&1) ||
        fail "image load again" "$out"
      out=$("${lit[@]}" container run --rm "$image" echo ok 2>&1) || true
      [ "$out" = ok ] || fail "a container does not run from the image loaded again: $out"
      ;;
    pull)
      out=$("${lit[@]}" image pull -q --insecure-registry "$registry" "$pulled" 2>&1) ||
        fail "image pull again" "$out"
      out=$("${lit[@]}" container run --rm "$pulled" sh -c 'ls /bench | wc -l' 2>&1) || true
      [ "$out" = 3 ] || fail "a container from the image pulled again does not see its layers: $out"
      ;;
    build)
      out=$("${lit[@]}" build --no-cache -q -t built:latest "$work/ctx" 2>&1) ||
        fail "build again" "$out"
      out=$("${lit[@]}" container run --rm built:latest cat /lines 2>&1) || true
      [ "$out" = 10 ] || fail "a container from the image built again does not see its steps: $out"
      ;;
  esac
}
# A cgroup that was there before this run started is another run's
# (check_system_except, common.sh).
existed_before() {
  local dir
  dir=$(grep -oE '/sys/fs/cgroup/[^ ]*/lit/[0-9a-f]{64}' <<<"$1" | head -1 || true)
  [ -n "$dir" ] && grep -qxF "$dir" <<<"$cgroups_before"
}
check_system() { check_system_except existed_before; }

# Nothing of lit's left: what `system check` sees, and what we see ourselves.
check_clean() {
  local out
  in_check=1
  check_system
  [ -z "$(ours)" ] || fail "lit processes left" "$(ps -o pid,args -p "$(ours | tr '\n' ',')0")"
  out=$(ip -o link show | grep -o ' lit[^:@]*' || true)
  [ -z "$out" ] || fail "links left:$out"
  out=$(nft -a list table inet lit 2>/dev/null | grep -c 'comment' || true)
  [ "$out" = 0 ] || fail "nftables rules left" "$(nft -a list table inet lit)"
  out=$(comm -13 <(echo "$cgroups_before") \
    <(find /sys/fs/cgroup -maxdepth 4 -type d -path '*lit/*' 2>/dev/null | sort) | grep -E '/[0-9a-f]{64}$' || true)
  # Other lit users on the host may start containers meanwhile: ours are named
  # in our records or were; a leak is one the check above did not find.
  out=$(grep -Ff <(ls "$root/containers" 2>/dev/null; echo none) <<<"$out" || true)
  [ -z "$out" ] || fail "cgroups left" "$out"
  out=$(grep -F " $work/" /proc/self/mountinfo || true)
  [ -z "$out" ] || fail "mounts left" "$out"
  # Temporary files and directories: a file written atomically (NAME.tmp-PID),
  # the image store's staging (images/tmp), a version being staged.
  out=$(find "$root" "$run" \( -name '*.tmp-*' -o -name '.staged-*' \) 2>/dev/null || true)
  out+=$(find "$root"/*/tmp -mindepth 1 -maxdepth 1 2>/dev/null || true)
  [ -z "$out" ] || fail "temporary files left" "$out"
  in_check=0
}

# Each command's duration, unkilled: the delays are drawn up to 1.2x of it.
kinds=(up down run rm netrm load pull build)
declare -A took
for kind in "${kinds[@]}"; do
  prepare "$kind"
  t0=$(date +%s%N)
  # shellcheck disable=SC2046
  "${lit[@]}" $(command_of "$kind") >/dev/null 2>&1 || { echo "$kind failed unkilled" >&2; exit 1; }
  took[$kind]=$((($(date +%s%N) - t0) / 1000000))
  point=0 what=$kind delay_ms=none
  recover "$kind"
  check_clean
done
echo "unkilled, ms: $(for k in "${kinds[@]}"; do printf '%s %s  ' "$k" "${took[$k]}"; done)"

RANDOM=$seed
for point in $(seq 1 "$kills"); do
  what=${kinds[$(((point - 1) % ${#kinds[@]}))]}
  span=$((took[$what] * 12 / 10 + 1))
  delay_ms=$(((RANDOM * 32768 + RANDOM) % span))
  prepare "$what"
  # shellcheck disable=SC2046
  "${lit[@]}" $(command_of "$what") >/dev/null 2>&1 &
  pid=$!
  sleep "$(printf '0.%03d' "$delay_ms")"
  [ "$delay_ms" -ge 1000 ] && sleep $((delay_ms / 1000))
  if kill -9 "$pid" 2>/dev/null; then hit=$((hit + 1)); fi
  wait "$pid" 2>/dev/null || true
  recover "$what"
  check_clean
  survived=$point
done
seen=""
[ "$foreign" = 0 ] || seen=" (cgroups of another run seen: $foreign)"
echo "kill points: $kills (seed $seed; $hit killed the command while it ran), recovered: $kills, leaks found: 0$seen"
result 0
