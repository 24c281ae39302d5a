#!/usr/bin/env bash
# Training and inference throughput of FRCU-Net (demo network and paper network) and FSANet with
# each convolution path: the engine's own (oneDNN), oneDNN switched off (native), the padded
# oneDNN path, im2col, and what the engine self-test chose on this machine (auto).
# Prints one JSON line per run and a Markdown table at the end.
# usage: bench/conv-paths.sh [STEPS=2] [PATHS="engine native padded im2col auto"]
set -euo pipefail
cd "$(dirname "$0")/.."
steps="${1:-2}"
paths="${2:-engine native padded im2col auto}"
out="$(mktemp)"
run() { # label, path, freqmed bench arguments...
  local label="$1" path="$2"; shift 2
  local json
  json="$(./freqmed bench "$@" --conv-path "$path" --steps "$steps" 2>/dev/null | tr -d '\n')"
  echo "$json"
  python3 - "$label" "$path" "$json" >> "$out" <<'PY'
import json, sys
label, path, j = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
print(f"| {label} | {path} | {j.get('inference_images_per_second', 0):.3g} | "
      f"{j.get('train_images_per_second', 0):.3g} | {j['peak_rss_mib']:.0f} | {j['conv_routing']} |")
PY
}
for p in $paths; do
  run "FRCU-Net demo 128², batch 8" "$p" --arch frcunet --preset cpu --size 128 --batch 8 \
      --set widthMultiplier=0.125 --set middleBlocks=2
  run "FRCU-Net paper 256², batch 2" "$p" --arch frcunet --preset paper --size 256 --batch 2
  run "FSANet paper 352², batch 2" "$p" --arch fsanet --preset paper --size 352 --batch 2
done
echo
lscpu | grep -m1 'Model name' || true
echo "| network | conv path | inference img/s | training img/s | peak RSS MiB | routing |"
echo "|---|---|---|---|---|---|"
sort "$out"
rm -f "$out"
