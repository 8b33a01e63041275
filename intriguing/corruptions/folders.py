"""Read pre-rendered corruption datasets: ImageNet-C folders and CIFAR-10-C arrays.

* ImageNet-C (Hendrycks & Dietterich 2019): ``<root>/<corruption>/<severity>/<wnid>/<image>.JPEG``;
  each (corruption, severity) folder is an ordinary class-folder dataset.
* CIFAR-10-C: ``<root>/<corruption>.npy`` of shape (50000, 32, 32, 3) uint8 -- severities 1..5 stacked
  as consecutive blocks of 10,000 test images -- and ``<root>/labels.npy``. Any length divisible by 5
  is read the same way (five equal blocks), so subsets and CIFAR-100-C work too.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator, List, Optional, Sequence, Tuple

import numpy as np
import torch

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
    raise UserError(f"{root} is neither an ImageNet-C folder (<corruption>/<severity>/<class>/) nor a "
                    "CIFAR-10-C folder (<corruption>.npy and labels.npy).")


def imagenet_c_folders(root: str | Path, corruptions: Sequence[str],
                       severities: Sequence[int]) -> List[Tuple[str, int, Path]]:
    """The (corruption, severity, folder) triples to evaluate; a missing folder is one clear error."""
    root = Path(root)
    out = []
    for c in corruptions:
        for s in severities:
            folder = root / c / str(s)
            if not folder.is_dir():
                raise UserError(f"ImageNet-C folder {folder} is missing "
                                "(expected <root>/<corruption>/<severity>/<class>/).")
            out.append((c, int(s), folder))
    return out


def cifar_c_arrays(root: str | Path, corruption: str, severity: int,
                   limit: Optional[int] = None) -> Tuple[np.ndarray, np.ndarray]:
    """Images (N, 32, 32, 3) uint8 (memory-mapped) and labels (N,) of one CIFAR-10-C corruption/severity."""
    root = Path(root)
    path = root / f"{corruption}.npy"
    if not path.is_file():
        raise UserError(f"CIFAR-10-C file {path} is missing.")
    images = np.load(path, mmap_mode="r")
    labels = np.load(root / "labels.npy", mmap_mode="r")
    if images.ndim != 4 or images.shape[0] % N_SEVERITIES or images.shape[0] != labels.shape[0]:
        raise UserError(f"{path} has shape {images.shape}; expected (5*N, H, W, 3) with N images per severity "
                        f"and as many rows as labels.npy ({labels.shape[0]}).")
    if not 1 <= int(severity) <= N_SEVERITIES:
        raise UserError(f"{path} has no severity {severity}; severities are 1-5.")
    per = images.shape[0] // N_SEVERITIES
    lo = (int(severity) - 1) * per
    hi = lo + (per if limit is None else min(int(limit), per))
    return images[lo:hi], labels[lo:hi]


def iter_array_batches(images: np.ndarray, labels: np.ndarray, batch_size: int
                       ) -> Iterator[Tuple[torch.Tensor, torch.Tensor]]:
    """(B, 3, H, W) float [0, 1] and (B,) long batches from uint8 NHWC arrays."""
    for i in range(0, len(labels), batch_size):
        x = torch.from_numpy(np.array(images[i:i + batch_size])).permute(0, 3, 1, 2).float() / 255.0
        yield x, torch.from_numpy(np.array(labels[i:i + batch_size])).long()
