"""Attention-mask figures: each head's attention and thresholded mask over the image, the mean-head map, a grid.

Input is a folder of images (searched recursively) or a PASCAL VOC devkit (then the grid also
shows the ground truth). Each model sees the pixels normalised with its own statistics; the
original fed every model un-normalised [0, 1] pixels here, which ``--paper-compat`` reproduces.
Figures go to
``OUT_DIR/<model>[_<token>]/<image>_{head<k>,mean,grid}.png``; everything runs on CPU too.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from PIL import Image
from tqdm.auto import tqdm

from intriguing.zoo import ModelBundle

from intriguing.features.attention import token_attention
from intriguing.data import IMG_EXTENSIONS, evenly_spaced
from intriguing.data.decode import Unreadable, open_rgb
from intriguing.errors import UserError
from intriguing.features.saliency import normalize
from intriguing.segmentation.masks import mean_head_mask, threshold_attention
from intriguing.segmentation.voc import VOCSegmentationSet, resolve_voc_root
from intriguing.plots.attention_maps import save_attention_figures
from intriguing.experiments.segmentation_figures.config import Config

class FolderImages(torch.utils.data.Dataset):
    """Every image under a folder (recursive, sorted), resized to size x size, in [0, 1]."""

    def __init__(self, root: str | Path, size: int) -> None:
        root = self.root = Path(root)
        if not root.is_dir():
            raise UserError(f"Image folder {root} does not exist; pass --data-path to a folder of images or a VOC devkit.")
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

    def __getitem__(self, i: int) -> Dict[str, Any]:
        try:
            img = open_rgb(self.paths[i])
        except Unreadable as e:  # skipped and reported, the other images still drawn
            return {"image": None, "target": None, "name": self.name(i), "index": i, "reason": str(e)}
        arr = np.asarray(img.resize((self.size, self.size), Image.BILINEAR), dtype=np.uint8)
        return {"image": torch.from_numpy(arr.copy()).permute(2, 0, 1).float().div_(255.0),
                "target": None, "name": self.name(i), "index": i}


def image_source(path: str, config: Config, limit: Optional[int]) -> torch.utils.data.Dataset:
    """A VOC devkit (with ground truth) when ``path`` holds one, else a folder of images."""
    try:
        resolve_voc_root(path)
    except UserError:  # no devkit there: any folder of images (a broken devkit is its own error)
        ds: torch.utils.data.Dataset = FolderImages(path, config.input_size)
    else:
        ds = VOCSegmentationSet(path, size=config.input_size)
    return torch.utils.data.Subset(ds, evenly_spaced(len(ds), limit))


def _collate(items: List[Dict[str, Any]]) -> Dict[str, Any]:
    good = [it for it in items if it["image"] is not None]
    return {"image": torch.stack([it["image"] for it in good]) if good else torch.empty(0, 3, 1, 1),
            "target": [it["target"] for it in good], "name": [it["name"] for it in good],
            "skipped": [it["reason"] for it in items if it["image"] is None]}


def folder_name(model: str, token: str, tokens: Sequence[str]) -> str:
    """A file-system-safe folder per model (and token when several are drawn)."""
    safe = re.sub(r"[^\w.-]+", "_", model).strip("_")
    return f"{safe}_{token}" if len(tokens) > 1 else safe


def run(config: Config, bundles: Sequence[ModelBundle], images: torch.utils.data.Dataset, out_dir: str | Path,
        batch_size: int, device, progress: bool = True, skipped: Optional[List[str]] = None) -> List[dict]:
    """Write every figure; returns one record per (model, token, image) naming its figures. Unreadable images
    are appended to ``skipped`` as 'path: reason'."""
    skipped = [] if skipped is None else skipped
    loader = torch.utils.data.DataLoader(images, batch_size=batch_size, shuffle=False, collate_fn=_collate)
    written: List[dict] = []
    for batch in tqdm(loader, disable=not progress, unit="batch"):
        skipped += batch["skipped"]
        if not batch["name"]:
            continue
        x01 = batch["image"].to(device)
        for b in bundles:
            tokens = [t for t in config.tokens if t == "cls" or getattr(b.model, "dist_token", None) is not None]
            if not tokens:
                raise UserError(f"{b.name} has no distillation token; use --tokens cls.")
            x = normalize(x01, b.data_config["mean"], b.data_config["std"]) if config.normalize_input else x01
            with torch.inference_mode():
                maps = token_attention(b.model, x, tokens, config.block, original_pos=config.paper_compat)
            for t in tokens:
                masks = threshold_attention(maps[t], config.threshold).cpu()
                mean_masks = mean_head_mask(maps[t], config.threshold).cpu()
                sub = Path(out_dir) / folder_name(b.name, t, config.tokens)
                for i, name in enumerate(batch["name"]):
                    paths = save_attention_figures(
                        sub, name, batch["image"][i], maps[t][i].cpu(), masks[i], mean_masks[i],
                        title=f"{name}: {b.name} ({t} token, block {config.block}, top {config.threshold:.0%} mass)",
                        per_head=config.per_head, dpi=config.dpi, target=batch["target"][i])
                    written.append({"model": b.name, "token": t, "image": name, "figures": len(paths),
                                    "folder": str(sub.relative_to(out_dir))})
    return written
