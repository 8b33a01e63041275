"""DINO: an official-layout DINO checkpoint loads through the zoo and its attention reads at 480 px."""

from __future__ import annotations

import timm
import torch

from intriguing.features.attention import patch_attention
from intriguing.zoo import load_model


def test_official_dino_checkpoint_file_and_480px_attention(tmp_path):
    # dino_deitsmall16_pretrain.pth is a bare backbone state dict (timm key names, no head)
    torch.manual_seed(0)
    backbone = timm.create_model("vit_small_patch16_224", pretrained=False, num_classes=0)
    path = tmp_path / "dino_deitsmall16_pretrain.pth"
    torch.save(backbone.state_dict(), path)
    bundle = load_model(f"vit_small_patch16_224.dino={path}")
    assert bundle.model.num_classes == 0 and bundle.source == str(path)
    assert all(torch.equal(bundle.model.state_dict()[k], v) for k, v in backbone.state_dict().items())
    x = bundle.normalize(torch.rand(1, 3, 480, 480))
    attn = patch_attention(bundle.model, x, block=0)  # block 0: the forward stops after one block
    assert attn.shape == (1, 6, 30, 30)
    assert torch.all(attn > 0) and torch.all(attn.sum((2, 3)) < 1)
