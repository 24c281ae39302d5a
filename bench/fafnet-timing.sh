#!/usr/bin/env bash
# FAF-Net paper network (dilated ResNet-101, 257x257, random weights) on this CPU: seconds per
# training episode (the trainer's episodic step with SGD) and per query volume of SLICES slices
# (the evaluation protocol, one slice per forward pass). Prints JSON (dev.freqmed.bench.FafNetTiming).
# usage: bench/fafnet-timing.sh [EPISODES=3] [SLICES=30]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d bench/target/lib ] || [ ! -f bench/target/freqmed-bench-0.1.0-SNAPSHOT.jar ]; then
  mvn -B -q package -pl bench -am -DskipTests >&2
fi
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
# The host-memory settings of ./freqmed (docs/engine.md, "Host memory").
export THP_MEM_ALLOC_ENABLE="${THP_MEM_ALLOC_ENABLE:-1}"
export GLIBC_TUNABLES="${GLIBC_TUNABLES:-glibc.malloc.trim_threshold=4294967296:glibc.malloc.arena_max=1:glibc.malloc.mmap_max=0}"
exec java -Xmx8g -Dai.djl.offline=true -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -Dorg.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils=error \
  -cp "bench/target/freqmed-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*" \
  dev.freqmed.bench.FafNetTiming "${1:-3}" "${2:-30}"
