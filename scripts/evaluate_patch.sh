#!/usr/bin/env bash
# Universal adversarial patches (5/15/25% of the image) for a ViT and a CNN, evaluated on each other.
# Usage: DATA_PATH=/path/to/imagenet/val TRAIN_PATH=/path/to/imagenet/train ./scripts/evaluate_patch.sh [extra args]
set -euo pipefail
source "$(dirname "$0")/_env.sh"
MODELS="${MODELS:-deit_small_patch16_224,resnet50.tv_in1k}"
: "${TRAIN_PATH:?set TRAIN_PATH to a folder of training images (class sub-folders) to learn the patches on}"
LIMIT="${LIMIT:-1000}"                 # deliberate: --limit 1000 evaluation images
# deliberate: --transfer, every patch evaluated on the other models too (the paper's transfer)
"$PYTHON" -m intriguing patch --models "$MODELS" ${DATA_PATH:+--data-path "$DATA_PATH"} --train-path "$TRAIN_PATH" \
  --limit "$LIMIT" --transfer "$@"
