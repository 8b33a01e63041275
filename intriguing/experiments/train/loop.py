"""The training loop: DeiT's recipe from timm's parts, checkpointed every epoch, resumed exactly.

Exact resume: every epoch re-seeds torch / numpy / random and the data order from (seed, epoch), and the
checkpoint at the end of an epoch holds model, optimizer, scheduler and EMA state; so stopping after epoch k and
resuming gives the same weights, bit for bit, as an uninterrupted run (tested). Checkpoints hold tensors and plain
values only and load with ``weights_only=True``.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from pathlib import Path
from typing import Optional

import numpy as np
import torch
from timm.data import Mixup
from timm.loss import LabelSmoothingCrossEntropy, SoftTargetCrossEntropy
from timm.optim import create_optimizer_v2
from timm.scheduler import create_scheduler_v2
from timm.utils import ModelEmaV3, dispatch_clip_grad
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DistributedSampler

from intriguing.data import ImageSet
from intriguing.device import autocast, channel_stats
from intriguing.distributed import Context
from intriguing.engine.progress import counted
from intriguing.errors import UserError
from intriguing.experiments.train.config import Config
from intriguing.experiments.train.data import TrainSet, train_transform
from intriguing.experiments.train.distill import distillation_loss
from intriguing.seeding import derive_seed
from intriguing.zoo import ModelBundle
from intriguing.zoo.weights import first_paragraph, refused_object

CHECKPOINT = "last.pth"


def seed_epoch(seed: int, epoch: int) -> torch.Generator:
    """Seed every RNG the step touches from (seed, epoch); returns the data-order generator."""
    s = derive_seed(seed, "train-epoch", epoch)
    torch.manual_seed(s)
    random.seed(s)
    np.random.seed(s % 2**32)
    return torch.Generator().manual_seed(derive_seed(seed, "train-order", epoch))


def _seed_worker(_: int) -> None:  # DataLoader seeds torch and random per worker; numpy too, from the same seed
    np.random.seed(torch.initial_seed() % 2**32)


def is_distilled(model: torch.nn.Module) -> bool:
    """timm's DeiT with a distillation token (VisionTransformerDistilled)."""
    return hasattr(model, "set_distilled_training") and getattr(model, "head_dist", None) is not None


