"""intriguing: a toolkit for probing what vision transformers really do.

Reproduces and extends the experiments of *Intriguing Properties of Vision Transformers*
(Naseer et al., NeurIPS 2021) and *How Do Vision Transformers Work?* (Park & Kim, ICLR 2022).
Importing the package does no work: models and data load only when an experiment runs.

    import intriguing
    records = intriguing.run("occlusion", models="efficientnet_lite0", data_path="val", limit=50)
"""

from __future__ import annotations

from typing import Any

__version__ = "0.2.0"


def run(experiment: str, **options: Any) -> list[dict]:
    """Run ``experiment`` (a name from ``intriguing --help``) with keyword options; returns its records."""
    from intriguing.runner import run as _run

    return _run(experiment, **options)


def run_result(experiment: str, **options: Any) -> Any:
    """As :func:`run`, but returns a ``RunResult`` (records, failed models, folder, summary) instead of raising."""
    from intriguing.runner import run_result as _run_result

    return _run_result(experiment, **options)
