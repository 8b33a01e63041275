"""Tiny random-init TNT and T2T-ViT registered in the zoo for the token-tool tests (64 px, 2 blocks: seconds on CPU).

``test_tiny_tnt`` is timm's TNT (blocks called as ``blk(pixel_embed, patch_embed)``); ``test_tiny_t2t`` is the zoo's
T2T-ViT. Both have 16-px patches on a 4x4 grid, one class token, 1000 classes. Mechanics only.
"""

from __future__ import annotations

import timm
import torch

from conftest import TINY_CONFIG
from intriguing.zoo.bundle import ZOO, ZooEntry
from intriguing.zoo.t2t_vit import T2TViT


def _tiny_tnt(checkpoint, pretrained):
    torch.manual_seed(0)
    return timm.create_model(
        "tnt_s_patch16_224",
        pretrained=False,
        img_size=64,
        embed_dim=64,
        inner_dim=16,
        depth=2,
        num_heads_outer=2,
        num_heads_inner=2,
    ).eval()


def _tiny_t2t(checkpoint, pretrained):
    torch.manual_seed(0)
    return T2TViT(embed_dim=64, depth=2, heads=2, img_size=64).eval()


for _name, _build in (("test_tiny_tnt", _tiny_tnt), ("test_tiny_t2t", _tiny_t2t)):
    if _name not in ZOO:
        ZOO.register(
            _name,
            ZooEntry(
                name=_name, build=_build, data_config=dict(TINY_CONFIG), description="test-only tiny random model"
            ),
        )
