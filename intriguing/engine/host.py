"""Results on their way from the GPU to the host, without making the GPU wait.

Reading a CUDA tensor on the host (``.item()``, ``.cpu()``, ``int(t)``) blocks Python until the GPU has finished
all the work queued so far; then the GPU idles while Python prepares the next forward. Doing that once per
condition cost the sweep several percent of its throughput. :class:`HostCopy` instead queues the copies
(``non_blocking``, into pinned memory) behind the work that produces them and records an event; :meth:`get`
waits on that event only when the values are needed (a checkpoint, the records), long after the GPU got there.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence

import torch


class HostCopy:
    """Host copies of groups of named tensors, queued now and waited for on :meth:`get` (CPU tensors are kept as
    they are: nothing to wait for)."""

    def __init__(self, groups: Sequence[Dict[str, torch.Tensor]]) -> None:
        self.event: Optional[torch.cuda.Event] = None
        self.host: List[Dict[str, torch.Tensor]] = [{name: self._start(t) for name, t in g.items()} for g in groups]
        cuda = next((t.device for g in groups for t in g.values() if t.device.type == "cuda"), None)
        if cuda is not None:
            self.event = torch.cuda.Event()
            self.event.record(torch.cuda.current_stream(cuda))

    @staticmethod
    def _start(t: torch.Tensor) -> torch.Tensor:
        if t.device.type == "cuda":
            return t.detach().to("cpu", non_blocking=True)  # lands in pinned memory
        if t.device.type == "cpu":
            return t.detach()
        return t.detach().cpu()  # other accelerators: a plain (waiting) copy

    def get(self) -> List[Dict[str, torch.Tensor]]:
        """The host tensors, group by group, once the copies have landed."""
        if self.event is not None:
            self.event.synchronize()
            self.event = None
        return self.host
