"""Shared fixtures: tiny random models registered in the zoo, small image folders, ../shared paths."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import timm
import torch
from PIL import Image

from intriguing.zoo.bundle import IMAGENET_MEAN, IMAGENET_STD, ZOO, ZooEntry

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
TINY_CONFIG = dict(
    input_size=(3, 64, 64),
    interpolation="bilinear",
    mean=IMAGENET_MEAN,
    std=IMAGENET_STD,
    crop_pct=0.875,
    crop_mode="center",
)
WNIDS = ["n01440764", "n02102040", "n02979186"]  # tench, springer, cassette player


def _tiny_vit(checkpoint, pretrained):
    torch.manual_seed(0)
    return timm.create_model(
        "vit_tiny_patch16_224", pretrained=False, img_size=64, embed_dim=64, depth=2, num_heads=2
    ).eval()


def _tiny_cnn(checkpoint, pretrained):
    torch.manual_seed(0)
    return timm.create_model("resnet10t", pretrained=False).eval()


for _name, _build in (("test_tiny_vit", _tiny_vit), ("test_tiny_cnn", _tiny_cnn)):
    if _name not in ZOO:
        ZOO.register(
            _name,
            ZooEntry(
                name=_name, build=_build, data_config=dict(TINY_CONFIG), description="test-only tiny random model"
            ),
        )


def shared_path(*parts: str) -> Path:
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"{p} is absent (the shared real-data folder is only on the project's machines)")
    return p


@pytest.fixture
def image_folder(tmp_path) -> Path:
    """3 ImageNet wnid folders x 4 random-noise JPEGs (varied sizes)."""
    rng = np.random.default_rng(0)
    root = tmp_path / "imgs"
    for w in WNIDS:
        (root / w).mkdir(parents=True)
        for i in range(4):
            arr = rng.integers(0, 255, size=(200 + 10 * i, 260, 3), dtype=np.uint8)
            Image.fromarray(arr).save(root / w / f"img_{i}.JPEG")
    return root


@pytest.fixture
def split_folder(tmp_path):
    """A transfer data set: train/ and val/ with 3 classes of distinct colours (6 train, 4 val images each)."""
    rng = np.random.default_rng(0)
    colours = {"red": (200, 30, 30), "green": (30, 200, 30), "blue": (30, 30, 200)}
    for split, n in (("train", 6), ("val", 4)):
        for name, rgb in colours.items():
            (tmp_path / "ds" / split / name).mkdir(parents=True)
            for i in range(n):
                arr = np.clip(np.array(rgb) + rng.normal(0, 20, (40, 40, 3)), 0, 255).astype(np.uint8)
                Image.fromarray(arr).save(tmp_path / "ds" / split / name / f"{i}.png")
    return tmp_path / "ds"


def pytest_collection_modifyitems(items):
    """``real_data`` and ``e2e`` follow from what a test uses (tests/auto_markers.py)."""
    import auto_markers

    auto_markers.apply(items)
