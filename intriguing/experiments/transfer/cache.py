"""On-disk fp16 feature cache: extract once per (model, checkpoint, dataset, split, blocks, options, preprocessing).

A file is named ``<model>__<dataset>__<split>__<blocks>__<hash>.pt``; the hash covers the whole
:class:`CacheKey`, and the key is stored inside the file and compared on load, so a changed option,
checkpoint file or preprocessing is a miss, never a silently stale hit. Files are written atomically.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from intriguing.experiments.transfer.features import FeatureSet

FORMAT_VERSION = 2  # bump when what extraction stores changes (2: the key holds the file list)


def checkpoint_id(path: str | Path | None) -> str:
    """Identity of a checkpoint file for the key: path, size and mtime (hashing GBs would defeat the cache)."""
    if not path:
        return ""
    p = Path(path).expanduser().resolve()
    st = p.stat()
    return f"{p}:{st.st_size}:{st.st_mtime_ns}"


def files_digest(root: str) -> str:
    """Digest of every file under ``root`` (relative name, size, mtime): adding, deleting, replacing or touching
    an image is a cache miss, never a stale hit (stat only: far cheaper than the extraction it guards)."""
    h = hashlib.sha1()
    for dirpath, dirnames, files in os.walk(root):
        dirnames.sort()
        for f in sorted(files):
            st = os.stat(os.path.join(dirpath, f))
            h.update(f"{os.path.relpath(os.path.join(dirpath, f), root)}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


@dataclass(frozen=True)
class CacheKey:
    """Everything that changes the extracted numbers. ``preprocess`` is a canonical description string."""

    model: str
    dataset: str
    split: str
    blocks: str
    preprocess: str
    checkpoint: str = ""
    data_root: str = ""
    files: str = ""  # files_digest(data_root)
    patch_mean: bool = False
    view: int = 0  # 0 = the deterministic eval view, k > 0 = seeded augmented view k
    limit: int | None = None
    seed: int = 0
    version: int = FORMAT_VERSION

    def digest(self) -> str:
        return hashlib.sha1(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:12]

    def filename(self) -> str:
        def safe(s: str) -> str:
            return re.sub(r"[^A-Za-z0-9._-]+", "-", s)[:60]

        tag = f"b{self.blocks}" + ("+pm" if self.patch_mean else "") + (f"_v{self.view}" if self.view else "")
        return f"{safe(self.model)}__{safe(self.dataset)}__{safe(self.split)}__{safe(tag)}__{self.digest()}.pt"


def save_features(fs: FeatureSet, path: Path, key: CacheKey) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    torch.save(
        {
            "key": asdict(key),
            "tokens": fs.tokens.half(),
            "labels": fs.labels,
            "blocks": list(fs.blocks),
            "patch_mean": None if fs.patch_mean is None else fs.patch_mean.half(),
            "meta": fs.meta,
        },
        tmp,
    )
    os.replace(tmp, path)  # atomic: an interrupted run never leaves a half-written cache file


def load_features(path: Path, key: CacheKey) -> FeatureSet | None:
    """The cached features, or None when the file is absent, unreadable or was made for another key."""
    if not path.is_file():
        return None
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except Exception:  # a corrupt/foreign file is a cache miss, and gets overwritten
        return None
    if blob.get("key") != asdict(key):
        return None
    return FeatureSet(blob["tokens"], blob["labels"], tuple(blob["blocks"]), blob["patch_mean"], blob["meta"])


def cached_features(
    key: CacheKey, cache_dir: str | Path | None, compute: Callable[[], FeatureSet | None]
) -> tuple[FeatureSet | None, bool]:
    """(features, hit): load ``key`` from ``cache_dir`` or run ``compute`` and store it. No dir = no cache."""
    if cache_dir is None:
        return compute(), False
    path = Path(cache_dir) / key.filename()
    fs = load_features(path, key)
    if fs is not None:
        return fs, True
    fs = compute()
    if fs is not None:  # None: a torchrun rank other than 0, which holds no merged features and writes nothing
        save_features(fs, path, key)
    return fs, False
