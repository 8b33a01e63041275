"""Clean-vs-occluded feature correlation per block.

Per batch and model: one clean forward and one forward per (ratio, run) of the PatchDropped image (black cells
on the grid ``intriguing occlusion`` uses, with its per-image masks for the same seed, grid, ratio and run).
:class:`~intriguing.features.blocks.BlockFeatures` hooks every residual block; the points compared are the
input of the first block (``block 0``) and every block's output (``block i``, depth i / number of blocks;
a ViT's mid-block attention points are not used). Features per point:

* ViTs: ``cls`` = the class token (when the model has one), ``patch_mean`` = the mean of the patch tokens;
  TNT (whose blocks pass (pixel_embed, patch_embed)) the same of its outer patch tokens, from hooks of its own;
* CNNs: ``pooled`` = the block's output map averaged over its spatial positions.

The class token entering the first block (``block 0``) is the learnt parameter plus its position embedding, the
same for every image, so its correlation would be 1 by construction: that point is not recorded (the ``cls``
curve starts at the first block's output); ``patch_mean`` and ``pooled`` keep it.

For each image, Pearson's r between its clean and occluded feature vectors (over the feature dimensions,
:func:`~intriguing.features.correlation.pearson_rows`); the record's ``corr`` is its mean over images. The
records' top-1 / top-5 are the occluded image's accuracy (the same for every block of one ratio and run).
"""

from __future__ import annotations

import torch

from intriguing.engine import EngineOptions, Output, Sweep, run_sweep
from intriguing.experiments.feature_correlation.conditions import Correlation
from intriguing.experiments.feature_correlation.config import Config
from intriguing.features.blocks import BlockFeatures, BlockSpec, block_specs
from intriguing.features.correlation import pearson_rows
from intriguing.perturb import drop_pixels, model_grid, n_dropped, per_image_drop_mask
from intriguing.plots.lines import describe_data
from intriguing.plots.panels import panel_plot
from intriguing.records import format_table, summarize
from intriguing.zoo import ModelBundle

POINT_KINDS = ("stem", "mlp", "block")  # the input of block 1 and every block's output
TITLES = {
    "cls": "class token (ViTs; none at depth 0, a constant there)",
    "patch_mean": "mean patch token (ViTs)",
    "pooled": "pooled feature map (CNNs)",
}


def points(bundle: ModelBundle) -> list[BlockSpec]:
    return [s for s in block_specs(bundle.model) if s.kind in POINT_KINDS]


def feature_kinds(bundle: ModelBundle) -> tuple[str, ...]:
    if not (bundle.is_vit or bundle.is_tnt):
        return ("pooled",)
    return ("cls", "patch_mean") if getattr(bundle.model, "cls_token", None) is not None else ("patch_mean",)


def features(bundle: ModelBundle, x01: torch.Tensor) -> tuple[torch.Tensor, dict[tuple[str, str], torch.Tensor]]:
    """(logits, {(point name, feature kind): (B, C) float32}) of one forward, reduced as each block finishes."""
    wanted = {s.name for s in points(bundle)}
    kinds = feature_kinds(bundle)
    out: dict[tuple[str, str], torch.Tensor] = {}
    if bundle.is_tnt:
        return tnt_features(bundle, x01, wanted)

    def keep(spec: BlockSpec, fmap: torch.Tensor) -> None:
        prefix = feats.prefix_tokens.pop(spec.name, None)
        if spec.name not in wanted:
            return
        out[(spec.name, "pooled" if "pooled" in kinds else "patch_mean")] = fmap.float().mean(dim=(2, 3))
        if "cls" in kinds:
            out[(spec.name, "cls")] = prefix[:, 0].float()

    with BlockFeatures(bundle.model, on_feature=keep, keep_prefix="cls" in kinds) as feats:
        logits = bundle(x01)
    return logits, out


def tnt_features(
    bundle: ModelBundle, x01: torch.Tensor, wanted: set
) -> tuple[torch.Tensor, dict[tuple[str, str], torch.Tensor]]:
    """:func:`features` for TNT: the outer tokens entering block 0 (``stem``) and leaving each block."""
    model, p = bundle.model, int(bundle.model.num_prefix_tokens)
    out: dict[tuple[str, str], torch.Tensor] = {}

    def keep(name: str, tokens: torch.Tensor) -> None:
        if name in wanted:
            out[(name, "cls")], out[(name, "patch_mean")] = tokens[:, 0].float(), tokens[:, p:].float().mean(1)

    handles = [model.blocks[0].register_forward_pre_hook(lambda m, args: keep("stem", args[1]))]
    handles += [
        blk.register_forward_hook(lambda m, args, o, name=f"blocks.{i}": keep(name, o[1]))
        for i, blk in enumerate(model.blocks)
    ]
    try:
        logits = bundle(x01)
    finally:
        for h in handles:
            h.remove()
    return logits, out


