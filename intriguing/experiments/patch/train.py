"""Learning one universal patch for one (model, area): Adam on the patch's pixels, random placement per image.

Each step draws ``train_batch`` training images (with replacement, seeded by (seed, model, area, step)) and places
the patch at a seeded random spot in each; the loss pushes the model away from the true class (untargeted) or
towards ``--target-class``. Gradients are fp32 outside inference mode (:func:`intriguing.attacks.attack_mode`).
Written here: torchattacks has no universal patch attack.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from intriguing.attacks import attack_mode
from intriguing.attacks.patch import paste_patch, patch_positions, patch_side
from intriguing.data import ImageSet, make_loader
from intriguing.errors import UserError
from intriguing.seeding import generator
from intriguing.zoo import ModelBundle


def patch_file(folder: Path, model: str, area: float) -> Path:
    """``<folder>/<model>__area<area>.pt`` (the model name made file-safe)."""
    return Path(folder) / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', model)}__area{area:g}.pt"


def learn_patch(
    bundle: ModelBundle,
    train: ImageSet,
    area: float,
    steps: int,
    batch: int,
    lr: float,
    target: Optional[int],
    seed: int,
    workers: int,
    device: torch.device,
    progress: bool = True,
) -> torch.Tensor:
    """The learned (3, s, s) patch in [0, 1] for ``bundle`` at ``area`` of its input size."""
    size = tuple(bundle.input_size)
    side = patch_side(area, size)
    patch = torch.rand(3, side, side, generator=generator(seed, "patch-init", bundle.name, area)).to(device)
    picks = torch.randint(len(train), (steps * batch,), generator=generator(seed, "patch-train", bundle.name, area))
    drawn = ImageSet(
        train.root, [train.samples[int(i)] for i in picks], train.classes, train.label_space, train.num_classes
    )
    loader = make_loader(drawn, [bundle.geometry], batch, workers)
    with attack_mode(device):
        patch.requires_grad_(True)
        opt = torch.optim.Adam([patch], lr=lr)
        for step, b in enumerate(
            tqdm(loader, total=len(loader), disable=not progress, unit="step", desc=f"patch {bundle.name} {area:g}")
        ):
            if not len(b):
                continue
            x = b.views[bundle.geometry].to(device).float().div_(255)
            pos = patch_positions(b.indices, side, size, seed, "patch-train", bundle.name, area, step)
            logits = bundle(paste_patch(x, patch, pos)).float()
            if target is None:
                loss = -F.cross_entropy(logits, b.labels.to(device))  # away from the true class
            else:
                loss = F.cross_entropy(logits, torch.full_like(b.labels, target).to(device))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            with torch.no_grad():
                patch.clamp_(0, 1)
    return patch.detach()


def save_patch(path: Path, patch: torch.Tensor, info: dict) -> None:
    """The tensor file (patch + what it is) and a PNG beside it."""
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"patch": patch.detach().cpu(), **info}, path)
    arr = (patch.detach().cpu().clamp(0, 1) * 255).round().to(torch.uint8).permute(1, 2, 0).numpy()
    Image.fromarray(arr).save(path.with_suffix(".png"))


def load_patch(path: Path) -> dict:
    """A saved patch file (``weights_only``: a tensor and plain values, never code)."""
    if not path.is_file():
        raise UserError(
            f"No saved patch {path}; train it with --train-path or point --load-patches at the folder that holds it."
        )
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # a damaged or foreign file
        raise UserError(f"{path} is not a patch file written by `intriguing patch` ({type(e).__name__}).") from None
    if not isinstance(state, dict) or not isinstance(state.get("patch"), torch.Tensor) or state["patch"].ndim != 3:
        raise UserError(f"{path} holds no (3, s, s) patch tensor.")
    return state
