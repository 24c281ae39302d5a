#!/usr/bin/env bash
# Throughput of `freqmed batch` on the embedded Spark with one and with two task slots, for
# FRCU-Net (demo recipe) and FSANet (configs/fsanet-drive-cpu.yaml), over the bundled PH2 images.
# Models are trained for one epoch first unless given (weights do not change the speed).
# Prints images/s of the prediction stage per model and master, and the local[2]/local[1] ratio.
# usage: bench/batch-scaling.sh [FRCUNET_MODEL_DIR] [FSANET_MODEL_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/images"
cp testdata/ph2/images/*.jpg "$work/images/"
n="$(ls "$work/images" | wc -l)"
train() { # arch config -> model dir
  local cfg="$2" run="$work/run-$1"
  ./freqmed train --config "$cfg" --epochs 1 --output "$run" >/dev/null 2>&1
  echo "$run/model"
}
frcunet="${1:-$(train frcunet configs/frcunet-ph2-demo.yaml)}"
fsanet="${2:-$(train fsanet configs/fsanet-drive-cpu.yaml)}"
echo "| model | images | master | prediction stage images/s |"
echo "|---|---|---|---|"
for m in frcunet fsanet; do
  dir="$frcunet"; [ "$m" = fsanet ] && dir="$fsanet"
  declare -A ips
  for slots in 1 2; do
    line="$(./freqmed batch --model "$dir" --input "$work/images" --output "$work/out-$m-$slots" \
      --master "local[$slots]" 2>/dev/null | grep 'images/s')"
    ips[$slots]="$(sed -n 's/.*(\([0-9.]*\) images\/s).*/\1/p' <<<"$line")"
    echo "| $m | $n | local[$slots] | ${ips[$slots]} |"
  done
  python3 -c "print('| $m | | local[2] / local[1] | %.2f |' % (${ips[2]} / ${ips[1]}))"
done
