#!/usr/bin/env bash
# ImageNet-C: 15 corruptions x 5 severities, on the fly from clean images (or CORRUPTED_PATH = ImageNet-C /
# CIFAR-10-C folder), with calibration columns; prints per-corruption error, mCE and relative mCE.
# Usage: DATA_PATH=/path/to/imagenet/val ./scripts/evaluate_corruptions.sh [extra evaluate_corruptions.py args]
set -euo pipefail
source "$(dirname "$0")/_env.sh"
# DATA_PATH clean images; empty: Imagenette val, downloaded once into data/
CORRUPTED_PATH="${CORRUPTED_PATH:-}"  # empty: generate corruptions on the fly
MODELS="${MODELS:-deit_small_patch16_224,resnet50.tv_in1k}"
# deliberate: --metrics topk,calibration (calibration columns beside accuracy and mCE)
"$PYTHON" -m intriguing corruption --models "$MODELS" ${DATA_PATH:+--data-path "$DATA_PATH"} \
  ${CORRUPTED_PATH:+--corrupted-path "$CORRUPTED_PATH"} --metrics topk,calibration "$@"
