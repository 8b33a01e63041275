#!/usr/bin/env bash
# Per-block accuracy (each block's class token through the model's head) on clean, PatchDropped and shuffled
# images for the paper's DeiT-S; a CNN in MODELS is reported as not applicable.
# Usage: DATA_PATH=/path/to/imagenet/val ./scripts/evaluate_per_block.sh [extra evaluate_per_block.py args]
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-$([ -x .venv/bin/python ] && echo .venv/bin/python || echo python3)}"
DATA_PATH="${DATA_PATH:-}"            # empty: Imagenette val, downloaded once into data/
MODELS="${MODELS:-deit_small_patch16_224}"
RUNS="${RUNS:-1}"
"$PYTHON" evaluate_per_block.py --models "$MODELS" ${DATA_PATH:+--data-path "$DATA_PATH"} --runs "$RUNS" "$@"
