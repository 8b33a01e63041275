"""Readers for dataset layouts torchvision has no class for: CUB-200-2011, FGVCx fungi, ImageFolder splits.

Each reader is a small ``VisionDataset`` with ``samples`` (path, label), ``targets`` and ``classes``,
built from the dataset's own annotation files, so no image is opened until it is indexed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

from torchvision.datasets import VisionDataset
from torchvision.datasets.folder import IMG_EXTENSIONS

from intriguing.data.decode import Unreadable, open_rgb
from intriguing.errors import UserError


class ListDataset(VisionDataset):
    """Images given as an explicit (path, label) list; the common base of the readers below."""

    def __init__(
        self,
        root: str | Path,
        samples: Sequence[tuple[str, int]],
        classes: Sequence[str],
        transform: Callable | None = None,
    ) -> None:
        super().__init__(str(root), transform=transform)
        self.samples = list(samples)
        self.targets = [label for _, label in self.samples]
        self.classes = list(classes)

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int):
        path, label = self.samples[index]
        try:
            image = open_rgb(path)
        except Unreadable as e:  # skipped and reported by the extraction, never a crash
            return None, str(e)
        return (self.transform(image) if self.transform is not None else image), label


def _read_pairs(path: Path) -> dict[str, str]:
    """'<id> <value>' lines -> {id: value} (CUB's annotation format)."""
    pairs = {}
    for line in path.read_text().splitlines():
        if line.strip():
            key, value = line.strip().split(" ", 1)
            pairs[key] = value
    return pairs


def cub_dataset(root: str | Path, split: str, transform: Callable | None = None) -> ListDataset:
    """CUB-200-2011 from its own files; ``root`` is CUB_200_2011/ or the folder holding it."""
    base = Path(root)
    if not (base / "images.txt").is_file() and (base / "CUB_200_2011" / "images.txt").is_file():
        base = base / "CUB_200_2011"
    needed = ["images.txt", "image_class_labels.txt", "train_test_split.txt", "classes.txt"]
    if not all((base / n).is_file() for n in needed) or not (base / "images").is_dir():
        raise FileNotFoundError(f"missing {', '.join(n for n in needed if not (base / n).is_file()) or 'images/'}")
    names = _read_pairs(base / "images.txt")
    labels = _read_pairs(base / "image_class_labels.txt")
    is_train = _read_pairs(base / "train_test_split.txt")
    classes = [v for _, v in sorted(_read_pairs(base / "classes.txt").items(), key=lambda kv: int(kv[0]))]
    want = "1" if split == "train" else "0"
    samples = [
        (str(base / "images" / names[i]), int(labels[i]) - 1)  # CUB class ids are 1-based
        for i in sorted(names, key=int)
        if is_train[i] == want
    ]
    return ListDataset(base, samples, classes, transform)


def fungi_dataset(root: str | Path, split: str, transform: Callable | None = None) -> ListDataset:
    """FGVCx fungi (2018) from its COCO-style ``train.json`` / ``val.json``; ``split`` is train or val.

    Labels are the rank of each ``category_id`` among all categories of the json, so train and val
    share one label space even when a class is missing from one of them.
    """
    base = Path(root)
    candidates = [base / f"{split}.json", base / "train_val_annotations" / f"{split}.json"]
    ann_path = next((p for p in candidates if p.is_file()), None)
    if ann_path is None:
        raise FileNotFoundError(f"no {split}.json")
    ann = json.loads(ann_path.read_text())
    cats = sorted(ann["categories"], key=lambda c: c["id"])
    rank = {c["id"]: i for i, c in enumerate(cats)}
    label_of = {a["image_id"]: rank[a["category_id"]] for a in ann["annotations"]}
    samples = [
        (str(base / img["file_name"]), label_of[img["id"]])
        for img in sorted(ann["images"], key=lambda im: im["id"])
        if img["id"] in label_of
    ]
    missing = [p for p, _ in samples[:5] if not Path(p).is_file()]
    if missing:
        raise FileNotFoundError(f"image {missing[0]} named in {ann_path} does not exist")
    return ListDataset(base, samples, [c["name"] for c in cats], transform)


def folder_dataset(root: str | Path, split: str, transform: Callable | None = None) -> ListDataset:
    """``root/<split>/<class>/<image>``; classes always come from ``root/train`` so labels agree.

    The test split is ``root/test`` when it exists, else ``root/val``.
    """
    base = Path(root)
    train_dir = base / "train"
    if not train_dir.is_dir():
        raise FileNotFoundError("no train/ folder")
    classes = sorted(d.name for d in train_dir.iterdir() if d.is_dir())
    if split == "test":
        split_dir = base / "test" if (base / "test").is_dir() else base / "val"
    else:
        split_dir = base / split
    if not split_dir.is_dir():
        raise FileNotFoundError(f"no {split_dir.name}/ folder")
    extra = sorted(d.name for d in split_dir.iterdir() if d.is_dir() and d.name not in classes)
    if extra:
        raise UserError(
            f"{split_dir} has class folder(s) {', '.join(extra[:3])} that {train_dir} lacks; "
            "every class of the test split needs training images."
        )
    samples = []
    for label, name in enumerate(classes):
        folder = split_dir / name
        if folder.is_dir():
            samples += [
                (str(p), label) for p in sorted(folder.rglob("*")) if p.is_file() and p.suffix.lower() in IMG_EXTENSIONS
            ]
    if not samples:
        raise FileNotFoundError(f"no images under {split_dir}")
    return ListDataset(base, samples, classes, transform)
