"""``intriguing train``'s run: per model, epochs of training, a validation pass through the engine after each,
records per epoch (train loss and lr; val top-1/top-5 per head), the final model saved for the zoo."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Optional

import torch

from intriguing.data import ImageSet
from intriguing.distributed import barrier
from intriguing.engine import MODEL_ERRORS, EngineOptions, Output, Sweep, model_failed, run_sweep
from intriguing.experiments.train.conditions import Validation
from intriguing.experiments.train.config import Config
from intriguing.experiments.train.loop import Trainer, eval_heads, head_logits
from intriguing.plots.lines import line_plot
from intriguing.records import format_table, read_manifest, summarize
from intriguing.zoo import ModelBundle
from intriguing.zoo.trained import save_trained

log = logging.getLogger(__name__)


class ValidationSweep(Sweep[Validation]):
    """Condition = (epoch, head, params): every head of the model (and its EMA copy) on the validation set."""

    def __init__(self, epoch: int, params: str) -> None:
        self.epoch, self.params = epoch, params

    def conditions(self, bundle: ModelBundle) -> list[Validation]:
        return [Validation(self.epoch, h, self.params) for h in eval_heads(bundle.model)]

    def evaluate(self, bundle: ModelBundle, cond: Validation, x01: torch.Tensor, batch) -> Output:
        x = self.once("normalized", lambda: bundle.normalize(x01))
        return Output(head_logits(bundle.model, x, cond.head))


def safe_name(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name).strip("_")


def validate(trainer: Trainer, val: ImageSet, run_dir, opts: EngineOptions) -> dict[str, str]:
    """Score the model (and its EMA) on ``val`` through the engine; recorded epochs are skipped on resume."""
    failed: dict[str, str] = {}
    models = [("model", trainer.model)] + ([("ema", trainer.ema.module)] if trainer.ema is not None else [])
    for params, module in models:
        module.eval()
        bundle = ModelBundle(
            trainer.bundle.name,
            module,
            trainer.bundle.data_config,
            trainer.bundle.source,
            extras={"label": trainer.bundle.label},
        )
        _, bad = run_sweep(ValidationSweep(trainer.epoch, params), [bundle], val, run_dir, opts)
        failed.update(bad)
    trainer.model.train()
    return failed


def train_all(
    config: Config,
    bundles: Sequence[ModelBundle],
    train: ImageSet,
    val: Optional[ImageSet],
    run_dir,
    opts: EngineOptions,
    teacher: Optional[ModelBundle],
    teacher_index: Optional[torch.Tensor],
):
    """Train every model; one model's error fails that model only."""
    records: list[dict] = []
    failed: dict[str, str] = {}
    for bundle in bundles:
        folder = Path(run_dir.path) / safe_name(bundle.label)  # the name, unless other weights share it
        try:
            trainer = Trainer(
                config,
                bundle,
                train,
                folder,
                opts.device,
                opts.precision,
                opts.batch_size,
                opts.workers,
                teacher,
                teacher_index,
                opts.dist,
            )
            if trainer.resume():
                log.info(f"{bundle.label}: resumed after epoch {trainer.epoch} from {folder}")
            while trainer.epoch < config.epochs:
                loss = trainer.train_epoch(opts.progress and opts.dist.is_main)
                trainer.save()
                barrier(opts.dist)  # every rank resumes from the same checkpoint
                row = {
                    "model": bundle.name,
                    "weights": bundle.weights_id,
                    "split": "train",
                    "epoch": trainer.epoch,
                    "loss": loss,
                    "lr": trainer.lr,
                }
                run_dir.append_records([row])
                records.append(row)
                if val is not None:
                    failed.update(validate(trainer, val, run_dir, opts))
            if not opts.dist.is_main:
                continue
            final = save_trained(folder / "model.pth", trainer.model, bundle, train.classes, config.register_as)
            log.info(
                f"{bundle.label}: final weights in {final}"
                + (f" (also loadable as {config.register_as!r})" if config.register_as else "")
            )
        except MODEL_ERRORS as e:
            model_failed(failed, bundle, e, run_dir)
    return records, failed


def data_title(out_dir, split: str) -> str:
    """'\n<folder>, N training images' (or the validation folder's) from the manifest, for the plot titles; empty
    where no manifest says (``intriguing report`` of several folders into another)."""
    data = read_manifest(out_dir).get("dataset", {})
    root, n = (data.get("root"), data.get("images")) if split == "train" else (data.get("val"), data.get("val_images"))
    if not root:
        return ""
    where = "/".join(Path(str(root)).parts[-2:])
    return "\n" + (f"{where}, {n} {'training' if split == 'train' else 'validation'} images" if n else where)


def report(records: list[dict], out_dir, plot: bool = True) -> str:
    """Per model: the last epoch's loss and validation top-1 per head, and the training curves."""
    train = [r for r in records if r.get("split") == "train"]
    val = [r for r in records if r.get("split") == "val"]
    lines = []
    if train:
        last = max(int(r["epoch"]) for r in train)
        lines.append(
            format_table(
                summarize([r for r in train if int(r["epoch"]) == last], ["model", "epoch"], ["loss"]),
                ["model", "epoch"],
                ["loss"],
            )
        )
    if val:
        last = max(int(r["epoch"]) for r in val)
        rows = summarize(
            [r for r in val if int(r["epoch"]) == last], ["model", "params", "head", "epoch"], ["top1", "top5"]
        )
        lines.append(format_table(rows, ["model", "params", "head", "epoch"], ["top1", "top5"]))
    if plot and train:
        path = line_plot(
            train,
            "epoch",
            "loss",
            ["model"],
            Path(out_dir) / "train_loss.png",
            "epoch",
            "training loss",
            f"Training loss{data_title(out_dir, 'train')}",
        )
        lines.append(f"plot: {path}")
    if plot and val:
        path = line_plot(
            val,
            "epoch",
            "top1",
            ["model", "params", "head"],
            Path(out_dir) / "val_top1.png",
            "epoch",
            "validation top-1 (%)",
            f"Validation accuracy per epoch{data_title(out_dir, 'val')}",
        )
        lines.append(f"plot: {path}")
    return "\n\n".join(lines)
