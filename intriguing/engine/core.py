"""The one-pass evaluation engine shared by every classification analysis.

Each batch is decoded once (one view per model geometry), moved to the device once, and every
model evaluates every condition of the analysis on it. Metric totals are checkpointed to the run
folder as the pass goes; an interrupted or crashed run resumes from the last checkpoint, and
models whose records are already complete are not evaluated again.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Dict, Iterator, List, Sequence, Tuple

import torch
from tqdm.auto import tqdm

from intriguing.zoo import ModelBundle

from intriguing.data import Batch, ImageSet, make_loader
from intriguing.device import autocast
from intriguing.metrics import build_metrics
from intriguing.records import RunDir


class Sweep:
    """What an analysis hands the engine: its conditions and how to evaluate them on a batch."""

    def conditions(self, bundle: ModelBundle) -> List[dict]:
        """Record fields naming each condition this model is evaluated under (model excluded)."""
        raise NotImplementedError

    def prepare(self, batch: Batch) -> None:
        """Per-batch state shared by all models (e.g. masks); called once per batch."""

    def evaluate(self, bundle: ModelBundle, x01: torch.Tensor, batch: Batch) -> Iterator[tuple]:
        """Yield (condition, logits) for every condition of ``bundle`` on [0, 1] pixels ``x01``, or
        (condition, logits, extras) where extras maps a record column to per-image values (B,) that
        the engine averages over the data set (e.g. a fraction dropped that varies per image)."""
        raise NotImplementedError


@dataclass
class EngineOptions:
    batch_size: int = 64
    workers: int = 2
    device: torch.device = torch.device("cpu")
    precision: str = "auto"
    metrics: Tuple[str, ...] = ("topk",)
    checkpoint_every: float = 60.0  # seconds between partial-state saves
    progress: bool = True


MODEL_ERRORS = (RuntimeError, ValueError)  # a model that raises these is dropped; the others go on


def describe_failure(e: BaseException) -> str:
    """One line saying why a model failed: the exception type and its message's first line."""
    return f"{type(e).__name__}: {str(e).splitlines()[0][:300] if str(e) else ''}"


def drop_model(active: list, failed: Dict[str, str], bundle: ModelBundle, e: BaseException) -> None:
    """One broken model must not sink the others: record why, take it out of the pass, say so."""
    failed[bundle.name] = describe_failure(e)
    active.remove(bundle)
    tqdm.write(f"model {bundle.name} failed and is skipped: {failed[bundle.name]}")


def _norm(v: object) -> str:
    """Compare record values across a CSV round trip (0 == 0.0, '0.1' == 0.1)."""
    try:
        return repr(float(v))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(v)


def condition_id(model: str, cond: dict) -> str:
    return json.dumps([model, sorted((k, _norm(v)) for k, v in cond.items())])


def is_recorded(records: List[dict], model: str, cond: dict) -> bool:
    return any(str(r.get("model")) == model and all(_norm(r.get(k)) == _norm(v) for k, v in cond.items())
               for r in records)


def run_sweep(sweep: Sweep, bundles: Sequence[ModelBundle], images: ImageSet, run_dir: RunDir,
              opts: EngineOptions) -> Tuple[List[dict], Dict[str, str]]:
    """Evaluate all models x conditions in one pass; returns (new records, failed models)."""
    existing = run_dir.records()
    plan = {b.name: sweep.conditions(b) for b in bundles}
    todo = [b for b in bundles if not all(is_recorded(existing, b.name, c) for c in plan[b.name])]
    if not todo:
        return [], {}
    metrics = {(b.name, condition_id(b.name, c)): build_metrics(opts.metrics) for b in todo for c in plan[b.name]}
    means: Dict[tuple, Dict[str, List[float]]] = {k: {} for k in metrics}  # extras: column -> [sum, count]
    n_done, bad = 0, []
    partial = run_dir.load_partial()
    if partial and partial.get("models") == [b.name for b in todo] and partial.get("n_total") == len(images):
        n_done, bad = partial["n_done"], partial["bad"]
        means.update({tuple(k): v for k, v in partial.get("means", {}).items()})
        for key, states in partial["metrics"].items():
            for m, s in zip(metrics[tuple(key)], states):
                m.load_state_dict(s)
    failed: Dict[str, str] = {}
    active = list(todo)
    loader = make_loader(images, [b.geometry for b in todo], opts.batch_size, opts.workers, start=n_done)
    last_save = time.monotonic()

    def checkpoint() -> None:
        run_dir.save_partial({"models": [b.name for b in todo], "n_total": len(images), "n_done": n_done,
                              "bad": bad, "metrics": {k: [m.state_dict() for m in ms] for k, ms in metrics.items()},
                              "means": means})

    bar = tqdm(loader, total=len(loader), disable=not opts.progress, desc=f"{len(active)} model(s)", unit="batch")
    try:
        for batch in bar:
            bad += batch.bad_paths
            if len(batch):
                sweep.prepare(batch)
                labels = batch.labels.to(opts.device, non_blocking=True)
                for b in list(active):
                    try:
                        x = batch.views[b.geometry].to(opts.device, non_blocking=True).float().div_(255)
                        with torch.inference_mode(), autocast(opts.device, opts.precision):
                            for cond, logits, *extras in sweep.evaluate(b, x, batch):
                                key = (b.name, condition_id(b.name, cond))
                                for m in metrics[key]:
                                    m.update(logits.float(), labels)
                                for col, v in (extras[0] if extras else {}).items():
                                    acc = means[key].setdefault(col, [0.0, 0])
                                    acc[0] += float(v.double().sum())
                                    acc[1] += int(v.numel())
                    except MODEL_ERRORS as e:
                        drop_model(active, failed, b, e)
            n_done += len(batch) + len(batch.bad_paths)
            if time.monotonic() - last_save > opts.checkpoint_every:
                checkpoint()
                last_save = time.monotonic()
    except BaseException:
        checkpoint()  # Ctrl-C or a crash: keep everything counted so far
        raise
    records = []
    for b in active:
        for c in plan[b.name]:
            if is_recorded(existing, b.name, c):
                continue
            row = {"model": b.name, **c}
            key = (b.name, condition_id(b.name, c))
            row.update({col: s / n for col, (s, n) in means[key].items() if n})
            for m in metrics[key]:
                row.update(m.result())
            records.append(row)
    run_dir.append_records(records)
    run_dir.clear_partial()
    skipped = sorted(set(run_dir.manifest.get("skipped_images", [])) | set(bad))
    run_dir.write_manifest(skipped_images=skipped)
    return records, failed

