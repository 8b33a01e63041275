"""Saliency masks from attention: pure, batched tensor functions plus one model-facing helper.

Two rules decide which patches are salient:

* ``mass`` (the paper's, from DINO): sort the patch attention, renormalise it to sum 1, and keep the
  patches whose ascending cumulative mass exceeds ``1 - lambda``, i.e. the smallest top set that
  holds at least ``lambda`` of the attention mass. The number of patches varies per image.
* ``rank``: the top ``round(f * N)`` patches by attention, so a level ``f`` is exactly the fraction
  of patches (what makes salient / non-salient / random curves share one x axis).

Scores are computed once per image (one forward of the saliency model) and turned into masks for
every level at once, so the cost of a sweep is one sort, not one forward per ratio.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from intriguing.device import channel_stats, constant
from intriguing.errors import UserError

RULES = ("rank", "mass")
SOURCES = ("attention", "rollout")


def _levels(levels: Sequence[float] | float | torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    # float64 like the original's Python floats: 1 - lambda is rounded to the score dtype only once
    if isinstance(levels, torch.Tensor):
        lv = levels.to(device=like.device, dtype=torch.float64).reshape(-1)
        if lv.numel() == 0 or bool(((lv < 0) | (lv > 1)).any()):
            raise UserError(f"Saliency levels must be fractions in [0, 1]; got {lv.tolist()}.")
        return lv
    values = [float(levels)] if isinstance(levels, (int, float)) else [float(v) for v in levels]
    if not values or any(v < 0 or v > 1 for v in values):  # checked on the host: nothing waits for the GPU
        raise UserError(f"Saliency levels must be fractions in [0, 1]; got {values}.")
    return constant(values, like.device, torch.float64)


def mass_masks(scores: torch.Tensor, lambdas: Sequence[float] | torch.Tensor) -> torch.Tensor:
    """Paper rule: True for the patches holding the top ``lambda`` of the attention mass.

    Args:
        scores: ``[..., N]`` non-negative attention over N patches (any leading batch/head dims).
        lambdas: L mass levels in [0, 1].
    Returns:
        bool ``[..., L, N]``; identical, mask for mask, to the original ``cumval > 1 - lambda`` code.
    """
    lv = _levels(lambdas, scores)
    val, idx = torch.sort(scores, dim=-1)  # ascending, as the original
    val = val / val.sum(-1, keepdim=True)
    cum = torch.cumsum(val, dim=-1)
    th = cum.unsqueeze(-2) > (1 - lv).to(cum.dtype).unsqueeze(-1)  # [..., L, N] in sorted order
    # scatter back to the original patch order (the original's th[idx2] with idx2 = argsort(idx))
    return torch.zeros_like(th).scatter_(-1, idx.unsqueeze(-2).expand_as(th), th)


def patch_ranks(scores: torch.Tensor) -> torch.Tensor:
    """Rank of each patch by descending score (0 = most salient); ties keep patch order."""
    order = torch.sort(scores, dim=-1, descending=True, stable=True).indices
    ranks = torch.empty_like(order)
    return ranks.scatter_(-1, order, torch.arange(order.shape[-1], device=order.device).expand_as(order))


def rank_masks(scores: torch.Tensor, fractions: Sequence[float] | torch.Tensor) -> torch.Tensor:
    """True for the top ``round(f * N)`` patches by score, for each fraction f: bool ``[..., L, N]``."""
    lv = _levels(fractions, scores)
    n = scores.shape[-1]
    k = torch.round(lv * n).long()
    return patch_ranks(scores).unsqueeze(-2) < k.unsqueeze(-1).to(scores.device)


def salient_masks(scores: torch.Tensor, levels: Sequence[float] | torch.Tensor, rule: str = "rank") -> torch.Tensor:
    """Dispatch on ``rule`` ('rank' or 'mass'); see :func:`rank_masks` and :func:`mass_masks`."""
    try:
        fn = {"rank": rank_masks, "mass": mass_masks}[rule]
    except KeyError:
        raise UserError(f"Unknown saliency rule {rule!r}; use one of {', '.join(RULES)}.") from None
    return fn(scores, levels)


def drop_masks(
    scores: torch.Tensor, levels: Sequence[float] | torch.Tensor, rule: str = "rank"
) -> dict[str, torch.Tensor]:
    """Boolean *drop* masks ``[..., L, N]`` (True = patch removed) for salient and non-salient PatchDrop.

    rank: level f removes the top f (salient) or the bottom f (non-salient) of the patches.
    mass: level lambda removes the top-lambda-mass patches (salient, the original's "best") or keeps
    only them (non-salient, the original's "worst", where lambda is the mass *kept*).
    """
    if rule == "rank":
        lv = _levels(levels, scores)
        return {"salient": rank_masks(scores, lv), "non-salient": rank_masks(-scores, lv)}
    top = salient_masks(scores, levels, rule)
    return {"salient": top, "non-salient": ~top}


def select_heads(attn: torch.Tensor, head: str | int = "mean") -> torch.Tensor:
    """From ``[B, heads, ...]`` attention pick 'all' heads, their 'mean', or one head index.

    Returns ``[B, heads, ...]`` for 'all', else ``[B, ...]``.
    """
    if head == "all":
        return attn
    if head == "mean":
        return attn.mean(1)
    if isinstance(head, int) and not isinstance(head, bool):
        if not -attn.shape[1] <= head < attn.shape[1]:
            raise UserError(f"Head {head} does not exist: the saliency model has {attn.shape[1]} heads.")
        return attn[:, head]
    raise UserError(f"Unknown head choice {head!r}; use 'mean', 'all' or a head index.")


def parse_head(text: str) -> str | int:
    """Command-line head choice: 'mean', 'all' or an integer index."""
    if text in ("mean", "all"):
        return text
    try:
        return int(text)
    except ValueError:
        raise UserError(f"Unknown head choice {text!r}; use 'mean', 'all' or a head index such as 1.") from None


def normalize(images01: torch.Tensor, mean: Sequence[float], std: Sequence[float]) -> torch.Tensor:
    """``(x - mean) / std`` per channel for a [0, 1] batch ``[B, 3, H, W]``."""
    m, s = channel_stats(mean, std, images01.device, images01.dtype)  # built once per device, not per batch
    return (images01 - m) / s


@dataclass(frozen=True)
class SaliencySpec:
    """Where saliency comes from: attention of one block (or rollout), which query token, which head(s)."""

    source: str = "attention"  # 'attention' (one block) or 'rollout' (Abnar & Zuidema)
    block: int = -1  # block read for 'attention'; last block multiplied for 'rollout'
    token: str = "cls"  # 'cls' or 'dist' (distilled models' shape token)
    head: str | int = "mean"  # 'mean', 'all' or a head index (the paper read head index 1)

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise UserError(f"Unknown saliency source {self.source!r}; use one of {', '.join(SOURCES)}.")


@torch.no_grad()
def saliency_scores(
    model: nn.Module,
    images01: torch.Tensor,
    mean: Sequence[float],
    std: Sequence[float],
    spec: SaliencySpec = SaliencySpec(),
) -> torch.Tensor:
    """Patch saliency of a [0, 1] batch under ``model``, normalised with (mean, std).

    Pass the saliency model's own statistics (correct) or, for --paper-compat, the evaluated model's.
    Returns ``[B, h, w]`` (or ``[B, heads, h, w]`` for head='all' with the attention source).
    """
    from intriguing.features.attention import patch_attention  # local: attention pulls timm lazily
    from intriguing.features.rollout import attention_rollout

    x = normalize(images01, mean, std)
    if spec.source == "rollout":
        if spec.head != "mean":
            raise UserError("Attention rollout fuses heads itself; use --saliency-head mean with rollout.")
        return attention_rollout(model, x, token=spec.token, last_block=spec.block)
    return select_heads(patch_attention(model, x, block=spec.block, token=spec.token), spec.head)
