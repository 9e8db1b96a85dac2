#!/usr/bin/env bash
# Cross-checks Sparq's ONNX exports (FP32 and INT8 QDQ) in ONNX Runtime, which Debian does not
# package: the npm package onnxruntime-node ships the CPU runtime in its tarball (its install
# script, which would download GPU builds, is skipped). Not part of ctest: it needs npm.
#
#   tests/bench/onnxruntime_check.sh build/dev/bin/sparq-cli            # trains 3 presets, 1 epoch
#   tests/bench/onnxruntime_check.sh build/dev/bin/sparq-cli DB RUN...   # runs of a history (the
#                                                   temporary exports are registered there too)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cli=$(realpath "$1"); shift
data=${SPARQ_DATA_DIR:-/usr/share/datasets/fashion-mnist}
command -v npm >/dev/null || { echo "onnxruntime_check: needs node and npm (apt-get install nodejs npm)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm install --silent --no-audit --no-fund --ignore-scripts onnxruntime-node@1.20.1 >/dev/null)
cp "$here/onnxruntime_check.js" "$work/"
run_id() { tail -1 | sed -n 's/.*"run_id":\([0-9]*\).*/\1/p'; }
if [ $# -ge 2 ]; then
  db=$1; shift; runs=("$@")
else
  db=$work/h.db; runs=()
  for preset in mlp-fashion cnn-fashion gated-mlp-fashion; do
    runs+=("$("$cli" train --preset $preset --epochs 1 --db "$db" --workspace "$work/ws" --json --quiet | run_id)")
  done
fi
for r in "${runs[@]}"; do
  for p in fp32 int8; do
    "$cli" export --run "$r" --precision $p --out "$work/run$r-$p.onnx" --db "$db" --json 2>/dev/null | tail -1 > "$work/run$r-$p.json"
    "$cli" export --run "$r" --precision $p --format bundle --out "$work/run$r-$p.sqb" --db "$db" --json >/dev/null 2>&1
    "$cli" infer --bundle "$work/run$r-$p.sqb" --input "$data/t10k-images-idx3-ubyte.gz" --json --logits > "$work/engine-run$r-$p.json"
  done
done
node "$work/onnxruntime_check.js" "$work" "$data/t10k-images-idx3-ubyte.gz" "${runs[@]}"
