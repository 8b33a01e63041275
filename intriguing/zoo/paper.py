"""The checkpoints released with *Intriguing Properties of Vision Transformers* (Naseer et al., 2021).

The architecture is read from the tensors, not the name: patch size and width from the patch
embedding, depth from the block keys, the grid from the position embedding, a distillation
("shape") token from ``dist_token``, and no positional encoding when ``pos_embed`` is absent.
Heads are not stored in a checkpoint; DeiT's head width of 64 gives them (T: 3, S: 6, B: 12).
"""

from __future__ import annotations

import math
from typing import Optional

from timm.models.deit import VisionTransformerDistilled
from timm.models.vision_transformer import VisionTransformer
from torch import nn

from intriguing.errors import UserError
from intriguing.zoo.bundle import IMAGENET_MEAN, IMAGENET_STD, ZOO, ZooEntry
from intriguing.zoo.weights import fetch_url, find_local, load_into, load_state_dict

RELEASE_URL = (
    "https://github.com/Muzammal-Naseer/Intriguing-Properties-of-Vision-Transformers/releases/download/v0/{name}.pth"
)

PAPER_MODELS = {
    "deit_t_sin": "DeiT-T trained on Stylized ImageNet (shape-biased)",
    "deit_t_sin_dist": "DeiT-T trained on SIN with a distilled shape token",
    "deit_s_sin": "DeiT-S trained on Stylized ImageNet (shape-biased)",
    "deit_s_sin_dist": "DeiT-S trained on SIN with a distilled shape token",
    "no_pos_deit_t": "DeiT-T trained without positional encoding",
    "patch_22_deit_t": "DeiT-T with 22x22 patches",
    "patch_28_deit_t": "DeiT-T with 28x28 patches",
    "patch_32_deit_t": "DeiT-T with 32x32 patches",
    "patch_38_deit_t": "DeiT-T with 38x38 patches",
}

# DeiT's evaluation: bicubic Resize(256) + CenterCrop(224), ImageNet statistics.
DEIT_DATA_CONFIG = dict(
    input_size=(3, 224, 224),
    interpolation="bicubic",
    mean=IMAGENET_MEAN,
    std=IMAGENET_STD,
    crop_pct=0.875,
    crop_mode="center",
)

HEAD_DIM = 64


def vit_from_state_dict(sd: dict, img_size: int = 224) -> nn.Module:
    """Build the timm ViT (plain, distilled or position-free) that ``sd`` describes."""
    if "patch_embed.proj.weight" not in sd or "head.weight" not in sd:
        raise UserError("Checkpoint is not a ViT/DeiT state dict (no patch_embed.proj.weight / head.weight).")
    embed_dim, _, patch, _ = sd["patch_embed.proj.weight"].shape
    depth = 1 + max(int(k.split(".")[1]) for k in sd if k.startswith("blocks."))
    distilled = "dist_token" in sd
    prefix = 2 if distilled else 1
    kwargs = dict(
        patch_size=int(patch),
        embed_dim=int(embed_dim),
        depth=depth,
        num_heads=max(1, int(embed_dim) // HEAD_DIM),
        mlp_ratio=sd["blocks.0.mlp.fc1.weight"].shape[0] / embed_dim,
        qkv_bias="blocks.0.attn.qkv.bias" in sd,
        num_classes=int(sd["head.weight"].shape[0]),
    )
    if "pos_embed" in sd:
        grid = math.isqrt(sd["pos_embed"].shape[1] - prefix)
        # patch sizes that do not divide 224 (22, 28 is fine, 38) still take 224 px input: the conv floors
        kwargs["img_size"] = img_size if img_size // patch == grid else grid * int(patch)
    else:
        kwargs["img_size"] = img_size
        kwargs["pos_embed"] = "none"
    cls = VisionTransformerDistilled if distilled else VisionTransformer
    return cls(**kwargs)


def _builder(name: str):
    def build(checkpoint: Optional[str], pretrained: bool) -> nn.Module:
        if checkpoint is None and not pretrained:
            raise UserError(
                f"{name} is defined by its checkpoint's tensors; random init needs a checkpoint "
                f"for its shape (use deit_tiny_patch16_224=random for a random DeiT-T)."
            )
        path = checkpoint or find_local(name, f"{name}.pth") or fetch_url(name, RELEASE_URL.format(name=name))
        sd = load_state_dict(path)
        model = vit_from_state_dict(sd)
        if pretrained:
            load_into(model, sd, name, str(path))
        return model.eval()

    return build


def register() -> None:
    for name, desc in PAPER_MODELS.items():
        ZOO.register(
            name,
            ZooEntry(
                name=name,
                build=_builder(name),
                data_config=dict(DEIT_DATA_CONFIG),
                description=desc,
                url=RELEASE_URL.format(name=name),
                filename=f"{name}.pth",
            ),
        )
