"""Attention-mask figures: each head's attention and thresholded mask over the image, the mean-head map, a grid.

Input is a folder of images (searched recursively) or a PASCAL VOC devkit (then the grid also
shows the ground truth). Each model sees the pixels normalised with its own statistics; the
original fed every model un-normalised [0, 1] pixels here, which ``--paper-compat`` reproduces.
Figures go to
``OUT_DIR/<model>[_<token>]/<image>_{head<k>,mean,grid}.png``; everything runs on CPU too.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Optional

import numpy as np
import torch
from PIL import Image

from intriguing.data import IMG_EXTENSIONS, evenly_spaced
from intriguing.data.batch import Batch
from intriguing.data.decode import Unreadable, open_rgb
from intriguing.engine import EngineOptions, Output, RowReduction, Sweep, run_sweep
from intriguing.errors import UserError
from intriguing.experiments.segmentation_figures.conditions import Token
from intriguing.experiments.segmentation_figures.config import Config
from intriguing.features.attention import token_attention
from intriguing.features.saliency import normalize
from intriguing.plots.attention_maps import save_attention_figures
from intriguing.segmentation.masks import mean_head_mask, threshold_attention
from intriguing.segmentation.voc import VOCSegmentationSet, resolve_voc_root
from intriguing.zoo import ModelBundle


class FolderImages(torch.utils.data.Dataset):
    """Every image under a folder (recursive, sorted), resized to size x size, in [0, 1]."""

    def __init__(self, root: str | Path, size: int) -> None:
        root = self.root = Path(root)
        if not root.is_dir():
            raise UserError(
                f"Image folder {root} does not exist; pass --data-path to a folder of images or a VOC devkit."
            )
        self.paths = sorted(p for p in root.rglob("*") if p.suffix.lower() in IMG_EXTENSIONS)
        if not self.paths:
            raise UserError(f"No images ({', '.join(IMG_EXTENSIONS[:3])}, ...) under {root}.")
        self.size = size

    def __len__(self) -> int:
        return len(self.paths)

    def name(self, i: int) -> str:
        """The relative path without suffix ('a/cat.jpg' -> 'a__cat'): images sharing a file name in different
        folders get different figures."""
        return "__".join(self.paths[i].relative_to(self.root).with_suffix("").parts)

    def __getitem__(self, i: int) -> dict[str, Any]:
        try:
            img = open_rgb(self.paths[i])
        except Unreadable as e:  # skipped and reported, the other images still drawn
            return {"image": None, "target": None, "name": self.name(i), "index": i, "reason": str(e)}
        arr = np.asarray(img.resize((self.size, self.size), Image.BILINEAR), dtype=np.uint8)
        return {
            "image": torch.from_numpy(arr.copy()).permute(2, 0, 1).float().div_(255.0),
            "target": None,
            "name": self.name(i),
            "index": i,
        }


def image_source(path: str, config: Config, limit: Optional[int]) -> torch.utils.data.Dataset:
    """A VOC devkit (with ground truth) when ``path`` holds one, else a folder of images."""
    try:
        resolve_voc_root(path)
    except UserError:  # no devkit there: any folder of images (a broken devkit is its own error)
        ds: torch.utils.data.Dataset = FolderImages(path, config.input_size)
    else:
        ds = VOCSegmentationSet(path, size=config.input_size)
    indices = evenly_spaced(len(ds), limit)
    if isinstance(ds, VOCSegmentationSet):
        ds.check_masks(indices)  # ground truth drawn from a mask that is not class indices would mislead
    return torch.utils.data.Subset(ds, indices)


class FigureSource:
    """The chosen images as an engine data source: one uint8 view for every model (all see ``--input-size``),
    names and VOC targets in ``Batch.extras``, unreadable images as the batch's skipped paths."""

    def __init__(self, images: torch.utils.data.Dataset) -> None:
        self.images = images
        self.root = ""

    def __len__(self) -> int:
        return len(self.images)

    @property
    def samples(self) -> list[tuple[str, int]]:
        return [(str(i), 0) for i in range(len(self.images))]

    def loader(self, geometries, batch_size: int, workers: int = 0, start: int = 0, stop: Optional[int] = None):
        stop = len(self.images) if stop is None else stop
        positions = list(range(start, stop))
        geometries = list(dict.fromkeys(geometries))

        def to_batch(items: list[tuple[int, dict[str, Any]]]) -> Batch:
            good = [(pos, it) for pos, it in items if it["image"] is not None]
            if good:
                pixels = torch.stack([it["image"] for _, it in good]).mul(255).round_().to(torch.uint8)  # exact
            else:
                pixels = torch.empty(0, 3, 1, 1, dtype=torch.uint8)
            return Batch(
                {g: pixels for g in geometries},
                torch.zeros(len(good), dtype=torch.long),
                torch.tensor([pos for pos, _ in good], dtype=torch.long),
                [it["reason"] for _, it in items if it["image"] is None],
                extras={"name": [it["name"] for _, it in good], "target": [it["target"] for _, it in good]},
            )

        indexed = [(pos, pos) for pos in positions]
        dataset = _Positioned(self.images, indexed)
        return torch.utils.data.DataLoader(
            dataset, batch_size=batch_size, shuffle=False, num_workers=workers, collate_fn=to_batch
        )


