"""Results on their way from the GPU to the host, without making the GPU wait.

Reading a CUDA tensor on the host (``.item()``, ``.cpu()``, ``int(t)``) blocks Python until the GPU has finished
all the work queued so far; then the GPU idles while Python prepares the next forward. Doing that once per
condition cost the sweep several percent of its throughput. :class:`HostCopy` instead queues the copies
(``non_blocking``, into pinned memory) behind the work that produces them and records an event; :meth:`get`
waits on that event only when the values are needed (a checkpoint, the records), long after the GPU got there.
"""
from __future__ import annotations

from typing import Dict, Optional

import torch


class HostCopy:
    """Host copies of a dict of tensors, queued now and waited for on :meth:`get` (CPU tensors are kept as they
    are: nothing to wait for)."""

    def __init__(self, tensors: Dict[str, torch.Tensor]) -> None:
        self.event: Optional[torch.cuda.Event] = None
        self.host: Dict[str, torch.Tensor] = {}
        cuda = None
        for name, t in tensors.items():
            if t.device.type == "cuda":
                cuda = t.device
                self.host[name] = t.detach().to("cpu", non_blocking=True)  # lands in pinned memory
            elif t.device.type == "cpu":
                self.host[name] = t.detach()
            else:  # other accelerators: a plain (waiting) copy
                self.host[name] = t.detach().cpu()
        if cuda is not None:
            self.event = torch.cuda.Event()
            self.event.record(torch.cuda.current_stream(cuda))

    def get(self) -> Dict[str, torch.Tensor]:
        """The host tensors, once the copies have landed."""
        if self.event is not None:
            self.event.synchronize()
            self.event = None
        return self.host
