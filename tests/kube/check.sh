#!/usr/bin/env bash
# `lit convert kubernetes` end to end, offline: converts the demo lit.yml,
# every examples/ project and the golden_kube projects (default, with a
# namespace, each Service type), validates every object against the
# Kubernetes OpenAPI schemas (validate.mjs), and checks the CLI's contract:
# a bad project fails with the loader's FILE:LINE:COL error, an untranslatable
# key is a warning naming file, line and key, --strict fails and writes
# nothing, -o DIR writes one file per object and refuses a file it did not write.
# Usage: check.sh LIT REPO
set -euo pipefail
lit=$1
repo=$2
here="$repo/tests/kube"
bash "$here/setup.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export LIT_ROOT="$tmp/root" LIT_RUN_ROOT="$tmp/run"
export API_TOKEN=example-token  # golden_kube/full's environment secret

fail() {
  echo "check.sh: $*" >&2
  exit 1
}

projects=("$repo/lit.yml")
for f in "$repo"/examples/*/lit.yml "$repo"/examples/*/compose.yaml \
  "$repo"/tests/unit/reconciler/golden_kube/*/compose.yaml; do
  [ -f "$f" ] && projects+=("$f")
done

n=0
for project in "${projects[@]}"; do
  for flags in "" "--namespace shop-ns" "--service-type NodePort" "--service-type LoadBalancer"; do
    # shellcheck disable=SC2086
    "$lit" convert kubernetes -f "$project" $flags >"$tmp/out.yaml" 2>"$tmp/err" ||
      fail "convert $project $flags: $(cat "$tmp/err")"
    (cd "$here" && node validate.mjs "$tmp/out.yaml" >/dev/null) ||
      fail "$project $flags: invalid manifests (above)"
    n=$((n + 1))
  done
done
echo "check.sh: $n conversions of ${#projects[@]} projects, every object valid"

# A bad project: the loader's error, with its place, and a failure.
mkdir -p "$tmp/bad"
printf 'services:\n  web:\n    image: x\n    ports: ["80:80:80"]\n' >"$tmp/bad/lit.yml"
if "$lit" convert kubernetes -f "$tmp/bad/lit.yml" >/dev/null 2>"$tmp/err"; then
  fail "a bad project converted"
fi
grep -q 'lit.yml:4:[0-9]*: services.web.ports\[0\]' "$tmp/err" || fail "bad project: $(cat "$tmp/err")"

# An untranslatable key: a warning with file, line and key; --strict: an error, nothing written.
mkdir -p "$tmp/priv"
printf 'services:\n  web:\n    image: x\n    privileged: true\n' >"$tmp/priv/lit.yml"
"$lit" convert kubernetes -f "$tmp/priv/lit.yml" >/dev/null 2>"$tmp/err" || fail "privileged: $(cat "$tmp/err")"
grep -q '^lit: warning: lit.yml:4:5: services.web.privileged: not translated' "$tmp/err" ||
  fail "no warning for privileged: $(cat "$tmp/err")"
if "$lit" convert kubernetes -f "$tmp/priv/lit.yml" --strict -o "$tmp/priv/out" 2>"$tmp/err"; then
  fail "--strict converted an untranslatable key"
fi
grep -q '^lit: error: lit.yml:4:5: services.web.privileged' "$tmp/err" || fail "--strict: $(cat "$tmp/err")"
[ ! -e "$tmp/priv/out" ] || fail "--strict wrote $tmp/priv/out"

# -o DIR: one file per object, written again in place; a file lit did not write is kept.
"$lit" convert kubernetes -f "$repo/lit.yml" -o "$tmp/dir" 2>/dev/null
[ -f "$tmp/dir/deployment-web.yaml" ] || fail "-o DIR: no deployment-web.yaml: $(ls "$tmp/dir")"
(cd "$here" && node validate.mjs "$tmp"/dir/*.yaml >/dev/null) || fail "-o DIR: invalid files"
"$lit" convert kubernetes -f "$repo/lit.yml" -o "$tmp/dir" 2>/dev/null || fail "-o DIR: a second run failed"
echo "kind: Mine" >"$tmp/dir/service-web.yaml"
if "$lit" convert kubernetes -f "$repo/lit.yml" -o "$tmp/dir" 2>"$tmp/err"; then
  fail "-o DIR replaced a file lit did not write"
fi
grep -q 'service-web.yaml exists and was not written by lit' "$tmp/err" || fail "-o DIR: $(cat "$tmp/err")"
[ "$(cat "$tmp/dir/service-web.yaml")" = "kind: Mine" ] || fail "-o DIR: the file was changed"
echo "check.sh: errors, warnings, --strict and -o DIR as documented"
