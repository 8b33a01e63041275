"""``intriguing list-models [PATTERN]`` (also ``python -m vit_models list``): the zoo, and timm names matching."""

from __future__ import annotations

import fnmatch
import sys
from typing import Optional

PAPER_TIMM = (
    ("deit_tiny_patch16_224", "DeiT-T (also deit_small_*, deit_base_*, *_distilled_*)"),
    ("tnt_s_patch16_224", "TNT-S"),
    ("resnet50.tv_in1k", "ResNet-50 with torchvision's weights (the paper's CNN)"),
)


def list_models(pattern: Optional[str] = None) -> int:
    """Print the registered zoo models (filtered by ``pattern``), then timm's pretrained names matching it."""
    import timm

    from intriguing.zoo import ZOO

    names = [n for n in ZOO.names() if not n.startswith("test_") and (pattern is None or fnmatch.fnmatch(n, pattern))]
    width = max([22] + [len(n) for n in names])  # the reference models' names are long
    for name in names:
        e = ZOO.get(name)
        print(f"{name:{width}s} {e.description}" + (f"\n{'':{width}s} {e.url}" if e.url else ""))
    if pattern is not None:
        timm_names = timm.list_models(pattern, pretrained=True)
        print(f"\ntimm ({len(timm_names)} pretrained matching {pattern!r}):")
        print("\n".join(f"  {n}" for n in timm_names))
        if not names and not timm_names:
            print(f"no model matches {pattern!r}", file=sys.stderr)
            return 2
    else:
        print("\nthe paper's families from timm (any timm name works too: `intriguing list-models 'deit*'`):")
        for name, what in PAPER_TIMM:
            print(f"  {name:24s} {what}")
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] not in (["list"], []) or len(argv) > 2:
        print("usage: python -m vit_models list [PATTERN]", file=sys.stderr)
        return 2
    return list_models(argv[1] if len(argv) == 2 else None)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
