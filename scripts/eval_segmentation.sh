#!/usr/bin/env bash
# Unsupervised segmentation (Jaccard index on PASCAL VOC 2012 val) for the paper's rows and DINO ViT-S/16.
# Usage: DATA_PATH=/path/holding/VOCdevkit ./scripts/eval_segmentation.sh [extra eval_segmentation.py args]
# e.g.   ./scripts/eval_segmentation.sh --paper-compat        (the original protocol, for comparison)
set -euo pipefail
source "$(dirname "$0")/_env.sh"
# DATA_PATH empty: data/ (holding VOCdevkit/VOC2012)
MODELS="${MODELS:-paper}"             # 'paper' = random-init/DeiT/SIN/SIN-distilled T & S, DINO ViT-S/16
INPUT_SIZE="${INPUT_SIZE:-512}"       # the paper used 512 x 512
THRESHOLD="${THRESHOLD:-0.9}"         # the paper: 0.9 (DINO's own figures: 0.6)
"$PYTHON" -m intriguing segmentation --models "$MODELS" ${DATA_PATH:+--data-path "$DATA_PATH"} \
  --input-size "$INPUT_SIZE" --threshold "$THRESHOLD" --tokens cls,dist "$@"
