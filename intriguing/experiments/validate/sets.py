"""Distribution-shift test sets: parse ``NAME=PATH``, recognise the layout, label every image correctly.

Kinds (from the set's name, else from the folder layout):

* ``imagenet-a`` / ``imagenet-r``: 200 wnid folders, scored 200-way (logits restricted to the subset,
  :mod:`.subsets`);
* ``imagenet-v2``: folders named ``0`` .. ``999`` = the ImageNet class index (not the sorted folder order, which
  would put ``10`` before ``2``);
* ``imagenet-c``: ``<corruption>/<severity>/<wnid>/``: every (corruption, severity) folder is scored on its own and
  the table reports their mean;
* ``imagenet`` (everything else: ImageNet val, ImageNet-Sketch, Stylized-ImageNet val, ...): wnid folders, 1000-way.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from intriguing.data import IMG_EXTENSIONS, ImageSet, imagenet_wnids, limit_samples, scan_folder
from intriguing.errors import UserError
from intriguing.experiments.validate.subsets import SUBSETS, subset_wnids

KINDS = ("imagenet-a", "imagenet-r", "imagenet-v2", "imagenet-c", "imagenet")


@dataclass
class TestSet:
    """One scored folder: the set's name, the sub-folder (ImageNet-C 'corruption/severity', else ''), its images,
    and the ImageNet indices its logits are restricted to (None: all 1000)."""

    name: str
    kind: str
    subset: str
    images: ImageSet
    indices: Optional[tuple[int, ...]] = None


def parse_sets(specs: Sequence[str]) -> list[tuple[str, Path]]:
    """``NAME=PATH`` pairs (a bare PATH is named after its folder); names must be unique."""
    out = []
    for spec in specs:
        name, sep, path = spec.partition("=")
        if not sep:
            name, path = Path(spec).name or spec, spec
        if not name or not path:
            raise UserError(f"--sets takes NAME=PATH (e.g. imagenet-r=/data/imagenet-r); got {spec!r}.")
        out.append((name, Path(path)))
    names = [n for n, _ in out]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise UserError(f"--sets names must be unique; {dup[0]!r} is given twice.")
    return out


def _subdirs(root: Path) -> list[str]:
    return sorted(d.name for d in root.iterdir() if d.is_dir() and not d.name.startswith("."))


def detect_kind(name: str, root: Path) -> str:
    """The kind named by the set's name (e.g. 'imagenet-r', 'imagenet-v2-matched-frequency'), else the layout's."""
    if not root.is_dir():
        raise UserError(f"Data set {name!r}: folder {root} does not exist.")
    low = name.lower().replace("_", "-")
    for kind in KINDS[:-1]:
        if low.startswith(kind):
            return kind
    dirs = _subdirs(root)
    if dirs and all(d.isdigit() for d in dirs):
        return "imagenet-v2"
    wnid_like = any(d.startswith("n") and d[1:].isdigit() for d in dirs)
    if dirs and not wnid_like and any(s.isdigit() for d in dirs for s in _subdirs(root / d)):
        return "imagenet-c"
    return "imagenet"


def _files(folder: Path) -> list[str]:
    out = []
    for dirpath, _, files in sorted(os.walk(folder)):
        out += [os.path.join(dirpath, f) for f in sorted(files) if f.lower().endswith(IMG_EXTENSIONS)]
    return out


def v2_set(root: Path) -> ImageSet:
    """ImageNet-V2: folder ``k`` holds class index k."""
    dirs = _subdirs(root)
    bad = [d for d in dirs if not d.isdigit() or not 0 <= int(d) < 1000]
    if bad:
        raise UserError(f"ImageNet-V2 folder {root} has a sub-folder {bad[0]!r}; expected class indices 0..999.")
    samples = [(p, int(d)) for d in sorted(dirs, key=int) for p in _files(root / d)]
    if not samples:
        raise UserError(f"ImageNet-V2 folder {root} holds no images.")
    return ImageSet(str(root), samples, [str(i) for i in range(1000)], "imagenet-1k", 1000)


def subset_set(root: Path, kind: str) -> ImageSet:
    """ImageNet-A / -R: wnid folders labelled by their position in the published 200-class list."""
    wnids = subset_wnids(kind)
    dirs = _subdirs(root)
    foreign = [d for d in dirs if d not in wnids]
    if foreign:
        raise UserError(
            f"{kind} folder {root} has a class folder {foreign[0]!r} outside the published 200 "
            f"{kind} classes; check the path or name the set differently."
        )
    samples = [(p, wnids.index(d)) for d in dirs for p in _files(root / d)]
    if not samples:
        raise UserError(f"{kind} folder {root} holds no images.")
    return ImageSet(str(root), samples, list(wnids), kind, 200)


def load_sets(specs: Sequence[str], limit: Optional[int]) -> list[TestSet]:
    """Every scored folder of every ``NAME=PATH`` set, ``limit`` evenly spaced images per folder."""
    out = []
    for name, root in parse_sets(specs):
        kind = detect_kind(name, root)
        if kind in SUBSETS:
            out.append(TestSet(name, kind, "", limit_samples(subset_set(root, kind), limit), SUBSETS[kind]))
        elif kind == "imagenet-v2":
            out.append(TestSet(name, kind, "", limit_samples(v2_set(root), limit)))
        elif kind == "imagenet-c":
            found = [(c, s) for c in _subdirs(root) for s in _subdirs(root / c) if s.isdigit()]
            if not found:
                raise UserError(f"ImageNet-C folder {root} has no <corruption>/<severity>/ folders.")
            out += [
                TestSet(name, kind, f"{c}/{s}", _imagenet(root / c / s, f"{name} {c}/{s}", limit)) for c, s in found
            ]
        else:
            out.append(TestSet(name, kind, "", _imagenet(root, name, limit)))
    return out


def _imagenet(root: Path, name: str, limit: Optional[int]) -> ImageSet:
    images = scan_folder(root)
    if images.label_space != "imagenet-1k":
        raise UserError(
            f"Data set {name!r} ({root}): class folders are not ImageNet wnids (e.g. "
            f"{images.classes[0]!r}); name it imagenet-v2... for 0..999 folders."
        )
    return limit_samples(images, limit)


__all__ = ["KINDS", "TestSet", "detect_kind", "load_sets", "parse_sets", "subset_set", "v2_set", "imagenet_wnids"]
