"""``intriguing train`` (train.py): supervised training of timm models with DeiT's recipe from timm's parts.

Models are trained from scratch by default (``NAME`` means ``NAME=random``; ``NAME=PATH`` starts from a
checkpoint), with a head for the training folder's classes. ``--teacher`` + ``--distillation soft|hard`` train a
distilled DeiT's distillation token on the teacher (the paper's *shape token* with a SIN-trained CNN teacher).
"""
from __future__ import annotations

from typing import Any, Dict, List, Tuple

from intriguing.experiments.base import Experiment
from intriguing.experiments.train.config import Config
from intriguing.options import COMMON_ALL


class TrainExperiment(Experiment[Config]):
    name = "train"
    summary = "train timm models (DeiT recipe, distillation token), checkpoint and resume every epoch"
    Config = Config
    accepts = COMMON_ALL - {"runs", "metrics", "paper_compat", "per_image", "compile"}  # compiled state dicts differ
    uses_labels = False  # the head is rebuilt for the training folder's classes

    @classmethod
    def parser_defaults(cls) -> Dict[str, Any]:
        return {"models": "deit_tiny_patch16_224", "batch_size": 64}

    def expand_models(self, models: str) -> str:
        """Train from scratch unless a checkpoint is named: NAME -> NAME=random."""
        return ",".join(m if "=" in m else f"{m.strip()}=random" for m in models.split(",") if m.strip())

    def load_data(self) -> Tuple[Any, Dict[str, Any]]:
        from intriguing.errors import UserError
        from intriguing.experiments.train.data import check_same_classes, folder_labels
        if not self.common.data_path:
            raise UserError("Pass the training folder with --data-path (DATA_PATH in scripts/train.sh).")
        train = folder_labels(self.common.data_path, self.common.limit)
        val = folder_labels(self.config.val_path, self.common.limit) if self.config.val_path else None
        if val is not None:
            check_same_classes(train, val)
        self.classes = train.classes
        return (train, val), {"root": train.root, "images": len(train), "classes": len(train.classes),
                              "val": val.root if val else None, "val_images": len(val) if val else 0}

    def identity(self) -> List[str]:
        return [n for n in super().identity() if n != "register_as"]

    def prepare_model(self, bundle: Any) -> Any:
        from intriguing.experiments.train.student import make_student
        return make_student(bundle, len(self.classes), self.config)

    def run(self, bundles, data, run_dir, opts):
        from intriguing.experiments.train.student import load_teacher
        from intriguing.experiments.train.sweep import train_all
        train, val = data
        teacher, index = load_teacher(self.config, train, opts.device) if self.config.teacher else (None, None)
        return train_all(self.config, bundles, train, val, run_dir, opts, teacher, index)

    @classmethod
    def report(cls, records: List[dict], out_dir: Any, plot: bool = True) -> str:
        from intriguing.experiments.train.sweep import report
        return report(records, out_dir, plot)
