#!/usr/bin/env bash
# Patch-shuffle sweep over the paper's grids for the DeiT-S vs ResNet-50 pair.
# Usage: DATA_PATH=/path/to/imagenet/val ./scripts/evaluate_shuffle.sh [extra evaluate_shuffle.py args]
set -euo pipefail
source "$(dirname "$0")/_env.sh"
# DATA_PATH empty: Imagenette val, downloaded once into data/
MODELS="${MODELS:-deit_small_patch16_224,resnet50.tv_in1k}"
RUNS="${RUNS:-5}"                     # deliberate: --runs 5, the paper averaged 5 random permutations
"$PYTHON" -m intriguing shuffle --models "$MODELS" ${DATA_PATH:+--data-path "$DATA_PATH"} --runs "$RUNS" "$@"
