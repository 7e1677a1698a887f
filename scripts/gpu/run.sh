#!/bin/bash
# Device-side script (no Node, no network there): runs the bundled GPU benchmark built by
# scripts/gpu/build-bundle.mjs into .gpu/bench, with the node binary the caller unpacked to /tmp/node and the
# Vulkan loader/ICD set up by the caller. Logs go to $OUT.
set -o pipefail
here="$(cd "$(dirname "$0")" && pwd)"
OUT="${OUT:-/tmp/out}"; mkdir -p "$OUT"
NODE="${NODE:-/tmp/node}"
export PYTHONUNBUFFERED=1 NNUNET_BACKEND=webgpu BENCH_GPU_PROFILE="${BENCH_GPU_PROFILE:-1}" BENCH_GPU_STEPS="${BENCH_GPU_STEPS:-3}"
# exposes Dawn's experimental features (shader-f16 where the driver has it, subgroup matrices) so the adapter
# facts show what this GPU offers
export NNUNET_DAWN_TOGGLES="${NNUNET_DAWN_TOGGLES:-enable-dawn-features=allow_unsafe_apis,vulkan_enable_f16_on_nvidia}"
# the conv tuner's choices land in $OUT, so they come back and show what this GPU picked per shape
export NNUNET_CONV_TUNING="${NNUNET_CONV_TUNING:-$OUT/conv-tuning.json}"
{ nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv; python3 -c 'import torch; print("torch", torch.__version__, torch.version.cuda)'; "$NODE" --version; } 2>&1 | tee "$OUT/env.txt"
# the conv microbenchmark first, briefly (each conv line is printed as measured, so a timeout still leaves figures)
cd "$here/bench" && BENCH_CONV_REPS="${BENCH_CONV_REPS:-2}" timeout "${BENCH_CONV_TIMEOUT:-120}" "$NODE" gpu.mjs --conv 2>&1 | grep -v 'shaderUniform\|While initializing adapter\|InitializeImpl\|^$' | tee "$OUT/conv.log"
echo "exit ${PIPESTATUS[0]}" | tee -a "$OUT/conv.log"
timeout "${BENCH_TIMEOUT:-330}" "$NODE" gpu.mjs 2>&1 | grep -v 'shaderUniform\|While initializing adapter\|InitializeImpl\|^$' | tee "$OUT/bench.log"
echo "exit ${PIPESTATUS[0]}" | tee -a "$OUT/bench.log"
# the conv tuner's effect: the Hippocampus plan again with the GEMM only (the run above tunes: auto on a real GPU)
BENCH_GPU_CONFIGS=hippocampus BENCH_GPU_LOADER=0 BENCH_GPU_PROFILE=0 BENCH_GPU_TORCH=0 NNUNET_CONV_ALGO=gemm timeout "${BENCH_GEMM_TIMEOUT:-60}" "$NODE" gpu.mjs 2>&1 | grep -v 'shaderUniform\|While initializing adapter\|InitializeImpl\|^$' | tee "$OUT/bench-gemm-only.log"
echo "exit ${PIPESTATUS[0]}" | tee -a "$OUT/bench-gemm-only.log"
# mixed precision's effect: the GEMM-only run again in f32, against bench-gemm-only.log, which took f16 convs where
# the adapter offers shader-f16 (NNUNET_AMP=auto; env.txt and the logs' first line say which)
BENCH_GPU_CONFIGS=hippocampus BENCH_GPU_LOADER=0 BENCH_GPU_PROFILE=0 BENCH_GPU_TORCH=0 NNUNET_CONV_ALGO=gemm NNUNET_AMP=off timeout "${BENCH_F32_TIMEOUT:-60}" "$NODE" gpu.mjs 2>&1 | grep -v 'shaderUniform\|While initializing adapter\|InitializeImpl\|^$' | tee "$OUT/bench-f32.log"
echo "exit ${PIPESTATUS[0]}" | tee -a "$OUT/bench-f32.log"
