#!/usr/bin/env bash
# Clean-vs-occluded feature correlation per block for the paper's DeiT-S vs ResNet-50 pair.
# Usage: DATA_PATH=/path/to/imagenet/val ./scripts/evaluate_feature_correlation.sh [extra args]
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-$([ -x .venv/bin/python ] && echo .venv/bin/python || echo python3)}"
DATA_PATH="${DATA_PATH:-}"            # empty: Imagenette val, downloaded once into data/
MODELS="${MODELS:-deit_small_patch16_224,resnet50.tv_in1k}"
RUNS="${RUNS:-1}"
"$PYTHON" evaluate_feature_correlation.py --models "$MODELS" ${DATA_PATH:+--data-path "$DATA_PATH"} --runs "$RUNS" "$@"
