"""The model zoo's registry and the bundle every analysis receives.

A :class:`ZooEntry` describes a model that is not a plain timm name (the paper's checkpoints,
EfficientNet-Lite0 with packaged weights, CIFAR ResNets); any other name goes straight to timm.
A :class:`ModelBundle` is a loaded model plus the preprocessing it was trained with.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Optional

import torch
from torch import nn

from intriguing.device import channel_stats
from intriguing.registry import Registry

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class ZooEntry:
    """A registered model: ``build(checkpoint_or_None, pretrained)`` returns an eval-mode module."""

    name: str
    build: Callable[[Optional[str], bool], nn.Module]
    data_config: dict
    description: str
    url: Optional[str] = None  # where the weights are released
    filename: Optional[str] = None  # the file name expected in pretrained/


ZOO: Registry[ZooEntry] = Registry("model")


# (real path, size, mtime in ns, inode) -> sha256 of the whole file: a checkpoint is hashed once per process (a
# notebook calling intriguing.run again, several bundles of one file), and again as soon as it is rewritten
_HASHES: dict[tuple[str, int, int, int], str] = {}


def file_sha256(path: str) -> str:
    """The sha256 of the whole file (hex), cached by (path, size, mtime, inode)."""
    st = os.stat(path)
    key = (os.path.realpath(path), st.st_size, st.st_mtime_ns, st.st_ino)
    if key not in _HASHES:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 24), b""):
                h.update(chunk)
        _HASHES[key] = h.hexdigest()
    return _HASHES[key]


def file_identity(path: str) -> str:
    """name:size:sha256 of the whole file (its first 16 hex digits): weights rewritten in place (a fine-tuned head
    past the first MiB, same size) are other weights. A file of at most 1 MiB keeps the identity that older
    versions (which hashed the first MiB only) recorded."""
    return f"{os.path.basename(path)}:{os.path.getsize(path)}:{file_sha256(path)[:16]}"


def is_tnt(model: nn.Module) -> bool:
    """timm's TNT: its blocks take and return (pixel_embed, patch_embed), so it is no plain ViT (``is_vit`` is
    False: no ``patch_embed``); the token tools that support it (lesion, per-block, feature correlation) ask."""
    return hasattr(model, "pixel_embed") and hasattr(model, "pixel_pos") and hasattr(model, "blocks")


@dataclass
class ModelBundle:
    """A loaded model with its own preprocessing (timm's data config) and provenance."""

    name: str
    model: nn.Module
    data_config: dict
    source: str = ""
    extras: dict = field(default_factory=dict)
    channels_last: bool = False  # CNNs on CUDA: inputs are handed over in the weights' memory format

    @property
    def weights_id(self) -> str:
        """Which weights these are: a checkpoint file by name, size and a hash of the whole file; otherwise the
        source (hub id, URL, package, random init). Records are keyed by it, so other weights under the same
        model name are never mistaken for results already computed."""
        if "weights_id" not in self.extras:
            self.extras["weights_id"] = file_identity(self.source) if os.path.isfile(self.source) else self.source
        return self.extras["weights_id"]

    @property
    def label(self) -> str:
        """What this run calls the model in failures, the manifest and the files of its own: its name, or
        ``name [A.pth]`` when the same command also evaluates other weights under that name (set by the runner,
        :func:`intriguing.records.labels.model_labels`)."""
        return str(self.extras.get("label", self.name))

    @property
    def input_size(self) -> tuple[int, int]:
        return tuple(self.data_config["input_size"][1:])  # type: ignore[return-value]

    @property
    def patch_size(self) -> Optional[int]:
        """The ViT patch size (None for CNNs)."""
        pe = getattr(self.model, "patch_embed", None)
        ps = getattr(pe, "patch_size", None)
        if ps is None:
            return None
        return int(ps[0] if isinstance(ps, (tuple, list)) else ps)

    @property
    def is_vit(self) -> bool:
        return self.patch_size is not None and hasattr(self.model, "blocks")

    @property
    def is_tnt(self) -> bool:
        return is_tnt(self.model)

    @property
    def geometry(self) -> tuple:
        """What decides the decoded pixels: models sharing it share one decoded batch."""
        c = self.data_config
        return (
            tuple(c["input_size"]),
            round(float(c.get("crop_pct", 1.0)), 6),
            c.get("interpolation", "bicubic"),
            c.get("crop_mode", "center"),
        )

    def normalize(self, x01: torch.Tensor) -> torch.Tensor:
        """[0, 1] pixels -> the model's input space (its own mean / std)."""
        mean, std = channel_stats(self.data_config["mean"], self.data_config["std"], x01.device, x01.dtype)
        return (x01 - mean) / std

    def __call__(self, x01: torch.Tensor) -> torch.Tensor:
        """Logits for [0, 1] pixel input."""
        x = self.normalize(x01)
        return self.model(x.contiguous(memory_format=torch.channels_last) if self.channels_last else x)
