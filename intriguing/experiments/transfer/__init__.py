"""``intriguing transfer`` (classify_metadataset.py): off-the-shelf transfer of frozen backbones.

Modes: ``linear`` (linear probe on cached CLS-token features of block sets), ``fewshot`` (seeded N-way K-shot
episodes), ``per-block`` (every block's class token with the model's own head, or a probe per block).
Sub-modules: ``config`` (options), ``datasets``/``layouts`` (transfer datasets on disk), ``features``/``extract``/
``cache`` (per-block features, fp16 cache), ``probe``, ``fewshot``, ``per_block``, ``modes`` (the runs), ``report``.
"""
from __future__ import annotations

import sys
from dataclasses import fields, replace
from pathlib import Path
from typing import Any, Dict, List, Tuple

from intriguing.experiments.base import Experiment
from intriguing.experiments.transfer.config import DEFAULT_CACHE, IMAGENET, Config, ignored_options


class TransferExperiment(Experiment[Config]):
    name = "transfer"
    summary = "off-the-shelf transfer: linear probe, few-shot, per-block accuracy of frozen backbones"
    Config = Config

    def load_data(self) -> Tuple[Any, Dict[str, Any]]:
        """Datasets are opened per mode inside ``run``; here only check that a transfer dataset has a path."""
        c, path = self.config, self.common.data_path
        if not path and any(d != IMAGENET for d in c.datasets):
            from intriguing.experiments.transfer.extract import dataset_root
            dataset_root(None, next(d for d in c.datasets if d != IMAGENET))  # raises: says what to pass
        return (path, self.common.limit), {"names": list(c.datasets), "root": path, "limit": self.common.limit}

    def out_name(self) -> str:
        return f"transfer_{self.config.mode.replace('-', '_')}"

    def identity(self) -> List[str]:
        return [f.name for f in fields(self.config) if f.name not in ("cache_dir", "download")]

    def manifest_extras(self) -> Dict[str, Any]:
        return {"mode": self.config.mode,
                "protocol": "paper-compat: max test accuracy over epochs" if self.config.paper_compat else
                "hyper-parameters and epoch chosen on a validation split of train; test evaluated once"}

    def run(self, bundles, data, run_dir, opts):
        """Every model on every dataset of the configured mode; ``data`` is ``load_data``'s (path, limit)."""
        from intriguing.experiments.transfer import modes
        config = self.config
        if config.cache_dir == DEFAULT_CACHE:  # beside the results folder, wherever --out-dir puts it
            config = replace(config, cache_dir=str(Path(run_dir.path).parent / "feature_cache"))
        if opts.dist.is_main:
            run_dir.write_manifest(feature_cache=config.cache_dir or "off")
            print(f"transfer: feature cache {config.cache_dir or 'off (--cache-dir empty)'}", file=sys.stderr)
            for line in ignored_options(config):
                print(f"warning: {line}", file=sys.stderr)
        data_path, limit = data
        failed: Dict[str, str] = {}
        records: List[dict] = []
        for dataset in config.datasets:
            if config.mode == "per-block" and dataset == IMAGENET:
                new, bad = modes.per_block_head(config, bundles, run_dir, opts, data_path, limit)
            else:
                new, bad = modes.run_transfer(config, dataset, bundles, run_dir, opts, data_path, limit)
            records += new
            failed.update(bad)
        return records, failed

    @classmethod
    def report(cls, records: List[dict], out_dir: Any, plot: bool = True) -> str:
        from intriguing.experiments.transfer.report import report
        return report(records, out_dir, plot)
