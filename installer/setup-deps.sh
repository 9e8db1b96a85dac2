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
  # model export: ONNX protobuf definitions, checker and shape inference; SHA-256 for bundles
  libonnx-dev libprotobuf-dev libssl-dev
  # tests and benchmarks (python3-torch is the same LibTorch, for the eager baseline)
  libgtest-dev libgmock-dev libbenchmark-dev python3-torch
  # the other CPU-bound process of tests/bench/share_machine.sh
  stress-ng
  # GUI
  qt6-base-dev qt6-svg-dev libqcustomplot-dev libqcustomplot2.1-qt6 libgl-dev fonts-dejavu-core
  # data
  dataset-fashion-mnist
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-deps: all ${#packages[@]} packages already installed"
else
  echo "setup-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# LibTorch threads with OpenMP: make the OpenMP OpenBLAS the system BLAS even when another
# variant (pthread, reference) was installed before, which the alternatives would prefer.
arch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
for alt in libblas.so.3 liblapack.so.3 libopenblas.so.0; do
  target=/usr/lib/$arch/openblas-openmp/$alt
  if [ -e "$target" ] && [ "$(readlink -f /usr/lib/$arch/$alt)" != "$(readlink -f "$target")" ]; then
    $SUDO update-alternatives --quiet --set "$alt-$arch" "$target"
  fi
done
echo "setup-deps: done (BLAS: $(readlink -f /usr/lib/$arch/libblas.so.3))"
