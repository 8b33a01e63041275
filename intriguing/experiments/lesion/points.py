"""Where a lesion acts, and the forward hook that applies it (no forked model code).

* ViTs (timm ``VisionTransformer``-like: ``blocks``, ``num_prefix_tokens``): block K (0-based) -> a forward
  pre-hook on ``model.blocks[K]`` rewrites the tokens entering it (after patch embedding, position embedding
  and ``norm_pre`` for K = 0), exactly where the original's ``if idx == block_index`` sat.
* TNT (timm, blocks called as ``blk(pixel_embed, patch_embed)``): block K the same way; the pre-hook hands the
  rewrite both tensors (``fn(patch_embed, pixels=pixel_embed)`` returns both), so a dropped patch loses its inner
  pixel tokens with its patch token (they share one mask).
* CNNs: stage s (1-based) -> a forward hook on the module of timm's ``feature_info[s - 1]`` rewrites its
  output, which the rest of the network consumes. One exception keeps the original's ResNet points
  (``resnet_drop`` layers 1..5 = after the max-pooled stem, after layer1 .. layer4): where the first
  feature_info entry is the stem activation ``act1`` followed by a ``maxpool``, stage 1 is the max-pool's output.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from torch import nn

from intriguing.errors import UserError
from intriguing.zoo import ModelBundle
from intriguing.zoo.bundle import is_tnt


def vit_depth(model: nn.Module) -> int:
    return len(model.blocks)


def cnn_stage_modules(model: nn.Module) -> list[str]:
    """Module names of the CNN's stages, stage 1 first (see the module docstring for the ResNet stem)."""
    info = getattr(model, "feature_info", None)  # timm: a list of {'module', 'reduction', 'num_chs'}
    names = [f["module"] for f in info] if isinstance(info, list) else []
    if not names:
        raise UserError(f"{type(model).__name__} declares no stages (timm feature_info); the lesion needs them.")
    maxpool = getattr(model, "maxpool", None)
    if names[0] == "act1" and isinstance(maxpool, nn.Module) and not isinstance(maxpool, nn.Identity):
        names[0] = "maxpool"
    return names


def lesion_points(bundle: ModelBundle, blocks, stages) -> tuple[str, list[int], list[int]]:
    """(unit, points run, points skipped as out of range): ('block', ViT blocks) or ('stage', CNN stages)."""
    if bundle.is_vit or bundle.is_tnt:  # TNT's feature_info would list its blocks as CNN "stages"
        depth = vit_depth(bundle.model)
        return "block", [b for b in blocks if b < depth], [b for b in blocks if b >= depth]
    n = len(cnn_stage_modules(bundle.model))
    wanted = list(stages) or list(range(1, n + 1))
    return "stage", [s for s in wanted if s <= n], [s for s in wanted if s > n]


def describe_skipped(bundle: ModelBundle, unit: str, skipped: list[int]) -> str:
    if unit == "block":
        return (
            f"{bundle.name} has {vit_depth(bundle.model)} blocks (0..{vit_depth(bundle.model) - 1}): "
            f"--blocks {' '.join(map(str, skipped))} skipped for it."
        )
    n = len(cnn_stage_modules(bundle.model))
    return f"{bundle.name} has {n} stages (1..{n}): --stages {' '.join(map(str, skipped))} skipped for it."


@contextlib.contextmanager
def lesion_hook(model: nn.Module, unit: str, point: int, fn: Callable[..., Any]) -> Iterator[None]:
    """Within the block, ``fn`` rewrites the tokens entering ViT block ``point`` (TNT: ``fn(patch_embed,
    pixels=pixel_embed)`` -> (pixel_embed, patch_embed)) or the output of CNN stage ``point``."""
    if unit == "block" and is_tnt(model):
        handle = model.blocks[point].register_forward_pre_hook(lambda m, args: fn(args[1], pixels=args[0]))
    elif unit == "block":
        handle = model.blocks[point].register_forward_pre_hook(lambda m, args: (fn(args[0]), *args[1:]))
    else:
        module = model.get_submodule(cnn_stage_modules(model)[point - 1])
        handle = module.register_forward_hook(lambda m, args, out: fn(out))
    try:
        yield
    finally:
        handle.remove()
