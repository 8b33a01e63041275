"""ImageNet-X factor annotations (Idrissi et al., *ImageNet-X*, ICLR 2023), read by the package's own loader.

``imagenet_x.load_annotations(which_factor, "val", filter_prototypes=True)`` gives one row per annotated val image
with 16 0/1 factor columns (``imagenet_x.FACTORS``: pose, background, ..., object_blocking,
person_blocking, partial_view, ...). ``top`` marks the one factor annotators found most salient, ``multi`` every
factor they ticked. As in the package, the prototypical images shown to the annotators (``prototypical_paths.csv``)
are left out. The package's loader runs on today's numpy / pandas (2.4 / 3.1), so no copy of it lives here.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass

import numpy as np

from intriguing.annotations.files import INSTALL, annotation_file
from intriguing.errors import UserError

WHICH = ("top", "multi")


@dataclass(frozen=True)
class FactorAnnotations:
    """ImageNet-X as arrays: ``matrix[row(file name)]`` holds an image's factors in :attr:`factors` order."""

    which: str
    factors: tuple[str, ...]
    rows: dict[str, int]  # val file name -> row of matrix / classes
    matrix: np.ndarray  # (images, factors) bool
    prototypes: frozenset[str]  # val images the package leaves out (shown to the annotators as examples)


def load_factor_annotations(which: str = "top") -> FactorAnnotations:
    """The val annotations of ``which`` factor selection (``top`` or ``multi``), prototypes left out."""
    if which not in WHICH:
        raise UserError(f"--which-factor is top or multi; got {which!r}.")
    try:
        from imagenet_x import FACTORS, load_annotations
    except ImportError as e:
        raise UserError(f"intriguing factors needs the optional package imagenet-x ({e}): {INSTALL}.") from None
    table = load_annotations(which_factor=which, partition="val", filter_prototypes=True)
    with open(annotation_file("prototypical_paths.csv", "intriguing factors"), newline="") as f:
        prototypes = frozenset(r["file_name"] for r in csv.DictReader(f))
    names = table["file_name"].tolist()
    return FactorAnnotations(
        which,
        tuple(FACTORS),
        {n: i for i, n in enumerate(names)},
        table[list(FACTORS)].to_numpy().astype(bool),
        prototypes,
    )
