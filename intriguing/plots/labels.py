"""Text for figures: long names wrapped without cutting them, ImageNet class indices as names, the values written
into the cells of a percentage matrix."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any


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


def annotate_cells(ax: Any, m: Any, fmt: str) -> None:
    """Write each finite cell of the percentage matrix ``m`` (drawn on ``ax`` with vmin 0, vmax 100) into its cell,
    formatted by ``fmt`` (e.g. ``"{:.1f}"``): white on the dark cells below 60, black above."""
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            if m[i, j] == m[i, j]:  # NaN: no value for this pair
                color = "white" if m[i, j] < 60 else "black"
                ax.text(j, i, fmt.format(m[i, j]), ha="center", va="center", fontsize=8, color=color)
