#!/usr/bin/env bash
# Accuracy drop under band-limited noise vs. its frequency (eps 0.7, width 0.2 as the authors used).
# Usage: DATA_PATH=/path/to/imagenet/val ./scripts/evaluate_frequency_noise.sh [extra evaluate_frequency_noise.py args]
set -euo pipefail
cd "$(dirname "$0")/.."
DATA_PATH="${DATA_PATH:-}"            # empty: Imagenette val, downloaded once into data/
MODELS="${MODELS:-vit_tiny_patch16_224,resnet50}"
EPS="${EPS:-0.7}"
WIDTH="${WIDTH:-0.2}"
python evaluate_frequency_noise.py --models "$MODELS" ${DATA_PATH:+--data-path "$DATA_PATH"} \
  --eps "$EPS" --width "$WIDTH" --metrics topk,calibration "$@"
