#!/usr/bin/env bash
# FGSM / PGD robustness vs. L-inf epsilon (1/255 units) for a ViT and a CNN, with the transfer matrix.
# Usage: DATA_PATH=/path/to/imagenet/val ./scripts/evaluate_adversarial.sh [extra evaluate_adversarial.py args]
# AutoAttack (standard) for the strongest number (slow: run it on a --limit subset):
#   ./scripts/evaluate_adversarial.sh --attacks autoattack --eps 4 --limit 1000
#   (each image is attacked alone, so the number does not depend on the batch or torchrun; on a GPU,
#   --autoattack-chunk 16 is faster but then depends on batch / rank boundaries: see docs/experiments/adversarial.md)
set -euo pipefail
source "$(dirname "$0")/_env.sh"
# DATA_PATH empty: Imagenette val, downloaded once into data/
MODELS="${MODELS:-deit_small_patch16_224,resnet50.tv_in1k}"
LIMIT="${LIMIT:-1000}"                 # deliberate: --limit 1000, attacks cost steps x (forward + backward)
# deliberate: --transfer, the paper's transfer matrix between the models
"$PYTHON" -m intriguing adversarial --models "$MODELS" ${DATA_PATH:+--data-path "$DATA_PATH"} --limit "$LIMIT" \
  --attacks fgsm pgd --transfer "$@"
