"""Stimulus folders in the layout of Geirhos et al.'s sets: ``<root>/<category>/<file>``, folder = shape category.

Cue-conflict file names are ``<shape><i>-<texture><j>.<ext>`` (e.g. ``cat4-elephant1.png``; a ``prefix_`` before
the last underscore is ignored, as model-vs-human's ``get_texture_category`` does); the silhouette and edge sets
name files ``<category><i>.<ext>``. The task is read from the names: all cue-conflict -> shape bias, none ->
plain 16-class accuracy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import torch

from intriguing.data import ImageSet, limit_samples, scan_folder
from intriguing.errors import UserError
from intriguing.experiments.shape_bias.categories import CATEGORIES

CUE_CONFLICT = re.compile(r"^(?:.*_)?([a-z]+)(\d+)-([a-z]+)(\d+)$", re.IGNORECASE)


@dataclass
class Stimuli:
    """The images (labels = shape category index in CATEGORIES) and, for cue-conflict sets, each texture index."""

    images: ImageSet
    task: str  # "shape-bias" or "accuracy"
    texture: Optional[torch.Tensor]  # (N,) texture category index per sample; None for plain 16-class sets

    @property
    def n_conflict(self) -> int:
        """Stimuli whose shape and texture differ (those count for shape bias)."""
        if self.texture is None:
            return 0
        shape = torch.tensor([label for _, label in self.images.samples])
        return int((shape != self.texture).sum())


def texture_of(path: str) -> Optional[str]:
    """The texture category named by a cue-conflict file name, None for any other name."""
    m = CUE_CONFLICT.match(Path(path).stem)
    return m.group(3).lower() if m else None


def shape_of(path: str) -> Optional[str]:
    m = CUE_CONFLICT.match(Path(path).stem)
    return m.group(1).lower() if m else None


def load_stimuli(root: str | Path, task: str = "auto", limit: Optional[int] = None) -> Stimuli:
    """Scan ``root``; labels become indices into CATEGORIES whichever subset of the 16 folders is present."""
    found = scan_folder(root)
    unknown = [c for c in found.classes if c not in CATEGORIES]
    if unknown:
        raise UserError(
            f"{root} has folder {unknown[0]!r}, which is not one of the 16 categories of Geirhos et al. "
            f"({', '.join(CATEGORIES)}); pass a cue-conflict, silhouette or edge stimulus folder."
        )
    samples = [(p, CATEGORIES.index(found.classes[label])) for p, label in found.samples]
    images = limit_samples(ImageSet(found.root, samples, list(CATEGORIES), "16-class", len(CATEGORIES)), limit)
    textures: list[Optional[str]] = [texture_of(p) for p, _ in images.samples]
    conflict_named = sum(t is not None for t in textures)
    if task == "auto":
        if 0 < conflict_named < len(textures):
            bad = next(p for (p, _), t in zip(images.samples, textures) if t is None)
            raise UserError(
                f"{root} mixes cue-conflict names (<shape><i>-<texture><j>) with others, e.g. {bad}; "
                f"pass --task accuracy to score every image by its folder."
            )
        task = "shape-bias" if conflict_named else "accuracy"
    if task == "accuracy":
        return Stimuli(images, task, None)
    for (path, label), t in zip(images.samples, textures):
        if t is None:
            raise UserError(
                f"--task shape-bias needs cue-conflict file names <shape><i>-<texture><j>.<ext>; {path} is not one."
            )
        if t not in CATEGORIES:
            raise UserError(f"{path} names texture {t!r}, which is not one of the 16 categories.")
        if shape_of(path) != CATEGORIES[label]:
            raise UserError(f"{path} names shape {shape_of(path)!r} but lies in folder {CATEGORIES[label]!r}.")
    return Stimuli(images, task, torch.tensor([CATEGORIES.index(t) for t in textures]))
