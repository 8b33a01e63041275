"""Frequency-band noise robustness (Park & Kim 2022, Fig. 2c): accuracy drop vs. noise frequency.

Gaussian noise band-passed to [f - width/2, f + width/2) (radial frequency in units of pi), scaled to
RMS ``eps`` per image, is added to every image; one pass over the data evaluates the clean images and
every frequency for every model. By default the noise is added to [0, 1] pixels (clipped; eps 0.16), so every
model receives the same perturbed pixels whatever its normalisation; ``--noise-space normalized`` (and
``--paper-compat``) adds it to each model's normalised input as the authors' pipeline did (eps 0.7, width 0.2).
Noise depends only on (seed, f, run, image index); records carry ``eps`` and ``space``.
"""

from __future__ import annotations

from pathlib import Path

import torch

from intriguing.engine import EngineOptions, Output, Sweep, run_sweep
from intriguing.experiments.freq_noise.conditions import Band
from intriguing.experiments.freq_noise.config import Config
from intriguing.perturb.frequency import shape_noise
from intriguing.plots.lines import describe_data, line_plot
from intriguing.plots.reliability import reliability_figure
from intriguing.records import format_table, summarize
from intriguing.seeding import generator
from intriguing.zoo import ModelBundle


class FrequencyNoiseSweep(Sweep[Band]):
    def __init__(self, config: Config) -> None:
        self.c = config
        self.cache: dict[tuple, torch.Tensor] = {}

    def conditions(self, bundle: ModelBundle) -> list[Band]:
        clean = [Band("clean", 0, 0.0, self.c.noise_space)]
        return clean + [
            Band("band_noise", r, self.c.eps, self.c.noise_space, f) for f in self.c.freqs for r in range(self.c.runs)
        ]

    def prepare(self, batch) -> None:
        self.cache, self.batch = {}, batch

    def noise(self, shape: tuple, freq: float, run: int, device: torch.device) -> torch.Tensor:
        key = (shape, freq, run)
        if key not in self.cache:  # per-image CPU generators: independent of batch size, device and resume point
            parts = (self.c.seed, "band_noise", freq, self.c.width, self.c.eps, run)
            z = torch.cat(
                [torch.randn((1, *shape[1:]), generator=generator(*parts, int(i))) for i in self.batch.indices.tolist()]
            )
            self.cache[key] = shape_noise(z.to(device), freq, self.c.width, self.c.eps)  # one FFT per batch
        return self.cache[key].to(device)

    def evaluate(self, bundle: ModelBundle, cond: Band, x01: torch.Tensor, batch) -> Output:
        if cond.condition == "clean":
            return Output(bundle(x01))
        n = self.noise(tuple(x01.shape), cond.freq, cond.run, x01.device).to(x01.dtype)
        if self.c.noise_space == "pixel":
            return Output(bundle((x01 + n).clamp(0, 1)))
        return Output(bundle.model(bundle.normalize(x01) + n))


def run(config: Config, bundles, images, run_dir, opts: EngineOptions):
    return run_sweep(FrequencyNoiseSweep(config), bundles, images, run_dir, opts)


def with_drops(records: list[dict]) -> list[dict]:
    """Noisy records with ``top1_drop`` = clean top-1 minus noisy top-1 (percentage points)."""
    clean = {r["model"]: float(r["top1"]) for r in records if r["condition"] == "clean"}
    return [
        {**r, "top1_drop": clean[r["model"]] - float(r["top1"])}
        for r in records
        if r["condition"] != "clean" and r["model"] in clean
    ]


def _noise(records: list[dict]) -> str:
    eps = sorted({float(r["eps"]) for r in records if r.get("eps") not in (None, "")})
    spaces = sorted({str(r["space"]) for r in records if r.get("space")})
    return f"eps {'/'.join(f'{e:g}' for e in eps)} in {'/'.join(spaces)} space" if eps else ""


def report(records: list[dict], out_dir, plot: bool = True) -> str:
    out_dir = Path(out_dir)
    noisy = with_drops(records)
    metrics = [m for m in ("top1", "real_top1", "top1_drop", "nll", "ece") if noisy and m in noisy[0]]
    clean_metrics = [m for m in ("top1", "real_top1", "nll", "ece") if m in records[0]]
    clean_rows = summarize([r for r in records if r["condition"] == "clean"], ["model"], clean_metrics)
    text = "clean:\n" + format_table(clean_rows, ["model"], clean_metrics)
    rows = summarize(noisy, ["model", "freq"], metrics)
    text += "\n\nband-limited noise (freq in units of pi):\n" + format_table(rows, ["model", "freq", "runs"], metrics)
    if plot and noisy:
        p = line_plot(
            noisy,
            "freq",
            "top1_drop",
            ["model"],
            out_dir / "freq_noise.png",
            xlabel="noise frequency (×π)",
            ylabel="top-1 drop (percentage points)",
            title=f"Accuracy drop under band-limited noise\n{describe_data(records, out_dir, _noise(noisy))}",
        )
        text += f"\nplot: {p}"
        rel = reliability_figure(records, out_dir / "reliability.png", ["condition", "freq"])
        if rel:
            text += f"\nplot: {rel}"
    return text
