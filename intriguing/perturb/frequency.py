"""Frequency-domain filters and band-limited noise: pure tensor functions seeded by a torch.Generator.

Frequencies are radial, in units of pi: r = sqrt(fx^2 + fy^2) with fx, fy in [-1, 1) the per-axis
normalised frequencies of ``torch.fft.fftfreq`` times 2 (so r = 1 is the Nyquist frequency along an
axis and the corners reach sqrt(2)). Masks are ideal (0/1) and symmetric under f -> -f, so filtered
real inputs stay real, and masks of adjoining bands add up to the mask of their union.

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


def apply_mask(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """``x`` filtered by a frequency ``mask`` laid out like ``torch.fft.fft2``'s output (e.g. :func:`band_mask`)."""
    spec = torch.fft.fft2(x.float())
    return torch.fft.ifft2(spec * mask).real.to(x.dtype)


def band_pass(x: torch.Tensor, freq: float, width: float) -> torch.Tensor:
    """Keep radial frequencies in [freq - width/2, freq + width/2)."""
    return apply_mask(x, band_mask(x.shape[-2], x.shape[-1], freq - width / 2, freq + width / 2, x.device))


def shape_noise(z: torch.Tensor, freq: float, width: float, eps: float) -> torch.Tensor:
    """Band-pass white noise ``z`` (B, ...) around ``freq`` and rescale each image to RMS ``eps``.

    Callers draw ``z`` per image (own seeds) and filter the whole batch with one FFT.
    """
    if width <= 0:
        raise ValueError("band width must be positive")
    z = band_pass(z, freq, width)
    rms = z.flatten(1).pow(2).mean(dim=1).sqrt().clamp_min(1e-12)
    return z * (eps / rms).view(-1, *([1] * (z.dim() - 1)))
