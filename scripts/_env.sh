# Sourced by every wrapper: run from the repository root with the README's virtual environment
# (.venv), else $PYTHON, else python3 (an environment where `pip install -e .` was run).
cd "$(dirname "${BASH_SOURCE[1]}")/.."
PYTHON="${PYTHON:-$([ -x .venv/bin/python ] && echo .venv/bin/python || echo python3)}"
DATA_PATH="${DATA_PATH:-}"
