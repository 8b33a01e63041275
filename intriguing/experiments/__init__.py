"""Analysis registry: name -> module, imported only when that analysis runs.

An analysis module provides ``Config`` (a dataclass, the single home of its defaults),
``add_arguments(parser)``, ``make_config(args)``, ``run(config, bundles, images, run_dir, opts)``
returning new records, and ``report(records, out_dir)`` that prints a summary and draws plots.
Optional: ``DEFAULT_MODELS``, ``prepare_bundle(config, bundle)`` (e.g. paper-compat preprocessing).
"""
from __future__ import annotations

import importlib
from types import ModuleType

from intriguing.registry import Registry

ANALYSES: Registry[str] = Registry("analysis")
ANALYSES.register("occlusion", "intriguing.experiments.occlusion.sweep")
ANALYSES.register("shuffle", "intriguing.experiments.shuffle.sweep")
ANALYSES.register("fourier", "intriguing.experiments.fourier.sweep")
ANALYSES.register("freq_noise", "intriguing.experiments.freq_noise.sweep")
ANALYSES.register("corruption", "intriguing.experiments.corruption.sweep")
ANALYSES.register("transfer", "intriguing.experiments.transfer.config")
ANALYSES.register("segmentation", "intriguing.experiments.segmentation.sweep")


def get_analysis(name: str) -> ModuleType:
    return importlib.import_module(ANALYSES.get(name))
