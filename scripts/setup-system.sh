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
[ -z "$missing" ] && exit 0
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
echo "nnunet: installing$missing"
$sudo apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >/dev/null \
  || echo "nnunet: could not install$missing; continuing without the fast path"
exit 0
