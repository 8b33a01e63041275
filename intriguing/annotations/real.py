"""ImageNet-ReaL (Beyer et al., *Are we done with ImageNet?*, 2020): the re-assessed label sets of the 50,000 val
images, as ``imagenet-x`` ships them (``annotations/imagenet_real_labels.jsonl``, despite its name one JSON list:
entry ``i - 1`` is the label set of ``ILSVRC2012_val_{i:08d}``, 1000-way ImageNet indices; 3,163 sets are empty,
images ReaL found no valid label for, which its top-1 leaves out).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional

from intriguing.annotations.files import N_VAL, annotation_file, val_number
from intriguing.errors import UserError

REAL_FILE = "imagenet_real_labels.jsonl"


def load_real_sets() -> list[list[int]]:
    """The 50,000 ReaL label sets in val order."""
    path = annotation_file(REAL_FILE, "--metrics real")
    sets = json.loads(path.read_text())
    if not isinstance(sets, list) or len(sets) != N_VAL:
        raise UserError(f"{path} is not the ReaL label list (50000 label sets); reinstall imagenet-x.")
    return sets


@dataclass(frozen=True)
class RealLabels:
    """The ReaL label set of every image of one pass, by the pass's image index: None for an image that is not
    scored (not an ImageNet val file, or a pass that is not 1000-way ImageNet), an empty set where ReaL marks the
    image as having no valid label."""

    sets: tuple[Optional[frozenset[int]], ...]

    @classmethod
    def of(cls, paths: Sequence[str]) -> RealLabels:
        """The label sets of ``paths`` (the pass's images in index order, in 1000-way ImageNet class folders)."""
        numbers = [val_number(p) for p in paths]
        real = load_real_sets() if any(n is not None for n in numbers) else []
        return cls(tuple(None if n is None else frozenset(real[n - 1]) for n in numbers))

    @property
    def scored(self) -> bool:
        """Whether any image of the pass is scored against ReaL."""
        return any(s is not None for s in self.sets)


def check_real(paths: Sequence[str], imagenet: bool, where: str) -> None:
    """``--metrics real`` on a command's folder: one sentence, before anything runs, when ReaL cannot score it
    (``imagenet``: wnid class folders scored 1000-way); also checks that the ReaL file is installed."""
    if not imagenet:
        raise UserError(
            f"--metrics real scores ImageNet val images in wnid class folders (1000-way); {where} is not such a folder."
        )
    if all(val_number(p) is None for p in paths):
        raise UserError(
            f"--metrics real scores ImageNet val images (files named ILSVRC2012_val_*.JPEG); none of the "
            f"{len(paths)} images in {where} is one."
        )
    load_real_sets()
