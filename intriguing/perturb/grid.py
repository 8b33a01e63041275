"""Grids of image cells: parsing ``HxW``, a model's own grid, and mapping cell masks to pixels."""

from __future__ import annotations

from typing import Any, NamedTuple, Optional

import torch

from intriguing.errors import UserError


class Grid(NamedTuple):
    """A grid of image cells, (rows, columns): a tuple of ints, written ``HxW`` (records, seeds, messages)."""

    rows: int
    cols: int

    @property
    def cells(self) -> int:
        return self.rows * self.cols

    def __str__(self) -> str:
        return f"{self.rows}x{self.cols}"


def parse_grid(text: str | tuple[int, int]) -> Grid:
    """'14x14' -> Grid(14, 14); '4' -> Grid(4, 4)."""
    if isinstance(text, tuple):
        return Grid(*text)
    parts = str(text).lower().split("x")
    try:
        h, w = (int(parts[0]), int(parts[0])) if len(parts) == 1 else (int(parts[0]), int(parts[1]))
    except ValueError:
        raise UserError(f"Grid {text!r} is not of the form HxW (e.g. 14x14).") from None
    if len(parts) > 2 or h < 1 or w < 1:
        raise UserError(f"Grid {text!r} is not of the form HxW with positive sizes.")
    return Grid(h, w)


CNN_CELL = 16  # CNNs get the grid a 16-px-patch ViT would have (14x14 at 224 px), as in the paper
MIN_GRID = 8  # ...or smaller cells so the grid has 8 a side: 16-px cells would cut a 32-px CIFAR image 2x2


def model_grid(bundle: Any, grid: Optional[str] = None) -> Grid:
    """``grid`` (HxW) when given, else a ViT's own patch grid, else (CNNs) 16-px cells, smaller on small inputs
    (8x8 on CIFAR's 32 px). ``bundle``: a :class:`~intriguing.zoo.ModelBundle` (its input size, patch size, name)."""
    h, w = bundle.input_size
    if grid:
        gh, gw = parse_grid(grid)
    else:
        p = bundle.patch_size or max(1, min(CNN_CELL, min(h, w) // MIN_GRID))
        gh, gw = h // p, w // p
    p = bundle.patch_size
    if p and not grid and (gh * p, gw * p) != (h, w):  # cells would straddle the model's patches
        raise UserError(
            f"{bundle.name}'s {p}-px patches tile {gh * p}x{gw * p} of its {h}x{w} input, so PatchDrop "
            f"cells cannot match its tokens; evaluate it at a multiple of {p} px (its checkpoint's "
            f"input size) or pass --grid explicitly."
        )
    if gh > h or gw > w or h % gh or w % gw:
        raise UserError(
            f"Grid {gh}x{gw} does not split {bundle.name}'s {h}x{w} input into equal cells; pick a grid "
            f"whose sides divide {h}x{w} (e.g. {h // 16 or 1}x{w // 16 or 1} or {h}x{w} for pixels)."
        )
    return Grid(gh, gw)


def cell_index(size: int, cells: int, device=None) -> torch.Tensor:
    """For each pixel along an axis, its cell: ``size // cells`` pixels a cell; remainder pixels
    (e.g. 224 px with 22-px patches) join the last cell, which the model's patch conv ignores anyway."""
    step = size // cells
    return (torch.arange(size, device=device) // step).clamp_(max=cells - 1)


def upsample_cells(cell_mask: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """(B, gh, gw) cell values -> (B, H, W) pixel values."""
    _, gh, gw = cell_mask.shape
    rows = cell_index(size[0], gh, cell_mask.device)
    cols = cell_index(size[1], gw, cell_mask.device)
    return cell_mask[:, rows][:, :, cols]
