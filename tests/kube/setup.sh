#!/usr/bin/env bash
# Installs the offline Kubernetes schema validator (tests/kube/package.json,
# pinned by package-lock.json: kubernetes-models and yaml) into
# tests/kube/node_modules with `npm ci`. Idempotent: skipped when the
# installed tree matches the lock file. Needs node and npm (scripts/setup.sh).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here"
stamp=node_modules/.lit-lock-sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "tests/kube/setup.sh: npm is missing (run scripts/setup.sh as root)" >&2
  exit 1
fi
npm ci --no-audit --no-fund --loglevel=error
echo "$want" >"$stamp"
