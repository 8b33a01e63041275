#!/usr/bin/env bash
# Hessian spectra of each model: top-k eigenvalues, max eigenvalue per mini-batch, trace, SLQ density (fp32).
# Usage: DATA_PATH=/path/to/train MODELS=cifar10_resnet20,cifar10_resnet56 ./scripts/hessian.sh [extra analyze_hessian.py args]
#   e.g. ./scripts/hessian.sh --measures spectrum --batches 32      (Park & Kim's max-eigenvalue spectrum)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-$([ -x .venv/bin/python ] && echo .venv/bin/python || echo python3)}"
DATA_PATH="${DATA_PATH:-}"            # empty: Imagenette val in data/ (point it at a *training* split)
MODELS="${MODELS:-vit_tiny_patch16_224,resnet50.tv_in1k}"   # Park & Kim's ViT-Ti vs ResNet-50
"$PYTHON" analyze_hessian.py --models "$MODELS" ${DATA_PATH:+--data-path "$DATA_PATH"} "$@"
