"""The Experiment class of ``intriguing train`` (its summary and accepted common options are registered
in :mod:`intriguing.experiments`)."""

from __future__ import annotations

from typing import Any

from intriguing.errors import UserError
from intriguing.experiments.base import Experiment
from intriguing.experiments.train.config import Config
from intriguing.experiments.train.data import check_same_classes, folder_labels
from intriguing.experiments.train.schema import SCHEMA
from intriguing.experiments.train.student import load_teacher, make_student
from intriguing.experiments.train.sweep import report as report_records
from intriguing.experiments.train.sweep import train_all


class TrainExperiment(Experiment[Config]):
    name = "train"
    Config = Config
    schema = SCHEMA
    uses_labels = False  # the head is rebuilt for the training folder's classes
    teacher: tuple[Any, Any] = (None, None)  # (the distillation teacher, its logits' columns of the classes)

    @classmethod
    def parser_defaults(cls) -> dict[str, Any]:
        return {"models": "deit_tiny_patch16_224", "batch_size": 64}

    def expand_models(self, models: str) -> str:
        """Train from scratch unless a checkpoint is named: NAME -> NAME=random."""
        return ",".join(m if "=" in m else f"{m.strip()}=random" for m in models.split(",") if m.strip())

    def load_data(self) -> tuple[Any, dict[str, Any]]:
        if not self.common.data_path:
            raise UserError("Pass the training folder with --data-path (DATA_PATH in scripts/train.sh).")
        train = folder_labels(self.common.data_path, self.common.limit)
        val = folder_labels(self.config.val_path, self.common.limit) if self.config.val_path else None
        if val is not None:
            check_same_classes(train, val)
        self.classes = train.classes
        return (train, val), {
            "root": train.root,
            "images": len(train),
            "classes": len(train.classes),
            "val": val.root if val else None,
            "val_images": len(val) if val else 0,
        }

    def identity(self) -> list[str]:
        return [n for n in super().identity() if n != "register_as"]

    def prepare_run(self, data: Any, device: Any) -> None:
        if self.config.teacher:  # a missing teacher, or one of other classes, is refused before any folder exists
            self.teacher = load_teacher(self.config, data[0], device)

    def prepare_model(self, bundle: Any) -> Any:
        return make_student(bundle, len(self.classes), self.config)

    def run(self, bundles, data, run_dir, opts):
        train, val = data
        return train_all(self.config, bundles, train, val, run_dir, opts, *self.teacher)

    @classmethod
    def report(cls, records: list[dict], out_dir: Any, plot: bool = True) -> str:
        return report_records(records, out_dir, plot)
