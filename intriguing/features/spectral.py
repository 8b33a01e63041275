"""Fourier analysis of feature maps (Park & Kim 2022, Fig. 2 and 8) and feature-map variance (Fig. 9).

For a feature map (B, C, H, W) the 2-D amplitude spectrum is taken per channel, its log is averaged
over channels, and the values along the diagonal from frequency 0 to pi are read off. Subtracting
the value at frequency 0 gives the *relative log amplitude*; its last value (the highest frequency)
summarises how much high-frequency signal a block keeps. Curves are averaged over every image seen,
with additive state so many batches (and resumed runs) combine exactly.

Default reads the diagonal at k = 0 .. H//2 of the unshifted spectrum, so the curve runs from 0 to pi
(Nyquist included) and non-square maps are sampled on a common normalised grid. ``paper_compat=True``
reproduces the notebook: roll by H/2, take ``diag()[H/2:]``, which stops one step short of pi.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

EPS = 1e-6  # added to the amplitude before the log, as in the original notebook


def _diagonal_index(h: int, w: int, paper_compat: bool) -> tuple[torch.Tensor, torch.Tensor]:
    if paper_compat:  # after the roll by (h/2, w/2), index h/2 is frequency 0; shift back to unrolled coordinates
        n = min(h, w) - min(h, w) // 2
        k = torch.arange(n)
        return k, k
    n = min(h, w) // 2 + 1
    t = torch.linspace(0.0, 1.0, n)
    return torch.round(t * (h // 2)).long(), torch.round(t * (w // 2)).long()


def frequencies(h: int, w: int, paper_compat: bool = False) -> torch.Tensor:
    """Normalised frequency (units of pi) of each point on the curve returned by :func:`log_amplitude_curve`."""
    if paper_compat:
        n = min(h, w) - min(h, w) // 2
        return torch.arange(n, dtype=torch.float64) * 2.0 / min(h, w)
    return torch.linspace(0.0, 1.0, min(h, w) // 2 + 1, dtype=torch.float64)


def log_amplitude_curve(fmap: torch.Tensor, paper_compat: bool = False) -> torch.Tensor:
    """Per-image log amplitude along the spectrum's diagonal, averaged over channels: (B, C, H, W) -> (B, K)."""
    if fmap.dim() != 4:
        raise ValueError(f"expected a (B, C, H, W) feature map, got shape {tuple(fmap.shape)}")
    spec = torch.fft.fft2(fmap.float()).abs().add(EPS).log().mean(dim=1)  # (B, H, W)
    ih, iw = _diagonal_index(fmap.shape[-2], fmap.shape[-1], paper_compat)
    return spec[:, ih.to(spec.device), iw.to(spec.device)]


def relative_log_amplitude(curve: torch.Tensor) -> torch.Tensor:
    """Delta log amplitude: each curve minus its value at frequency 0 (last dim is frequency)."""
    return curve - curve[..., :1]


def feature_variance(fmap: torch.Tensor) -> torch.Tensor:
    """Per-image feature-map variance: spatial variance of each channel, averaged over channels -> (B,)."""
    return fmap.float().flatten(2).var(dim=-1).mean(dim=1)


SCALE = 1 << 24  # per-image values are summed as exact integers at this resolution (6e-8)


def _exact_sum(v: torch.Tensor, dim: int = 0) -> torch.Tensor:
    """Sum of ``v`` rounded per value to 1/SCALE, as int64: exact, so any split of the images into batches or
    torchrun ranks gives the same totals (float sums depend on the order)."""
    return (v.double() * SCALE).round().to(torch.int64).sum(dim)


def spectrum_sums(fmap: torch.Tensor, paper_compat: bool = False) -> dict[str, Any]:
    """One batch's exact sums over its images for one block's feature map, left on the map's device (the engine
    copies them back behind the next forward passes): ``n`` and the int64 sums (1/SCALE units) of the relative
    curve, its square, the variance and its square. :meth:`SpectrumStats.of` reads them on the host."""
    rel = relative_log_amplitude(log_amplitude_curve(fmap, paper_compat)).double()
    var = feature_variance(fmap).double()
    return {
        "n": int(fmap.shape[0]),
        "curve_sum": _exact_sum(rel),
        "curve_sq": _exact_sum(rel.pow(2)),
        "var_sum": _exact_sum(var),
        "var_sq": _exact_sum(var.pow(2)),
    }