class Trainer:
    """One student: optimizer, schedule, EMA, loss and teacher, trained epoch by epoch."""

    def __init__(
        self,
        config: Config,
        bundle: ModelBundle,
        train: ImageSet,
        folder: Path,
        device: torch.device,
        precision: str,
        batch_size: int,
        workers: int,
        teacher: Optional[ModelBundle] = None,
        teacher_index: Optional[torch.Tensor] = None,
        dist: Context = Context(),
    ) -> None:
        self.c, self.bundle, self.folder, self.dist = config, bundle, folder, dist
        self.device, self.precision, self.batch_size, self.workers = device, precision, batch_size, workers
        self.model = bundle.model.to(device)
        # torchrun: every rank holds a replica; DDP averages the gradients (batch_size is per rank)
        self.net = (
            DistributedDataParallel(self.model, device_ids=[device.index] if device.type == "cuda" else None)
            if dist.active
            else self.model
        )
        self.dataset = TrainSet(
            train, train_transform(bundle.data_config, config.no_aug, config.auto_augment, config.reprob)
        )
        self.mixup = (
            Mixup(
                mixup_alpha=config.mixup,
                cutmix_alpha=config.cutmix,
                label_smoothing=config.smoothing,
                num_classes=train.num_classes,
            )
            if config.mixing
            else None
        )
        lr = config.lr if config.lr is not None else 5e-4 * batch_size / 512  # DeiT's linear scaling rule
        self.optimizer = create_optimizer_v2(self.model, "adamw", lr=lr, weight_decay=config.weight_decay)
        self.scheduler, _ = create_scheduler_v2(
            self.optimizer,
            "cosine",
            num_epochs=config.epochs,
            warmup_epochs=config.warmup_epochs,
            min_lr=config.min_lr,
            warmup_lr=1e-6,
            step_on_epochs=False,
            updates_per_epoch=self.steps_per_epoch,
        )
        self.ema = ModelEmaV3(self.model, decay=config.ema_decay) if config.ema else None
        self.teacher, self.teacher_index = teacher, teacher_index
        if is_distilled(self.model):
            self.model.set_distilled_training(teacher is not None)
        self.epoch, self.updates = 0, 0

    @property
    def steps_per_epoch(self) -> int:
        per_rank = -(-len(self.dataset) // self.dist.world)
        n = per_rank // self.batch_size if self.mixup else -(-per_rank // self.batch_size)
        return max(1, n)

    def criterion(self) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
        if self.mixup:
            return SoftTargetCrossEntropy()  # Mixup/CutMix give (smoothed) soft targets
        return LabelSmoothingCrossEntropy(self.c.smoothing) if self.c.smoothing > 0 else torch.nn.CrossEntropyLoss()

    def loader(self, epoch: int) -> torch.utils.data.DataLoader:
        order = seed_epoch(self.c.seed, epoch)
        sampler = None
        if self.dist.active:  # each rank its share of a permutation seeded by (seed, epoch)
            sampler = DistributedSampler(
                self.dataset,
                self.dist.world,
                self.dist.rank,
                shuffle=True,
                seed=derive_seed(self.c.seed, "train-order") % (1 << 31),
            )
            sampler.set_epoch(epoch)
        return torch.utils.data.DataLoader(
            self.dataset,
            batch_size=self.batch_size,
            shuffle=sampler is None,
            sampler=sampler,
            generator=order,
            num_workers=self.workers,
            worker_init_fn=_seed_worker,
            drop_last=self.mixup is not None and len(self.dataset) >= self.batch_size,
            pin_memory=self.device.type == "cuda",
        )

    def teacher_logits(self, x: torch.Tensor) -> torch.Tensor:
        """The teacher sees the student's (augmented) images in [0, 1], with its own normalisation and size."""
        mean, std = channel_stats(
            self.bundle.data_config["mean"], self.bundle.data_config["std"], x.device, torch.float32
        )  # built once, not a waiting host copy per step
        x01 = (x.float() * std + mean).clamp(0, 1)
        size = (self.c.teacher_img_size,) * 2 if self.c.teacher_img_size else tuple(self.teacher.input_size)
        if tuple(x01.shape[-2:]) != size:
            x01 = torch.nn.functional.interpolate(x01, size=size, mode="bilinear", antialias=True, align_corners=False)
        with torch.no_grad():
            logits = self.teacher(x01).float()
        return logits if self.teacher_index is None else logits.index_select(1, self.teacher_index)

    def loss(self, x: torch.Tensor, out, y: torch.Tensor, base) -> torch.Tensor:
        if self.teacher is None:
            return base(out, y)
        return distillation_loss(
            base,
            out,
            y,
            self.teacher_logits(x),
            self.c.distillation,
            self.c.distillation_alpha,
            self.c.distillation_tau,
        )

    def step(self, x: torch.Tensor, y: torch.Tensor, base) -> torch.Tensor:
        """One optimisation step on a batch (Mixup/CutMix, loss, clipping, schedule, EMA); returns the loss, on the
        device (reading it here would make the GPU finish the step before Python queues the next one)."""
        x, y = x.to(self.device, non_blocking=True), y.to(self.device, non_blocking=True)
        if self.mixup:
            if x.shape[0] % 2:  # timm's Mixup asserts it; a user can fix it, so it is a sentence, not a traceback
                raise UserError(
                    f"Mixup / CutMix pair the images of a batch, and this batch holds {x.shape[0]} (odd): "
                    f"use an even --batch-size with at least that many training images per process, or "
                    f"--mixup 0 --cutmix 0."
                )
            x, y = self.mixup(x, y)
        with autocast(self.device, self.precision):
            loss = self.loss(x, self.net(x), y, base)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if self.c.clip_grad is not None:
            dispatch_clip_grad(self.model.parameters(), self.c.clip_grad)
        self.optimizer.step()
        self.updates += 1
        self.scheduler.step_update(num_updates=self.updates)
        if self.ema is not None:
            self.ema.update(self.model, step=self.updates)
        return loss.detach().float()

    def train_epoch(self, progress: bool = False) -> float:
        """One epoch; returns the mean training loss."""
        self.model.train()
        base, total, count = self.criterion(), torch.zeros((), device=self.device), 0
        dl = self.loader(self.epoch)
        images = len(dl) * dl.batch_size if dl.drop_last else len(dl.sampler)  # this rank's share
        for x, y in counted(dl, images, lambda b: len(b[0]), f"epoch {self.epoch + 1}", "img", progress):
            total, count = total + self.step(x, y, base) * len(x), count + len(x)  # summed on the device
        self.epoch += 1
        self.scheduler.step(self.epoch)
        return float(total) / max(count, 1)  # the epoch's one read of the loss

    @property
    def lr(self) -> float:
        return float(self.optimizer.param_groups[0]["lr"])

    # ---- checkpoints ------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        return {
            "epoch": self.epoch,
            "updates": self.updates,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "ema": self.ema.state_dict() if self.ema is not None else None,
        }

    def save(self) -> Path:
        path = self.folder / CHECKPOINT
        if not self.dist.is_main:  # replicas are identical: rank 0 writes
            return path
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        torch.save(self.state_dict(), tmp)
        os.replace(tmp, path)  # a crash mid-write never leaves a half checkpoint
        return path

    def resume(self) -> bool:
        """Load the last checkpoint if there is one; True when training continues from it."""
        path = self.folder / CHECKPOINT
        if not path.is_file():
            return False
        try:
            state = torch.load(path, map_location=self.device, weights_only=True)
        except Exception as e:  # truncated (a full disk, a copy cut short), damaged, or a pickled object: never run
            refused = refused_object(e)
            why = (
                f"holds a Python object that is never loaded ({refused})"
                if refused
                else f"cannot be read ({type(e).__name__}: {first_paragraph(e).splitlines()[0]})"
            )
            raise UserError(
                f"Training checkpoint {path} {why}: delete it to train this model from the start (or "
                f"choose another --out-dir)."
            ) from None
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        if self.ema is not None and state["ema"] is not None:
            self.ema.load_state_dict(state["ema"])
        self.epoch, self.updates = int(state["epoch"]), int(state["updates"])
        return True


def eval_heads(model: torch.nn.Module) -> list[str]:
    """What is scored: the class head, and for a distilled model its distillation head and their average."""
    return ["cls", "dist", "avg"] if is_distilled(model) else ["cls"]


def head_logits(model: torch.nn.Module, x: torch.Tensor, head: str) -> torch.Tensor:
    """Logits of one head (timm's forward_head of a distilled DeiT returns only the average in eval mode)."""
    if not is_distilled(model):
        return model(x)
    feats = model.forward_features(x)
    cls, dist = model.head(feats[:, 0]), model.head_dist(feats[:, 1])
    return {"cls": cls, "dist": dist, "avg": (cls + dist) / 2}[head]
