"""Grids of image cells: parsing ``HxW`` and mapping cell masks to pixels."""
from __future__ import annotations

from typing import Tuple

import torch

from intriguing.errors import UserError


def parse_grid(text: str | Tuple[int, int]) -> Tuple[int, int]:
    """'14x14' -> (14, 14); '4' -> (4, 4)."""
    if isinstance(text, tuple):
        return text
    parts = str(text).lower().split("x")
    try:
        h, w = (int(parts[0]), int(parts[0])) if len(parts) == 1 else (int(parts[0]), int(parts[1]))
    except ValueError:
        raise UserError(f"Grid {text!r} is not of the form HxW (e.g. 14x14).") from None
    if len(parts) > 2 or h < 1 or w < 1:
        raise UserError(f"Grid {text!r} is not of the form HxW with positive sizes.")
    return h, w


def cell_index(size: int, cells: int, device=None) -> torch.Tensor:
    """For each pixel along an axis, its cell: ``size // cells`` pixels a cell; remainder pixels
    (e.g. 224 px with 22-px patches) join the last cell, which the model's patch conv ignores anyway."""
    step = size // cells
    return (torch.arange(size, device=device) // step).clamp_(max=cells - 1)


def upsample_cells(cell_mask: torch.Tensor, size: Tuple[int, int]) -> torch.Tensor:
    """(B, gh, gw) cell values -> (B, H, W) pixel values."""
    _, gh, gw = cell_mask.shape
    rows = cell_index(size[0], gh, cell_mask.device)
    cols = cell_index(size[1], gw, cell_mask.device)
    return cell_mask[:, rows][:, :, cols]
