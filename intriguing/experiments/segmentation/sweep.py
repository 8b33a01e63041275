"""Unsupervised segmentation on PASCAL VOC 2012 val: Jaccard index of thresholded attention, per head.

For each image every head's CLS (or shape-token) attention of the last block is turned into a mask
holding the top ``threshold`` of the attention mass (0.9, the paper; DINO used 0.6). Per ground-
truth class the best head's IoU counts; the image score averages the classes present, the model
score averages the images. One pass: each batch is decoded once and every model and token reads it.

Defaults score at the ground truth's own resolution with void (255) pixels excluded.
``--paper-compat`` reproduces the original: ImageNet statistics for every model, target resized to
the input size (512x512, nearest), void pixels counted in the union, masks cropped like the
original when the input size does not divide by the patch size.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Optional

import numpy as np
import torch
import torch.nn.functional as F

from intriguing.device import autocast
from intriguing.engine import EngineOptions, Output, RowReduction, Sweep, run_sweep
from intriguing.experiments.segmentation.conditions import Token
from intriguing.experiments.segmentation.config import Config
from intriguing.features.attention import patch_size, token_attention
from intriguing.features.saliency import normalize
from intriguing.records import format_table, read_manifest, summarize
from intriguing.segmentation.jaccard import PAD, batch_class_head_iou, jaccard_from_iou
from intriguing.segmentation.masks import mean_head_mask, pixel_sources, threshold_attention
from intriguing.segmentation.voc import VOCSegmentationSet, VOCSource
from intriguing.zoo import ModelBundle
from intriguing.zoo.bundle import IMAGENET_MEAN, IMAGENET_STD


def model_tokens(config: Config, bundle: ModelBundle) -> list[str]:
    """The configured tokens this model has (the shape token only on distilled models)."""
    has_dist = getattr(bundle.model, "dist_token", None) is not None
    return [t for t in config.tokens if t == "cls" or has_dist]


def _model_input(
    config: Config, bundle: ModelBundle, x01: torch.Tensor
) -> tuple[torch.Tensor, Optional[tuple[int, int]]]:
    """Normalised input whose size divides by the patch size, and the cropped extent (None: whole image)."""
    mean, std = (
        (IMAGENET_MEAN, IMAGENET_STD)
        if config.imagenet_stats
        else (bundle.data_config["mean"], bundle.data_config["std"])
    )
    ph, pw = patch_size(bundle.model)
    h, w = x01.shape[-2] // ph * ph, x01.shape[-1] // pw * pw
    if (h, w) == tuple(x01.shape[-2:]):
        return normalize(x01, mean, std), None
    if config.paper_compat:  # the original cropped image[:, :h, :w] and left the rest unmasked
        return normalize(x01[..., :h, :w], mean, std), (h, w)
    x01 = F.interpolate(x01, size=(h, w), mode="bilinear", antialias=True, align_corners=False)
    return normalize(x01, mean, std), None  # resized: the masks cover the whole image


def _score_inputs(
    targets: list[torch.Tensor], grid: tuple[int, int], extent: Optional[tuple[int, int]], input_size: int, device
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The batch's ground truths padded to one size (:data:`PAD` around), and each pixel's patch row / column, on
    ``device`` in three pinned copies: built on the host, so nothing here waits for the GPU."""
    hm, wm = max(t.shape[-2] for t in targets), max(t.shape[-1] for t in targets)
    labels = torch.full((len(targets), hm, wm), PAD, dtype=torch.int16)
    rows = torch.zeros(len(targets), hm, dtype=torch.long)
    cols = torch.zeros(len(targets), wm, dtype=torch.long)
    for i, t in enumerate(targets):
        h, w = t.shape[-2:]
        labels[i, :h, :w] = t
        rows[i, :h], cols[i, :w] = pixel_sources(grid, (h, w), extent, input_size)
    cuda = torch.device(device).type == "cuda"
    return tuple((v.pin_memory() if cuda else v).to(device, non_blocking=True) for v in (labels, rows, cols))


