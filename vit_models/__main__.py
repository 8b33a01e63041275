"""``python -m vit_models list [PATTERN]``: kept for users' habit; same as ``intriguing list-models``."""

import sys

from intriguing.zoo.__main__ import main

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
