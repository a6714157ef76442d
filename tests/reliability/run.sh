#!/bin/bash
# Both reliability scripts, one after the other, and one summary of their
# figures (issue 22).
#
#   tests/reliability/run.sh [ci|full]
#
#   ci    (the default; ctest's `reliability`) kill-points.sh 24 1 and
#         cycles.sh 15: about 45 s
#   full  kill-points.sh 240 7 and cycles.sh 200: about 6 min
#
# One after the other, not side by side: cycles.sh measures the host (open
# files host-wide among them) and the other's work would move its figures.
# Each script prints its own lines as it goes (shown here as they come) and
# its figures as its last line ("RESULT NAME KEY=VALUE...", common.sh); the
# summary at the end adds them up:
#
#   reliability (ci): kill points survived 24/24 (16 killed the command while it ran), cycles 15/15, containers started 111, leaks found 0 (49 s)
#
# It exits 0 only when every kill point was survived, every cycle ran and no
# leak was found; 77 (ctest's skip) without root. LIT and LIT_FIXTURES are
# passed on (see README.md).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mode=${1:-ci}
case $mode in
  ci) kill_args=(24 1) cycle_args=(15) ;;
  full) kill_args=(240 7) cycle_args=(200) ;;
  *)
    echo "usage: $0 [ci|full]" >&2
    exit 2
    ;;
esac
if [ "$(id -u)" -ne 0 ]; then
  echo "run.sh: skipped: needs root (namespaces, cgroups, nftables)"
  exit 77
fi

logs=$(mktemp -d /tmp/lit-reliability-run.XXXXXX)
trap 'rm -rf "$logs"' EXIT
t0=$(date +%s)

# Runs one script, its output shown and kept; prints nothing of its own.
run() {
  local name=$1
  shift
  bash "$here/$name.sh" "$@" 2>&1 | tee "$logs/$name"
  echo "${PIPESTATUS[0]}" >"$logs/$name.status"
}
run kill-points "${kill_args[@]}"
run cycles "${cycle_args[@]}"

# KEY's value on NAME's RESULT line; empty when the script printed none.
figure() {
  grep "^RESULT $1 " "$logs/$1" 2>/dev/null | tail -1 | tr ' ' '\n' | sed -n "s/^$2=//p"
}
status() { cat "$logs/$1.status"; }

if [ "$(status kill-points)" = 77 ] && [ "$(status cycles)" = 77 ]; then exit 77; fi

ok=1
points=$(figure kill-points points) survived=$(figure kill-points survived)
killed=$(figure kill-points killed)
cycles=$(figure cycles cycles) cycled=$(figure cycles ran)
started=0 leaks=0
for name in kill-points cycles; do
  if [ -z "$(figure "$name" leaks)" ]; then
    echo "run.sh: $name.sh exited $(status "$name") without its figures" >&2
    ok=0
    continue
  fi
  started=$((started + $(figure "$name" containers)))
  leaks=$((leaks + $(figure "$name" leaks)))
  [ "$(status "$name")" = 0 ] || ok=0
done
[ "$leaks" = 0 ] && [ -n "$points" ] && [ "$survived" = "$points" ] &&
  [ -n "$cycles" ] && [ "$cycled" = "$cycles" ] || ok=0

echo "reliability ($mode): kill points survived ${survived:-?}/${points:-?}" \
  "(${killed:-?} killed the command while it ran), cycles ${cycled:-?}/${cycles:-?}, containers started $started, leaks found $leaks" \
  "($(($(date +%s) - t0)) s)$([ "$ok" = 1 ] || echo ': FAILED')"
[ "$ok" = 1 ]
