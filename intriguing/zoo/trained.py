"""Models trained by ``intriguing train``: saved with what rebuilds them, loaded by path or registered name.

A trained file holds the architecture (a timm name, or a zoo entry), its build arguments, the class names,
the data config and the state dict — tensors and plain values only, so it loads with ``weights_only=True``
and strictly. ``NAME=path/model.pth`` loads one by path; ``--register-as NAME`` also writes
``pretrained/NAME.pth`` so that plain ``NAME`` works. A model trained on ImageNet wnid folders (e.g. the 10
Imagenette classes) scores in the 1000-way ImageNet label space: its head is widened to 1000 rows, its own rows at
its classes' indices and every other class a constant very low logit, so any ImageNet-style folder of those
classes is scored as usual (top-1/top-5 and softmax are those of the N-way model).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, Optional

import torch
from torch import nn

FORMAT = "intriguing-trained-v1"
ABSENT = -1e4  # logit of the classes a subset model never predicts: exp() underflows to 0 even in fp16


def expand_to_imagenet(model: nn.Module, indices: list[int], total: int = 1000) -> nn.Module:
    """Give a model trained on some ImageNet classes 1000-way linear heads: its rows at their ImageNet indices,
    every other class a zero row with bias ``ABSENT``. The model stays a plain timm model (blocks, attention and
    every per-block tool keep working). Heads that are not ``nn.Linear`` are left as they are."""
    index = torch.tensor(indices, dtype=torch.long)
    for attr in ("head", "head_dist", "fc", "classifier"):
        old = getattr(model, attr, None)
        if not isinstance(old, nn.Linear):
            continue
        new = nn.Linear(old.in_features, total)
        with torch.no_grad():
            new.weight.zero_()
            new.bias.fill_(ABSENT)
            new.weight.index_copy_(0, index, old.weight)
            new.bias.index_copy_(0, index, old.bias if old.bias is not None else torch.zeros(len(indices)))
        setattr(model, attr, new)
    if hasattr(model, "num_classes"):
        model.num_classes = total
    return model


def save_trained(path: Path, model: nn.Module, bundle: Any, classes: list[str], register_as: Optional[str]) -> Path:
    """Write the final model (eval-ready) and, with ``register_as``, a copy under ``pretrained/``."""
    from intriguing.zoo.weights import pretrained_dir

    build = bundle.extras.get("build", {"builder": "zoo", "arch": bundle.name, "kwargs": {}})
    state = {
        "format": FORMAT,
        "builder": build["builder"],
        "arch": build["arch"],
        "kwargs": build["kwargs"],
        "classes": list(classes),
        "data_config": _plain(bundle.data_config),
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
    }
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)
    if register_as:
        target = pretrained_dir() / f"{register_as}.pth"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return path


def _plain(config: dict[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in config.items()}


def read_trained(path: str | Path) -> Optional[dict]:
    """The file's contents if it is a trained-model file, else None (other checkpoints are the loader's)."""
    p = Path(path)
    if not p.is_file():
        return None
    try:
        state = torch.load(p, map_location="cpu", weights_only=True, mmap=True)
    except Exception:  # noqa: BLE001 - not ours (or unreadable): the regular loader reports it
        return None
    return state if isinstance(state, dict) and state.get("format") == FORMAT else None


def registered(name: str) -> Optional[Path]:
    """``pretrained/NAME.pth`` when it is a trained-model file."""
    from intriguing.zoo.weights import pretrained_dir

    p = pretrained_dir() / f"{name}.pth"
    return p if read_trained(p) is not None else None


def build_trained(state: dict) -> tuple[nn.Module, dict[str, Any]]:
    """The model (strictly loaded, eval mode) and its data config."""
    import timm

    from intriguing.data import imagenet_wnids
    from intriguing.zoo.bundle import ZOO

    n = len(state["classes"])
    if state["builder"] == "timm":
        model = timm.create_model(state["arch"], pretrained=False, **state["kwargs"])
    else:
        model = ZOO.get(state["arch"]).build(None, False)
        model.reset_classifier(n)
    model.load_state_dict(state["state_dict"], strict=True)
    wnids = {w: i for i, w in enumerate(imagenet_wnids())}
    if n < len(wnids) and all(c in wnids for c in state["classes"]):
        model = expand_to_imagenet(model, [wnids[c] for c in state["classes"]])
    config = dict(state["data_config"])
    config["input_size"] = tuple(config["input_size"])
    return model.eval(), config
