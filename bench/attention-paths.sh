#!/usr/bin/env bash
# Training and inference throughput and peak memory of the networks with attention, with the
# engine's fused attention kernel and with the explicit path (matrix products and softmax).
# FPNuNet's paper network (394 M parameters, 128², batch 2) trains on the fused kernel only: on
# the explicit path its type decoder's 16,384-token attention needs more memory than 24 GB.
# Prints one JSON line per run and a Markdown table at the end.
# usage: bench/attention-paths.sh [STEPS=2] [PATHS="explicit fused"]
set -euo pipefail
cd "$(dirname "$0")/.."
steps="${1:-2}"
paths="${2:-explicit fused}"
out="$(mktemp)"
run() { # label, attention path, freqmed bench arguments...
  local label="$1" path="$2"; shift 2
  local json
  json="$(./freqmed bench "$@" --attention "$path" --steps "$steps" 2>/dev/null | tr -d '\n')"
  echo "$json"
  python3 - "$label" "$json" >> "$out" <<'PY'
import json, sys
label, j = sys.argv[1], json.loads(sys.argv[2])
train = j.get('train_images_per_second', 0)
print(f"| {label} | {j['attention']} | {j.get('inference_images_per_second', 0):.3g} | "
      f"{train:.3g} | {j['peak_rss_mib']:.0f} |")
PY
}
cpu=(--arch fpnunet --preset cpu --size 64 --batch 4 --set trainEncoders=true --set pixelSkip=true)
for p in $paths; do
  run "FPNuNet CPU recipe 64², batch 4, keys pooled to 16²" "$p" "${cpu[@]}" --set keyGrid=16
  run "FPNuNet CPU preset 64², batch 4, every key" "$p" "${cpu[@]}" --set keyGrid=0
  run "FSANet paper 352², batch 2" "$p" --arch fsanet --preset paper --size 352 --batch 2
  if [ "$p" = fused ]; then
    run "FPNuNet paper 128², batch 2" "$p" --arch fpnunet --preset paper --size 128 --batch 2
  else
    run "FPNuNet paper 128², batch 2 (inference only)" "$p" --arch fpnunet --preset paper \
        --size 128 --batch 2 --no-train
  fi
done
echo
lscpu | grep -m1 'Model name' || true
echo "| network | attention | inference img/s | training img/s | peak RSS MiB |"
echo "|---|---|---|---|---|"
sort "$out"
rm -f "$out"