@dataclass
class SpectrumStats:
    """Additive per-block sums over images of the relative curve, its square, and the variance (integers in units
    of 1/SCALE: merging is exact and order-free)."""

    n: int = 0
    curve_sum: list[int] = field(default_factory=list)
    curve_sq: list[int] = field(default_factory=list)
    var_sum: int = 0
    var_sq: int = 0

    @classmethod
    def of(cls, sums: dict[str, Any]) -> SpectrumStats:
        """The stats of one batch's :func:`spectrum_sums` (read here: pass host tensors to avoid waiting)."""
        return cls(
            int(sums["n"]),
            sums["curve_sum"].tolist(),
            sums["curve_sq"].tolist(),
            int(sums["var_sum"]),
            int(sums["var_sq"]),
        )

    def merge(self, other: SpectrumStats) -> None:
        if not other.n:
            return
        if not self.curve_sum:
            self.curve_sum, self.curve_sq = [0] * len(other.curve_sum), [0] * len(other.curve_sum)
        if len(other.curve_sum) != len(self.curve_sum):
            raise ValueError("feature-map size changed between batches; use one input size per run")
        self.curve_sum = [a + int(b) for a, b in zip(self.curve_sum, other.curve_sum)]
        self.curve_sq = [a + int(b) for a, b in zip(self.curve_sq, other.curve_sq)]
        self.var_sum += int(other.var_sum)
        self.var_sq += int(other.var_sq)
        self.n += int(other.n)

    def mean_curve(self) -> list[float]:
        return [s / SCALE / self.n for s in self.curve_sum] if self.n else []

    def std_curve(self) -> list[float]:
        """Standard deviation across images of each curve point."""
        if not self.n:
            return []
        return [
            max(q / SCALE / self.n - (s / SCALE / self.n) ** 2, 0.0) ** 0.5
            for s, q in zip(self.curve_sum, self.curve_sq)
        ]

    def variance(self) -> tuple[float, float]:
        """(mean, std across images) of the feature-map variance."""
        if not self.n:
            return float("nan"), float("nan")
        m = self.var_sum / SCALE / self.n
        return m, max(self.var_sq / SCALE / self.n - m * m, 0.0) ** 0.5


class SpectrumAccumulator:
    """Accumulates relative log-amplitude curves and variances per named block over many batches."""

    def __init__(self, paper_compat: bool = False) -> None:
        self.paper_compat = paper_compat
        self.stats: dict[str, SpectrumStats] = {}
        self.shapes: dict[str, tuple] = {}

    def update(self, name: str, fmap: torch.Tensor) -> None:
        self.add(name, spectrum_sums(fmap, self.paper_compat), tuple(fmap.shape[-2:]))

    def add(self, name: str, sums: dict[str, Any], shape: tuple) -> None:
        """Add one batch's :func:`spectrum_sums` of block ``name`` (feature maps of spatial ``shape``)."""
        self.stats.setdefault(name, SpectrumStats()).merge(SpectrumStats.of(sums))
        self.shapes[name] = tuple(shape)

    def merge(self, other: SpectrumAccumulator) -> None:
        """Add ``other``'s images (another batch, another rank)."""
        for name, st in other.stats.items():
            self.stats.setdefault(name, SpectrumStats()).merge(st)
            self.shapes[name] = other.shapes[name]

    def state_dict(self) -> dict:
        return {
            "paper_compat": self.paper_compat,
            "shapes": {k: list(v) for k, v in self.shapes.items()},
            "stats": {k: vars(v).copy() for k, v in self.stats.items()},
        }

    def load_state_dict(self, state: dict) -> None:
        self.paper_compat = bool(state["paper_compat"])
        self.shapes = {k: tuple(v) for k, v in state["shapes"].items()}
        self.stats = {k: SpectrumStats(**v) for k, v in state["stats"].items()}

    def result(self, name: str) -> dict:
        """Curve (mean, std), its frequencies, high-frequency value and variance for one block."""
        st = self.stats[name]
        h, w = self.shapes[name]
        curve, std = st.mean_curve(), st.std_curve()
        var_m, var_s = st.variance()
        return {
            "n_images": st.n,
            "height": h,
            "width": w,
            "freqs": frequencies(h, w, self.paper_compat).tolist(),
            "curve": curve,
            "curve_std": std,
            "high_freq": curve[-1],
            "high_freq_std": std[-1],
            "variance": var_m,
            "variance_std": var_s,
        }
