#!/usr/bin/env bash
# Regenerate every example number and figure of the docs (docs/examples/*.md, docs/images/*.png), offline on ../shared
# and the shipped models, then copy the numbers into the pages' example regions. CPU only; about two hours on a 2-core
# CPU shared with other jobs (python docs/make_examples.py --list gives each example's cost).
#   bash docs/make_examples.sh [NAME ...]      (default: every example; SHARED: the data folder, default ../shared)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-$([ -x .venv/bin/python ] && echo .venv/bin/python || echo python3)}"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" MPLBACKEND=Agg
exec nice -n "${NICE:-15}" "$PYTHON" docs/make_examples.py "$@"