@dataclasses.dataclass
class ScoredBatch:
    """One (model, token)'s IoUs for a batch: per image, the classes present and each head's IoU. The engine copies
    the tensors to the host and :meth:`rows` reads them when the batch settles (two batches later, so the GPU
    scores the next batches meanwhile)."""

    model: str
    weights: str
    token: str
    todo: list[tuple[int, int, str]]  # (position in the batch, image index, image name) still to record
    present: torch.Tensor  # (B, classes) bool
    iou: torch.Tensor  # (B, classes, heads + 1): the mean-head mask last

    def rows(self) -> list[dict]:
        present, iou = self.present, self.iou
        out = []
        for i, idx, name in self.todo:
            classes = present[i].nonzero().flatten()
            res = jaccard_from_iou(classes, iou[i, classes, :-1])
            mean_res = jaccard_from_iou(classes, iou[i, classes, -1:])
            out.append(
                {
                    "model": self.model,
                    "weights": self.weights,
                    "token": self.token,
                    "index": idx,
                    "image": name,
                    "jaccard": res["jaccard"],
                    "jaccard_mean_head": mean_res["jaccard"],
                    "classes": " ".join(map(str, res["classes"])),
                    "class_iou": " ".join(f"{v:.4f}" for v in res["class_iou"]),
                    "best_head": " ".join(map(str, res["best_head"])),
                }
            )
        return out


def launch_batch(
    config: Config, bundle: ModelBundle, batch: dict, device, precision: str, todo: dict[str, set]
) -> list[ScoredBatch]:
    """Queue the scoring of this model's tokens still to do on this batch; nothing here waits for the GPU."""
    x01 = batch["image"].to(device, non_blocking=True)
    x, extent = _model_input(config, bundle, x01)
    tokens = [t for t in todo if any(i in todo[t] for i in batch["index"])]
    if not tokens:
        return []
    # fp32 unless amp is asked for: bf16 attention ties change which patches the mass rule keeps
    with torch.inference_mode(), autocast(device, "amp" if precision == "amp" else "fp32"):
        maps = token_attention(bundle.model, x, tokens, config.block, original_pos=config.paper_compat)
    scored = _score_inputs(batch["target"], tuple(maps[tokens[0]].shape[-2:]), extent, config.input_size, device)
    out = []
    for t in tokens:
        # the mean-head mask rides along as one more "head"; every image of the batch is scored in one go
        both = torch.cat(
            [threshold_attention(maps[t], config.threshold), mean_head_mask(maps[t], config.threshold).unsqueeze(1)],
            dim=1,
        )
        present, iou = batch_class_head_iou(both, *scored, config.void)
        todo_t = [(i, idx, batch["name"][i]) for i, idx in enumerate(batch["index"]) if idx in todo[t]]
        out.append(ScoredBatch(bundle.name, bundle.weights_id, t, todo_t, present, iou))
    return out


class SegmentationSweep(Sweep[Token]):
    """Every (model, token) scored on each batch of VOC images, through the engine (one decode, every model)."""

    def __init__(self, config: Config) -> None:
        self.config = config

    def conditions(self, bundle: ModelBundle) -> list[Token]:
        return [Token(t) for t in model_tokens(self.config, bundle)]

    def launch(self, bundle: ModelBundle, x01: torch.Tensor, batch) -> dict[str, ScoredBatch]:
        """Every token of the model scored on the batch at once (one attention forward serves them all)."""
        voc = {
            "image": x01,
            "target": batch.extras["target"],
            "index": batch.extras["index"],
            "name": batch.extras["name"],
        }
        todo = {t: set(voc["index"]) for t in model_tokens(self.config, bundle)}
        return {s.token: s for s in launch_batch(self.config, bundle, voc, x01.device, self.precision, todo)}

    def evaluate(self, bundle: ModelBundle, cond: Token, x01: torch.Tensor, batch) -> Output:
        # rows read when the engine settles this batch
        return Output(self.once("scored", lambda: self.launch(bundle, x01, batch))[cond.token])

    def reduction(self, bundle: ModelBundle, cond: Token, opts: EngineOptions) -> RowReduction:
        return RowReduction()  # the per-image rows are the records


