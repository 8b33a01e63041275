#!/usr/bin/env bash
# Accuracy drop under band-limited noise vs. its frequency (eps 0.7, width 0.2 as the authors used).
# Usage: DATA_PATH=/path/to/imagenet/val ./scripts/evaluate_frequency_noise.sh [extra evaluate_frequency_noise.py args]
set -euo pipefail
source "$(dirname "$0")/_env.sh"
# DATA_PATH empty: Imagenette val, downloaded once into data/
MODELS="${MODELS:-vit_tiny_patch16_224,resnet50.tv_in1k}"
EPS="${EPS:-0.7}"
WIDTH="${WIDTH:-0.2}"
"$PYTHON" -m intriguing freq-noise --models "$MODELS" ${DATA_PATH:+--data-path "$DATA_PATH"} \
  --eps "$EPS" --width "$WIDTH" --metrics topk,calibration "$@"
