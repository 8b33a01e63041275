"""Run one experiment end to end: the library call behind every command.

    import intriguing
    records = intriguing.run("occlusion", models="deit_tiny_patch16_224,efficientnet_lite0",
                             data_path="imagenet/val", limit=100, ratios=(0.0, 0.5))

parses nothing: keyword arguments fill the experiment's config dataclass and :class:`CommonOptions`.
The CLI (:mod:`intriguing.cli.main`) is a thin layer that builds the same two objects from flags.
Diagnostics are records of the ``intriguing`` logger; this module configures no logging (the CLI does, a program
calling ``run`` decides itself: ``logging.basicConfig(level=logging.INFO)`` shows what the CLI shows).
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Optional

from intriguing.errors import UserError
from intriguing.experiments.base import Experiment
from intriguing.options import LOGGING, CommonOptions

log = logging.getLogger(__name__)

#: configuration keys of the common options that must match to resume a folder
COMMON_IDENTITY = ["data_path", "limit", "seed", "runs", "metrics", "paper_compat"]


@dataclass
class RunResult:
    """What a run returns: every record of its folder, the models that failed, where it wrote."""

    records: list[dict]
    failed: dict[str, str]
    out_dir: str
    summary: str = ""
    new_records: list[dict] = field(default_factory=list)
    #: failed models whose reason was logged when it happened (at load or during the run, on this process): the
    #: closing lines only name them
    announced: list[str] = field(default_factory=list)


def _check_labels(bundle: Any, images: Any) -> None:
    n = getattr(bundle.model, "num_classes", None)
    if n is not None and n != images.num_classes:
        raise UserError(
            f"Model {bundle.name} predicts {n} classes but {images.root} is scored "
            f"{images.num_classes}-way ({images.label_space})."
        )


def load_bundles(
    specs: Sequence[str], device: Any, prepare: Any = None, images: Any = None, seed: int = 0, run_dir: Any = None
) -> tuple[list, dict[str, str]]:
    """Load each model once; a model that cannot be loaded is reported (its traceback kept in ``run_dir``) and the
    rest still run. Several weights under one model name are several models, each labelled by its weights
    (:attr:`ModelBundle.label`); the same weights given twice are evaluated once."""
    from intriguing.records.labels import model_labels
    from intriguing.zoo import load_model

    loaded, failed = [], {}
    for spec in specs:
        try:
            b = load_model(spec, device=device, seed=seed)
            if images is not None:
                _check_labels(b, images)
            loaded.append((spec, b))
        except UserError as e:
            failed[spec] = str(e)
            if run_dir is not None:
                run_dir.keep_failure(spec, e)
            log.error(str(e))
    labels = model_labels((b.name, b.weights_id) for _, b in loaded)
    bundles, seen = [], {}
    for spec, b in loaded:
        if (b.name, b.weights_id) in seen:
            log.info(f"{spec} holds the same weights as {seen[b.name, b.weights_id]}; evaluated once.")
            continue
        seen[b.name, b.weights_id] = spec
        label = labels.get((b.name, b.weights_id), b.name)
        if label != b.name:
            b.extras["label"] = label
        try:
            ready = prepare(b) if prepare else b
        except UserError as e:
            failed[label] = str(e)
            if run_dir is not None:
                run_dir.keep_failure(label, e)
            log.error(str(e))
            continue
        if label != ready.name:  # a prepared bundle may be a new one (e.g. train's student)
            ready.extras["label"] = label
        bundles.append(ready)
        log.debug(f"loaded {label} (source {ready.source}, weights {ready.weights_id})")
    return bundles, failed


def fast_path(bundle: Any, device: Any, compile: bool = False) -> Any:
    """GPU speed without changing results: channels_last weights (and inputs, see ModelBundle) for CNNs on CUDA,
    channels_last patch embeddings for ViTs,
    and optionally ``torch.compile``. Token-level ViT paths (token drop, per-block readouts) call submodules
    directly and are not compiled."""
    import torch

    if device.type == "cuda" and not bundle.is_vit:
        bundle.model = bundle.model.to(memory_format=torch.channels_last)
        bundle.channels_last = True
    elif device.type == "cuda" and isinstance(
        getattr(getattr(bundle.model, "patch_embed", None), "proj", None), torch.nn.Conv2d
    ):
        # a ViT's patch embedding in channels_last picks a much faster bf16 kernel (measured 5% of a DeiT-S forward)
        bundle.model.patch_embed.proj.to(memory_format=torch.channels_last)
    if compile:
        bundle.model = torch.compile(bundle.model)
    return bundle


def data_identity(command: str, data: Any, dataset: dict[str, Any]) -> dict[str, Any]:
    """What an interrupted pass's state must match besides the configuration: the command, the data set as the
    manifest describes it and, for a folder of images, a digest of its (path, label) list (a file added, removed
    or renamed under the same ``--data-path`` is other data)."""
    import hashlib
    import json

    from intriguing.data import ImageSet

    out: dict[str, Any] = {"command": command, **json.loads(json.dumps(dataset, default=str))}
    if isinstance(data, ImageSet):
        root = data.root.rstrip("/") + "/"
        listing = json.dumps([[p[len(root) :] if p.startswith(root) else p, y] for p, y in data.samples])
        out["files"] = hashlib.sha256(listing.encode()).hexdigest()[:16]
    return out


def make_experiment(name: str, common: dict[str, Any], config: dict[str, Any]) -> Experiment:
    """Build the experiment ``name`` from option values (flat name -> value mappings)."""
    from intriguing.experiments import experiment_info, get_experiment
    from intriguing.options import build

    cls = get_experiment(name)
    refused = sorted(k for k in common if k not in experiment_info(name).accepts)
    if refused:
        flags = ", ".join("--" + k.replace("_", "-") for k in refused)
        raise UserError(f"`intriguing {name}` does not take {flags}.")
    values = {**cls.parser_defaults(), **common}
    return cls(build(cls.Config, {**values, **config}), build(CommonOptions, values))


def execute(exp: Experiment) -> RunResult:
    """Load data and models, run, write records / manifest / summary / plots. Raises UserError on bad input.

    Under torchrun every rank runs this; rank 0 owns the results folder, the others only read it."""
    import torch

    from intriguing import distributed
    from intriguing.data import ImageSet
    from intriguing.device import resolve_device
    from intriguing.records import RunDir
    from intriguing.zoo import resolve_model_specs

    c = exp.common
    ctx = distributed.from_env()
    owns_group = not distributed.initialized()  # a group a caller opened (intriguing reproduce) outlives this run
    device = distributed.setup(ctx, resolve_device(c.device))
    torch.manual_seed(c.seed)
    specs = resolve_model_specs(exp.expand_models(c.models)) if exp.uses_models else []
    data, dataset = exp.load_data()
    exp.prepare_run(data, device)  # a shared model that cannot be used is refused before any folder is made
    if "real" in (m.strip() for m in c.metrics.split(",")) and isinstance(data, ImageSet):  # before any folder
        from intriguing.annotations.real import check_real

        check_real([path for path, _ in data.samples], data.label_space == "imagenet-1k", data.root)
    out_dir = c.out_dir or os.path.join("results", exp.out_name())
    common = {
        k: getattr(c, k)
        for k in (
            "models",
            "data_path",
            "limit",
            "seed",
            "runs",
            "metrics",
            "paper_compat",
            "batch_size",
            "workers",
            "device",
            "precision",
        )
    }
    config = {**common, **asdict(exp.config)}
    identity, data_id = exp.identity() + COMMON_IDENTITY, data_identity(exp.name, data, dataset)
    if ctx.is_main:
        run_dir = RunDir(out_dir, config, identity=identity, overwrite=c.overwrite, data=data_id, schema=exp.schema)
    distributed.barrier(ctx)  # rank 0 has checked and opened the folder
    if not ctx.is_main:
        run_dir = RunDir(
            out_dir, config, identity=identity, follower=True, data=data_id, schema=exp.schema, rank=ctx.rank
        )
    try:
        return _execute(exp, ctx, device, specs, data, dataset, run_dir)
    finally:
        run_dir.close()
        if owns_group:
            distributed.teardown(ctx)


def _execute(
    exp: Experiment, ctx: Any, device: Any, specs: list[str], data: Any, dataset: dict[str, Any], run_dir: Any
) -> RunResult:
    import torch

    from intriguing import distributed
    from intriguing.data import ImageSet
    from intriguing.engine import EngineOptions
    from intriguing.experiments import experiment_info
    from intriguing.records.labels import label_records

    c = exp.common
    if ctx.is_main:
        log.info(
            f"{exp.name}: {', '.join(f'{k} {v}' for k, v in dataset.items())}; {len(specs)} model(s), device "
            f"{device}" + (f" x {ctx.world} ranks" if ctx.active else "") + f", results in {run_dir.path}"
        )
    check = data if isinstance(data, ImageSet) and exp.uses_labels else None
    compiles = "compile" in experiment_info(exp.name).accepts
    prepare = (lambda b: fast_path(exp.prepare_model(b), device, c.compile)) if compiles else exp.prepare_model
    bundles, failed = load_bundles(specs, device, prepare, check, c.seed, run_dir)
    # CPU float sums depend on the thread count (torchrun sets one per process): recorded so runs can be compared
    run_dir.write_manifest(
        analysis=exp.name,
        device=str(device),
        dataset=dataset,
        ranks=ctx.world,
        threads=torch.get_num_threads(),
        models={
            **run_dir.manifest.get("models", {}),
            **{b.label: {"source": b.source, "weights": b.weights_id, "data_config": b.data_config} for b in bundles},
        },
        **exp.manifest_extras(),
    )
    opts = EngineOptions(
        batch_size=c.batch_size,
        workers=c.workers,
        device=device,
        precision=c.precision,
        metrics=tuple(m.strip() for m in c.metrics.split(",") if m.strip()),
        progress=not c.no_progress,
        per_image=c.per_image,
        paper_compat=c.paper_compat,
        dist=ctx,
    )
    started = time.time()
    try:
        new, run_failed = exp.run(bundles, data, run_dir, opts) if bundles or not exp.uses_models else ([], {})
    except KeyboardInterrupt:
        run_dir.write_manifest(status="interrupted", oom_backoffs=oom_backoffs(run_dir, [opts.oom_backoffs]))
        raise
    failed.update(run_failed)
    backoffs = distributed.gather(opts.oom_backoffs, ctx)  # every rank's, on rank 0 (all ranks have finished)
    if not ctx.is_main:
        return RunResult([], failed, str(run_dir.path))
    run_dir.name_rank_failures(list(failed))
    announced = [label for label in failed if label in run_dir.kept]  # logged with its reason as it failed
    records = run_dir.records()
    summary, status = "", "failed" if failed else "complete"
    try:
        summary = type(exp).report(label_records(records), run_dir.path, plot=not c.no_plot) if records else ""
    except (OSError, RuntimeError, ValueError) as e:  # e.g. a full disk while plotting: the records are whole
        status = f"report failed: {type(e).__name__}: {e}"
        failed["report"] = f"{type(e).__name__}: {e} (records.csv is complete; `intriguing report` redraws it)"
    run_dir.write_manifest(
        status=status,
        failed_models=failed,
        seconds=round(time.time() - started, 1),
        finished=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        oom_backoffs=oom_backoffs(run_dir, backoffs),
    )
    return RunResult(records, failed, str(run_dir.path), summary, new, announced)


def oom_backoffs(run_dir: Any, counts: Sequence[dict[str, int]]) -> dict[str, int]:
    """The manifest's out-of-memory halvings per model: its earlier runs' plus these counts (one dict per rank)."""
    total = dict(run_dir.manifest.get("oom_backoffs", {}))
    for part in counts:
        for label, n in part.items():
            total[label] = total.get(label, 0) + n
    return total


def run(experiment: str, **options: Any) -> list[dict]:
    """Library entry: run ``experiment`` with keyword options; returns all records of its results folder.

    Raises :class:`~intriguing.errors.UserError` for bad input and ``RuntimeError`` if any model failed.
    """
    result = run_result(experiment, **options)
    if result.failed:
        raise RuntimeError("; ".join(f"{k}: {v}" for k, v in result.failed.items()))
    return result.records


def run_result(experiment: str, **options: Any) -> RunResult:
    """As :func:`run`, but returns the :class:`RunResult` (failed models included) instead of raising."""
    from intriguing.experiments import get_experiment
    from intriguing.options import split_kwargs

    cls = get_experiment(experiment)
    common, config = split_kwargs(options, CommonOptions, cls.Config)
    if LOGGING & common.keys():
        raise UserError(
            "verbose and quiet are command-line options; a library call sets the level of the "
            "'intriguing' logger itself (logging.getLogger('intriguing').setLevel(logging.DEBUG))."
        )
    common.setdefault("no_progress", True)  # a library call prints no progress bars unless asked
    return execute(make_experiment(experiment, common, config))


def describe(result: RunResult, skipped: Optional[list[str]] = None) -> None:
    """Print a finished run's summary and failures (the CLI's output)."""
    if result.summary:
        print(result.summary)
    if skipped:
        log.warning(f"{len(skipped)} unreadable image(s) were not scored (listed in manifest.json), e.g. {skipped[0]}")
    for name, msg in result.failed.items():  # a reason printed at load is not printed a second time
        print(f"failed: {name}" + (" (reason above)" if name in result.announced else f": {msg}"), file=sys.stderr)
