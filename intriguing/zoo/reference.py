"""The reference models trained in this repository and shipped inside the package (``intriguing/zoo/reference/``).

Each is an fp16 safetensors file plus a model card (``<name>.md``: recipe, exact command, data, epochs, wall time,
device, val top-1/top-5, sha256); ``index.json`` lists them with what rebuilds them (a timm name and its build
arguments, the training classes, the data config). They load offline, strictly, with no download, and are checked
against their recorded sha256 first. Trained on the 10 Imagenette classes (ImageNet wnids), they score 1000-way
like every model trained by ``intriguing train`` (:func:`intriguing.zoo.trained.expand_to_imagenet`), so any
ImageNet-style folder of those classes is scored as usual. ``NAME=random`` is the same architecture at random init
(the paper's trained-vs-random comparisons).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

from torch import nn

from intriguing.errors import UserError

FOLDER = Path(__file__).resolve().parent / "reference"
INDEX = FOLDER / "index.json"


@lru_cache(maxsize=1)
def index() -> dict[str, dict[str, Any]]:
    """name -> entry (arch, kwargs, classes, data_config, file, sha256, val_top1, val_top5, ...)."""
    if not INDEX.is_file():
        return {}
    return json.loads(INDEX.read_text())["models"]


def _architecture(entry: dict[str, Any]) -> tuple[nn.Module, list[int]]:
    import timm

    from intriguing.data import imagenet_wnids

    model = timm.create_model(entry["arch"], pretrained=False, **entry["kwargs"])
    wnids = {w: i for i, w in enumerate(imagenet_wnids())}
    return model, [wnids[c] for c in entry["classes"]]


def build(name: str, checkpoint: Optional[str], pretrained: bool) -> nn.Module:
    """The model ``name``: the shipped weights, a file in the same format (``NAME=PATH``), or random init."""
    from safetensors.torch import load_file

    from intriguing.zoo.bundle import file_sha256
    from intriguing.zoo.trained import expand_to_imagenet
    from intriguing.zoo.weights import load_into, load_state_dict

    entry = index()[name]
    model, indices = _architecture(entry)
    if checkpoint:
        load_into(model, {k: v.float() for k, v in load_state_dict(checkpoint).items()}, name, checkpoint)
    elif pretrained:
        path = FOLDER / entry["file"]
        if not path.is_file() or file_sha256(str(path)) != entry["sha256"]:
            raise UserError(
                f"The packaged weights of {name} ({path}) are missing or damaged (sha256 differs from "
                f"its model card): reinstall the package."
            )
        load_into(model, {k: v.float() for k, v in load_file(str(path)).items()}, name, str(path))
    return expand_to_imagenet(model, indices).eval()


def register() -> None:
    """Put every shipped reference model in the zoo (reads the small index only; weights load on use)."""
    from intriguing.zoo.bundle import ZOO, ZooEntry

    for name, entry in index().items():
        config = dict(entry["data_config"])
        config["input_size"] = tuple(config["input_size"])
        what = (
            f"{entry['title']}; trained here on Imagenette ({len(entry['classes'])} classes, "
            f"{config['input_size'][1]} px): val top-1 {entry['val_top1']:.1f}%"
        )
        ZOO.register(
            name,
            ZooEntry(
                name=name, build=lambda ckpt, pre, _n=name: build(_n, ckpt, pre), data_config=config, description=what
            ),
        )
