#!/usr/bin/env bash
# Accuracy drop under band-limited noise vs. its frequency (width 0.2 as the authors used; noise RMS: the command's
# default for its noise space, 0.16 on [0, 1] pixels, the authors' 0.7 with --noise-space normalized / --paper-compat).
# Usage: DATA_PATH=/path/to/imagenet/val ./scripts/evaluate_frequency_noise.sh [extra evaluate_frequency_noise.py args]
set -euo pipefail
source "$(dirname "$0")/_env.sh"
# DATA_PATH empty: Imagenette val, downloaded once into data/
MODELS="${MODELS:-vit_tiny_patch16_224,resnet50.tv_in1k}"
EPS="${EPS:-}"                        # empty: the default of the noise space (0.7 is normalised-space only)
WIDTH="${WIDTH:-0.2}"
# deliberate: --metrics topk,calibration (calibration columns beside accuracy)
"$PYTHON" -m intriguing freq-noise --models "$MODELS" ${DATA_PATH:+--data-path "$DATA_PATH"} \
  ${EPS:+--eps "$EPS"} --width "$WIDTH" --metrics topk,calibration "$@"
