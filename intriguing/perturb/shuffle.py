"""Patch shuffle (Naseer et al. 2021): permute an HxW grid of image cells, per image by default."""

from __future__ import annotations

import torch

from intriguing.errors import UserError


def random_permutations(batch: int, n: int, generator: torch.Generator, per_image: bool = True) -> torch.Tensor:
    """(B, n) permutations of range(n); one shared row when ``per_image`` is False (the original).
    ``randperm`` rather than an argsort of float32 uniforms, whose 24-bit values tie."""
    perm = torch.stack([torch.randperm(n, generator=generator) for _ in range(batch if per_image else 1)])
    return perm.expand(batch, n)


def shuffle_patches(images: torch.Tensor, grid: tuple[int, int], perm: torch.Tensor) -> torch.Tensor:
    """Rearrange the (gh x gw) cells of each image: output cell i is input cell ``perm[b, i]``."""
    b, c, h, w = images.shape
    gh, gw = grid
    if h % gh or w % gw:
        raise UserError(f"Shuffle grid {gh}x{gw} does not divide the {h}x{w} input into equal cells.")
    ph, pw = h // gh, w // gw
    cells = images.reshape(b, c, gh, ph, gw, pw).permute(0, 2, 4, 1, 3, 5).reshape(b, gh * gw, c, ph, pw)
    cells = cells.gather(1, perm.to(images.device).view(b, -1, 1, 1, 1).expand_as(cells))
    return cells.reshape(b, gh, gw, c, ph, pw).permute(0, 3, 1, 4, 2, 5).reshape(b, c, h, w)
