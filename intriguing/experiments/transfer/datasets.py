"""Registry of transfer datasets: how to load each split, and what layout is expected where.

Every dataset has a ``train`` split (the whole labelled training pool: train+val where the dataset
ships an official val) and a ``test`` split. The probe carves its own validation split out of
``train``. ``paper-train`` exists where the original IPViT script trained on less than the full pool.
Nothing is ever downloaded unless ``download=True`` is asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import torch
from torch.utils.data import ConcatDataset, Dataset, Subset

from intriguing.data.decode import Unreadable, open_rgb
from intriguing.errors import UserError
from intriguing.experiments.transfer import layouts
from intriguing.registry import Registry

# (root, split, transform, download) -> Dataset
Builder = Callable[[Path, str, Callable | None, bool], Dataset]


@dataclass(frozen=True)
class TransferDataset:
    """One dataset: a builder per split name and a one-line description of its on-disk layout."""

    name: str
    splits: Mapping[str, Builder]
    layout: str
    note: str = ""
    downloadable: bool = True

    def load(self, root: str | Path, split: str, transform: Callable | None = None, download: bool = False) -> Dataset:
        """Build ``split`` under ``root``; a missing dataset is one UserError naming the expected layout."""
        if split not in self.splits:
            raise UserError(f"Dataset {self.name!r} has no split {split!r}; it has {', '.join(self.splits)}.")
        root = Path(root).expanduser()
        if not root.is_dir():
            raise UserError(f"Dataset {self.name!r}: {root} is not a folder. Expected layout: {self.layout}")
        try:
            ds = self.splits[split](root, split, transform, download)
        except UserError:
            raise
        except ImportError as err:  # e.g. Flowers102 reads .mat files with scipy
            pkg = (err.name or str(err)).split(".")[0]
            raise UserError(f"Dataset {self.name!r} needs the Python package {pkg} (pip install {pkg}).") from None
        except (RuntimeError, FileNotFoundError, NotADirectoryError, KeyError, ValueError) as err:
            # torchvision's own text suggests download=True; say what that is on the command line
            why = "not found" if "download=True" in str(err) else f"incomplete ({err})"
            hint = " torchvision can fetch it with --download." if self.downloadable else ""
            raise UserError(
                f"Dataset {self.name!r} ({split}) {why} under {root}. Expected layout: {self.layout}{hint}"
            ) from None
        if len(ds) == 0:
            raise UserError(f"Dataset {self.name!r} ({split}) under {root} is empty. Expected layout: {self.layout}")
        return ds


DATASETS: Registry[TransferDataset] = Registry("transfer dataset")


def get_dataset(name: str) -> TransferDataset:
    """Look a dataset up by name (case-insensitive); unknown names list near matches."""
    lowered = {n.lower(): n for n in DATASETS.names()}
    return DATASETS.get(lowered.get(name.lower(), name))


def limit_dataset(ds: Dataset, limit: int | None) -> Dataset:
    """``limit`` evenly spaced items (deterministic; covers every class of a class-sorted dataset)."""
    if limit is None or limit >= len(ds):
        return ds
    if limit <= 0:
        raise UserError(f"--limit must be positive, got {limit}.")
    return Subset(ds, sorted(set(torch.linspace(0, len(ds) - 1, limit).round().long().tolist())))


class Decoded(Dataset):
    """A torchvision dataset whose unreadable images become ``(None, 'path: reason')`` items, skipped and reported
    by the extraction like the toolkit's own readers (:class:`layouts.ListDataset`), instead of a crash."""

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self.classes = getattr(dataset, "classes", None)

    def __len__(self) -> int:
        return len(self.dataset)  # type: ignore[arg-type]

    def __getitem__(self, index: int):
        try:
            return self.dataset[index]
        except Unreadable as e:  # our decoder, passed as the dataset's loader: 'path: reason'
            return None, str(e)
        except OSError as e:  # classes without a loader argument decode with PIL themselves
            return None, f"item {index}: unreadable ({e})"


def _tv(cls_name: str, split_arg: str = "split", **fixed) -> Callable[[str], Builder]:
    """Builder factory for a torchvision dataset class taking ``split_arg=<value>``; images are decoded by the
    toolkit's decoder (16-bit scaled, unreadable files skipped with their reason) where the class takes a loader."""

    def for_value(value) -> Builder:
        def build(root: Path, split: str, transform, download: bool) -> Dataset:
            import inspect

            import torchvision.datasets as tvd  # lazy: no work at import time

            cls = getattr(tvd, cls_name)
            loader = {"loader": open_rgb} if "loader" in inspect.signature(cls).parameters else {}
            return Decoded(cls(root, **{split_arg: value}, **fixed, transform=transform, download=download, **loader))

        return build

    return for_value


