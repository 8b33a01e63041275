"""Options of ``intriguing train``: the DeiT recipe built from timm's parts (the single home of its defaults)."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any, Optional

from intriguing.errors import UserError
from intriguing.options import check_declared, option

DISTILLATION = ("none", "soft", "hard")


@dataclass
class Config:
    val_path: Optional[str] = option(None, "ImageNet-style validation folder scored after every epoch (same classes)")
    epochs: int = option(300, "training epochs (DeiT: 300)", within="[1, inf)")
    lr: Optional[float] = option(
        None, "peak AdamW learning rate (default: DeiT's 5e-4 x batch size / 512)", within="(0, inf)"
    )
    weight_decay: float = option(0.05, "AdamW weight decay (not on biases and norms)", within="[0, inf)")
    warmup_epochs: int = option(5, "linear warm-up epochs before the cosine decay", within="[0, inf)")
    min_lr: float = option(1e-5, "learning rate at the end of the cosine decay", within="[0, inf)")
    smoothing: float = option(0.1, "label smoothing", within="[0, 1)")
    mixup: float = option(0.8, "Mixup alpha (0: off)", within="[0, inf)")
    cutmix: float = option(1.0, "CutMix alpha (0: off)", within="[0, inf)")
    auto_augment: str = option("rand-m9-mstd0.5-inc1", "timm RandAugment policy ('' : off)")
    reprob: float = option(0.25, "random-erasing probability", within="[0, 1]")
    drop_path: float = option(0.1, "stochastic depth rate (models built here)", within="[0, 1)")
    clip_grad: Optional[float] = option(None, "clip the gradient norm to this value", within="(0, inf)")
    ema: bool = option(False, "keep an exponential moving average of the weights (scored too)")
    ema_decay: float = option(0.99996, "EMA decay per step", within="[0, 1]")
    no_aug: bool = option(False, "no augmentation, no Mixup/CutMix, no smoothing (the paper trained on SIN so)")
    img_size: Optional[int] = option(
        None, "input size of models built here (default: the model's own)", within="[1, inf)"
    )
    model_kwargs: tuple[str, ...] = option(
        (),
        "build arguments of timm models built here, KEY=VALUE ... (as timm's train.py: e.g. patch_size=8 depth=6)",
        metavar="KEY=VALUE",
    )
    teacher: Optional[str] = option(None, "teacher model spec for the distillation token (e.g. a SIN-trained ResNet)")
    distillation: str = option(
        "none", "DeiT distillation: soft (KL, temperature) or hard (teacher argmax)", choices=DISTILLATION
    )
    distillation_alpha: float = option(0.5, "weight of the distillation loss (DeiT: 0.5)", within="[0, 1]")
    distillation_tau: float = option(1.0, "soft distillation temperature", within="(0, inf)")
    teacher_img_size: Optional[int] = option(
        None,
        "input size the teacher sees the student's images at (default: the teacher's own; smaller is cheaper on a CPU)",
        within="[16, inf)",
    )
    register_as: Optional[str] = option(None, "also save the final model as pretrained/NAME.pth, loadable as NAME")
    # filled from the common options
    seed: int = 0

    def __post_init__(self) -> None:
        check_declared(self)
        if (self.distillation == "none") != (self.teacher is None):
            raise UserError("Distillation needs both --teacher MODEL and --distillation soft|hard.")
        self.build_kwargs()  # syntax checked before any folder or model is touched
        if self.no_aug:
            self.mixup = self.cutmix = self.smoothing = self.reprob = 0.0
            self.auto_augment = ""

    def build_kwargs(self) -> dict[str, Any]:
        """``--model-kwargs`` as a dict; values are Python literals where they parse (8, 0.1, True), else strings."""
        out: dict[str, Any] = {}
        for item in self.model_kwargs:
            key, sep, raw = str(item).partition("=")
            if not sep or not key.strip().isidentifier():
                raise UserError(f"--model-kwargs takes KEY=VALUE items (e.g. patch_size=8); got {item!r}.")
            try:
                out[key.strip()] = ast.literal_eval(raw.strip())
            except (ValueError, SyntaxError):
                out[key.strip()] = raw.strip()
        return out

    @property
    def mixing(self) -> bool:
        return self.mixup > 0 or self.cutmix > 0