class CorrelationSweep(Sweep[Correlation]):
    def __init__(self, config: Config) -> None:
        self.c = config

    def conditions(self, bundle: ModelBundle) -> list[Correlation]:
        grid = model_grid(bundle)  # the ViT's own patch grid, as occlusion's default
        pts = points(bundle)
        depth = max(len(pts) - 1, 1)
        # the class token before block 1 is a constant (r = 1): not a condition
        return [
            Correlation(grid, r, run, i, round(i / depth, 6), p.name, f)
            for r in self.c.ratios
            for run in range(self.c.runs)
            for i, p in enumerate(pts)
            for f in feature_kinds(bundle)
            if not (f == "cls" and i == 0)
        ]

    def prepare(self, batch) -> None:
        self.batch = batch

    def occluded(self, bundle: ModelBundle, cond: Correlation, x01: torch.Tensor):
        """(logits, features) of the PatchDropped images (occlusion's parts: (seed, drop, grid, ratio, run))."""
        mask = per_image_drop_mask(
            self.batch.indices,
            cond.grid,
            n_dropped(cond.grid.cells, cond.ratio),
            self.c.seed,
            "random",
            str(cond.grid),
            cond.ratio,
            cond.run,
        )
        return features(bundle, drop_pixels(x01, mask.to(x01.device), 0.0))

    def evaluate(self, bundle: ModelBundle, cond: Correlation, x01: torch.Tensor, batch) -> Output:
        # one clean forward per batch, one per (ratio, run), every point and feature read from them
        _, clean = self.once("clean", lambda: features(bundle, x01))
        logits, occluded = self.once((cond.ratio, cond.run), lambda: self.occluded(bundle, cond, x01))
        key = (cond.layer, cond.feature)
        return Output(logits, {"corr": pearson_rows(clean[key], occluded[key]).float()})


def run(config: Config, bundles, images, run_dir, opts: EngineOptions):
    return run_sweep(CorrelationSweep(config), bundles, images, run_dir, opts)


def paper_table(records: list[dict]) -> str:
    """The paper's table: correlation at the last block (ViTs: class token; CNNs: pooled), model x drop ratio."""
    last: dict[str, float] = {}
    for r in records:
        last[r["model"]] = max(last.get(r["model"], 0.0), float(r["depth"]))
    rows = [r for r in records if float(r["depth"]) == last[r["model"]] and r["feature"] in ("cls", "pooled")]
    summary = summarize(rows, ["model", "feature", "ratio"], ["corr"])
    ratios = sorted({float(r["ratio"]) for r in summary})
    head = ["model", "feature"] + [f"{r:g} dropped" for r in ratios]
    table = {}
    for r in summary:
        cell = f"{r['corr']:.3f}" + (f" ± {r['corr_std']:.3f}" if r["runs"] > 1 else "")
        table.setdefault((r["model"], r["feature"]), {})[float(r["ratio"])] = cell
    body = [[m, f] + [cells.get(x, "") for x in ratios] for (m, f), cells in table.items()]
    widths = [max(len(h), *(len(b[i]) for b in body)) if body else len(h) for i, h in enumerate(head)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths))  # noqa: E731
    return "\n".join(
        [
            "correlation of the last block's features, clean vs. occluded (mean over images):",
            line(head),
            line(["-" * w for w in widths]),
        ]
        + [line(b) for b in body]
    )


def report(records: list[dict], out_dir, plot: bool = True) -> str:
    """Per-block table, the paper-style last-block table, and correlation vs. normalised depth."""
    keys = ["model", "feature", "ratio", "block", "depth"]
    text = format_table(summarize(records, keys, ["corr"]), keys + ["runs"], ["corr"])
    text += "\n\n" + paper_table(records)
    if plot and records:
        path = panel_plot(
            records,
            "feature",
            "depth",
            "corr",
            ["model", "ratio"],
            f"{out_dir}/feature_correlation.png",
            titles=TITLES,
            xlabel="normalised depth (block / blocks)",
            names={"ratio": "fraction dropped"},
            ylabel="Pearson r, clean vs. occluded features",
            ylim=(min(0.0, min(float(r["corr"]) for r in records)), 1.02),
            title=f"Clean-vs-occluded feature correlation (random PatchDrop)\n{describe_data(records, out_dir)}",
        )
        text += f"\nplot: {path}"
    return text
