"""The student (built with the training folder's number of classes) and the distillation teacher."""

from __future__ import annotations

from typing import Optional

import timm
import torch
from timm.data import resolve_data_config

from intriguing.data import ImageSet, imagenet_wnids
from intriguing.errors import UserError
from intriguing.experiments.train.config import Config
from intriguing.zoo import ZOO, ModelBundle, load_model, parse_spec


def make_student(bundle: ModelBundle, num_classes: int, config: Config) -> ModelBundle:
    """A trainable model with an N-way head. timm architectures are built anew here (stochastic depth, input
    size, N classes) and take the loaded weights except the classifier; zoo entries get a new classifier."""
    name, source = parse_spec(bundle.name if "=" in bundle.name else f"{bundle.name}={bundle.source}")
    if name in ZOO:
        model = bundle.model
        model.reset_classifier(num_classes)
        build = {"builder": "zoo", "arch": name, "kwargs": {}}
    else:
        kwargs = {**config.build_kwargs(), "num_classes": num_classes, "drop_path_rate": config.drop_path}
        try:  # ViTs are built for --img-size; CNNs take any input size and have no such argument
            model = timm.create_model(
                name, pretrained=False, **kwargs, **({"img_size": config.img_size} if config.img_size else {})
            )
            kwargs.update({"img_size": config.img_size} if config.img_size else {})
        except TypeError as e:
            if not config.img_size or "img_size" not in str(e):  # a wrong --model-kwargs key: say which
                raise UserError(f"{name} does not take these build arguments ({e}); check --model-kwargs.") from None
            try:
                model = timm.create_model(name, pretrained=False, **kwargs)
            except TypeError as e2:
                raise UserError(f"{name} does not take these build arguments ({e2}); check --model-kwargs.") from None
        if source != "random":  # start from the checkpoint, classifier excluded (its class count differs)
            own = model.state_dict()
            weights = {k: v for k, v in bundle.model.state_dict().items() if k in own and own[k].shape == v.shape}
            model.load_state_dict(weights, strict=False)
        build = {"builder": "timm", "arch": name, "kwargs": {k: v for k, v in kwargs.items() if k != "drop_path_rate"}}
    for p in model.parameters():
        p.requires_grad_(True)
    data_config = resolve_data_config({}, model=model) if build["builder"] == "timm" else dict(bundle.data_config)
    if config.img_size:  # the pretrained config still names the architecture's default size
        data_config["input_size"] = (3, config.img_size, config.img_size)
    return ModelBundle(bundle.name, model, data_config, bundle.source, extras={"build": build})


def load_teacher(config: Config, train: ImageSet, device: torch.device) -> tuple[ModelBundle, Optional[torch.Tensor]]:
    """The frozen teacher, and the columns of its logits that are the training classes (None: all of them)."""
    teacher = load_model(config.teacher, device=device)
    n = getattr(teacher.model, "num_classes", None)
    if n == len(train.classes):
        return teacher, None
    wnids = {w: i for i, w in enumerate(imagenet_wnids())}
    if n == len(wnids) and all(c in wnids for c in train.classes):  # an ImageNet teacher for a wnid subset
        return teacher, torch.tensor([wnids[c] for c in train.classes], device=device)
    raise UserError(
        f"Teacher {config.teacher} predicts {n} classes; the training folder has {len(train.classes)} "
        f"(an ImageNet teacher works with ImageNet wnid class folders)."
    )
