"""Pure tensor perturbations: images or tokens in, images or tokens out, seeded by a generator."""

from intriguing.perturb.grid import Grid, model_grid, parse_grid, upsample_cells
from intriguing.perturb.lesion import lesion_tokens, paper_position_mask, paper_token_mask, zero_positions
from intriguing.perturb.occlusion import (
    drop_pixels,
    drop_tokens,
    half_cell_offset,
    n_dropped,
    offset_pixel_mask,
    per_image_drop_mask,
    random_drop_mask,
)
from intriguing.perturb.shuffle import random_permutations, shuffle_patches

__all__ = [
    "Grid",
    "model_grid",
    "parse_grid",
    "upsample_cells",
    "drop_pixels",
    "drop_tokens",
    "half_cell_offset",
    "n_dropped",
    "offset_pixel_mask",
    "per_image_drop_mask",
    "random_drop_mask",
    "random_permutations",
    "shuffle_patches",
    "lesion_tokens",
    "paper_position_mask",
    "paper_token_mask",
    "zero_positions",
]
