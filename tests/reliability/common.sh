# shellcheck shell=bash
# Shared by tests/reliability/*.sh (sourced, not run).
#
#   reliability_enter SCRIPT ARGS...
#     As root only (else "skipped" and exit 77, ctest's skip code): re-runs
#     SCRIPT with ARGS in a throwaway mount + network namespace; inside it,
#     brings up loopback and sets $work (a tmpfs), $root and $run (lit's roots
#     on it) and the array lit=(LIT --root ... --run-root ...). LIT names the
#     lit binary (default: build/lit), LIT_FIXTURES its fixtures.
#   ours
#     The lit processes serving this run root (a supervisor's or DNS
#     server's command line names the roots).
#   reliability_leave
#     The end of a script's cleanup, after it removed what it made:
#     `system check --fix`, then any lit process still serving the run root
#     is killed, and the tmpfs goes.
#   containers_started
#     The container starts lit recorded in this run's event journal (docker's
#     start events, restarts included; both of its generations: exact until
#     it rotates twice, past 8 MiB).
#   reliability_result NAME KEY=VALUE...
#     The script's figures as its last line, for run.sh:
#     "RESULT NAME KEY=VALUE...".

reliability_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LIT=${LIT:-$reliability_repo/build/lit}
fixtures=${LIT_FIXTURES:-$(dirname "$LIT")/fixtures}

reliability_enter() {
  local script=$1
  shift
  if [ "$(id -u)" -ne 0 ]; then
    echo "$(basename "$script"): skipped: needs root (namespaces, cgroups, nftables)"
    exit 77
  fi
  if [ -z "${LIT_RELIABILITY_INSIDE:-}" ]; then
    exec env LIT_RELIABILITY_INSIDE=1 LIT="$LIT" LIT_FIXTURES="$fixtures" \
      unshare -mn --propagation private bash "$script" "$@"
  fi
  ip link set lo up
  work=$(mktemp -d /tmp/lit-reliability.XXXXXX)
  mount -t tmpfs -o mode=0700 lit-reliability "$work"
  root=$work/root
  run=$work/run
  # shellcheck disable=SC2034 # for the scripts that source this
  lit=("$LIT" --root "$root" --run-root "$run")
}

ours() {
  local pid
  for pid in $(pgrep -f -- "$run" || true); do
    [ "$pid" != $$ ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q '^[^ ]*lit-' &&
      echo "$pid"
  done
  return 0
}

reliability_leave() {
  "${lit[@]}" system check --fix >/dev/null 2>&1
  for pid in $(ours); do kill -9 "$pid" 2>/dev/null; done
  cd /
  umount -l "$work" 2>/dev/null
  rmdir "$work" 2>/dev/null
}

containers_started() {
  cat "$run/events.jsonl.1" "$run/events.jsonl" 2>/dev/null |
    grep '"action":"start"' | grep -c '"type":"container"' || true
}

reliability_result() {
  echo "RESULT $*"
}

# `lit system check` must find nothing of this run's. The cgroup tree is the
# host's, shared by every lit root: another run's container whose last
# process is exiting, or a cgroup another run left, shows as an empty cgroup
# with no record. IS_FOREIGN LINE, the caller's, says whether a cgroup
# finding is such: those are counted in $foreign, not failed on (fail: the
# caller's).
foreign=0
check_system_except() {
  local is_foreign=$1 out line mine=()
  out=$("${lit[@]}" system check 2>&1) && return 0
  while IFS= read -r line; do
    case $line in KIND\ * | lit:\ * | '') continue ;; esac
    if [[ $line == cgroup\ * ]] && "$is_foreign" "$line"; then
      foreign=$((foreign + 1))
    else
      mine+=("$line")
    fi
  done <<<"$out"
  [ ${#mine[@]} = 0 ] || fail "system check found leftovers" "$out"
}
