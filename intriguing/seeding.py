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


_GOLDEN = 0x9E3779B97F4A7C15


def _signed(c: int) -> int:
    return c - (1 << 64) if c >= 1 << 63 else c


def _shr(z: torch.Tensor, n: int) -> torch.Tensor:
    """Logical right shift of int64 (torch's >> is arithmetic)."""
    return (z >> n) & ((1 << (64 - n)) - 1)


def _splitmix64(z: torch.Tensor) -> torch.Tensor:
    """SplitMix64's output function on int64 tensors (wrapping arithmetic), vectorised."""
    z = (z ^ _shr(z, 30)) * _signed(0xBF58476D1CE4E5B9)
    z = (z ^ _shr(z, 27)) * _signed(0x94D049BB133111EB)
    return z ^ _shr(z, 31)


def per_image_keys(indices: torch.Tensor, n: int, *parts: object) -> torch.Tensor:
    """(B, n) random int64 keys; row b depends only on (parts, indices[b]), so an image's draw does not depend
    on the batch size, its neighbours, or where a resumed run restarted.

    A counter-based generator (SplitMix64 over (image key + j)), vectorised so that drawing masks for dozens of
    conditions per batch costs microseconds, on CPU or GPU alike. Sort these keys (not float32 uniforms, whose
    24-bit mantissas tie) to draw permutations and subsets: distinct 64-bit outputs never tie."""
    base = derive_seed(*parts)
    idx = indices.to(torch.int64).view(-1, 1)
    keys = _splitmix64(idx * _signed(_GOLDEN) + base)  # one stream per image
    counters = keys + (torch.arange(1, n + 1, dtype=torch.int64, device=idx.device) * _signed(_GOLDEN))
    return _shr(_splitmix64(counters), 1)  # 63-bit non-negative keys


def per_image_permutation(indices: torch.Tensor, n: int, *parts: object) -> torch.Tensor:
    """(B, n) permutations of range(n), one per image, from :func:`per_image_keys` (ties impossible)."""
    return per_image_keys(indices, n, *parts).argsort(dim=1)


def per_image_uniform(indices: torch.Tensor, n: int, *parts: object) -> torch.Tensor:
    """(B, n) uniform draws in [0, 1) in float64 (53 bits), keyed as :func:`per_image_keys`."""
    return _shr(per_image_keys(indices, n, *parts), 10).to(torch.float64).div_(float(1 << 53))
