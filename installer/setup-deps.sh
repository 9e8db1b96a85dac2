#!/usr/bin/env bash
# Installs every Debian package Sparq needs to build, run and test.
# Idempotent and non-interactive; run as root (or through sudo) on Debian 12.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git
  # engine: LibTorch (CPU) with an optimised BLAS. Without libopenblas0-openmp LibTorch
  # falls back to the reference BLAS and matrix products run about 40x slower.
  libtorch-dev libopenblas0-openmp libopenblas-openmp-dev zlib1g-dev
  # libraries
  libsqlite3-dev sqlite3 nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev
  # tests and benchmarks (python3-torch is the same LibTorch, for the eager baseline)
  libgtest-dev libgmock-dev libbenchmark-dev python3-torch
  # GUI
  qt6-base-dev libqcustomplot-dev libqcustomplot2.1-qt6 libgl-dev fonts-dejavu-core
  # data
  dataset-fashion-mnist
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "setup-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "setup-deps: done"
