#!/usr/bin/env bash
# Shape bias on Geirhos et al.'s cue-conflict stimuli for the paper's DeiT-S vs ResNet-50 pair.
# Usage: DATA_PATH=/path/to/cue-conflict ./scripts/evaluate_shape_bias.sh [extra evaluate_shape_bias.py args]
#   (the 16 category folders of github.com/rgeirhos/texture-vs-shape stimuli/style-transfer-preprocessed-512;
#    a filled-silhouettes/ or edges/ folder gives the 16-class accuracy instead)
set -euo pipefail
source "$(dirname "$0")/_env.sh"
MODELS="${MODELS:-deit_small_patch16_224,resnet50.tv_in1k}"
"$PYTHON" -m intriguing shape-bias --models "$MODELS" ${DATA_PATH:+--data-path "$DATA_PATH"} "$@"
