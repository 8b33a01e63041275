"""Text for figure titles: long names wrapped without cutting them, ImageNet class indices as names."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache


def wrap(text: str, width: int = 20) -> str:
    """A long title (e.g. 'deit_tiny_patch16_224=random') on several lines, nothing cut off: breaks after a
    space, '_', '=', '.' or '-', so a model name stays readable."""
    lines = [""]
    for part in re.split(r"(?<=[ _=.\-])", text):
        if lines[-1] and len(lines[-1]) + len(part) > width:
            lines.append("")
        lines[-1] += part
    return "\n".join(line.rstrip() for line in lines)


@lru_cache(maxsize=1)
def _describe() -> Callable[[int], str]:
    from timm.data import ImageNetInfo

    return ImageNetInfo().index_to_description


def class_name(i: int, short: bool = False) -> str:
    """ImageNet-1k class ``i``'s description (``short``: its first synonym only); the index itself when the
    model's head is not ImageNet's."""
    try:
        text = _describe()(int(i))
    except (IndexError, KeyError):
        return str(int(i))
    return text.split(",")[0] if short else text
