#!/usr/bin/env bash
# The figures of docs/BENCHMARKS.md's quantization section, in one go. Run on an idle machine:
#   tests/bench/quantize_figures.sh build/dev/bin/sparq-cli MLP_CKPT CNN_CKPT GATED_CKPT [OUT_DIR]
# Each checkpoint is a trained float run's checkpoint.pt (sparq-cli train --preset ...).
set -euo pipefail
cli=$1 mlp=$2 cnn=$3 gated=$4 out=${5:-/tmp/sparq-quant-figures}
mkdir -p "$out"
db="$out/h.db" ws="$out/ws"
for pair in "mlp:$mlp" "cnn:$cnn" "gated:$gated"; do
  name=${pair%%:*} ckpt=${pair#*:}
  for mode in ptq qat; do
    "$cli" quantize --checkpoint "$ckpt" --mode "$mode" --seconds 2 --db "$db" --workspace "$ws" --quiet --json \
      | tail -1 > "$out/$name-$mode.json"
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(sys.argv[2], {k: (round(v,4) if isinstance(v,float) else v) for k,v in d.items() if k not in ('layers',)})" "$out/$name-$mode.json" "$name-$mode"
  done
done
for preset in mlp-fashion cnn-fashion gated-mlp-fashion; do
  "$cli" bench int8 --preset "$preset" --seconds 2 --json | tail -1 > "$out/bench-$preset.json"
  cat "$out/bench-$preset.json"; echo
done
