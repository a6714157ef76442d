#!/usr/bin/env bash
# Builds lit, runs the lint checks (clang-format, clang-tidy) and every test:
# unit, fixture build, fuzz, integration (the last need root; without it they
# skip, saying so). Usage: bash scripts/test.sh
# Env: LIT_BUILD_DIR (default build-ci), LIT_SKIP_SETUP=1 to skip apt-get.
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

cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
ninja -C "$build"

# Formatting and clang-tidy (scripts/lint.sh); its result is reported with the tests'.
set +e
bash scripts/lint.sh "$build"
lint_rc=$?
set -e

# Serial on purpose: integration tests compare lit's cgroup tree before and after.
log="$build/ctest.log"
set +e
ctest --test-dir "$build" --output-on-failure --timeout 120 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
echo
echo "== ctest summary =="
grep -E "tests passed|tests failed|Total Test time" "$log" || true
if [ "$lint_rc" -ne 0 ]; then
  echo "lint: failed (see above)"
  [ "$rc" -ne 0 ] || rc=$lint_rc
fi
exit "$rc"
