"""PatchDrop (Naseer et al. 2021): drop a fraction of image cells, as black pixels or removed tokens.

Masks are boolean (B, gh, gw) with True = dropped. Per image, exactly ``n_dropped`` cells go, chosen
by a seeded permutation; ``per_image=False`` reproduces the original code's one mask per batch.
"""

from __future__ import annotations

import math

import torch

from intriguing.perturb.grid import upsample_cells


def n_dropped(num_cells: int, ratio: float, rounding: str = "round") -> int:
    """Cells to drop: nearest integer by default; 'floor' is the original (``i * N // 10``)."""
    if not 0.0 <= ratio <= 1.0:
        raise ValueError(f"drop ratio must be in [0, 1], got {ratio}")
    exact = ratio * num_cells
    return int(math.floor(exact + 1e-9)) if rounding == "floor" else int(round(exact))


def random_drop_mask(
    batch: int,
    grid: tuple[int, int],
    ratio: float,
    generator: torch.Generator,
    per_image: bool = True,
    rounding: str = "round",
) -> torch.Tensor:
    """(B, gh, gw) bool, exactly ``n_dropped`` True cells per image, uniformly at random."""
    gh, gw = grid
    n = gh * gw
    k = n_dropped(n, ratio, rounding)
    rows = batch if per_image else 1
    order = torch.stack([torch.randperm(n, generator=generator) for _ in range(rows)])  # no float32 ties
    mask = torch.zeros(rows, n, dtype=torch.bool)
    mask.scatter_(1, order[:, :k], True)
    return mask.expand(batch, n).reshape(batch, gh, gw)


def per_image_drop_mask(indices: torch.Tensor, grid: tuple[int, int], k: int, *parts: object) -> torch.Tensor:
    """(B, gh, gw) bool masks with exactly ``k`` cells dropped per image, image b's cells chosen by its own draw
    (seeded by ``parts`` and ``indices[b]``): independent of the batch, its size and the resume point."""
    from intriguing.seeding import per_image_permutation

    n = grid[0] * grid[1]
    order = per_image_permutation(indices, n, *parts)  # on the indices' device: no host round trip on a GPU
    mask = torch.zeros(len(indices), n, dtype=torch.bool, device=indices.device)
    mask.scatter_(1, order[:, :k], True)
    return mask.reshape(len(indices), *grid)


def offset_pixel_mask(pixel_mask: torch.Tensor, offset: int | tuple[int, int]) -> torch.Tensor:
    """Shift a (B, H, W) pixel drop mask down by ``dy`` and right by ``dx`` px, ``offset = (dy, dx)`` (an int
    shifts both ways alike). The paper's offset variant moves the grid by half a cell each way, so drops straddle
    the model's patches; with non-square cells that is half the cell height down and half its width right.
    Uncovered top rows / left columns are kept."""
    dy, dx = (offset, offset) if isinstance(offset, int) else (int(offset[0]), int(offset[1]))
    if dy < 0 or dx < 0:
        raise ValueError(f"offset must be non-negative, got {(dy, dx)}")
    if dy == 0 and dx == 0:
        return pixel_mask
    h, w = pixel_mask.shape[-2:]
    out = torch.zeros_like(pixel_mask)
    if dy < h and dx < w:
        out[:, dy:, dx:] = pixel_mask[:, : h - dy, : w - dx]
    return out


def half_cell_offset(size: tuple[int, int], grid: tuple[int, int]) -> tuple[int, int]:
    """(dy, dx): half a cell down and half a cell right for a ``grid`` of cells over an image of ``size`` (H, W)."""
    return (size[0] // grid[0]) // 2, (size[1] // grid[1]) // 2


def drop_pixels(
    images: torch.Tensor, cell_mask: torch.Tensor, fill: float | torch.Tensor = 0.0, offset: int | tuple[int, int] = 0
) -> torch.Tensor:
    """Set the pixels of dropped cells to ``fill`` ([0, 1] space; 0 = black as in the paper).

    ``fill`` may be a per-channel tensor (e.g. the model's mean, so dropped pixels normalise to 0); ``offset``
    shifts the dropped cells by (dy, dx) pixels (:func:`half_cell_offset` for the random-offset condition).
    """
    pixel = upsample_cells(cell_mask.to(images.device), images.shape[-2:])
    pixel = offset_pixel_mask(pixel, offset).unsqueeze(1)  # (B, 1, H, W)
    if isinstance(fill, torch.Tensor):  # kept on the images' device by the caller: no copy that waits for the GPU
        return torch.where(pixel, fill.to(device=images.device, dtype=images.dtype).reshape(1, -1, 1, 1), images)
    return torch.where(pixel, float(fill), images)  # a Python number needs no device tensor at all


def drop_tokens(
    tokens: torch.Tensor, cell_mask: torch.Tensor, num_prefix_tokens: int, dropped: int | None = None
) -> torch.Tensor:
    """Remove dropped patch tokens: (B, P + N, D) -> (B, P + N - k, D), prefix tokens kept, the kept ones in order.

    Needs the same count ``k`` dropped in every image (true for :func:`per_image_drop_mask`). Pass ``dropped`` = k
    when it is known (the sweep knows it): then nothing waits for the GPU, otherwise the count is read and checked."""
    b = tokens.shape[0]
    drop = cell_mask.reshape(b, -1).to(tokens.device)
    if dropped is None:
        counts = drop.sum(dim=1)
        if not bool((counts == counts[0]).all()):
            raise ValueError("token drop needs the same number of kept patches in every image")
        dropped = int(counts[0])
    # a stable sort puts the kept cells (0) first, in their original order
    keep = torch.argsort(drop.to(torch.int8), dim=1, stable=True)[:, : drop.shape[1] - dropped]
    idx = keep + num_prefix_tokens
    patches = tokens.gather(1, idx.unsqueeze(-1).expand(-1, -1, tokens.shape[-1]))
    return torch.cat([tokens[:, :num_prefix_tokens], patches], dim=1)
