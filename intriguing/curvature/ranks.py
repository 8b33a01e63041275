"""Splitting curvature work over torchrun ranks so that rank 0 writes exactly the records of one process.

The landscape's grid points and the Hessian's mini-batches are dealt out round-robin: in round j, rank r
takes item ``j * world + r``. After every round all ranks exchange their results, so rank 0 can append
them in the single-process order (a rerun resumes per round) and every rank learns at once when a model
failed on another rank (a rank that went on alone would wait forever in the next exchange).

:func:`sum_in_order` does the same for a Hessian-vector product over several batches: each rank computes
its batches' products and the per-batch vectors are added in batch order on every rank, the same float
additions in the same order as one process, so every iterative solver sees bitwise identical vectors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, Optional, TypeVar

import torch
import torch.distributed as dist

from intriguing.distributed import Context, all_gather

T = TypeVar("T")


class RankFailed(RuntimeError):
    """A model failed on some rank; raised on every rank so they all drop the model together."""


def rounds(items: Sequence[T], ctx: Context) -> Iterator[tuple[list[T], Optional[T]]]:
    """Per round: (the round's items in order, this rank's item or None when the last round is short)."""
    for start in range(0, len(items), ctx.world):
        chunk = list(items[start : start + ctx.world])
        yield chunk, (chunk[ctx.rank] if ctx.rank < len(chunk) else None)


def exchange(work: Callable[[], T], errors: tuple, ctx: Context) -> list[T]:
    """Run ``work`` on this rank and return every rank's result in rank order; if ``work`` raised one of
    ``errors`` on any rank, raise :class:`RankFailed` with that message on every rank."""
    try:
        mine: tuple[bool, Any] = (True, work())
    except errors as e:
        if not ctx.active:
            raise
        mine = (False, f"rank {ctx.rank}: {type(e).__name__}: {e}")
    parts = all_gather(mine, ctx)
    bad = [msg for ok, msg in parts if not ok]
    if bad:
        raise RankFailed("; ".join(bad))
    return [value for _, value in parts]


def sum_in_order(
    n_items: int, product: Callable[[int], torch.Tensor], like: torch.Tensor, errors: tuple, ctx: Context
) -> torch.Tensor:
    """sum_i product(i) for i in 0..n_items-1, added in index order; item i is computed on rank i % world.

    ``like`` gives the vectors' shape, dtype and device (CPU tensors under gloo, CUDA under NCCL)."""
    out = torch.zeros_like(like)
    if not ctx.active:
        for i in range(n_items):
            out += product(i)
        return out
    for chunk, mine in rounds(range(n_items), ctx):
        ok, local, msg = True, torch.zeros_like(like), ""
        if mine is not None:
            try:
                local = product(mine)
            except errors as e:
                ok, msg = False, f"rank {ctx.rank}: {type(e).__name__}: {e}"
        flags = all_gather(msg if not ok else "", ctx) if not _all_ok(ok, like, ctx) else None
        if flags is not None:
            raise RankFailed("; ".join(m for m in flags if m))
        parts = [torch.empty_like(like) for _ in range(ctx.world)]
        dist.all_gather(parts, local.contiguous())
        for j in range(len(chunk)):  # rank j holds item chunk[j]: add in index order
            out += parts[j]
    return out


def _all_ok(ok: bool, like: torch.Tensor, ctx: Context) -> bool:
    """Whether every rank's product succeeded (one tiny all-reduce, on the vectors' device)."""
    flag = torch.tensor([0.0 if ok else 1.0], device=like.device)
    dist.all_reduce(flag)
    return float(flag) == 0.0
