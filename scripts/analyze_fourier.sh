#!/usr/bin/env bash
# Fourier analysis of feature maps (Δ log amplitude + variance per block) for Park & Kim's ViT-Ti vs ResNet-50.
# Usage: DATA_PATH=/path/to/imagenet/val ./scripts/analyze_fourier.sh [extra analyze_fourier.py args]
set -euo pipefail
source "$(dirname "$0")/_env.sh"
# DATA_PATH empty: Imagenette val, downloaded once into data/
MODELS="${MODELS:-vit_tiny_patch16_224,resnet50.tv_in1k}"
LIMIT="${LIMIT:-1000}"                # deliberate: --limit 1000 images averaged per model (the notebook used one)
"$PYTHON" -m intriguing fourier --models "$MODELS" ${DATA_PATH:+--data-path "$DATA_PATH"} --limit "$LIMIT" "$@"
