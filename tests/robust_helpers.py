"""Helpers of the robustness tests (adversarial, patch, validate): a small 10-class net whose logits move with the
input (a random ResNet's barely do, so attacks stall on it) and a folder of images it classifies correctly."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import nn

from conftest import TINY_CONFIG
from intriguing.data import imagenet_wnids, make_loader, scan_folder
from intriguing.zoo import load_model
from intriguing.zoo.bundle import ZOO, ZooEntry

NET = "test_small_net10"


def _small_net(checkpoint, pretrained):
    torch.manual_seed(3)
    net = nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(16, 32, 3, stride=2, padding=1),
        nn.ReLU(),
        nn.AdaptiveMaxPool2d(1),
        nn.Flatten(),
        nn.Linear(32, 10),
    )
    with torch.no_grad():
        net[-1].weight.mul_(10)  # logits spread like a trained model's (a fresh head predicts near-uniformly)
    return net.eval()


if NET not in ZOO:  # 16x16 inputs: an attack step costs microseconds
    ZOO.register(NET, ZooEntry(NET, _small_net, dict(TINY_CONFIG, input_size=(3, 16, 16)), "test-only"))


def predicted_images(root: Path, n: int = 12, seed: int = 1) -> Path:
    """``n`` noise images filed under the wnid of the net's own clean prediction (clean top-1 100%), in ``root``."""
    rng = np.random.default_rng(seed)
    raw = root.parent / f"{root.name}-raw" / imagenet_wnids()[0]
    raw.mkdir(parents=True)
    for i in range(n):
        Image.fromarray(rng.integers(0, 255, (24, 24, 3), dtype=np.uint8)).save(raw / f"img_{i:02d}.png")
    b = load_model(NET)
    images = scan_folder(raw.parent)
    batch = next(iter(make_loader(images, [b.geometry], len(images), 0)))
    with torch.inference_mode():
        pred = b(batch.views[b.geometry].float() / 255).argmax(1).tolist()
    for (path, _), p in zip(images.samples, pred):
        (root / imagenet_wnids()[p]).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, root / imagenet_wnids()[p])
    return root
