"""Read a timm ViT's self-attention: any block, any head, CLS or distillation-token query, any input size.

timm's fused attention (``F.scaled_dot_product_attention``) never materialises the attention matrix,
so the blocks we read are switched to the unfused path inside a context manager and restored after.
The softmaxed matrix is captured by a forward hook on ``blocks[i].attn.attn_drop`` (the module the
unfused path feeds the probabilities through); no ViT is forked. Only the query rows we need are
kept, so a 512 px image with 1025 tokens costs ``heads x tokens`` floats per block, not ``tokens^2``.

Inputs of any size (divisible by the patch size) run through the model's own token path with
``dynamic_img_size`` switched on temporarily: timm then interpolates the position embeddings
(bicubic, :func:`timm.layers.resample_abs_pos_embed`), as DINO does for its 480 px visualisations.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from intriguing.errors import UserError

#: query tokens: "cls" is the class token, "dist" the distillation ("shape") token of distilled DeiTs
TOKENS = ("cls", "dist")


def query_index(model: nn.Module, token: str = "cls") -> int:
    """Sequence position of the query token; 'dist' exists only on distilled models."""
    if token == "cls":
        if getattr(model, "cls_token", None) is None:
            raise UserError(f"{type(model).__name__} has no class token, so there is no CLS attention to read.")
        return 0
    if token == "dist":
        if getattr(model, "dist_token", None) is None:
            raise UserError(
                "The distillation ('shape') token exists only on distilled models "
                "(e.g. deit_small_distilled_patch16_224); use --token cls for this model."
            )
        return 1
    raise UserError(f"Unknown query token {token!r}; use one of {', '.join(TOKENS)}.")


def patch_size(model: nn.Module) -> tuple[int, int]:
    """(height, width) of one patch in pixels."""
    ps = model.patch_embed.patch_size
    return (ps, ps) if isinstance(ps, int) else tuple(ps)


def patch_grid(model: nn.Module, height: int, width: int) -> tuple[int, int]:
    """Patch grid (rows, cols) for an input of ``height x width``; sizes must divide by the patch size."""
    ph, pw = patch_size(model)
    if height % ph or width % pw:
        raise UserError(
            f"Input size {height}x{width} is not divisible by the patch size {ph}x{pw}; "
            f"pick an input size that is a multiple of {ph}."
        )
    return height // ph, width // pw


def has_attention(model: nn.Module) -> bool:
    """True for models whose self-attention these tools read (timm ViTs: blocks, patch_embed, prefix tokens)."""
    return hasattr(model, "blocks") and hasattr(model, "patch_embed") and hasattr(model, "num_prefix_tokens")


def require_attention(model: nn.Module, name: str, command: str) -> None:
    """Refuse a model without readable attention (a CNN) in one sentence naming it, so it fails alone."""
    if not has_attention(model):
        raise UserError(
            f"{name} is not applicable to `intriguing {command}`: it reads ViT self-attention and "
            f"{type(model).__name__} has none (use a ViT, e.g. deit_small_patch16_224)."
        )


def _vit_parts(model: nn.Module) -> None:
    if not has_attention(model):
        raise UserError(
            f"{type(model).__name__} is not a timm VisionTransformer (it needs blocks, patch_embed "
            "and num_prefix_tokens), so its attention cannot be read."
        )


@contextlib.contextmanager
def any_input_size(model: nn.Module) -> Iterator[nn.Module]:
    """Let the model take inputs of any (patch-divisible) size, interpolating position embeddings.

    Switches timm's own ``dynamic_img_size`` path on (the same flags ``create_model(...,
    dynamic_img_size=True)`` sets) and restores every flag afterwards, even on error.
    """
    _vit_parts(model)
    pe = model.patch_embed
    if getattr(model, "dynamic_img_size", False):
        yield model
        return
    from timm.layers import Format  # local: keep import of this module cheap

    saved = (model.dynamic_img_size, pe.strict_img_size, pe.flatten, pe.output_fmt)
    try:
        model.dynamic_img_size = True
        pe.strict_img_size, pe.flatten, pe.output_fmt = False, False, Format.NHWC
        yield model
    finally:
        model.dynamic_img_size, pe.strict_img_size, pe.flatten, pe.output_fmt = saved


def original_pos_embed(pos_embed: torch.Tensor, num_prefix: int, grid: tuple[int, int]) -> torch.Tensor:
    """The position embeddings resized as the original Intriguing code did (``vit_models/dino.py``,
    ``forward_selfattention``): bicubic by ``scale_factor = (rows / sqrt(N), cols / sqrt(N))`` without
    antialiasing, and zero rows / columns appended where the output falls one short of the grid. Not DINO's
    ``interpolate_pos_encoding`` (which adds 0.1 to the target size: different sampling positions), nor timm's
    ``resample_abs_pos_embed`` (resizes to a size, antialiased); at 512 px each moves head-mask cells."""
    prefix, patch = pos_embed[:, :num_prefix], pos_embed[:, num_prefix:]
    n, dim = patch.shape[1], patch.shape[-1]
    n0 = int(math.sqrt(n))
    grid0 = patch.float().reshape(1, n0, n0, dim).permute(0, 3, 1, 2)
    resized = F.interpolate(grid0, scale_factor=(grid[0] / math.sqrt(n), grid[1] / math.sqrt(n)), mode="bicubic")
    # floor(n0 * (g / n0)) is g - 1 for some g (61, 115, 122 with n0 = 14): the original pads with zeros there
    resized = F.pad(resized, (0, grid[1] - resized.shape[-1], 0, grid[0] - resized.shape[-2]))
    return torch.cat([prefix.float(), resized.permute(0, 2, 3, 1).reshape(1, -1, dim)], dim=1).to(pos_embed.dtype)


@contextlib.contextmanager
def original_input_size(model: nn.Module, height: int, width: int) -> Iterator[nn.Module]:
    """Like :func:`any_input_size`, with the original code's position-embedding interpolation (--paper-compat):
    the model temporarily holds the resized embeddings and runs timm's own fixed-size path."""
    _vit_parts(model)
    pe = model.patch_embed
    grid = patch_grid(model, height, width)
    if grid == tuple(pe.grid_size):
        yield model
        return
    saved = (model.pos_embed, pe.strict_img_size)
    try:
        with torch.no_grad():
            model.pos_embed = nn.Parameter(
                original_pos_embed(model.pos_embed, model.num_prefix_tokens, grid), requires_grad=False
            )
        pe.strict_img_size = False
        yield model
    finally:
        model.pos_embed, pe.strict_img_size = saved


