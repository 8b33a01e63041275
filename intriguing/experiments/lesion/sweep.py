"""Feature-drop lesion sweep: top-1 when a fraction of the features entering ViT block K (or leaving CNN stage s)
is dropped, every (point, fraction, run) of every model in one pass over the data.

Default masks are drawn per image (exactly round(f * N) tokens / positions, seeded by (seed, unit, point,
fraction, run, image index): the same image gets the same lesion in every model with the same token count and
on a resumed run). ``--paper-compat`` applies the original's rules instead (one draw per batch; see
:mod:`intriguing.perturb.lesion`) and writes its report format.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, Optional

import torch

from intriguing.engine import EngineOptions, Output, Sweep, run_sweep
from intriguing.experiments.lesion.conditions import Lesion
from intriguing.experiments.lesion.config import Config
from intriguing.experiments.lesion.points import lesion_hook, lesion_points
from intriguing.perturb import n_dropped, per_image_drop_mask
from intriguing.perturb.lesion import (
    lesion_pixel_groups,
    lesion_tokens,
    paper_position_mask,
    paper_token_mask,
    zero_positions,
)
from intriguing.plots.lines import describe_data
from intriguing.plots.panels import panel_plot
from intriguing.plots.reliability import reliability_figure
from intriguing.records import format_table, summarize
from intriguing.records.summary import top1_fraction
from intriguing.seeding import derive_seed, generator
from intriguing.zoo import ModelBundle


class LesionSweep(Sweep[Lesion]):
    def __init__(self, config: Config) -> None:
        self.c = config

    def conditions(self, bundle: ModelBundle) -> list[Lesion]:
        unit, points, _ = lesion_points(bundle, self.c.blocks, self.c.stages)
        mode = self.c.lesion_mode if unit == "block" else "zero"
        return [Lesion(unit, p, f, mode, run) for p in points for f in self.c.fractions for run in range(self.c.runs)]

    def prepare(self, batch) -> None:
        self.batch = batch

    def lesion(self, bundle: ModelBundle, cond: Lesion, dropped: dict[str, torch.Tensor]) -> Callable:
        """The tensor rewrite the hook applies for ``cond``; it stores the per-image fraction dropped."""
        indices, f, paper = self.batch.indices, cond.fraction, self.c.paper_compat
        parts = (self.c.seed, "lesion", cond.unit, cond.block, f, cond.run)
        batch_parts = (*parts, "batch", int(indices[0]))  # --paper-compat: one draw per batch, as the original

        def tokens(x: torch.Tensor, pixels: Optional[torch.Tensor] = None) -> Any:
            p = int(bundle.model.num_prefix_tokens)
            b, n = x.shape[0], x.shape[1] - p
            mask = (
                paper_token_mask(b, n, p, f, derive_seed(*batch_parts))
                if paper
                else per_image_drop_mask(indices, (1, n), n_dropped(n, f), *parts).reshape(b, n)
            )
            dropped["dropped"] = mask.float().mean(1)
            out = lesion_tokens(x, mask, p, cond.lesion_mode)
            if pixels is None:
                return out
            return lesion_pixel_groups(pixels, mask, cond.lesion_mode), out  # TNT: (pixel_embed, patch_embed)

        def positions(x: torch.Tensor) -> torch.Tensor:
            (h, w), b = x.shape[-2:], x.shape[0]
            mask = (
                paper_position_mask((h, w), f, generator(*batch_parts)).expand(b, h, w)
                if paper
                else per_image_drop_mask(indices, (h, w), n_dropped(h * w, f), *parts)
            )
            dropped["dropped"] = mask.flatten(1).float().mean(1)
            return zero_positions(x, mask)

        return tokens if cond.unit == "block" else positions

    def evaluate(self, bundle: ModelBundle, cond: Lesion, x01: torch.Tensor, batch) -> Output:
        if cond.fraction == 0:  # identity: one clean forward serves every point and run
            return Output(self.once("clean", lambda: bundle(x01)), {"dropped": torch.zeros(len(x01))})
        dropped: dict[str, torch.Tensor] = {}
        with lesion_hook(bundle.model, cond.unit, cond.block, self.lesion(bundle, cond, dropped)):
            logits = bundle(x01)
        return Output(logits, dropped)


def run(config: Config, bundles, images, run_dir, opts: EngineOptions):
    records, failed = run_sweep(LesionSweep(config), bundles, images, run_dir, opts)
    if config.paper_compat:
        write_paper_json(run_dir.records(), Path(run_dir.path))
    return records, failed


def write_paper_json(records: list[dict], out_dir: Path) -> None:
    """The original's report/lesion/{model}.json: {"run_000": {"<block>": {"0.25": acc, ...}}}, acc in [0, 1]."""
    (out_dir / "paper_compat").mkdir(exist_ok=True)
    for model in dict.fromkeys(r["model"] for r in records):
        out: dict[str, dict[str, dict[str, float]]] = {}
        for r in records:
            if r["model"] == model:
                run = out.setdefault(f"run_{int(r['run']):03d}", {})
                run.setdefault(str(int(r["block"])), {})[str(float(r["fraction"]))] = top1_fraction(r)
        (out_dir / "paper_compat" / f"{model}.json").write_text(json.dumps(out, indent=4))


XLABELS = {
    "block": "ViT block K (patch tokens entering it dropped)",
    "stage": "CNN stage s (its output positions zeroed)",
}


def report(records: list[dict], out_dir, plot: bool = True) -> str:
    """Table (mean ± std over runs) and accuracy vs block / stage, one line per model and fraction."""
    keys = ["model", "unit", "block", "fraction", "lesion_mode"]
    metrics = [m for m in ("top1", "real_top1", "top5", "dropped", "ece", "nll") if any(m in r for r in records)]
    text = format_table(summarize(records, keys, metrics), keys + ["runs"], metrics)
    if plot and records:
        modes = sorted({str(r["lesion_mode"]) for r in records if r["unit"] == "block"})
        what = describe_data(records, out_dir, f"ViT tokens {'/'.join(modes)}d" if modes else "")
        path = panel_plot(
            records,
            "unit",
            "block",
            "top1",
            ["model", "fraction"],
            Path(out_dir) / "lesion.png",
            xlabels=XLABELS,
            titles={"block": "ViTs", "stage": "CNNs"},
            ylabel="top-1 accuracy (%)",
            ylim=(0, 100),
            names={"fraction": "fraction"},
            title=f"Feature-drop lesion\n{what}",
        )
        text += f"\nplot: {path}"
        # the diagrams' top row is each model's clean forward (fraction 0) when the run has one
        rel = reliability_figure(
            records,
            Path(out_dir) / "reliability.png",
            ["unit", "block", "fraction"],
            clean=lambda r: float(r["fraction"]) == 0,
        )
        if rel:  # run with --metrics calibration
            text += f"\nplot: {rel}"
    return text