class _Positioned(torch.utils.data.Dataset):
    """(position, item) pairs, so a batch knows where its images sit in the whole set."""

    def __init__(self, images: torch.utils.data.Dataset, pairs: list[tuple[int, int]]) -> None:
        self.images, self.pairs = images, pairs

    def __len__(self) -> int:
        return len(self.pairs)

    def __getitem__(self, i: int) -> tuple[int, dict[str, Any]]:
        pos, idx = self.pairs[i]
        return pos, self.images[idx]


def model_tokens(config: Config, bundle: ModelBundle) -> list[str]:
    """The configured tokens this model has (the shape token only on distilled models)."""
    return [t for t in config.tokens if t == "cls" or getattr(bundle.model, "dist_token", None) is not None]


def folder_name(model: str, token: str, tokens: Sequence[str]) -> str:
    """A file-system-safe folder per model (and token when several are drawn)."""
    safe = re.sub(r"[^\w.-]+", "_", model).strip("_")
    return f"{safe}_{token}" if len(tokens) > 1 else safe


class FiguresSweep(Sweep[Token]):
    """Each (model, token): the attention of every image of the batch, drawn; the records name the figures."""

    def __init__(self, config: Config, out_dir: Path) -> None:
        self.config, self.out_dir = config, Path(out_dir)

    def conditions(self, bundle: ModelBundle) -> list[Token]:
        return [Token(t) for t in model_tokens(self.config, bundle)]

    def attention(self, bundle: ModelBundle, x01: torch.Tensor) -> dict[str, torch.Tensor]:
        """Every token's attention maps of the batch, from one forward."""
        c = self.config
        x = normalize(x01, bundle.data_config["mean"], bundle.data_config["std"]) if c.normalize_input else x01
        return token_attention(bundle.model, x, model_tokens(c, bundle), c.block, original_pos=c.paper_compat)

    def evaluate(self, bundle: ModelBundle, cond: Token, x01: torch.Tensor, batch) -> Output:
        c, t = self.config, cond.token
        maps = self.once("maps", lambda: self.attention(bundle, x01))
        images = self.once("images", lambda: x01.cpu())
        masks = threshold_attention(maps[t], c.threshold).cpu()
        mean_masks = mean_head_mask(maps[t], c.threshold).cpu()
        sub = self.out_dir / folder_name(bundle.label, t, c.tokens)  # two weights of a name: two folders
        rows = []
        for i, name in enumerate(batch.extras["name"]):
            paths = save_attention_figures(
                sub,
                name,
                images[i],
                maps[t][i].cpu(),
                masks[i],
                mean_masks[i],
                title=f"{name}: {bundle.label} ({t} token, block {c.block}, top {c.threshold:.0%} mass)",
                per_head=c.per_head,
                dpi=c.dpi,
                target=batch.extras["target"][i],
            )
            rows.append(
                {
                    "model": bundle.name,
                    "weights": bundle.weights_id,
                    "token": t,
                    "image": name,
                    "figures": len(paths),
                    "folder": str(sub.relative_to(self.out_dir)),
                }
            )
        return Output(rows)

    def reduction(self, bundle: ModelBundle, cond: Token, opts: EngineOptions) -> RowReduction:
        return RowReduction()


def run(
    config: Config, bundles: Sequence[ModelBundle], images: torch.utils.data.Dataset, run_dir, opts: EngineOptions
) -> tuple[list[dict], dict[str, str]]:
    """Draw every figure in one engine pass (fp32; unreadable images skipped and listed in the manifest); returns
    one record per (model, token, image) naming its figures."""
    for b in bundles:
        if not model_tokens(config, b):
            raise UserError(f"{b.name} has no distillation token; use --tokens cls.")
    return run_sweep(
        FiguresSweep(config, Path(run_dir.path)),
        bundles,
        FigureSource(images),
        run_dir,
        dataclasses.replace(opts, precision="fp32", per_image=False),
    )
