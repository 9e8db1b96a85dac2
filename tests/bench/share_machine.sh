#!/usr/bin/env bash
# A training job beside one other CPU-bound process (docs/BENCHMARKS.md, "Sharing the machine").
# Runs `train --preset mlp-fashion --epochs 1` idle and beside `stress-ng --cpu 1` (a shell busy
# loop when stress-ng is missing), with Sparq's OpenMP settings and with OpenMP's defaults
# (SPARQ_OPENMP=off), alternated ROUNDS times in one run; prints samples/s and busy/idle ratios.
#   tests/bench/share_machine.sh [path/to/sparq-cli] [rounds]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cli=${1:-$here/../../build/ci/bin/sparq-cli}
rounds=${2:-3}
export SPARQ_PRESET_DIR=${SPARQ_PRESET_DIR:-$here/../../resources/presets}
work=$(mktemp -d)
trap 'rm -rf "$work"; [ -n "${busy:-}" ] && kill "$busy" 2>/dev/null || true' EXIT
unset OMP_WAIT_POLICY GOMP_SPINCOUNT KMP_BLOCKTIME SPARQ_OPENMP

rate() {  # $1: SPARQ_OPENMP value ("" = Sparq's settings, off = OpenMP's defaults)
  SPARQ_OPENMP=$1 "$cli" train --preset mlp-fashion --epochs 1 --db "$work/h.db" --workspace "$work/runs" \
    --quiet --json | tail -n 1 | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["train_samples_per_s"]))'
}
load_on() {
  if command -v stress-ng >/dev/null; then stress-ng --cpu 1 --quiet & else sh -c 'while :; do :; done' & fi
  busy=$!
  sleep 1
}
load_off() { kill "$busy"; wait "$busy" 2>/dev/null || true; busy=; }

echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; other load: $(command -v stress-ng >/dev/null && echo 'stress-ng --cpu 1' || echo 'a shell busy loop')"
for i in $(seq "$rounds"); do
  for mode in "" off; do
    idle=$(rate "$mode")
    load_on
    shared=$(rate "$mode")
    load_off
    python3 -c "import sys; i, s = int(sys.argv[2]), int(sys.argv[3]); print(f'round {sys.argv[1]}  {sys.argv[4]:<22} idle {i:6d} samples/s  beside the other process {s:6d} samples/s  ratio {s / i:.2f}')" \
      "$i" "$idle" "$shared" "$([ -z "$mode" ] && echo "Sparq's OpenMP" || echo "OpenMP's defaults")"
  done
done
