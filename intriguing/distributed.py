"""torchrun support: the process group from torchrun's environment, deterministic shards, rank-0 gathering.

``torchrun --nproc-per-node N -m intriguing occlusion ...`` starts N processes with RANK / WORLD_SIZE /
LOCAL_RANK set. Each takes one contiguous block of the images (by global index, so every per-image seed and
mask is the one a single process draws), evaluates it, and rank 0 gathers the pass state, sums it in rank order
and writes the records: top-k records are identical to a single-process run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class Context:
    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def active(self) -> bool:
        return self.world > 1


def from_env() -> Context:
    """The torchrun context, or a single process when not launched by torchrun."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return Context()
    return Context(int(os.environ["RANK"]), world, int(os.environ.get("LOCAL_RANK", "0")))


def setup(ctx: Context, device: torch.device) -> torch.device:
    """Join the process group (NCCL on CUDA, gloo on CPU); each rank uses its own GPU."""
    if not ctx.active:
        return device
    if device.type == "cuda":
        device = torch.device("cuda", ctx.local_rank)
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo", rank=ctx.rank, world_size=ctx.world)
    return device


def shard(n: int, ctx: Context) -> tuple[int, int]:
    """[start, stop) of this rank's contiguous block of ``n`` items (sizes differ by at most one)."""
    base, extra = divmod(n, ctx.world)
    start = ctx.rank * base + min(ctx.rank, extra)
    return start, start + base + (1 if ctx.rank < extra else 0)


def gather(obj: Any, ctx: Context) -> list[Any]:
    """Every rank's ``obj`` in rank order on rank 0 (``[obj]`` in a single process; ``[]`` on other ranks)."""
    if not ctx.active:
        return [obj]
    out: list[Any] = [None] * ctx.world if ctx.is_main else []
    dist.gather_object(obj, out if ctx.is_main else None, dst=0)
    return out


def all_gather(obj: Any, ctx: Context) -> list[Any]:
    """Every rank's ``obj`` in rank order, on every rank (``[obj]`` in a single process)."""
    if not ctx.active:
        return [obj]
    out: list[Any] = [None] * ctx.world
    dist.all_gather_object(out, obj)
    return out


def broadcast(obj: Any, ctx: Context, group: Any = None) -> Any:
    """Rank 0's ``obj`` on every rank (``obj`` itself in a single process); ``group`` e.g. one with a longer
    timeout than the default group's."""
    if not ctx.active:
        return obj
    box = [obj if ctx.is_main else None]
    dist.broadcast_object_list(box, src=0, group=group)
    return box[0]


def barrier(ctx: Context) -> None:
    if ctx.active:
        dist.barrier()


def initialized() -> bool:
    """A process group is open (a caller such as ``intriguing reproduce`` opened it for several runs)."""
    return dist.is_available() and dist.is_initialized()


def teardown(ctx: Context) -> None:
    if ctx.active and dist.is_initialized():
        dist.destroy_process_group()
