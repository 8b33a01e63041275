"""Decoding one image file to 8-bit RGB, the same way everywhere in the toolkit.

``Image.convert("RGB")`` clips 16-bit greyscale PNGs (modes ``I;16`` / ``I``) to white; here they are scaled to
8 bit. A file that cannot be decoded raises :class:`Unreadable` with a reason a user can act on (truncated, not an
image, too large), which the loaders report per file instead of crashing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

WIDE_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I", "F")


class Unreadable(Exception):
    """An image file that cannot be decoded; ``str()`` is '<path>: <reason>'."""


def to_rgb(im: Image.Image) -> Image.Image:
    """8-bit RGB; 16/32-bit and float greyscale scaled by their range rather than clipped."""
    if im.mode in WIDE_MODES:
        arr = np.asarray(im, dtype=np.float64)
        top = 1.0 if im.mode == "F" and arr.max() <= 1.0 else 255.0 if arr.max() <= 255 else 65535.0
        im = Image.fromarray(np.clip(arr / top * 255.0 + 0.5, 0, 255).astype(np.uint8), mode="L")
    return im.convert("RGB")


def open_rgb(path: str | Path) -> Image.Image:
    """The decoded 8-bit RGB image, or :class:`Unreadable` naming the file and why."""
    try:
        with Image.open(path) as im:
            im.load()
            return to_rgb(im)
    except Image.DecompressionBombError:
        raise Unreadable(f"{path}: too large (over PIL's decompression-bomb limit)") from None
    except UnidentifiedImageError:
        raise Unreadable(f"{path}: not an image") from None
    except OSError as e:
        text = str(e).lower()
        reason = "truncated" if "truncated" in text or "broken data stream" in text else f"unreadable ({e})"
        raise Unreadable(f"{path}: {reason}") from None
