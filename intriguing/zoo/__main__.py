"""``python -m intriguing.zoo list``: the registered zoo models with their release URLs."""
from __future__ import annotations

import sys

from intriguing.zoo import ZOO


def main(argv: list[str]) -> int:
    if argv[:1] not in (["list"], []):
        print("usage: python -m intriguing.zoo list")
        return 2
    for name in ZOO.names():
        e = ZOO.get(name)
        print(f"{name:22s} {e.description}" + (f"\n{'':22s} {e.url}" if e.url else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
