#!/usr/bin/env bash
# The paper's ViT-vs-CNN contrasts at small scale, through the ordinary commands, on the shipped reference models
# (docs/reference-models.md). Offline; about 30 minutes on 2 CPU cores (31 min measured, 2026-12-07).
#   bash recipes/contrasts.sh [OUT] [pair|distilled]   (default OUT: results/reference/contrasts; default: both parts)
# Needs the Imagenette val split and the VOC samples: SHARED (default ../shared) holds datasets/ as in this repo's CI.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-results/reference/contrasts}
SHARED=${SHARED:-../shared}
VAL=$SHARED/datasets/imagenette/val
VOC=$SHARED/datasets/voc2012-samples
PY=${PYTHON:-.venv/bin/python}
VIT=deit_tiny_d6_p8_64_imagenette
CNN=resnet18_half_64_imagenette
DIST=deit_tiny_distilled_d6_p8_64_imagenette
LIMIT=${LIMIT:-1000}
PART=${2:-all}
run() { "$PY" -m intriguing "$@" --no-progress; }

if [ "$PART" != distilled ]; then

# PatchDrop: random, and salient / non-salient by the trained ViT's own last-block attention (applied to both)
run occlusion --models $VIT,$CNN --data-path "$VAL" --limit "$LIMIT" --runs 3 \
    --drop random salient non-salient --saliency-model $VIT --out-dir "$OUT/occlusion"
# patch shuffle on grids that divide 64 px
run shuffle --models $VIT,$CNN --data-path "$VAL" --limit "$LIMIT" --runs 3 --grids 1x1 2x2 4x4 8x8 \
    --out-dir "$OUT/shuffle"
# attention segmentation on the VOC samples: trained ViT vs the same architecture at random init
run segmentation --models $VIT,$VIT=random --data-path "$VOC" --input-size 128 --out-dir "$OUT/segmentation"
# lesion: tokens zeroed (the paper's feature drop, Tables 6-7) at the input of each of the ViT's 6 blocks; the CNN's stages
run lesion --models $VIT --data-path "$VAL" --limit "$LIMIT" --blocks 0 1 2 3 4 5 --lesion-mode zero --out-dir "$OUT/lesion_vit"
run lesion --models $CNN --data-path "$VAL" --limit "$LIMIT" --stages 1 2 3 4 --out-dir "$OUT/lesion_cnn"
# every block's class token under occlusion, and clean-vs-occluded feature correlation
run per-block --models $VIT --data-path "$VAL" --limit "$LIMIT" --grids 2x2 4x4 8x8 --out-dir "$OUT/per_block"
run feature-correlation --models $VIT,$CNN --data-path "$VAL" --limit "$LIMIT" --out-dir "$OUT/feature_correlation"
# PGD (L-inf, 10 steps) at eps 0..8/255
run adversarial --models $VIT,$CNN --data-path "$VAL" --limit 200 --attacks pgd --eps 0 1 2 4 8 --pictures 0 \
    --out-dir "$OUT/adversarial"
fi

if [ "$PART" != pair ]; then
  # the distilled ViT: its class, distillation and averaged heads on val, attention of both tokens on VOC, PatchDrop
  run segmentation --models $DIST --data-path "$VOC" --input-size 128 --out-dir "$OUT/segmentation_distilled"
  run occlusion --models $DIST --data-path "$VAL" --limit "$LIMIT" --runs 3 --out-dir "$OUT/occlusion_distilled"
fi
