"""Seeds derived from the condition they serve, so a mask depends only on (seed, run, condition,
image position) and not on which other conditions or models share the pass, or on a resume."""
from __future__ import annotations

import hashlib

import torch


def derive_seed(*parts: object) -> int:
    """A stable 63-bit seed from any printable parts (same parts, same seed, on every machine)."""
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") & ((1 << 63) - 1)


def generator(*parts: object) -> torch.Generator:
    """A CPU ``torch.Generator`` seeded from ``parts`` (CPU so draws match on every device)."""
    return torch.Generator().manual_seed(derive_seed(*parts))


def per_image_uniform(indices: torch.Tensor, n: int, *parts: object) -> torch.Tensor:
    """(B, n) uniform draws, row b seeded by (parts, indices[b]): an image's draw does not depend
    on the batch size, its neighbours, or where a resumed run restarted."""
    return torch.stack([torch.rand(n, generator=generator(*parts, int(i))) for i in indices.tolist()])
