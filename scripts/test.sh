#!/usr/bin/env bash
# Builds lit, runs the lint checks (clang-format, clang-tidy) and every test:
# unit, fixture build, fuzz, integration (the last need root; without it they
# skip, saying so). Usage: bash scripts/test.sh
# Env: LIT_BUILD_DIR (default build-ci), LIT_SKIP_SETUP=1 to skip apt-get,
#      LIT_BUILD_TYPE (default Release: -O2, no debug info).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${LIT_BUILD_DIR:-$repo/build-ci}
cd "$repo"

if [ "${LIT_SKIP_SETUP:-0}" != 1 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    bash scripts/setup.sh
  else
    echo "test.sh: not root, skipping scripts/setup.sh (dependencies must be installed)" >&2
  fi
fi

# Optimised as the product is (-O2), without debug info: nothing debugs a CI
# build, and debug info makes the compile a third slower and the links far
# larger (LIT_BUILD_TYPE=RelWithDebInfo to keep it).
build_type=${LIT_BUILD_TYPE:-Release}
cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" \
  -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG"
stage() { echo "== $1 ($(date -u +%T), ${SECONDS}s in) =="; }
# Formatting and clang-tidy (scripts/lint.sh) run beside the build and the
# tests, at the lowest priority: they need only the compile commands, and take
# the CPU the build leaves idle (its serial links and PCHs) and the integration
# tests' waits on containers. Their output follows the tests'.
stage "lint (in the background) and build"
lint_log="$build/lint.log"
# Its own process group (setsid), so a failed build stops all of it.
setsid nice -n 19 bash scripts/lint.sh "$build" >"$lint_log" 2>&1 &
lint_pid=$!
if ! ninja -C "$build"; then
  kill -- -"$lint_pid" 2>/dev/null || true
  echo "test.sh: the build failed" >&2
  exit 1
fi

stage "ctest"
# Serial on purpose: integration tests compare lit's cgroup tree before and after.
log="$build/ctest.log"
set +e
ctest --test-dir "$build" --output-on-failure --timeout 120 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
wait "$lint_pid"
lint_rc=$?
set -e
stage "lint output"
cat "$lint_log"
echo
echo "== ctest summary =="
grep -E "tests passed|tests failed|Total Test time" "$log" || true
stage "done"
if [ "$lint_rc" -ne 0 ]; then
  echo "lint: failed (see above)"
  [ "$rc" -ne 0 ] || rc=$lint_rc
fi
exit "$rc"
