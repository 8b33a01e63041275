#!/usr/bin/env bash
# PatchDrop occlusion sweep (random + offset drop) for the paper's DeiT-S vs ResNet-50 pair.
# Usage: DATA_PATH=/path/to/imagenet/val ./scripts/evaluate_occlusion.sh [extra evaluate_occlusion.py args]
# Salient / non-salient drop (DINO attention) in the same pass:
#   ./scripts/evaluate_occlusion.sh --drop random salient non-salient --saliency-model vit_small_patch16_224.dino
# (extra args come last, so a second --drop replaces this script's default)
set -euo pipefail
source "$(dirname "$0")/_env.sh"
# DATA_PATH empty: Imagenette val, downloaded once into data/
MODELS="${MODELS:-deit_small_patch16_224,resnet50.tv_in1k}"
RUNS="${RUNS:-5}"                     # deliberate: --runs 5, the paper averaged 5 random runs
# deliberate: --drop random random-offset, the paper's two random PatchDrop curves in one pass
"$PYTHON" -m intriguing occlusion --models "$MODELS" ${DATA_PATH:+--data-path "$DATA_PATH"} \
  --drop random random-offset --runs "$RUNS" "$@"
