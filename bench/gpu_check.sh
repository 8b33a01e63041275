#!/usr/bin/env bash
# The scale-out issue's GPU measurements in one go (about 4 minutes on an H100, estimated from earlier timings): the throughput bench at the
# README's settings (sweep vs bare forwards vs the original protocol, token vs pixel drop, host syncs) and the
# segmentation bench at 512 px, batch 1 vs 32 vs the original's batch-1 loop, in fp32 and in bf16. Prints measured figures only; with
# OUT set, also writes them to $OUT/gpu_check.txt. Run from the repository root after the README's setup.
#   bash bench/gpu_check.sh            # or: PY=python bash bench/gpu_check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
LOG="${OUT:-/tmp}/gpu_check.txt"
{
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
  "$PY" -c "import torch, timm; print('torch', torch.__version__, 'timm', timm.__version__)"
  "$PY" bench/throughput.py --model deit_small_patch16_224=random --images 3925 --batch-size 512 --workers 14 \
      --runs 5 --precision amp --device cuda
  "$PY" bench/segmentation.py --model deit_small_patch16_224=random --input-size 512 --images 64 \
      --batch-sizes 1 32 --device cuda
  # the same in bf16 (--precision amp): where fp32 arithmetic, not the code, bounds the batch-32 figure
  "$PY" bench/segmentation.py --model deit_small_patch16_224=random --input-size 512 --images 64 \
      --batch-sizes 1 32 --device cuda --precision amp --levels 1
} 2>&1 | tee "$LOG"
