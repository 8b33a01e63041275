#!/usr/bin/env bash
# Off-the-shelf transfer (Naseer et al. 2021, Sec. 3.6): linear probe on the CLS tokens of the last block and of the
# last 4 blocks (the paper's "ensemble") of frozen models, hyper-parameters chosen on a validation split of train.
# Usage: DATA_PATH=/path/to/aircraft DATASET=aircraft ./scripts/classify_md.sh [extra classify_metadataset.py args]
#   e.g. ... --mode fewshot --shots 1 5      ... --mode per-block --dataset imagenet      ... --paper-compat
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-$([ -x .venv/bin/python ] && echo .venv/bin/python || echo python3)}"
DATA_PATH="${DATA_PATH:-}"            # the dataset's root, or a folder holding <dataset>/ sub-folders
MODELS="${MODELS:-deit_tiny_patch16_224,deit_small_patch16_224,resnet50}"  # the paper's three
DATASET="${DATASET:-aircraft}"        # aircraft cub dtd flowers fungi gtsrb places365 inat2021 ... or folder
"$PYTHON" classify_metadataset.py --models "$MODELS" ${DATA_PATH:+--data-path "$DATA_PATH"} \
  --dataset "$DATASET" --blocks last1 last4 "$@"
