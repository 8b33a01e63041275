#!/usr/bin/env bash
# 2-D filter-normalised loss landscape (NLL + L2, augmented and clean batches) of each model.
# Usage: DATA_PATH=/path/to/train MODELS=cifar10_resnet20,cifar10_resnet56 ./scripts/landscape.sh [extra plot_landscape.py args]
#   e.g. ./scripts/landscape.sh --points 11 --span 0.5 --batches 2      (quick look)
#        ./scripts/landscape.sh --dims 1 --points 51                     (1-D curve)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-$([ -x .venv/bin/python ] && echo .venv/bin/python || echo python3)}"
DATA_PATH="${DATA_PATH:-}"            # empty: Imagenette val in data/ (point it at a *training* split)
MODELS="${MODELS:-vit_tiny_patch16_224,resnet50.tv_in1k}"   # Park & Kim's ViT-Ti vs ResNet-50
"$PYTHON" plot_landscape.py --models "$MODELS" ${DATA_PATH:+--data-path "$DATA_PATH"} "$@"
