"""``intriguing corruption``: accuracy and mCE under ImageNet-C corruptions (on the fly or pre-rendered sets)."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from intriguing.experiments.base import Experiment
from intriguing.experiments.corruption.config import Config


class CorruptionExperiment(Experiment[Config]):
    name = "corruption"
    summary = "ImageNet-C corruptions: accuracy and mCE, on the fly or from pre-rendered sets"
    Config = Config
    #: the largest label of a pre-rendered CIFAR-C set (checked against each model's classes)
    top_label: Optional[int] = None

    def load_data(self) -> Tuple[Any, Dict[str, Any]]:
        """The clean folder, and a pre-rendered set checked before anything runs (layout, every requested file's
        shape and dtype, the labels)."""
        from intriguing.corruptions.folders import check_cifar_c, detect_layout, imagenet_c_folders
        data = super().load_data()
        path = self.config.corrupted_path
        if path and detect_layout(path) == "cifar-c":
            labels = check_cifar_c(path, self.config.corruptions)
            self.top_label = int(labels.max()) if labels.size else None
        elif path:
            imagenet_c_folders(path, self.config.corruptions, self.config.severities)
        return data

    def prepare_model(self, bundle: Any) -> Any:
        """A CIFAR-C label the model cannot predict would score 0% without a word: that model is refused."""
        from intriguing.errors import UserError
        n = getattr(bundle.model, "num_classes", None)
        if self.top_label is not None and n is not None and self.top_label >= n:
            raise UserError(f"{self.config.corrupted_path}/labels.npy holds label {self.top_label}, outside "
                            f"{bundle.name}'s {n} classes (0-{n - 1}); use the labels of the set the model was "
                            f"trained on.")
        return bundle

    def run(self, bundles, data, run_dir, opts):
        from intriguing.experiments.corruption.sweep import run
        return run(self.config, bundles, data, run_dir, opts)

    @classmethod
    def report(cls, records: List[dict], out_dir: Any, plot: bool = True) -> str:
        from intriguing.experiments.corruption.report import report
        return report(records, out_dir, plot)
