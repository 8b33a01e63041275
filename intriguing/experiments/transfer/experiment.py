"""The Experiment class of ``intriguing transfer`` (its summary and accepted common options are registered
in :mod:`intriguing.experiments`)."""

from __future__ import annotations

import logging
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from intriguing.experiments.base import Experiment
from intriguing.experiments.transfer import modes
from intriguing.experiments.transfer.config import DEFAULT_CACHE, IMAGENET, Config, ignored_options
from intriguing.experiments.transfer.extract import dataset_root
from intriguing.experiments.transfer.report import report as report_records
from intriguing.experiments.transfer.schema import SCHEMA

log = logging.getLogger(__name__)


class TransferExperiment(Experiment[Config]):
    name = "transfer"
    Config = Config
    schema = SCHEMA

    def load_data(self) -> tuple[Any, dict[str, Any]]:
        """Datasets are opened per mode inside ``run``; here only check that a transfer dataset has a path."""
        c, path = self.config, self.common.data_path
        if not path and any(d != IMAGENET for d in c.datasets):
            dataset_root(None, next(d for d in c.datasets if d != IMAGENET))  # raises: says what to pass
        return (path, self.common.limit), {"names": list(c.datasets), "root": path, "limit": self.common.limit}

    def out_name(self) -> str:
        return f"transfer_{self.config.mode.replace('-', '_')}"

    def identity(self) -> list[str]:
        return [f.name for f in fields(self.config) if f.name not in ("cache_dir", "download")]

    def manifest_extras(self) -> dict[str, Any]:
        return {
            "mode": self.config.mode,
            "protocol": "paper-compat: max test accuracy over epochs"
            if self.config.paper_compat
            else "hyper-parameters and epoch chosen on a validation split of train; test evaluated once",
        }

    def run(self, bundles, data, run_dir, opts):
        """Every model on every dataset of the configured mode; ``data`` is ``load_data``'s (path, limit)."""
        config = self.config
        if config.cache_dir == DEFAULT_CACHE:  # beside the results folder, wherever --out-dir puts it
            config = replace(config, cache_dir=str(Path(run_dir.path).parent / "feature_cache"))
        if opts.dist.is_main:
            run_dir.write_manifest(feature_cache=config.cache_dir or "off")
            log.info(f"transfer: feature cache {config.cache_dir or 'off (--cache-dir empty)'}")
            for line in ignored_options(config):
                log.warning(line)
        data_path, limit = data
        failed: dict[str, str] = {}
        records: list[dict] = []
        for dataset in config.datasets:
            if config.mode == "per-block" and dataset == IMAGENET:
                new, bad = modes.per_block_head(config, bundles, run_dir, opts, data_path, limit)
            else:
                new, bad = modes.run_transfer(config, dataset, bundles, run_dir, opts, data_path, limit)
            records += new
            failed.update(bad)
        return records, failed

    @classmethod
    def report(cls, records: list[dict], out_dir: Any, plot: bool = True) -> str:
        return report_records(records, out_dir, plot)
