"""Read pre-rendered corruption datasets: ImageNet-C folders and CIFAR-10-C arrays.

* ImageNet-C (Hendrycks & Dietterich 2019): ``<root>/<corruption>/<severity>/<wnid>/<image>.JPEG``;
  each (corruption, severity) folder is an ordinary class-folder dataset.
* CIFAR-10-C: ``<root>/<corruption>.npy`` of shape (50000, 32, 32, 3) uint8 -- severities 1..5 stacked
  as consecutive blocks of 10,000 test images -- and ``<root>/labels.npy``. Any length divisible by 5
  is read the same way (five equal blocks), so subsets and CIFAR-100-C work too.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Optional

import numpy as np

from intriguing.errors import UserError

N_SEVERITIES = 5


def detect_layout(root: str | Path) -> str:
    """'cifar-c' when ``root`` holds ``labels.npy``, 'imagenet-c' when it holds corruption folders."""
    root = Path(root)
    if not root.is_dir():
        raise UserError(f"Corruption data folder {root} does not exist.")
    if (root / "labels.npy").is_file():
        return "cifar-c"
    if any(p.is_dir() and (p / "1").is_dir() for p in root.iterdir()):
        return "imagenet-c"
    raise UserError(
        f"{root} is neither an ImageNet-C folder (<corruption>/<severity>/<class>/) nor a "
        "CIFAR-10-C folder (<corruption>.npy and labels.npy)."
    )


def imagenet_c_folders(
    root: str | Path, corruptions: Sequence[str], severities: Sequence[int]
) -> list[tuple[str, int, Path]]:
    """The (corruption, severity, folder) triples to evaluate; a missing folder is one clear error."""
    root = Path(root)
    out = []
    for c in corruptions:
        for s in severities:
            folder = root / c / str(s)
            if not folder.is_dir():
                raise UserError(
                    f"ImageNet-C folder {folder} is missing (expected <root>/<corruption>/<severity>/<class>/)."
                )
            out.append((c, int(s), folder))
    return out


IMAGES_LAYOUT = "uint8 RGB images of shape (5*N, H, W, 3), channels last, N images per severity"
LABELS_LAYOUT = "one integer class index >= 0 per image, shape (5*N,)"


def _open_array(path: Path, layout: str) -> np.ndarray:
    """Memory-map a .npy file; an object array (never unpickled), a truncated file or another format is one
    sentence naming the file and the layout expected."""
    try:
        return np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError) as e:
        why = "it holds Python objects (dtype object)" if "object" in str(e) else "it is truncated or not a .npy file"
        raise UserError(f"{path} cannot be read as an array ({why}); expected {layout}.") from None


def cifar_c_labels(root: str | Path) -> np.ndarray:
    """``<root>/labels.npy``, checked: one integer class index >= 0 per image."""
    path = Path(root) / "labels.npy"
    labels = _open_array(path, LABELS_LAYOUT)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise UserError(f"{path} holds {labels.dtype} of shape {labels.shape}; expected {LABELS_LAYOUT}.")
    if labels.size and int(labels.min()) < 0:
        raise UserError(f"{path} holds the label {int(labels.min())}; expected {LABELS_LAYOUT}.")
    return labels


def check_cifar_images(path: Path, images: np.ndarray, n_labels: int) -> None:
    """One sentence naming ``path`` unless it is (5*N, H, W, 3) uint8 with a row per label."""
    shape, dtype = tuple(images.shape), images.dtype
    hint = ""
    if len(shape) == 4 and shape[-1] != 3 and shape[1] == 3:
        hint = " (channels first, NCHW)"
    elif len(shape) == 4 and shape[-1] != 3:
        hint = f" ({shape[-1]} channels)"
    elif dtype != np.uint8:
        hint = f" ({dtype} pixels would not be scaled by 255 as uint8 ones are)"
    ok = len(shape) == 4 and shape[-1] == 3 and dtype == np.uint8 and shape[0] % N_SEVERITIES == 0
    if not ok or shape[0] != n_labels:
        raise UserError(
            f"{path} holds {dtype} of shape {shape}{hint}; expected {IMAGES_LAYOUT}, as many rows as "
            f"labels.npy ({n_labels})."
        )


def check_cifar_c(root: str | Path, corruptions: Sequence[str]) -> np.ndarray:
    """Check labels.npy and every requested ``<corruption>.npy`` (headers only: nothing is read but the labels)
    before anything runs; returns the labels."""
    root = Path(root)
    labels = cifar_c_labels(root)
    for c in corruptions:
        path = root / f"{c}.npy"
        if not path.is_file():
            raise UserError(f"CIFAR-10-C file {path} is missing.")
        check_cifar_images(path, _open_array(path, IMAGES_LAYOUT), labels.shape[0])
    return labels


def cifar_c_arrays(
    root: str | Path, corruption: str, severity: int, limit: Optional[int] = None
) -> tuple[np.ndarray, np.ndarray]:
    """Images (N, 32, 32, 3) uint8 (memory-mapped) and labels (N,) of one CIFAR-10-C corruption/severity."""
    root = Path(root)
    path = root / f"{corruption}.npy"
    if not path.is_file():
        raise UserError(f"CIFAR-10-C file {path} is missing.")
    images = _open_array(path, IMAGES_LAYOUT)
    labels = cifar_c_labels(root)
    check_cifar_images(path, images, labels.shape[0])
    if not 1 <= int(severity) <= N_SEVERITIES:
        raise UserError(f"{path} has no severity {severity}; severities are 1-5.")
    per = images.shape[0] // N_SEVERITIES
    lo = (int(severity) - 1) * per
    hi = lo + (per if limit is None else min(int(limit), per))
    return images[lo:hi], labels[lo:hi]