def _concat(*builders: Builder) -> Builder:
    """train+val pools of datasets that ship both splits."""

    def build(root: Path, split: str, transform, download: bool) -> Dataset:
        parts = [b(root, split, transform, download) for b in builders]
        ds = ConcatDataset(parts)
        ds.classes = getattr(parts[0], "classes", None)  # type: ignore[attr-defined]
        return ds

    return build


def _local(reader: Callable, split_name: str) -> Builder:
    def build(root: Path, split: str, transform, download: bool) -> Dataset:
        if download:
            raise UserError("This dataset cannot be downloaded automatically; get it from its authors' site.")
        return reader(root, split_name, transform)

    return build


def _register(name: str, layout: str, note: str = "", downloadable: bool = True, **splits: Builder) -> None:
    DATASETS.register(
        name, TransferDataset(name, {k.replace("_", "-"): v for k, v in splits.items()}, layout, note, downloadable)
    )


_air = _tv("FGVCAircraft", annotation_level="variant")
_register(
    "aircraft",
    "<root>/fgvc-aircraft-2013b/data/{images/*.jpg, variants.txt, images_variant_{train,val,"
    "test}.txt} (torchvision FGVCAircraft; 100 variants).",
    "The original script trained on 'train' only; here train = trainval.",
    train=_air("trainval"),
    test=_air("test"),
    paper_train=_air("train"),
)
_dtd = _tv("DTD", partition=1)
_register(
    "dtd",
    "<root>/dtd/dtd/{images/<class>/*.jpg, labels/{train,val,test}1.txt} (torchvision DTD, partition 1).",
    train=_concat(_dtd("train"), _dtd("val")),
    test=_dtd("test"),
)
_fl = _tv("Flowers102")
_register(
    "flowers",
    "<root>/flowers-102/{jpg/image_*.jpg, imagelabels.mat, setid.mat} (torchvision Flowers102; needs scipy).",
    train=_concat(_fl("train"), _fl("val")),
    test=_fl("test"),
)
_gt = _tv("GTSRB")
_register(
    "gtsrb",
    "<root>/gtsrb/{GTSRB/Training/<class>/*.ppm, GTSRB/Final_Test/Images/*.ppm, "
    "GT-final_test.csv} (torchvision GTSRB).",
    train=_gt("train"),
    test=_gt("test"),
)
_pl = _tv("Places365", small=True)
_register(
    "places365",
    "<root>/{categories_places365.txt, places365_train_standard.txt, places365_val.txt, "
    "data_256/, val_256/} (torchvision Places365, small 256px images); test = the official val.",
    train=_pl("train-standard"),
    test=_pl("val"),
)
_inat = _tv("INaturalist", split_arg="version", target_type="full")
_register(
    "inat2021",
    "<root>/{2021_train_mini/<class>/*.jpg, 2021_valid/<class>/*.jpg} (torchvision "
    "INaturalist 2021); test = the official valid split.",
    "The original used iNat 2019 json files; train here is the 2021 mini split (50 images/class).",
    train=_inat("2021_train_mini"),
    test=_inat("2021_valid"),
)
_fo = _tv("Food101")
_register(
    "food101",
    "<root>/food-101/{images/<class>/*.jpg, meta/{train,test}.json} (torchvision Food101).",
    train=_fo("train"),
    test=_fo("test"),
)
_pet = _tv("OxfordIIITPet")
_register(
    "pets",
    "<root>/oxford-iiit-pet/{images/*.jpg, annotations/{trainval,test}.txt} (torchvision OxfordIIITPet).",
    train=_pet("trainval"),
    test=_pet("test"),
)
_c100 = _tv("CIFAR100", split_arg="train")
_register(
    "cifar100",
    "<root>/cifar-100-python/{train,test,meta} (torchvision CIFAR100).",
    train=_c100(True),
    test=_c100(False),
)
_register(
    "cub",
    "<root>/CUB_200_2011/{images/<class>/*.jpg, images.txt, image_class_labels.txt, "
    "train_test_split.txt, classes.txt} (root may also be CUB_200_2011 itself).",
    downloadable=False,
    train=_local(layouts.cub_dataset, "train"),
    test=_local(layouts.cub_dataset, "test"),
)
_register(
    "fungi",
    "<root>/{images/<class>/*.JPG, train.json, val.json} (FGVCx fungi 2018; the jsons may sit in "
    "<root>/train_val_annotations/); test = the official val.",
    downloadable=False,
    train=_local(layouts.fungi_dataset, "train"),
    test=_local(layouts.fungi_dataset, "val"),
)
_register(
    "folder",
    "<root>/train/<class>/<image> and <root>/test/<class>/<image> (or <root>/val/... when "
    "there is no test/), any ImageFolder.",
    downloadable=False,
    train=_local(layouts.folder_dataset, "train"),
    test=_local(layouts.folder_dataset, "test"),
)
