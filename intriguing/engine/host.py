"""Results on their way from the GPU to the host, without making the GPU wait.

Reading a CUDA tensor on the host (``.item()``, ``.cpu()``, ``int(t)``) blocks Python until the GPU has finished
all the work queued so far; then the GPU idles while Python prepares the next forward. Doing that once per
condition cost the sweep several percent of its throughput. :class:`HostCopy` instead queues the copies
(``non_blocking``, into pinned memory) behind the work that produces them and records an event; :meth:`get`
waits on that event only when the values are needed. :class:`Landing` is the engine's queue of whole batches:
it hands each batch's host values to the reductions :data:`SETTLE_LAG` batches later (or at a checkpoint), long
after the GPU got there, so a :class:`~intriguing.engine.accumulate.Reduction` only ever sees host tensors.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from typing import Any, Optional

import torch

SETTLE_LAG = 2  # batches whose device results stay queued: the GPU may still be on them, Python reads older ones


def _map_tensors(fn, obj: Any) -> Any:
    """``obj`` with every tensor inside dicts, lists, tuples and dataclasses replaced by ``fn(tensor)``; other
    values (numbers, strings, host objects) are kept as they are."""
    if isinstance(obj, torch.Tensor):
        return fn(obj)
    if isinstance(obj, dict):
        return {k: _map_tensors(fn, v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)) and not hasattr(obj, "_fields"):  # a NamedTuple (a grid) holds no tensors
        return type(obj)(_map_tensors(fn, v) for v in obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.replace(
            obj, **{f.name: _map_tensors(fn, getattr(obj, f.name)) for f in dataclasses.fields(obj) if f.init}
        )
    return obj


class HostCopy:
    """Host copies of the tensors in a structure (dicts, lists, tuples, dataclasses), queued now and waited for on
    :meth:`get` (CPU tensors are kept as they are: nothing to wait for)."""

    def __init__(self, tree: Any) -> None:
        self.event: Optional[torch.cuda.Event] = None
        cuda: list[torch.device] = []

        def start(t: torch.Tensor) -> torch.Tensor:
            if t.device.type == "cuda":
                cuda.append(t.device)
                return t.detach().to("cpu", non_blocking=True)  # lands in pinned memory
            if t.device.type == "cpu":
                return t.detach()
            return t.detach().cpu()  # other accelerators: a plain (waiting) copy

        self.host = _map_tensors(start, tree)
        if cuda:
            self.event = torch.cuda.Event()
            self.event.record(torch.cuda.current_stream(cuda[0]))

    def get(self) -> Any:
        """The structure with host tensors, once the copies have landed."""
        if self.event is not None:
            self.event.synchronize()
            self.event = None
        return self.host


class Landing:
    """Whole batches of reduced outputs on their way to the host, folded into their reductions in batch order.

    Each entry of a batch is (reduction, copy, labels, indices): ``reduction.update(copy.get(), labels, indices)``
    runs when the batch settles, with the batch's labels and indices on the host."""

    def __init__(self) -> None:
        self.batches: deque[list[tuple[Any, HostCopy, torch.Tensor, torch.Tensor]]] = deque()

    def push(self, entries: list[tuple[Any, HostCopy, torch.Tensor, torch.Tensor]]) -> None:
        self.batches.append(entries)

    def settle(self, keep: int = 0) -> None:
        """Fold every batch but the last ``keep`` into the reductions, oldest first (waits for their copies)."""
        while len(self.batches) > keep:
            for reduction, copy, labels, indices in self.batches.popleft():
                reduction.update(copy.get(), labels, indices)