def score_images(
    config: Config,
    bundles: Sequence[ModelBundle],
    dataset: VOCSegmentationSet,
    indices: Sequence[int],
    run_dir,
    opts: EngineOptions,
) -> tuple[list[dict], dict[str, str]]:
    """Score every (model, token) on ``indices`` in one engine pass (whole-batch checkpoints, resume, torchrun
    shards); a (model, weights, token) already in the records is not redone."""
    failed: dict[str, str] = {}
    for b in bundles:
        if not model_tokens(config, b):  # e.g. --tokens dist on a model without a distillation token
            failed[b.label] = f"{b.label} has none of the tokens {', '.join(config.tokens)}."
    live = [b for b in bundles if b.label not in failed]
    if not live:
        return [], failed
    sweep = SegmentationSweep(config)
    # fp32 unless amp is asked for: bf16 attention ties change which patches the mass rule keeps
    sweep.precision = "amp" if opts.precision == "amp" else "fp32"
    records, more = run_sweep(
        sweep,
        live,
        VOCSource(dataset, list(indices)),
        run_dir,
        dataclasses.replace(opts, precision=sweep.precision, per_image=False),
    )
    return records, {**failed, **more}


def summary_rows(records: Sequence[dict]) -> list[dict]:
    valid = [r for r in records if r.get("jaccard") not in (None, "") and not np.isnan(float(r["jaccard"]))]
    rows = summarize(valid, ["model", "token"], ["jaccard", "jaccard_mean_head"])
    for r in rows:
        r["images"] = r.pop("runs")
        r["jaccard_sem"] = r["jaccard_std"] / max(1, r["images"]) ** 0.5
    return rows


def report(records: Sequence[dict], out_dir, plot: bool = True) -> str:
    """Per-model Jaccard table (mean ± std over images), summary.csv and a bar plot."""
    import csv

    rows = summary_rows(records)
    for r in rows:  # the table and summary.csv give Jaccard in percent, as the paper's table
        for k in ("jaccard", "jaccard_mean_head"):
            for suffix in ("", "_std", "_sem"):
                if k + suffix in r:
                    r[f"{k}_pct{suffix}"] = 100 * r.pop(k + suffix)
        r["runs"] = r["images"]
    text = format_table(rows, ["model", "token", "images"], ["jaccard_pct", "jaccard_mean_head_pct"])
    out = Path(out_dir)
    with open(out / "summary.csv", "w", newline="") as f:
        cols = [
            "model",
            "token",
            "images",
            "jaccard_pct",
            "jaccard_pct_std",
            "jaccard_pct_sem",
            "jaccard_mean_head_pct",
            "jaccard_mean_head_pct_std",
        ]
        w = csv.DictWriter(f, fieldnames=cols, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    text += "\nJaccard index (%) per model: best head per class, mean over classes then images."
    text += f"\nsummary: {out / 'summary.csv'}"
    if plot and rows:
        text += f"\nplot: {bar_plot(rows, out / 'segmentation.png', plot_title(rows, out))}"
    return text


def plot_title(rows: Sequence[dict], out_dir: Path) -> str:
    """Dataset folder, N images and the key parameters (mass threshold, input size), from the manifest."""
    from intriguing.plots.lines import describe_data

    cfg = read_manifest(out_dir).get("config", {})
    ns = sorted({int(r["images"]) for r in rows})
    n = f"{ns[0]} images" if len(ns) == 1 else f"{ns[0]}-{ns[-1]} images"
    params = ", ".join(
        [n]
        + ([f"mass threshold {cfg['threshold']}"] if "threshold" in cfg else [])
        + ([f"{cfg['input_size']} px input"] if cfg.get("input_size") else [])
    )
    data = describe_data([], out_dir)
    return f"Head masks vs VOC object masks (Jaccard)\n{data + ', ' if data else ''}{params}"


def bar_plot(rows: Sequence[dict], path: Path, title: str = "") -> Path:
    from matplotlib.figure import Figure

    labels = [f"{r['model']} ({r['token']})" for r in rows]
    fig = Figure(figsize=(6.4, 0.45 * len(rows) + 1.2), dpi=110)
    ax = fig.add_subplot()
    ax.barh(
        range(len(rows)), [r["jaccard_pct"] for r in rows], xerr=[r["jaccard_pct_sem"] for r in rows], color="#3b7dd8"
    )
    ax.set_yticks(range(len(rows)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("Jaccard index (%), PASCAL VOC 2012 (bars: s.e.m. over images)")
    ax.set_xlim(0, 100)
    if title:
        ax.set_title(title, fontsize=9)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, bbox_inches="tight")  # long model names and the axis label are not clipped
    return path
