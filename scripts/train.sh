#!/usr/bin/env bash
# Train a model with DeiT's recipe (timm parts) on an ImageNet-style folder, e.g. Stylized ImageNet.
# Usage: DATA_PATH=/path/to/train VAL_PATH=/path/to/val ./scripts/train.sh [extra intriguing train args]
#   shape token: ./scripts/train.sh --models deit_tiny_distilled_patch16_224 --teacher resnet50_sin=PATH --distillation hard
#   the paper's SIN models were trained without augmentation: add --no-aug
#   several GPUs: torchrun --nproc-per-node 8 -m intriguing train ... (see docs/training.md)
set -euo pipefail
source "$(dirname "$0")/_env.sh"
MODELS="${MODELS:-deit_tiny_patch16_224}"
VAL_PATH="${VAL_PATH:-}"
EPOCHS="${EPOCHS:-300}"
"$PYTHON" -m intriguing train --models "$MODELS" ${DATA_PATH:+--data-path "$DATA_PATH"} \
  ${VAL_PATH:+--val-path "$VAL_PATH"} --epochs "$EPOCHS" "$@"
