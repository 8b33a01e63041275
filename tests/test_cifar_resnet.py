"""CIFAR-10 ResNets: architecture, strict loading of the real checkpoints, clean accuracy on real images."""

import numpy as np
import pytest
import torch
from PIL import Image

from conftest import SHARED  # noqa: E402  (one definition, in conftest.py)
from intriguing.errors import UserError
from intriguing.zoo.cifar_resnet import FILES, CifarResNet, zoo_entries

WEIGHTS = SHARED / "weights" / "cifar10-resnet"
CIFAR = SHARED / "datasets" / "cifar10" / "test"
needs_shared = pytest.mark.skipif(not WEIGHTS.is_dir() or not CIFAR.is_dir(), reason="../shared CIFAR-10 data absent")


def test_architecture_sizes():
    for depth, params in ((20, 0.27e6), (56, 0.85e6)):
        m = CifarResNet(depth)
        n = sum(p.numel() for p in m.parameters())
        assert abs(n - params) / params < 0.03  # He et al.: 0.27M / 0.85M
    assert CifarResNet(20)(torch.randn(2, 3, 32, 32)).shape == (2, 10)
    with pytest.raises(ValueError):
        CifarResNet(21)


def test_zoo_entries():
    entries = zoo_entries()
    assert [e.name for e in entries] == ["cifar10_resnet20", "cifar10_resnet32", "cifar10_resnet44", "cifar10_resnet56"]
    cfg = entries[0].data_config
    assert cfg["input_size"] == (3, 32, 32) and cfg["crop_pct"] == 1.0 and cfg["mean"][0] == 0.485
    assert not entries[0].build(None, False).training  # random init, eval mode, no file needed


def _batch(n_per_class=15):
    xs, ys = [], []
    for label, cls in enumerate(sorted(p.name for p in CIFAR.iterdir())):
        for path in sorted((CIFAR / cls).iterdir())[:n_per_class]:
            xs.append(torch.from_numpy(np.array(Image.open(path).convert("RGB"))).permute(2, 0, 1).float() / 255)
            ys.append(label)
    return torch.stack(xs), torch.tensor(ys)


@needs_shared
def test_real_checkpoints_load_and_classify():
    x, y = _batch()
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    for entry in zoo_entries():
        depth = int(entry.name.rsplit("resnet", 1)[1])
        model = entry.build(str(WEIGHTS / FILES[depth]), True)
        with torch.no_grad():
            acc = float((model((x - mean) / std).argmax(1) == y).float().mean())
        assert 0.72 <= acc <= 0.92, (entry.name, acc)  # ~81-83% on these JPEG re-encodings


@needs_shared
def test_checkpoint_that_does_not_fit_is_a_user_error():
    build32 = zoo_entries()[1].build
    with pytest.raises(UserError, match="does not fit model 'cifar10_resnet32'"):
        build32(str(WEIGHTS / FILES[20]), True)
