#!/usr/bin/env bash
# Installs every build and test dependency of lit from Debian's packages.
# Idempotent: safe to run again; apt-get skips what is already installed.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "setup.sh: run as root (it installs Debian packages)" >&2
  exit 1
fi

# (nftables: the CLI, only for tests that read lit's rules back; lit uses libnftables.
#  clang-format, clang-tidy: the lint checks of scripts/lint.sh.
#  docker-registry, skopeo, apache2-utils (htpasswd): the registry the pull
#  tests start on 127.0.0.1, how they seed it, and its basic auth.
#  uidmap, passt, slirp4netns: rootless lit (newuidmap/newgidmap, and the
#  session's way out to the host's networks).
#  apparmor: apparmor_parser, which compiles lit's default AppArmor profile;
#  tests check that it compiles even where the kernel has no AppArmor.
#  systemd: systemd-analyze, which checks the unit `lit systemd install` writes.
#  dbus-daemon: the private bus the D-Bus tests serve io.lit.Manager1 on.)
packages=(
  build-essential cmake pkg-config ninja-build
  libyaml-cpp-dev nlohmann-json3-dev
  libnl-3-dev libnl-route-3-dev libnftables-dev
  libseccomp-dev libapparmor-dev libsdbus-c++-dev
  libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libcli11-dev
  libarchive-dev libcurl4-openssl-dev libssl-dev zlib1g-dev
  busybox-static zstd gzip python3 python3-jsonschema python3-yaml
  iproute2 nftables util-linux procps curl
  clang-format clang-tidy
  docker-registry skopeo apache2-utils
  uidmap passt slirp4netns
  apparmor systemd dbus-daemon
)

# node and npm: the offline Kubernetes schema check of `lit convert kubernetes`
# (tests/kube). Debian's, unless a node with its npm is already installed.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  packages+=(nodejs npm)
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${packages[@]}"

# The validator's npm packages, pinned by tests/kube/package-lock.json.
bash "$(dirname "${BASH_SOURCE[0]}")/../tests/kube/setup.sh"
