#!/usr/bin/env bash
# Patch-shuffle sweep over the paper's grids for the DeiT-S vs ResNet-50 pair.
# Usage: DATA_PATH=/path/to/imagenet/val ./scripts/evaluate_shuffle.sh [extra evaluate_shuffle.py args]
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-$([ -x .venv/bin/python ] && echo .venv/bin/python || echo python3)}"
DATA_PATH="${DATA_PATH:-}"            # empty: Imagenette val, downloaded once into data/
MODELS="${MODELS:-deit_small_patch16_224,resnet50}"
RUNS="${RUNS:-5}"
"$PYTHON" evaluate_shuffle.py --models "$MODELS" ${DATA_PATH:+--data-path "$DATA_PATH"} --runs "$RUNS" "$@"