def resolve_blocks(model: nn.Module, blocks: int | Sequence[int]) -> list[int]:
    """Non-negative block indices (negative ones count from the end); out of range is a UserError."""
    _vit_parts(model)
    depth = len(model.blocks)
    out = []
    for b in [blocks] if isinstance(blocks, int) else list(blocks):
        if not -depth <= b < depth:
            raise UserError(
                f"Block {b} does not exist: the model has {depth} blocks (0..{depth - 1}, or -1 for the last)."
            )
        out.append(b % depth)
    return out


def _attn_module(model: nn.Module, i: int) -> nn.Module:
    attn = getattr(model.blocks[i], "attn", None)
    if attn is None or not hasattr(attn, "fused_attn") or not isinstance(getattr(attn, "attn_drop", None), nn.Module):
        raise UserError(
            f"Block {i} of {type(model).__name__} has no timm Attention module "
            "(with fused_attn and attn_drop), so its attention cannot be read."
        )
    return attn


@contextlib.contextmanager
def unfused_attention(modules: Sequence[nn.Module]) -> Iterator[None]:
    """Switch timm Attention modules to the unfused (matrix-materialising) path; restore on exit."""
    saved = [m.fused_attn for m in modules]
    try:
        for m in modules:
            m.fused_attn = False
        yield
    finally:
        for m, f in zip(modules, saved):
            m.fused_attn = f


class _Captured(Exception):
    """Raised by the hook of the last block read: nothing after its softmax is needed, so the forward stops."""


