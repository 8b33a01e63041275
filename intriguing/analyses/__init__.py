"""Analysis registry: name -> module, imported only when that analysis runs.

An analysis module provides ``Config`` (a dataclass, the single home of its defaults),
``add_arguments(parser)``, ``make_config(args)``, ``run(config, bundles, images, run_dir, opts)``
returning new records, and ``report(records, out_dir)`` that prints a summary and draws plots.
Optional: ``DEFAULT_MODELS``, ``prepare_bundle(config, bundle)`` (e.g. paper-compat preprocessing).
"""
from __future__ import annotations

import importlib
from types import ModuleType

from ..registry import Registry

ANALYSES: Registry[str] = Registry("analysis")
ANALYSES.register("occlusion", "intriguing.analyses.occlusion")
ANALYSES.register("shuffle", "intriguing.analyses.shuffle")
ANALYSES.register("fourier", "intriguing.analyses.fourier")
ANALYSES.register("freq_noise", "intriguing.analyses.freq_noise")
ANALYSES.register("corruption", "intriguing.analyses.corruption")
ANALYSES.register("transfer", "intriguing.analyses.transfer")
ANALYSES.register("segmentation", "intriguing.analyses.segmentation")


def get_analysis(name: str) -> ModuleType:
    return importlib.import_module(ANALYSES.get(name))
