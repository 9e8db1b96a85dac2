#!/usr/bin/env bash
# Side-by-side training throughput: sparq-cli bench train vs the same model in PyTorch eager
# on the same LibTorch (Debian's python3-torch). Alternates the two ROUNDS times in one run
# and prints each figure and the ratio (sparq / eager). Usage:
#   tests/bench/compare_train.sh [path/to/sparq-cli] [rounds]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cli=${1:-$here/../../build/ci/bin/sparq-cli}
rounds=${2:-3}
py=/usr/bin/python3
for i in $(seq "$rounds"); do
  s=$("$cli" bench train --preset mlp-fashion --threads 2 --json | tail -n 1)
  e=$("$py" "$here/train_eager.py" --threads 2 | tail -n 1)
  "$py" - "$s" "$e" <<'PY'
import json, sys
s, e = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"sparq {s['samples_per_s']:.0f} samples/s ({s['step_ms']:.3f} ms/step)  "
      f"eager {e['samples_per_s']:.0f} samples/s ({e['step_ms']:.3f} ms/step)  "
      f"ratio {s['samples_per_s'] / e['samples_per_s']:.3f}")
PY
done
