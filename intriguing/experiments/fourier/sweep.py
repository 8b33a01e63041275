"""Fourier analysis of feature maps (Park & Kim 2022, Fig. 2a-b, 8, 9): MSAs low-pass, Convs high-pass.

For every model, the residual stream after each block (ViTs: each attention and each MLP sub-block)
is read with forward hooks, reshaped to a feature map, and its relative log amplitude (Δ log
amplitude from frequency 0 to pi, averaged over channels) and feature-map variance are averaged over
all images -- not one image as in the original notebook. One pass over the data serves all models;
the running sums are checkpointed so an interrupted run resumes.

Records (one row per model x block x frequency): block, kind (stem/attn/mlp/block), depth
(normalised), freq (units of pi), delta_log_amplitude (mean and std over images), variance.
``--paper-compat`` reads the notebook's half-diagonal (stops one step short of pi).
"""

from __future__ import annotations

import torch

from intriguing.engine import EngineOptions, Output, Reduction, Sweep, model_failed, run_sweep
from intriguing.engine.accumulate import Key
from intriguing.errors import UserError
from intriguing.experiments.fourier.conditions import CleanImages
from intriguing.features.blocks import BlockFeatures, block_specs, normalized_depths
from intriguing.features.spectral import SpectrumAccumulator, spectrum_sums
from intriguing.zoo import ModelBundle


class Spectra(Reduction):
    """One model's spectra per block, summed exactly over images (the engine's reduction for Fourier)."""

    def __init__(self, model: torch.nn.Module, paper_compat: bool) -> None:
        self.model = model
        self.acc = SpectrumAccumulator(paper_compat)

    def update(self, summary: Output, labels: torch.Tensor, indices: torch.Tensor) -> None:
        for name, (sums, shape) in summary.value.items():  # host copies of the batch's sums, in block order
            self.acc.add(name, sums, shape)

    def merge(self, other: Spectra) -> None:
        self.acc.merge(other.acc)

    def state(self) -> dict:
        return self.acc.state_dict()

    def load(self, state: dict) -> None:
        self.acc.load_state_dict(state)

    def rows(self, key: Key, ci_seed: int) -> list[dict]:
        """One row per block x frequency: block, kind, depth, freq, Δ log amplitude (mean, std), variance."""
        specs = [s for s in block_specs(self.model) if s.name in self.acc.stats]
        rows = []
        for i, (spec, depth) in enumerate(zip(specs, normalized_depths(specs))):
            r = self.acc.result(spec.name)
            for f, v, sd in zip(r["freqs"], r["curve"], r["curve_std"]):
                rows.append(
                    {
                        "model": key.model,
                        "block": spec.name,
                        "kind": spec.kind,
                        "index": i,
                        "depth": round(depth, 6),
                        "freq": round(f, 6),
                        "delta_log_amplitude": v,
                        "delta_log_amplitude_std": sd,
                        "variance": r["variance"],
                        "variance_std": r["variance_std"],
                        "height": r["height"],
                        "width": r["width"],
                        "n_images": r["n_images"],
                        "weights": key.weights,
                    }
                )
        return rows


class FourierSweep(Sweep[CleanImages]):
    """One condition per model (the clean images); each batch's spectra are read with block hooks."""

    def __init__(self, paper_compat: bool) -> None:
        self.paper_compat = paper_compat

    def conditions(self, bundle: ModelBundle) -> list[CleanImages]:
        return [CleanImages()]

    def evaluate(self, bundle: ModelBundle, cond: CleanImages, x01: torch.Tensor, batch) -> Output:
        # each block's exact sums stay on the device: the engine reads them back with the batch's other results
        sums: dict[str, tuple[dict, tuple]] = {}

        def keep(spec, fmap: torch.Tensor) -> None:
            sums[spec.name] = (spectrum_sums(fmap.float(), self.paper_compat), tuple(fmap.shape[-2:]))

        with BlockFeatures(bundle.model, on_feature=keep):
            bundle(x01)
        return Output(sums)

    def reduction(self, bundle: ModelBundle, cond: CleanImages, opts: EngineOptions) -> Spectra:
        return Spectra(bundle.model, self.paper_compat)


def run(config, bundles, images, run_dir, opts: EngineOptions) -> tuple[list[dict], dict[str, str]]:
    """One engine pass: every batch through every model with block hooks; rows written when the pass ends
    (whole batches only in the saved state, records matched on (model, weights), torchrun shards merged exactly)."""
    failed: dict[str, str] = {}
    usable = []
    for b in bundles:  # an architecture without recognisable blocks fails alone, before the pass
        try:
            block_specs(b.model)
            usable.append(b)
        except UserError as e:
            model_failed(failed, b, e, run_dir)
    if not usable:
        return [], failed
    rows, more = run_sweep(FourierSweep(config.paper_compat), usable, images, run_dir, opts)
    return rows, {**failed, **more}
