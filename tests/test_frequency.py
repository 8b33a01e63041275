"""Band-pass filters and band-limited noise: complementarity, energy in band, seeding, purity."""

from typing import Optional

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from intriguing.perturb.frequency import apply_mask, band_mask, band_pass, radial_frequency, shape_noise


# the filters and the noise draw the command does not use (it draws per image and calls shape_noise), kept here as
# the reference spellings the properties below are stated for
def low_pass(x: torch.Tensor, cutoff: float) -> torch.Tensor:
    """Keep radial frequencies r < cutoff of the last two dims of ``x``."""
    return apply_mask(x, band_mask(x.shape[-2], x.shape[-1], 0.0, cutoff, x.device))


def high_pass(x: torch.Tensor, cutoff: float) -> torch.Tensor:
    """Keep radial frequencies r >= cutoff (the exact complement of :func:`low_pass`)."""
    return apply_mask(x, band_mask(x.shape[-2], x.shape[-1], cutoff, float("inf"), x.device))


def band_limited_noise(
    shape: tuple,
    freq: float,
    width: float,
    eps: float,
    generator: torch.Generator,
    device: Optional[torch.device] = None,
) -> torch.Tensor:
    """Gaussian noise of ``shape`` (B, C, H, W) band-passed around ``freq``; each image's RMS is ``eps``.

    The noise is drawn on the generator's device and moved to ``device``, so a CPU generator gives the
    same noise whatever device the model runs on.
    """
    z = torch.randn(shape, generator=generator, device=generator.device)
    return shape_noise(z.to(device) if device is not None else z, freq, width, eps)


def add_band_noise(x: torch.Tensor, freq: float, width: float, eps: float, generator: torch.Generator) -> torch.Tensor:
    """``x`` plus band-limited noise (see :func:`band_limited_noise`); x is not modified."""
    return x + band_limited_noise(tuple(x.shape), freq, width, eps, generator, x.device).to(x.dtype)


@settings(max_examples=25, deadline=None)
@given(h=st.integers(4, 24), w=st.integers(4, 24), cutoff=st.floats(0.0, 1.5), seed=st.integers(0, 10_000))
def test_low_plus_high_is_identity(h, w, cutoff, seed):
    x = torch.randn(2, 3, h, w, generator=torch.Generator().manual_seed(seed))
    assert torch.allclose(low_pass(x, cutoff) + high_pass(x, cutoff), x, atol=1e-5)


def test_extreme_cutoffs():
    x = torch.randn(1, 3, 16, 16)
    assert torch.allclose(low_pass(x, 2.0), x, atol=1e-5)  # r <= sqrt(2) < 2: everything passes
    assert torch.allclose(low_pass(x, 1e-9), x.mean(dim=(-2, -1), keepdim=True).expand_as(x), atol=1e-5)


@pytest.mark.parametrize("freq", [0.2, 0.5, 0.9])
def test_band_pass_energy_lands_in_band(freq):
    width = 0.2
    x = torch.randn(4, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    y = band_pass(x, freq, width)
    power = torch.fft.fft2(y).abs().pow(2).sum(dim=(0, 1))
    inside = band_mask(32, 32, freq - width / 2, freq + width / 2)
    assert float((power * (1 - inside)).sum()) < 1e-6 * float(power.sum())
    assert float(power.sum()) > 0


def test_band_pass_keeps_a_cosine_in_band_and_removes_it_outside():
    n = 32
    k = 8  # cycles per image along x: radial frequency 2k/n = 0.5 (units of pi)
    xs = torch.arange(n).float()
    wave = torch.cos(2 * torch.pi * k * xs / n).view(1, 1, 1, n).expand(1, 1, n, n)
    assert torch.allclose(band_pass(wave, 0.5, 0.1), wave, atol=1e-5)
    assert band_pass(wave, 0.8, 0.1).abs().max() < 1e-5


def test_band_limited_noise_is_seeded_scaled_and_band_limited():
    g1, g2 = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    a = band_limited_noise((5, 3, 32, 32), 0.6, 0.2, 0.7, g1)
    b = band_limited_noise((5, 3, 32, 32), 0.6, 0.2, 0.7, g2)
    assert torch.equal(a, b)
    assert not torch.equal(a, band_limited_noise((5, 3, 32, 32), 0.6, 0.2, 0.7, g1))
    rms = a.flatten(1).pow(2).mean(1).sqrt()
    assert torch.allclose(rms, torch.full_like(rms, 0.7), atol=1e-5)
    r = radial_frequency(32, 32)
    power = torch.fft.fft2(a).abs().pow(2).sum(dim=(0, 1))
    assert float(power[(r < 0.5) | (r >= 0.7)].sum()) < 1e-6 * float(power.sum())


def test_add_band_noise_is_pure():
    x = torch.rand(2, 3, 16, 16)
    before = x.clone()
    y = add_band_noise(x, 0.3, 0.2, 0.1, torch.Generator().manual_seed(0))
    assert torch.equal(x, before) and not torch.equal(x, y)
    with pytest.raises(ValueError):
        band_limited_noise((1, 1, 8, 8), 0.3, 0.0, 1.0, torch.Generator())
