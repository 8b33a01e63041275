#!/usr/bin/env bash
# One paper, every table and figure, into one report (results/reproduce/<paper>/report.md and report.html).
# Usage: PAPER=naseer2021 DATA_ROOT=/data ./scripts/reproduce.sh [extra `intriguing reproduce` args]
#   DATA_ROOT holds imagenet/val, imagenet/train, voc/, cue-conflict/, transfer/ (or pass --imagenet-val DIR, ...)
#   PAPER=park2022 ./scripts/reproduce.sh --dry-run                        # the plan, forward passes, time
#   MODELS=offline DATA_ROOT=../shared ./scripts/reproduce.sh --quick      # the offline first look
#   ./scripts/reproduce.sh --list                                          # the papers and their steps
set -euo pipefail
source "$(dirname "$0")/_env.sh"
PAPER="${PAPER:-naseer2021}"
MODELS="${MODELS:-paper}"             # paper: the paper's checkpoints and timm models; offline: what works offline
# DATA_PATH, when set, is ImageNet val (as for every other wrapper)
"$PYTHON" -m intriguing reproduce "$PAPER" --models "$MODELS" ${DATA_ROOT:+--data-root "$DATA_ROOT"} \
  ${DATA_PATH:+--imagenet-val "$DATA_PATH"} "$@"
