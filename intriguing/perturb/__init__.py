"""Pure tensor perturbations: images or tokens in, images or tokens out, seeded by a generator."""
from .grid import parse_grid, upsample_cells
from .occlusion import drop_pixels, drop_tokens, n_dropped, offset_pixel_mask, random_drop_mask
from .shuffle import random_permutations, shuffle_patches

__all__ = ["parse_grid", "upsample_cells", "drop_pixels", "drop_tokens", "n_dropped", "offset_pixel_mask",
           "random_drop_mask", "random_permutations", "shuffle_patches"]
