#!/usr/bin/env bash
# Off-the-shelf transfer (Naseer et al. 2021, Sec. 3.6): linear probe on the CLS tokens of the last block and of the
# last 4 blocks (the paper's "ensemble"; the command's default block sets) of frozen models, hyper-parameters chosen
# on a validation split of train.
# Usage: DATA_PATH=/path/to/aircraft DATASET=aircraft ./scripts/classify_md.sh [extra classify_metadataset.py args]
#   e.g. ... --mode fewshot --shots 1 5      ... --mode per-block --dataset imagenet      ... --paper-compat
set -euo pipefail
source "$(dirname "$0")/_env.sh"
# DATA_PATH the dataset's root, or a folder holding <dataset>/ sub-folders
MODELS="${MODELS:-deit_tiny_patch16_224,deit_small_patch16_224,resnet50.tv_in1k}"  # the paper's three
DATASET="${DATASET:-aircraft}"        # aircraft cub dtd flowers fungi gtsrb places365 inat2021 ... or folder
"$PYTHON" -m intriguing transfer --models "$MODELS" ${DATA_PATH:+--data-path "$DATA_PATH"} \
  --dataset "$DATASET" "$@"
