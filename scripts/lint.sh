#!/usr/bin/env bash
# lit's lint checks, run by scripts/test.sh (and so by CI):
#   1. clang-format --dry-run -Werror with the project's .clang-format on every
#      C++ source and header of app/, reconciler/, network/, runtime/, tests/;
#   2. clang-tidy with the project's .clang-tidy (bugprone-*, function size...)
#      on the C++ sources of app/, reconciler/, network/, runtime/ that changed
#      since the commit in .ci/tidy-base or include, through the project's
#      headers, a file that changed (scripts/tidy_affected.py). Every source
#      when .clang-tidy, the product's CMakeLists.txt or cmake/ changed, or when
#      the base is not in the history (a shallow clone). clang-tidy reads every
#      header a source includes (a source of only `#include <nlohmann/json.hpp>`
#      takes 9.6 s), so the whole tree took 24 of a CI run's 52 minutes (b882b96).
#      .ci/tidy-base names a commit whose whole tree passes: one whose CI run
#      passed (what it did not check had not changed since a base that
#      passed), or where LIT_TIDY_ALL=1 on a clean checkout passed (it says so).
#      Move it forward now and then, so that fewer sources are checked again.
# Usage: bash scripts/lint.sh BUILD_DIR   (BUILD_DIR holds compile_commands.json)
# Env: LIT_TIDY_FILES="a.cpp b.cpp" checks only those with clang-tidy;
#      LIT_TIDY_ALL=1 checks every source; LIT_TIDY=0 skips clang-tidy;
#      LIT_FORMAT_FIX=1 rewrites files instead of checking.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$repo/build}
cd "$repo"
rc=0

mapfile -t sources < <(git ls-files 'app/*.cpp' 'app/*.hpp' 'reconciler/*.cpp' 'reconciler/*.hpp' \
  'network/*.cpp' 'network/*.hpp' 'runtime/*.cpp' 'runtime/*.hpp' 'tests/*.cpp' 'tests/*.hpp')

echo "== clang-format: ${#sources[@]} files =="
if [ "${LIT_FORMAT_FIX:-0}" = 1 ]; then
  clang-format -i "${sources[@]}"
elif ! clang-format --dry-run -Werror "${sources[@]}"; then
  echo "lint: formatting differs from .clang-format; fix with: LIT_FORMAT_FIX=1 bash scripts/lint.sh" >&2
  rc=1
fi

if [ "${LIT_TIDY:-1}" != 0 ]; then
  if [ ! -f "$build/compile_commands.json" ]; then
    echo "lint: $build/compile_commands.json is missing (configure with cmake first)" >&2
    exit 1
  fi
  # The helpers' mains (bin/) are checked too; tests are not (gtest macros).
  mapfile -t all_files < <(git ls-files 'app/*.cpp' 'reconciler/*.cpp' 'network/*.cpp' 'runtime/*.cpp')
  base=$(tr -d '[:space:]' <.ci/tidy-base 2>/dev/null || true)
  if [ -n "${LIT_TIDY_FILES:-}" ]; then
    read -r -a tidy_files <<<"$LIT_TIDY_FILES"
    why="as asked (LIT_TIDY_FILES)"
  elif [ "${LIT_TIDY_ALL:-0}" = 1 ] || [ -z "$base" ] ||
    ! git cat-file -e "$base^{commit}" 2>/dev/null; then
    tidy_files=("${all_files[@]}")
    why="all"
    [ "${LIT_TIDY_ALL:-0}" = 1 ] || why="all: the base in .ci/tidy-base (${base:-none}) is not in this history"
  else
    mapfile -t tidy_files < <({ git diff --name-only "$base"; git ls-files --others --exclude-standard; } |
      python3 scripts/tidy_affected.py "${all_files[@]}")
    why="changed since ${base:0:12} or including a changed header (LIT_TIDY_ALL=1: all ${#all_files[@]})"
  fi
  # clang cannot read g++'s precompiled headers (the tests' and the fuzz
  # parsers' cmake_pch.hxx.gch): the same commands without them, in a copy.
  tidy_db=$build/clang-tidy
  mkdir -p "$tidy_db"
  python3 - "$build/compile_commands.json" "$tidy_db/compile_commands.json" <<'PY'
import json, re, sys
entries = json.load(open(sys.argv[1]))
for e in entries:
    if "arguments" in e:
        args, kept, i = e["arguments"], [], 0
        while i < len(args):
            if args[i] == "-include" and args[i + 1 : i + 2] and args[i + 1].endswith("cmake_pch.hxx"):
                i += 2
                continue
            if args[i] != "-Winvalid-pch":
                kept.append(args[i])
            i += 1
        e["arguments"] = kept
    if "command" in e:
        c = re.sub(r"\s-include\s+\S*cmake_pch\.hxx", "", e["command"])
        e["command"] = c.replace(" -Winvalid-pch", "")
json.dump(entries, open(sys.argv[2], "w"), indent=1)
PY
  jobs=$(nproc)
  echo "== clang-tidy: ${#tidy_files[@]} files, $jobs at a time; $why =="
  # g++'s -std=c++23 is c++2b to clang 14; g++-only warning flags are ignored.
  if [ "${#tidy_files[@]}" -eq 0 ]; then
    :
  elif ! printf '%s\n' "${tidy_files[@]}" | xargs -P "$jobs" -n 4 clang-tidy -p "$tidy_db" --quiet \
      --extra-arg=-std=c++2b --extra-arg=-Wno-unknown-warning-option --extra-arg=-Wno-c99-extensions --warnings-as-errors='*' \
      2> >(grep -v -E '^[0-9]+ warnings? (and [0-9]+ errors? )?generated\.$|^Suppressed [0-9]+ warnings' >&2); then
    echo "lint: clang-tidy found problems (above)" >&2
    rc=1
  elif [ "$why" = all ] && [ -z "$(git status --porcelain)" ]; then
    echo "clang-tidy: the whole tree passes at $(git rev-parse --short HEAD); it may be the base:" \
      "git rev-parse HEAD > .ci/tidy-base"
  fi
fi
exit "$rc"
