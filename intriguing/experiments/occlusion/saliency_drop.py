"""Salient / non-salient PatchDrop: remove the patches a ViT's attention finds (not) salient.

Part of the occlusion sweep (``--drop salient non-salient random`` run in one pass). A saliency
ViT (DINO ViT-S/16 by default) reads each decoded batch once; its patch scores become drop masks
for every level at once, and the masks are shared by every evaluated model with the same pixels.

* Default (``rule=rank``): level f drops exactly the top (salient) or bottom (non-salient) f of the
  evaluated model's cells, the same cells and counts random PatchDrop uses, so the three curves
  share their x axis. Saliency is pooled (attention mass per cell) onto that grid; the saliency
  model sees the pixels normalised with its *own* statistics; heads are averaged.
* ``--paper-compat`` (``rule=mass``): the original evaluate.py line for line: head index 1 of the
  last block, DINO fed the *evaluated* model's normalisation, lambda = 0.1..1.0 of attention
  mass on DINO's own patch grid (salient = "best" drops it, non-salient = "worst" keeps only it).
  The number of patches removed then varies per image; the measured mean is the x value.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import torch
import torch.nn.functional as F

from intriguing.engine.conditions import Grid
from intriguing.errors import UserError
from intriguing.experiments.occlusion.conditions import Drop
from intriguing.features.saliency import RULES, SOURCES, SaliencySpec, drop_masks, parse_head, saliency_scores
from intriguing.options import option
from intriguing.records.summary import top1_fraction
from intriguing.zoo import ModelBundle

SALIENCY_DROPS = ("salient", "non-salient")
DEFAULT_SALIENCY_MODEL = "vit_small_patch16_224.dino"
PAPER_LEVELS = tuple(round(0.1 * i, 1) for i in range(1, 11))
PAPER_HEAD = 1  # the original read `attentions[:, 1, 0, 1:]`: head index 1 only


@dataclass(frozen=True)
class SaliencyOptions:
    """Single home of the saliency defaults (the paper's values are set by --paper-compat)."""

    model: str = option(
        DEFAULT_SALIENCY_MODEL, "ViT whose attention decides saliency (NAME[=PATH])", flag="--saliency-model"
    )
    source: str = option("attention", "attention map or attention rollout", choices=SOURCES, flag="--saliency-source")
    block: int = option(-1, "block read (-1: last)", flag="--saliency-block")
    token: str = option("cls", "query token", choices=("cls", "dist"), flag="--saliency-token")
    head: str = option("mean", "mean or a head index (the paper: 1)", flag="--saliency-head")
    rule: str = option(
        "rank",
        "rank: level = fraction of cells; mass: level = fraction of attention mass",
        choices=RULES,
        flag="--saliency-rule",
    )
    stats: str = option(
        "own",
        "normalise the saliency model's input with its own or the evaluated model's statistics",
        choices=("own", "evaluated"),
        flag="--saliency-stats",
    )
    grid: Optional[str] = None  # model: the evaluated model's cells; saliency: the saliency grid
    levels: Optional[tuple[float, ...]] = None  # None: the sweep's --ratios

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise UserError(f"Unknown --saliency-rule {self.rule!r}; use one of {', '.join(RULES)}.")
        if self.source not in SOURCES:
            raise UserError(f"Unknown --saliency-source {self.source!r}; use one of {', '.join(SOURCES)}.")
        if self.stats not in ("own", "evaluated"):
            raise UserError("--saliency-stats must be own or evaluated.")
        parse_head(str(self.head))
        if self.grid is None:  # the mass rule's levels live on the saliency model's own grid
            object.__setattr__(self, "grid", "saliency" if self.rule == "mass" else "model")

    def paper(self) -> SaliencyOptions:
        """The original evaluate.py's settings: head 1, mass rule, the evaluated model's statistics."""
        return SaliencyOptions(
            model=self.model, head=str(PAPER_HEAD), rule="mass", stats="evaluated", grid="saliency", levels=PAPER_LEVELS
        )

    @property
    def spec(self) -> SaliencySpec:
        return SaliencySpec(source=self.source, block=self.block, token=self.token, head=parse_head(str(self.head)))

    def describe(self) -> str:
        return f"{self.model}:{self.source}:b{self.block}:{self.token}:h{self.head}:{self.rule}:{self.stats}"


def load_saliency_bundle(opts: SaliencyOptions, device) -> ModelBundle:
    from intriguing.zoo import load_model

    try:
        bundle = load_model(opts.model, device=device)
    except UserError as e:  # the zoo's advice names --models; here the option is --saliency-model
        raise UserError(f"Saliency model: {str(e).replace('--models ', '--saliency-model ')}") from None
    if not bundle.is_vit:
        raise UserError(
            f"--saliency-model {opts.model} is not a ViT; saliency comes from attention "
            f"(e.g. {DEFAULT_SALIENCY_MODEL})."
        )
    return bundle


class SaliencyDropper:
    """Per batch: saliency once per (pixels, statistics), then drop masks for every level and grid."""

    def __init__(self, opts: SaliencyOptions, saliency: ModelBundle) -> None:
        self.o, self.sal = opts, saliency
        self.cache: dict[tuple, dict[str, torch.Tensor]] = {}

    def levels(self, ratios: Sequence[float]) -> tuple[float, ...]:
        return tuple(self.o.levels) if self.o.levels is not None else tuple(ratios)

    def saliency_grid(self, size: tuple[int, int]) -> tuple[int, int]:
        p = self.sal.patch_size
        return size[0] // p, size[1] // p

    def grid(self, bundle: ModelBundle, model_grid: Grid) -> Grid:
        return Grid(*self.saliency_grid(bundle.input_size)) if self.o.grid == "saliency" else model_grid

    def conditions(
        self, drop: str, bundle: ModelBundle, model_grid: Grid, ratios: Sequence[float], drop_mode: str
    ) -> list[Drop]:
        """One condition per level (deterministic: run 0); its ``level`` indexes the masks of :meth:`masks`."""
        grid = (gh, gw) = self.grid(bundle, model_grid)
        # exact count under 'rank'; under 'mass' it varies per image and is measured (an extra column)
        return [
            Drop(
                drop,
                grid,
                drop_mode,
                lv,
                0,
                round(lv * gh * gw) / (gh * gw) if self.o.rule == "rank" else None,
                saliency=self.o.describe(),
                level=i,
            )
            for i, lv in enumerate(self.levels(ratios))
        ]

    def prepare(self) -> None:
        self.cache = {}

    def _scores(self, bundle: ModelBundle, x01: torch.Tensor) -> torch.Tensor:
        stats = self.sal.data_config if self.o.stats == "own" else bundle.data_config
        p = self.sal.patch_size
        h, w = x01.shape[-2] // p * p, x01.shape[-1] // p * p
        x = (
            x01
            if (h, w) == tuple(x01.shape[-2:])
            else F.interpolate(x01, size=(h, w), mode="bilinear", antialias=True, align_corners=False)
        )
        with torch.autocast(device_type=x.device.type, enabled=False):  # sorting needs fp32 scores
            s = saliency_scores(self.sal.model, x.float(), stats["mean"], stats["std"], self.o.spec)
        if s.dim() != 3:
            raise UserError("Saliency drop needs one map per image: use --saliency-head mean or an index, not all.")
        return s

    def masks(
        self, bundle: ModelBundle, x01: torch.Tensor, grid: tuple[int, int], ratios: Sequence[float]
    ) -> dict[str, torch.Tensor]:
        """{'salient'|'non-salient': bool [B, L, gh, gw] (True = dropped)} for this batch, cached."""
        stats = (
            tuple(map(tuple, (bundle.data_config["mean"], bundle.data_config["std"])))
            if self.o.stats == "evaluated"
            else ()
        )
        key = (tuple(x01.shape[-2:]), bundle.geometry, stats, grid)
        if key not in self.cache:
            s = self._scores(bundle, x01)
            if tuple(s.shape[-2:]) != tuple(grid):  # attention mass per cell of the evaluated model's grid
                s = F.adaptive_avg_pool2d(s.unsqueeze(1), grid).squeeze(1)
            b = s.shape[0]
            masks = drop_masks(s.reshape(b, -1), self.levels(ratios), self.o.rule)
            self.cache[key] = {k: v.reshape(b, v.shape[1], *grid) for k, v in masks.items()}
        return self.cache[key]


def write_dino_json(records: list[dict], out_dir: Path) -> None:
    """The original's DINO report: {model}.json = {"best": {"1".."10": acc}, "worst": {...}}, acc in [0, 1].

    As in the original, "worst" (background) is keyed by the lambda of mass *kept*.
    """
    rows = [r for r in records if r.get("condition") in SALIENCY_DROPS]
    if not rows:
        return
    (out_dir / "paper_compat" / "dino").mkdir(parents=True, exist_ok=True)
    for model in dict.fromkeys(r["model"] for r in rows):
        out: dict[str, dict[str, float]] = {"best": {}, "worst": {}}
        for r in rows:
            if r["model"] == model:
                key = "best" if r["condition"] == "salient" else "worst"
                out[key][str(round(float(r["ratio"]) * 10))] = top1_fraction(r)
        (out_dir / "paper_compat" / "dino" / f"{model}.json").write_text(json.dumps(out, indent=4))
