#!/usr/bin/env bash
# Feature-drop lesion for the paper's DeiT-T (blocks 0 2 4 8 10) vs ResNet-50 (stages 1..5) pair.
# Usage: DATA_PATH=/path/to/imagenet/val ./scripts/evaluate_lesion.sh [extra evaluate_lesion.py args]
# The original's rule (tokens zeroed, one draw per batch): ./scripts/evaluate_lesion.sh --paper-compat
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-$([ -x .venv/bin/python ] && echo .venv/bin/python || echo python3)}"
DATA_PATH="${DATA_PATH:-}"            # empty: Imagenette val, downloaded once into data/
MODELS="${MODELS:-deit_tiny_patch16_224,resnet50.tv_in1k}"
RUNS="${RUNS:-1}"
"$PYTHON" evaluate_lesion.py --models "$MODELS" ${DATA_PATH:+--data-path "$DATA_PATH"} --runs "$RUNS" "$@"
