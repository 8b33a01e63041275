"""What a reproduction plan is made of: steps (one call of an existing experiment with the paper's settings), the
published tables and figures each step measures, and the data sets they need.

A :class:`Step` is data: the experiment's name, the paper's models (roles, see :mod:`.models`), the data set, the
options of the paper's protocol and the lighter ones of ``--quick`` (``None``: left out of the quick plan). Its
:class:`Target` entries name the published entry (``published/<paper>.yaml``) the step's records are compared with,
and how a number is read from the records (:mod:`.extract`). A step with no experiment (nothing in this toolkit
measures that table) is still planned, so the report lists the table as "not run" with the reason.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from intriguing.errors import UserError


@dataclass(frozen=True)
class DataSpec:
    """A data set a step reads: what it is, how big it is in the paper, where it is found."""

    name: str
    images: int  # the size the paper used (a smaller folder makes the step "not comparable")
    layout: str  # what the folder must hold
    flag: str  # the reproduce option that points at it
    shared: str  # its place under a data root in the shared layout (../shared: datasets/...)
    standard: str  # its place under a data root in the plain layout


DATA: dict[str, DataSpec] = {
    "imagenet-val": DataSpec(
        "ImageNet val", 50000, "DIR/<wnid>/*.JPEG", "--imagenet-val", "datasets/imagenette/val", "imagenet/val"
    ),
    "imagenet-train": DataSpec(
        "ImageNet train",
        1281167,
        "DIR/<wnid>/*.JPEG",
        "--imagenet-train",
        "datasets/imagenette/train",
        "imagenet/train",
    ),
    "voc": DataSpec(
        "PASCAL VOC 2012 val",
        1449,
        "DIR/VOCdevkit/VOC2012/{JPEGImages,SegmentationClass,ImageSets}",
        "--voc",
        "datasets/voc2012-samples",
        "voc",
    ),
    "cue-conflict": DataSpec(
        "cue-conflict stimuli (Geirhos et al. 2019)",
        1280,
        "DIR/<category>/<shape><i>-<texture><j>.png",
        "--cue-conflict",
        "datasets/cue-conflict/cue-conflict",
        "cue-conflict",
    ),
    "transfer": DataSpec(
        "transfer data sets (CUB, Flowers, iNaturalist)",
        0,
        "DIR/<dataset>/ (see `intriguing transfer --help`)",
        "--transfer-root",
        "datasets/transfer",
        "transfer",
    ),
    "imagenette-split": DataSpec(
        "Imagenette train/val as a transfer 'folder' data set",
        0,
        "DIR/{train,val}/<class>/",
        "--imagenette",
        "datasets/imagenette",
        "imagenette",
    ),
}


@dataclass(frozen=True)
class Target:
    """A published entry a step measures, and how its numbers are read from the step's records."""

    entry: str  # id in published/<paper>.yaml
    measure: str  # a key of extract.MEASURES
    unfiltered: tuple[str, ...] = ()  # condition keys that are no record column (compared with a caveat)


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    experiment: Optional[str]
    roles: tuple[str, ...] = ()
    data: Optional[str] = None
    options: Mapping[str, Any] = field(default_factory=dict)
    quick: Optional[Mapping[str, Any]] = None  # overrides under --quick; None: not in the quick plan
    quick_data: Optional[str] = None  # another data set under --quick
    quick_substitute: Mapping[str, Any] = field(default_factory=dict)  # record values the quick data stands in for
    role_options: Mapping[str, str] = field(default_factory=dict)  # option -> role whose model it names
    data_options: Mapping[str, str] = field(default_factory=dict)  # option -> data set whose path it takes
    targets: tuple[Target, ...] = ()
    figures: tuple[str, ...] = ()  # plots the experiment writes into the step folder
    missing: str = ""  # why there is no experiment for it

    def settings(self, quick: bool) -> dict[str, Any]:
        return {**self.options, **(self.quick or {})} if quick else dict(self.options)

    def data_key(self, quick: bool) -> Optional[str]:
        return self.quick_data if quick and self.quick_data else self.data


@dataclass(frozen=True)
class Plan:
    paper: str
    steps: tuple[Step, ...]

    def step(self, step_id: str) -> Step:
        for s in self.steps:
            if s.id == step_id:
                return s
        from intriguing.errors import did_you_mean

        raise UserError(
            f"{self.paper} has no step {step_id!r}.{did_you_mean(step_id, [s.id for s in self.steps])} "
            f"`intriguing reproduce --list` names them."
        )


def data_paths(root: Optional[str], explicit: Mapping[str, Optional[str]]) -> dict[str, str]:
    """data key -> folder: an explicit flag wins, then ``root`` in the shared layout (``root/datasets/...``, as
    ``../shared``) or the plain one (``root/imagenet/val``, ...); ImageNet val also falls back to ``$DATA_PATH``."""
    root_path = Path(root or os.environ.get("INTRIGUING_DATA", "data"))
    shared = (root_path / "datasets").is_dir()
    out = {}
    for key, spec in DATA.items():
        given = explicit.get(key)
        if given:
            out[key] = given
        elif key == "imagenet-val" and not root and os.environ.get("DATA_PATH"):
            out[key] = os.environ["DATA_PATH"]
        else:
            out[key] = str(root_path / (spec.shared if shared else spec.standard))
    return out
