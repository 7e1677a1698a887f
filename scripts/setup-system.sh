#!/usr/bin/env bash
# Installs the Debian packages the fast CPU path needs (oneDNN headers, built into our addon during npm ci).
# Safe to rerun; skips what is present; never fails the caller: without oneDNN the project still runs on
# pure tfjs (slowly), and `nnunet doctor` says so.
set -u
pkgs="libdnnl-dev"
# extras: NNUNET_WITH_PYTHON=1 for golden-fixture generators and the PyTorch benchmarks,
# NNUNET_WITH_CHROMIUM=1 for the headless-browser tests and the WebGPU tests (SwiftShader's Vulkan driver ships
# with chromium; libvulkan1 is the loader), NNUNET_WITH_SLURM=1 for the one-node Slurm
# cluster the executor tests start (test/slurm/cluster.sh)
[ "${NNUNET_WITH_PYTHON:-0}" = "1" ] && pkgs="$pkgs python3-scipy python3-skimage python3-nibabel python3-torch"
[ "${NNUNET_WITH_CHROMIUM:-0}" = "1" ] && pkgs="$pkgs chromium libvulkan1"
[ "${NNUNET_WITH_SLURM:-0}" = "1" ] && pkgs="$pkgs slurm-wlm munge"
missing=""
for p in $pkgs; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
# NNUNET_WITH_F16_VULKAN=1: Mesa's lavapipe >= 24, a CPU Vulkan driver with shader-f16, for the mixed-precision WebGPU
# tests (SwiftShader has no f16). Debian 12 ships Mesa 22 (too old for Dawn), so it comes from bookworm-backports.
f16_vulkan=0
if [ "${NNUNET_WITH_F16_VULKAN:-0}" = "1" ] && command -v dpkg-query >/dev/null 2>&1; then
  mesa="$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true)"
  { [ -n "$mesa" ] && dpkg --compare-versions "$mesa" ge 24; } || f16_vulkan=1
fi
[ -z "$missing" ] && [ "$f16_vulkan" = "0" ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "nnunet: not a Debian/Ubuntu system; install oneDNN yourself for the fast path (brew install onednn / conda install onednn)"
  exit 0
fi
sudo=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "nnunet: run as root or install sudo to get$missing (fast path); continuing without it"; exit 0
  fi
fi
target=""
if [ "$f16_vulkan" = "1" ] && grep -q 'VERSION_CODENAME=bookworm' /etc/os-release 2>/dev/null; then
  target="-t bookworm-backports"
  grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/ || printf '%s\n' 'Types: deb' \
    'URIs: http://deb.debian.org/debian' 'Suites: bookworm-backports' 'Components: main' \
    'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' | $sudo tee /etc/apt/sources.list.d/nnunet-backports.sources >/dev/null
fi
# one index update for both installs (the backports source, when added, is in it)
if ! $sudo apt-get update -qq >/dev/null; then
  echo "nnunet: apt-get update failed; continuing without$missing$([ "$f16_vulkan" = "1" ] && echo ' mesa-vulkan-drivers')"
  exit 0
fi
if [ -n "$missing" ]; then
  echo "nnunet: installing$missing"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >/dev/null \
    || echo "nnunet: could not install$missing; continuing without the fast path"
fi
if [ "$f16_vulkan" = "1" ]; then
  echo "nnunet: installing mesa-vulkan-drivers (lavapipe with shader-f16)${target:+ from bookworm-backports}"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $target mesa-vulkan-drivers >/dev/null \
    || echo "nnunet: could not install mesa-vulkan-drivers; the mixed-precision WebGPU tests will skip"
fi
exit 0
