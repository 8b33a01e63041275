"""CIFAR-10 ResNet-20/32/44/56 (He et al. 2016, option-A shortcuts, 16/32/64 channels).

The architecture and key names match akamaster/pytorch_resnet_cifar10, whose released checkpoints
(``{"best_prec1", "state_dict"}`` with a ``module.`` prefix) load strictly. Inputs are 32x32 images in
[0, 1] normalised with ImageNet mean/std, as that repository trained them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from intriguing.zoo.weights import fetch_url, find_local, load_into, load_state_dict

if TYPE_CHECKING:  # zoo.py may import this module to register the entries
    from intriguing.zoo.bundle import ZooEntry

RELEASE_URL = "https://github.com/akamaster/pytorch_resnet_cifar10/raw/master/pretrained_models/{file}"
FILES = {20: "resnet20-12fca82f.th", 32: "resnet32-d509ac18.th", 44: "resnet44-014dd654.th", 56: "resnet56-4bfd9763.th"}
DATA_CONFIG = dict(
    input_size=(3, 32, 32),
    interpolation="bilinear",
    mean=(0.485, 0.456, 0.406),
    std=(0.229, 0.224, 0.225),
    crop_pct=1.0,
    crop_mode="center",
)


class LambdaLayer(nn.Module):
    """Parameter-free option-A shortcut: subsample by 2 and zero-pad the new channels."""

    def __init__(self, planes: int) -> None:
        super().__init__()
        self.pad = planes // 4

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad), "constant", 0)


class BasicBlock(nn.Module):
    """Two 3x3 conv-BN layers with an identity (or option-A) shortcut."""

    expansion = 1

    def __init__(self, in_planes: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut: nn.Module = nn.Sequential()
        if stride != 1 or in_planes != planes:
            self.shortcut = LambdaLayer(planes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class CifarResNet(nn.Module):
    """ResNet-(6n+2) for 32x32 inputs: conv stem, three stages of n blocks, global pool, linear."""

    def __init__(self, depth: int = 20, num_classes: int = 10) -> None:
        super().__init__()
        if (depth - 2) % 6:
            raise ValueError(f"CIFAR ResNet depth must be 6n+2, got {depth}")
        n = (depth - 2) // 6
        self.in_planes = 16
        self.conv1 = nn.Conv2d(3, 16, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.layer1 = self._make_layer(16, n, 1)
        self.layer2 = self._make_layer(32, n, 2)
        self.layer3 = self._make_layer(64, n, 2)
        self.linear = nn.Linear(64, num_classes)
        self.num_classes = num_classes
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Conv2d)):
                nn.init.kaiming_normal_(m.weight)

    def _make_layer(self, planes: int, n: int, stride: int) -> nn.Sequential:
        layers = []
        for s in [stride] + [1] * (n - 1):
            layers.append(BasicBlock(self.in_planes, planes, s))
            self.in_planes = planes
        return nn.Sequential(*layers)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        return self.layer3(self.layer2(self.layer1(out)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.forward_features(x)
        return self.linear(F.adaptive_avg_pool2d(out, 1).flatten(1))


def _builder(depth: int):
    name = f"cifar10_resnet{depth}"

    def build(checkpoint: Optional[str], pretrained: bool = True) -> nn.Module:
        model = CifarResNet(depth)
        if checkpoint is None and not pretrained:
            return model.eval()
        path = checkpoint or find_local(name, FILES[depth]) or fetch_url(name, RELEASE_URL.format(file=FILES[depth]))
        sd = load_state_dict(path)
        for key, value in model.state_dict().items():  # the 2018 checkpoints predate BN's counters
            if key.endswith("num_batches_tracked"):
                sd.setdefault(key, value)
        load_into(model, sd, name, str(path))  # UserError when the tensors do not fit
        return model.eval()

    return build


def zoo_entries() -> list[ZooEntry]:
    """ZooEntry for cifar10_resnet20/32/44/56 (input 3x32x32, crop_pct 1.0, ImageNet mean/std)."""
    from intriguing.zoo.bundle import ZooEntry

    return [
        ZooEntry(
            name=f"cifar10_resnet{d}",
            build=_builder(d),
            data_config=dict(DATA_CONFIG),
            description=f"CIFAR-10 ResNet-{d} (He et al. 2016, option A), akamaster/pytorch_resnet_cifar10",
            url=RELEASE_URL.format(file=FILES[d]),
            filename=FILES[d],
        )
        for d in sorted(FILES)
    ]
