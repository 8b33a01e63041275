"""AdaIN style transfer (Huang & Belongie, ICCV 2017) as Geirhos et al. used it to make Stylized ImageNet.

The networks are built from a layer list so their module indices match the widely used PyTorch release
(naoto0804/pytorch-AdaIN: ``vgg_normalised.pth``, ``decoder.pth``, which bethgelab/stylize-datasets loads);
those files load strictly. No library ships AdaIN with these weights, hence this small module.
"""

from __future__ import annotations

from typing import Union

import torch
from torch import nn

# VGG-19 (normalised): a 1x1 colour conv, then 3x3 convs ('M' = 2x2 max-pool); the encoder stops at relu4_1.
VGG_LAYERS: list[Union[tuple[int, int], str]] = [
    (3, 64),
    (64, 64),
    "M",
    (64, 128),
    (128, 128),
    "M",
    (128, 256),
    (256, 256),
    (256, 256),
    (256, 256),
    "M",
    (256, 512),
    (512, 512),
    (512, 512),
    (512, 512),
    "M",
    (512, 512),
    (512, 512),
    (512, 512),
    (512, 512),
]
RELU4_1 = 31  # modules [0, 31) of the full VGG end at relu4_1
# The decoder mirrors the encoder up to relu4_1 ('U' = nearest 2x upsampling); its last conv has no ReLU.
DECODER_LAYERS: list[Union[tuple[int, int], str]] = [
    (512, 256),
    "U",
    (256, 256),
    (256, 256),
    (256, 256),
    (256, 128),
    "U",
    (128, 128),
    (128, 64),
    "U",
    (64, 64),
    (64, 3),
]


def _conv(cin: int, cout: int, relu: bool = True) -> list[nn.Module]:
    return [nn.ReflectionPad2d((1, 1, 1, 1)), nn.Conv2d(cin, cout, (3, 3))] + ([nn.ReLU()] if relu else [])


def vgg_normalised() -> nn.Sequential:
    """The full normalised VGG-19 of the release (53 modules); ``[:RELU4_1]`` is the encoder."""
    layers: list[nn.Module] = [nn.Conv2d(3, 3, (1, 1))]
    for spec in VGG_LAYERS:
        layers += [nn.MaxPool2d((2, 2), (2, 2), (0, 0), ceil_mode=True)] if spec == "M" else _conv(*spec)
    return nn.Sequential(*layers)


def decoder() -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, spec in enumerate(DECODER_LAYERS):
        last = i == len(DECODER_LAYERS) - 1
        layers += [nn.Upsample(scale_factor=2, mode="nearest")] if spec == "U" else _conv(*spec, relu=not last)
    return nn.Sequential(*layers)


def mean_std(feat: torch.Tensor, eps: float = 1e-5) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-image, per-channel mean and std (unbiased variance + eps, as the reference implementation)."""
    flat = feat.flatten(2)
    return flat.mean(2)[..., None, None], (flat.var(2) + eps).sqrt()[..., None, None]


def adain(content: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
    """Content features re-normalised to the style features' channel means and stds."""
    c_mean, c_std = mean_std(content)
    s_mean, s_std = mean_std(style)
    return (content - c_mean) / c_std * s_std + s_mean


class AdaIN(nn.Module):
    """encoder -> AdaIN (mixed with the content by ``alpha``) -> decoder, on [0, 1] images."""

    def __init__(self, vgg: nn.Sequential, dec: nn.Sequential) -> None:
        super().__init__()
        self.encoder, self.decoder = vgg[:RELU4_1], dec

    @torch.no_grad()
    def forward(self, content: torch.Tensor, style: torch.Tensor, alpha: float = 1.0) -> torch.Tensor:
        c, s = self.encoder(content), self.encoder(style)
        t = alpha * adain(c, s) + (1 - alpha) * c
        return self.decoder(t).clamp(0, 1)
