"""Frozen-backbone features: the CLS token of chosen ViT blocks after the final norm, or CNN pooled features.

For a timm ViT, one ``forward_intermediates`` call per batch gives every chosen block's tokens after
the model's final norm (the paper's "ensemble" uses the last 4 CLS tokens, concatenated). The mean
patch token of the last block can be kept too (the original ``--use_patch_outputs``). Models without
a class token give the mean patch token per block instead (recorded as ``token='avg'``). Any other
timm model gives ``forward_head(forward_features(x), pre_logits=True)`` as a single "pooled" block.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import torch
from torch import nn

from intriguing.errors import UserError
from intriguing.features.heads import is_vit

POOLED = -1  # block index used for the single pooled feature of non-ViT models


def has_cls_token(model: nn.Module) -> bool:
    return getattr(model, "cls_token", None) is not None


def resolve_blocks(spec: str | Sequence[int] | None, depth: int) -> tuple[int, ...]:
    """'all', 'lastN', '8,9,10,11' (negatives count from the end) or 'a:b' -> sorted block indices."""
    if spec is None:
        spec = "last4"
    if not isinstance(spec, str):
        picked = [int(i) for i in spec]
    else:
        s = spec.strip().lower().replace(" ", "")
        if s == "all":
            picked = list(range(depth))
        elif s.startswith("last") and s[4:].isdigit():
            n = int(s[4:])
            if not 1 <= n <= depth:
                raise UserError(f"--blocks {spec}: the model has {depth} blocks, so N must be 1..{depth}.")
            picked = list(range(depth - n, depth))
        elif ":" in s:
            try:
                picked = list(range(depth))[slice(*[int(p) if p else None for p in s.split(":")])]
            except ValueError:
                raise UserError(f"--blocks {spec!r} is not a valid slice such as 8:12.") from None
        else:
            try:
                picked = [int(p) for p in s.split(",") if p]
            except ValueError:
                raise UserError(f"--blocks {spec!r}: use all, lastN, a:b or a comma list such as 8,9,10,11.") from None
    bad = [i for i in picked if not -depth <= i < depth]
    if bad or not picked:
        raise UserError(f"--blocks {spec!r} selects no valid block (the model has blocks 0..{depth - 1}).")
    return tuple(sorted({i % depth for i in picked}))


@dataclass
class FeatureSet:
    """Features of one split. ``tokens`` is [N, n_blocks, D] (fp16 on disk), one slot per ``blocks`` entry."""

    tokens: torch.Tensor
    labels: torch.Tensor
    blocks: tuple[int, ...]
    patch_mean: torch.Tensor | None = None  # [N, D]: mean patch token of the last block, after the final norm
    meta: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.labels.numel())

    def select(self, blocks: Iterable[int] | None = None, patch_mean: bool = False) -> torch.Tensor:
        """float32 [N, F]: the chosen blocks' tokens concatenated in block order (+ mean patch token)."""
        want = self.blocks if blocks is None else tuple(blocks)
        missing = [b for b in want if b not in self.blocks]
        if missing:
            raise UserError(
                f"Blocks {missing} were not extracted (cached blocks: {list(self.blocks)}); extract them with --blocks."
            )
        parts = [self.tokens[:, self.blocks.index(b)] for b in want]
        if patch_mean:
            if self.patch_mean is None:
                raise UserError("The mean patch token was not extracted; rerun with --patch-mean.")
            parts.append(self.patch_mean)
        return torch.cat(parts, dim=1).float()

    def subset(self, index: torch.Tensor) -> FeatureSet:
        pm = None if self.patch_mean is None else self.patch_mean[index]
        return FeatureSet(self.tokens[index], self.labels[index], self.blocks, pm, dict(self.meta))


def _vit_batch(model: nn.Module, x: torch.Tensor, blocks: Sequence[int], patch_mean: bool):
    """[B, nb, D] CLS (or mean-patch) tokens of ``blocks`` after the final norm, plus last-block patch mean."""
    depth = len(model.blocks)
    take = sorted(set(blocks) | ({depth - 1} if patch_mean else set()))
    outs = model.forward_intermediates(
        x,
        indices=take,
        norm=True,
        return_prefix_tokens=True,
        intermediates_only=True,
        output_fmt="NLC",
        stop_early=True,
    )
    cls = has_cls_token(model)
    per_block = {}
    for i, out in zip(take, outs):
        spatial, prefix = out if isinstance(out, tuple) else (out, None)
        # prefix is [cls, (dist | registers)...]: the class token always comes first
        per_block[i] = prefix[:, 0] if cls and prefix is not None else spatial.mean(dim=1)
        if i == depth - 1:
            last_patch_mean = spatial.mean(dim=1)
    tokens = torch.stack([per_block[b] for b in blocks], dim=1)
    return tokens, (last_patch_mean if patch_mean else None)


def _pooled_batch(model: nn.Module, x: torch.Tensor):
    return model.forward_head(model.forward_features(x), pre_logits=True).flatten(1).unsqueeze(1), None


def batch_features(model: nn.Module, x: torch.Tensor, blocks: Sequence[int], patch_mean: bool):
    """(tokens [B, n_blocks, D], last-block mean patch token [B, D] or None) of one normalised batch; a non-ViT
    gives its pooled feature as the single block ``POOLED``. What the command's engine pass
    (:mod:`intriguing.experiments.transfer.feature_pass`) calls per batch."""
    return _vit_batch(model, x, blocks, patch_mean) if is_vit(model) else _pooled_batch(model, x)
