#!/usr/bin/env bash
# Per-head attention / attention-mask figures for a folder of images (or a VOC devkit, with ground truth).
# Usage: DATA_PATH=/path/to/images ./scripts/visualize_segmentation.sh [extra visualize_segmentation.py args]
set -euo pipefail
source "$(dirname "$0")/_env.sh"
# DATA_PATH empty: data/ (a VOCdevkit there, else its images)
MODELS="${MODELS:-deit_small_patch16_224}"
THRESHOLD="${THRESHOLD:-0.9}"
LIMIT="${LIMIT:-8}"                   # images to draw (evenly spaced)
"$PYTHON" -m intriguing segmentation-figures --models "$MODELS" ${DATA_PATH:+--data-path "$DATA_PATH"} \
  --threshold "$THRESHOLD" --limit "$LIMIT" "$@"