@contextlib.contextmanager
def capture_attention(model: nn.Module, blocks: Sequence[int], reduce) -> Iterator[dict]:
    """Hook the given blocks; ``reduce(block, probs[B, heads, N, N])`` decides what is stored per block.

    Yields a dict filled during the forward pass (block index -> whatever ``reduce`` returned). The forward run
    inside stops right after the last block's softmax (its attention-weighted values, projection and MLP, about
    6% of a ViT-S forward, would only be thrown away); the ``with`` body ends there.
    """
    store: dict[int, torch.Tensor] = {}
    modules = [_attn_module(model, b) for b in blocks]
    last = max(blocks)
    handles = []

    def make_hook(b: int):
        def hook(_mod, args, _out):
            store[b] = reduce(b, args[0])  # args[0]: softmax probabilities before dropout
            if b == last:
                raise _Captured

        return hook

    try:
        for b, m in zip(blocks, modules):
            handles.append(m.attn_drop.register_forward_hook(make_hook(b)))
        with unfused_attention(modules):
            yield store
    except _Captured:
        pass  # every block read has fired: the rest of the forward is skipped
    finally:
        for h in handles:
            h.remove()


def run_tokens(model: nn.Module, images: torch.Tensor, last_block: int) -> None:
    """Run the token path up to ``last_block`` only (timm's forward_intermediates with stop_early); inside
    :func:`capture_attention` it stops earlier still, at that block's softmax."""
    if hasattr(model, "forward_intermediates"):
        model.forward_intermediates(
            images, indices=[last_block], stop_early=True, intermediates_only=True, output_fmt="NLC"
        )
    else:  # pragma: no cover - every timm ViT has forward_intermediates; kept for ViT-like forks
        model.forward_features(images)


def check_fired(store: dict, blocks: Sequence[int], model: nn.Module) -> None:
    missing = [b for b in blocks if b not in store]
    if missing:
        raise UserError(
            f"No attention was captured from block(s) {missing} of {type(model).__name__}: its "
            "Attention module does not route probabilities through attn_drop."
        )


@torch.no_grad()
def token_attention_blocks(
    model: nn.Module,
    images: torch.Tensor,
    blocks: Sequence[int],
    tokens: Sequence[str] = ("cls",),
    original_pos: bool = False,
) -> dict[int, dict[str, torch.Tensor]]:
    """Attention from each query token to every patch token, for each requested block, in one forward.

    Args:
        images: normalised batch ``[B, 3, H, W]``; H and W any multiple of the patch size.
        blocks: block indices (negative count from the end).
        tokens: query tokens, "cls" and/or "dist" (distilled models).
        original_pos: resize position embeddings as the original code did (:func:`original_pos_embed`).
    Returns:
        block -> token -> ``[B, heads, h, w]`` float32 softmax rows restricted to the patch tokens
        (not renormalised).
    """
    qs = [query_index(model, t) for t in tokens]
    idx = resolve_blocks(model, blocks)
    h, w = patch_grid(model, images.shape[-2], images.shape[-1])
    npre = model.num_prefix_tokens

    def reduce(_b, probs):
        rows = probs[:, :, qs, npre:].float()  # [B, heads, Q, P]: only the query rows are kept
        return {t: rows[:, :, i].reshape(probs.shape[0], probs.shape[1], h, w) for i, t in enumerate(tokens)}

    sized = original_input_size(model, *images.shape[-2:]) if original_pos else any_input_size(model)
    with sized, capture_attention(model, idx, reduce) as store:
        run_tokens(model, images, max(idx))
    check_fired(store, idx, model)
    return {b: store[b] for b in idx}


def token_attention(
    model: nn.Module,
    images: torch.Tensor,
    tokens: Sequence[str] = ("cls",),
    block: int = -1,
    original_pos: bool = False,
) -> dict[str, torch.Tensor]:
    """token -> ``[B, heads, h, w]`` for one block: CLS and shape-token maps from a single forward."""
    (b,) = resolve_blocks(model, block)
    return token_attention_blocks(model, images, [b], tokens, original_pos)[b]


def patch_attention(model: nn.Module, images: torch.Tensor, block: int = -1, token: str = "cls") -> torch.Tensor:
    """``[B, heads, h, w]`` attention from the CLS (or distillation) token to the patches of one block."""
    return token_attention(model, images, (token,), block)[token]
