#!/usr/bin/env bash
# Clean top-1 / top-5 (+ calibration) under distribution shift, one table for every model and test set.
# Set the folders you have (unset ones are skipped):
#   DATA_PATH=/data/imagenet/val IMAGENET_A=/data/imagenet-a IMAGENET_R=/data/imagenet-r \
#   IMAGENET_SKETCH=/data/sketch IMAGENET_V2=/data/imagenetv2-matched-frequency \
#   STYLIZED=/data/stylized-imagenet/val IMAGENET_C=/data/imagenet-c ./scripts/validate.sh [extra args]
set -euo pipefail
source "$(dirname "$0")/_env.sh"
MODELS="${MODELS:-deit_small_patch16_224,resnet50.tv_in1k}"
# deliberate: --metrics topk,calibration (the table shows ECE beside top-1)
SETS=()
[ -n "${DATA_PATH:-}" ] && SETS+=("val=$DATA_PATH")
[ -n "${IMAGENET_A:-}" ] && SETS+=("imagenet-a=$IMAGENET_A")            # 200 classes: logits restricted
[ -n "${IMAGENET_R:-}" ] && SETS+=("imagenet-r=$IMAGENET_R")            # 200 classes: logits restricted
[ -n "${IMAGENET_SKETCH:-}" ] && SETS+=("sketch=$IMAGENET_SKETCH")
[ -n "${IMAGENET_V2:-}" ] && SETS+=("imagenet-v2=$IMAGENET_V2")         # folders 0..999
[ -n "${STYLIZED:-}" ] && SETS+=("stylized=$STYLIZED")
[ -n "${IMAGENET_C:-}" ] && SETS+=("imagenet-c=$IMAGENET_C")            # <corruption>/<severity>/<wnid>/
if [ ${#SETS[@]} -eq 0 ]; then
  "$PYTHON" -m intriguing validate --models "$MODELS" --metrics topk,calibration "$@"   # Imagenette val
else
  "$PYTHON" -m intriguing validate --models "$MODELS" --metrics topk,calibration --sets "${SETS[@]}" "$@"
fi
