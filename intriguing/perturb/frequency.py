"""Frequency-domain filters and band-limited noise: pure tensor functions seeded by a torch.Generator.

Frequencies are radial, in units of pi: r = sqrt(fx^2 + fy^2) with fx, fy in [-1, 1) the per-axis
normalised frequencies of ``torch.fft.fftfreq`` times 2 (so r = 1 is the Nyquist frequency along an
axis and the corners reach sqrt(2)). Masks are ideal (0/1) and symmetric under f -> -f, so filtered
real inputs stay real, and ``low_pass(x, c) + high_pass(x, c) == x`` exactly up to float error.

Band-limited noise follows Park & Kim's frequency-noise experiment (Fig. 2c; the authors gave
eps = 0.7 and width 0.2 in their issue replies): white Gaussian noise band-passed to
[f - width/2, f + width/2), rescaled so every image's noise has RMS ``eps``, then added.
"""
from __future__ import annotations

from typing import Optional

import torch


def radial_frequency(h: int, w: int, device: Optional[torch.device] = None) -> torch.Tensor:
    """(h, w) grid of radial frequency in units of pi, laid out like ``torch.fft.fft2`` output."""
    fy = torch.fft.fftfreq(h, device=device).abs() * 2.0
    fx = torch.fft.fftfreq(w, device=device).abs() * 2.0
    return torch.sqrt(fy.view(-1, 1) ** 2 + fx.view(1, -1) ** 2)


def band_mask(h: int, w: int, low: float, high: float, device: Optional[torch.device] = None) -> torch.Tensor:
    """1.0 where low <= r < high, else 0.0 (r as in :func:`radial_frequency`)."""
    r = radial_frequency(h, w, device)
    return ((r >= low) & (r < high)).float()


def _apply_mask(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    spec = torch.fft.fft2(x.float())
    return torch.fft.ifft2(spec * mask).real.to(x.dtype)


def low_pass(x: torch.Tensor, cutoff: float) -> torch.Tensor:
    """Keep radial frequencies r < cutoff of the last two dims of ``x``."""
    return _apply_mask(x, band_mask(x.shape[-2], x.shape[-1], 0.0, cutoff, x.device))


def high_pass(x: torch.Tensor, cutoff: float) -> torch.Tensor:
    """Keep radial frequencies r >= cutoff (the exact complement of :func:`low_pass`)."""
    return _apply_mask(x, band_mask(x.shape[-2], x.shape[-1], cutoff, float("inf"), x.device))


def band_pass(x: torch.Tensor, freq: float, width: float) -> torch.Tensor:
    """Keep radial frequencies in [freq - width/2, freq + width/2)."""
    return _apply_mask(x, band_mask(x.shape[-2], x.shape[-1], freq - width / 2, freq + width / 2, x.device))


def band_limited_noise(shape: tuple, freq: float, width: float, eps: float, generator: torch.Generator,
                       device: Optional[torch.device] = None) -> torch.Tensor:
    """Gaussian noise of ``shape`` (B, C, H, W) band-passed around ``freq``; each image's RMS is ``eps``.

    The noise is drawn on the generator's device and moved to ``device``, so a CPU generator gives the
    same noise whatever device the model runs on.
    """
    z = torch.randn(shape, generator=generator, device=generator.device)
    return shape_noise(z.to(device) if device is not None else z, freq, width, eps)


def shape_noise(z: torch.Tensor, freq: float, width: float, eps: float) -> torch.Tensor:
    """Band-pass white noise ``z`` (B, ...) around ``freq`` and rescale each image to RMS ``eps``.

    Split from :func:`band_limited_noise` so callers can draw ``z`` per image (own seeds) and filter
    the whole batch with one FFT.
    """
    if width <= 0:
        raise ValueError("band width must be positive")
    z = band_pass(z, freq, width)
    rms = z.flatten(1).pow(2).mean(dim=1).sqrt().clamp_min(1e-12)
    return z * (eps / rms).view(-1, *([1] * (z.dim() - 1)))


def add_band_noise(x: torch.Tensor, freq: float, width: float, eps: float, generator: torch.Generator) -> torch.Tensor:
    """``x`` plus band-limited noise (see :func:`band_limited_noise`); x is not modified."""
    return x + band_limited_noise(tuple(x.shape), freq, width, eps, generator, x.device).to(x.dtype)
