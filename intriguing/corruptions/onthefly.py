"""The 15 ImageNet-C corruptions x 5 severities applied on the fly to decoded image batches.

A pure tensor function: (B, 3, H, W) pixels in [0, 1] in, the corrupted batch out, seeded by an
explicit ``torch.Generator`` (one seed per image is drawn from it). Images are quantised to uint8
first, because ImageNet-C's corruptions are defined on 8-bit images (as the released dataset was).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from intriguing.corruptions.backend import corrupt_array
from intriguing.errors import UserError, did_you_mean

CORRUPTIONS: tuple[str, ...] = (
    "gaussian_noise",
    "shot_noise",
    "impulse_noise",
    "defocus_blur",
    "glass_blur",
    "motion_blur",
    "zoom_blur",
    "snow",
    "frost",
    "fog",
    "brightness",
    "contrast",
    "elastic_transform",
    "pixelate",
    "jpeg_compression",
)
CATEGORY: dict[str, str] = {
    c: cat
    for cat, names in (
        ("noise", CORRUPTIONS[0:3]),
        ("blur", CORRUPTIONS[3:7]),
        ("weather", CORRUPTIONS[7:11]),
        ("digital", CORRUPTIONS[11:15]),
    )
    for c in names
}
SEVERITIES: tuple[int, ...] = (1, 2, 3, 4, 5)


def parse_corruptions(spec: str | Sequence[str]) -> tuple[str, ...]:
    """'all', a category ('noise', 'blur', 'weather', 'digital') or names, comma-separated or a list."""
    items = [s.strip() for s in (spec.split(",") if isinstance(spec, str) else spec) if s.strip()]
    out: list = []
    for item in items:
        if item == "all":
            out += CORRUPTIONS
        elif item in CATEGORY.values():
            out += [c for c in CORRUPTIONS if CATEGORY[c] == item]
        elif item in CORRUPTIONS:
            out.append(item)
        else:
            raise UserError(
                f"Unknown corruption {item!r}.{did_you_mean(item, CORRUPTIONS)} "
                f"Use all, noise, blur, weather, digital or one of: {', '.join(CORRUPTIONS)}."
            )
    if not out:
        raise UserError("No corruptions selected; pass --corruptions all or a list of names.")
    return tuple(dict.fromkeys(out))


def parse_severities(spec: str | Sequence[int]) -> tuple[int, ...]:
    """'1-5', '1,3,5' or a list of ints in 1..5."""
    if isinstance(spec, str):
        vals: list = []
        for part in spec.split(","):
            part = part.strip()
            if "-" in part:
                lo, hi = part.split("-", 1)
                vals += list(range(int(lo), int(hi) + 1))
            elif part:
                vals.append(int(part))
    else:
        vals = [int(v) for v in spec]
    bad = [v for v in vals if v not in SEVERITIES]
    if bad or not vals:
        raise UserError(f"Severities must be integers 1-5, got {spec!r}.")
    return tuple(dict.fromkeys(vals))


def corrupt_batch(x01: torch.Tensor, name: str, severity: int, generator: torch.Generator) -> torch.Tensor:
    """Apply ImageNet-C corruption ``name`` at ``severity`` to every image of a (B, 3, H, W) [0, 1] batch."""
    seeds = torch.randint(0, 2**31 - 1, (x01.shape[0],), generator=generator, device=generator.device).tolist()
    return corrupt_batch_seeded(x01, name, severity, seeds)


def corrupt_batch_seeded(x: torch.Tensor, name: str, severity: int, seeds: Sequence[int]) -> torch.Tensor:
    """As :func:`corrupt_batch` with one explicit seed per image (so an image's corruption does not depend on
    its batch). ``x`` is (B, 3, H, W) float in [0, 1] or uint8; the result has the same dtype and device."""
    if name not in CORRUPTIONS:
        raise UserError(f"Unknown corruption {name!r}.{did_you_mean(name, CORRUPTIONS)}")
    if severity not in SEVERITIES:
        raise UserError(f"Severity must be 1-5, got {severity}.")
    if x.dim() != 4 or x.shape[1] != 3:
        raise UserError(f"Corruptions need (B, 3, H, W) RGB batches, got shape {tuple(x.shape)}.")
    if min(x.shape[-2:]) < 32:
        raise UserError(f"ImageNet-C corruptions need images of at least 32x32 pixels, got {tuple(x.shape[-2:])}.")
    if len(seeds) != x.shape[0]:
        raise ValueError(f"{len(seeds)} seeds for {x.shape[0]} images")
    u8 = x if x.dtype == torch.uint8 else (x.detach().float().clamp(0, 1) * 255).round().to(torch.uint8)
    arr = u8.permute(0, 2, 3, 1).cpu().numpy()
    out = torch.from_numpy(corrupt_array(arr, name, severity, seeds)).permute(0, 3, 1, 2)
    if x.dtype == torch.uint8:
        return out.to(x.device)
    return out.to(device=x.device, dtype=x.dtype) / 255.0
