#!/usr/bin/env bash
# Stylized ImageNet with AdaIN: one random painting per image, alpha 1 (Geirhos et al.'s stylize-datasets).
# Usage: DATA_PATH=/path/to/imagenet/train STYLE_PATH=/path/to/paintings TARGET=/path/to/sin/train ./scripts/stylize.sh
# Needs pretrained/vgg_normalised.pth and pretrained/decoder.pth (see docs/training.md).
set -euo pipefail
source "$(dirname "$0")/_env.sh"
STYLE_PATH="${STYLE_PATH:?set STYLE_PATH to a folder of paintings}"
TARGET="${TARGET:?set TARGET to the output folder}"
"$PYTHON" -m intriguing stylize ${DATA_PATH:+--data-path "$DATA_PATH"} --style-path "$STYLE_PATH" \
  --target "$TARGET" "$@"
