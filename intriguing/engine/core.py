"""The one-pass evaluation engine shared by every classification experiment.

Each batch is decoded once (one view per model geometry), moved to the device once, and every model evaluates
every condition of the sweep on it. Guarantees:

* whole batches only: a batch's results are merged into the totals when every model finished it, so an
  interrupted run (Ctrl-C, a crash, kill -9 after a checkpoint) resumes without counting any image twice;
* the pass state is checkpointed (``partial.json`` + ``partial.npz``, never pickled) every ``checkpoint_every``
  seconds and on any interruption; a rerun resumes from it, and models whose records exist are not run again;
* records are matched on (model, weights identity, condition): other weights under the same name are new work,
  in another command or in the same one (``--models vit=A.pth,vit=B.pth``: two models, keyed by their weights);
* a model-side error (:data:`MODEL_ERRORS`) drops that model (reported in ``failed`` under its label, its traceback
  kept in ``failures/``), never the others; any other error is a bug and ends the run with its traceback;
* CUDA out of memory halves the batch for that model and retries (per-image draws keep their seeds);
* under torchrun every rank evaluates one contiguous block of images and rank 0 merges the states in rank order.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Optional

import torch

from intriguing.annotations.real import RealLabels
from intriguing.data import Batch, ImageSet, make_loader
from intriguing.device import autocast
from intriguing.distributed import Context, gather, shard
from intriguing.engine.accumulate import Accumulator, Key, Output
from intriguing.engine.conditions import Condition
from intriguing.engine.host import SETTLE_LAG, HostCopy, Landing
from intriguing.engine.progress import counted
from intriguing.engine.sweep import Sweep
from intriguing.errors import UserError
from intriguing.records.schema import RecordIndex
from intriguing.seeding import derive_seed
from intriguing.zoo import ModelBundle

log = logging.getLogger(__name__)


CHECKPOINT_EVERY = 60.0  # seconds between saves of the pass state (read when EngineOptions is built)


@dataclass
class EngineOptions:
    batch_size: int = 64
    workers: int = 2
    device: torch.device = torch.device("cpu")
    precision: str = "auto"
    metrics: tuple[str, ...] = ("topk",)
    checkpoint_every: float = field(default_factory=lambda: CHECKPOINT_EVERY)
    progress: bool = True
    per_image: bool = False  # also write per_image.csv.gz
    paper_compat: bool = False  # the original's calibration binning
    dist: Context = field(default_factory=Context)
    real: Optional[RealLabels] = None  # --metrics real: the pass's ReaL label sets (run_sweep builds them)
    # out-of-memory halvings per model label, counted by the passes (shared by replace()d copies); the runner writes
    # them to manifest.json
    oom_backoffs: dict[str, int] = field(default_factory=dict)
    # the largest batch a model ran after an out-of-memory back-off: its later batches are split to it up front, so
    # a pass pays one failed forward per model, not one per batch (as timm's validate lowers its batch size once)
    oom_limits: dict[str, int] = field(default_factory=dict)


# An error of one model: bad input that concerns that model only (UserError: a grid that does not fit it, a
# checkpoint that does not read) or a failure while running it (RuntimeError: a shape mismatch inside the network,
# a CUDA error, out of memory once the batch cannot be halved further). That model is dropped, the others go on.
# KeyError, TypeError, IndexError, AssertionError, ValueError, ... are bugs of a sweep or of the toolkit: they end
# the run with their traceback (the pass state is saved first) instead of passing for a model's failure.
MODEL_ERRORS = (UserError, RuntimeError)


def describe_failure(e: BaseException) -> str:
    """Why a model failed: a UserError's sentence, else the exception type and its message (torch's explanation
    included, not cut short)."""
    text = str(e).strip()
    if isinstance(e, UserError) and text:
        return text
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


def model_failed(failed: dict[str, str], bundle: ModelBundle, e: BaseException, run_dir) -> None:
    """Record why ``bundle`` failed (``failed[label]``), keep its traceback in the results folder, say so."""
    failed[bundle.label] = describe_failure(e)
    run_dir.keep_failure(bundle.label, e)
    log.error(f"model {bundle.label} failed and is skipped: {failed[bundle.label]}")


def drop_model(active: list, failed: dict[str, str], bundle: ModelBundle, e: BaseException, run_dir) -> None:
    """One broken model must not sink the others: record why, take it out of the pass, say so."""
    model_failed(failed, bundle, e, run_dir)
    active.remove(bundle)


def _output(sweep: Sweep, out: object) -> Output:
    if not isinstance(out, Output):  # a sweep's bug, not a model's failure
        raise TypeError(f"{type(sweep).__name__}.evaluate returned {type(out).__name__}, not an engine Output.")
    return Output(out.value.float(), out.extras) if isinstance(out.value, torch.Tensor) else out


def _evaluate(
    sweep: Sweep, b: ModelBundle, plan: list[tuple[Condition, Key]], batch: Batch, opts: EngineOptions
) -> list[tuple[Key, Output, Batch]]:
    """(key, output, part) of every planned condition of one model on one batch, ``part`` being the batch; on CUDA
    OOM the batch is halved (recursively) and each half's outputs come with that half, and the model's later batches
    are split in halves up front until they fit the size that ran (``opts.oom_limits``)."""
    if len(batch) > opts.oom_limits.get(b.label, len(batch)):
        return _in_halves(sweep, b, plan, batch, batch.halves(), opts)
    sweep.forget()
    try:
        x = batch.views[b.geometry].to(opts.device, non_blocking=True).float().div_(255)
        with torch.inference_mode(), autocast(opts.device, opts.precision):
            return [(k, _output(sweep, sweep.evaluate(b, c, x, batch)), batch) for c, k in plan]
    except torch.cuda.OutOfMemoryError:
        if len(batch) < 2:
            raise
        torch.cuda.empty_cache()
        halves, n = batch.halves(), opts.oom_backoffs.get(b.label, 0) + 1
        opts.oom_backoffs[b.label] = n
        opts.oom_limits[b.label] = min(opts.oom_limits.get(b.label, len(batch)), max(len(h) for h in halves))
        # the first back-off of a model is a warning (a smaller --batch-size avoids the retries), the others debug
        log.log(
            logging.WARNING if n == 1 else logging.DEBUG,
            f"{b.label}: CUDA out of memory at batch size "
            f"{len(batch)}; retrying in halves of {len(halves[0])} (back-off {n} of this model, counted in "
            f"manifest.json)",
        )
        sweep.forget()
        return _in_halves(sweep, b, plan, batch, halves, opts)
    finally:
        sweep.forget()  # what the conditions shared on this batch is freed before the next model runs


def _in_halves(
    sweep: Sweep,
    b: ModelBundle,
    plan: list[tuple[Condition, Key]],
    batch: Batch,
    halves: list[Batch],
    opts: EngineOptions,
) -> list[tuple[Key, Output, Batch]]:
    """:func:`_evaluate` on each of ``halves`` of ``batch`` (the sweep's per-batch state prepared for that half, then
    for the whole batch again, which the other models still evaluate)."""
    parts = []
    for half in halves:
        sweep.prepare(half)
        parts += _evaluate(sweep, b, plan, half, opts)
    sweep.prepare(batch)
    return parts


def real_labels(images: ImageSet) -> RealLabels:
    """``--metrics real``: the ReaL label set of each image of the pass, by index. A pass over anything but ImageNet
    wnid folders (ImageNet-A's 200 classes, CIFAR arrays, ...) scores none of its images (``real_not_val`` counts
    them); a command's own folder was checked before it ran (``annotations.real.check_real``)."""
    if isinstance(images, ImageSet) and images.label_space == "imagenet-1k":
        return RealLabels.of([path for path, _ in images.samples])
    return RealLabels((None,) * len(images))


def run_sweep(
    sweep: Sweep, bundles: Sequence[ModelBundle], images: ImageSet, run_dir, opts: EngineOptions
) -> tuple[list[dict], dict[str, str]]:
    """Evaluate all models x conditions in one pass; returns (new records, failed models)."""
    recorded = RecordIndex(run_dir.records())  # resume: a set lookup per planned key
    # planned per bundle, not per name: two weights under one model name are two models
    # (the conditions are planned once here and handed to the sweep one at a time on every batch)
    planned = [(b, [(c, Key(b.name, b.weights_id, c)) for c in sweep.conditions(b)]) for b in bundles]
    planned = [(b, cks) for b, cks in planned if not all(recorded.has(b.name, k.fields, b.weights_id) for _, k in cks)]
    todo = [b for b, _ in planned]
    if not todo:
        return [], {}
    plan = {b.label: cks for b, cks in planned}
    keys = [k for _, cks in planned for _, k in cks]
    owner = {k: b for b, cks in planned for _, k in cks}
    if "real" in opts.metrics:  # looked up by image index, so built for this pass's images (once, not per batch)
        opts = replace(opts, real=real_labels(images))
    totals = {k: sweep.reduction(owner[k], k.cond, opts) for k in keys}
    start, stop = shard(len(images), opts.dist)
    prefix = "partial" if not opts.dist.active else f"partial.rank{opts.dist.rank}"
    n_done, bad, flushed = start, [], {k: 0 for k in keys}
    s = run_dir.load_partial(prefix)
    if s and s.get("keys") == [k.text for k in keys] and s.get("span") == [start, stop, len(images)]:
        n_done, bad = s["n_done"], s["bad"]
        for i, k in enumerate(keys):
            totals[k].load(s["states"][i])
            flushed[k] = s["flushed"][i]
    failed: dict[str, str] = {}
    active = list(todo)
    landing = Landing()  # whole batches whose results are on their way to the host
    loader = make_loader(images, [b.geometry for b in todo], opts.batch_size, opts.workers, start=n_done, stop=stop)
    last_save = time.monotonic()

    def flush_per_image() -> None:
        if opts.per_image and not opts.dist.active:
            outcome_keys = [k for k in keys if isinstance(totals[k], Accumulator)]  # per-image outcomes exist
            rows = [r for k in outcome_keys for r in _image_rows(k, totals[k], images, flushed[k])]
            run_dir.append_per_image(rows)
            flushed.update({k: len(totals[k].outcomes) for k in outcome_keys})

    def checkpoint() -> None:
        landing.settle()
        flush_per_image()
        run_dir.save_partial(
            {
                "keys": [k.text for k in keys],
                "span": [start, stop, len(images)],
                "n_done": n_done,
                "bad": bad,
                "states": [totals[k].state() for k in keys],
                "flushed": [flushed[k] for k in keys],
            },
            prefix,
        )

    # counted in images (a one-batch run would show 0/1 for minutes), with tqdm's rate and time left
    batches = counted(
        loader,
        stop - n_done,
        lambda b: len(b) + len(b.bad_paths),
        f"{len(active)} model(s)",
        "img",
        opts.progress and opts.dist.is_main,
    )
    try:
        for batch in batches:
            whole = []  # this batch's summaries of every model that finished it, on their way to the host
            if len(batch):
                sweep.prepare(batch)
                labels = batch.labels.to(opts.device, non_blocking=True)
                for b in list(active):
                    try:
                        mine = []
                        for k, out, part in _evaluate(sweep, b, plan[b.label], batch, opts):
                            own = labels if part is batch else part.labels.to(opts.device, non_blocking=True)
                            summary = HostCopy(totals[k].summarize(out, own, part.indices))
                            mine.append((totals[k], summary, part.labels, part.indices))
                        whole += mine
                    except MODEL_ERRORS as e:
                        drop_model(active, failed, b, e, run_dir)
            landing.push(whole)  # the whole batch is in: commit it
            # results of batches the GPU finished long ago are read now: their pinned buffers are reused (not held
            # until the next checkpoint), and reading them waits for nothing
            landing.settle(keep=SETTLE_LAG)
            bad += batch.bad_paths
            n_done += len(batch) + len(batch.bad_paths)
            if time.monotonic() - last_save > opts.checkpoint_every:
                checkpoint()
                last_save = time.monotonic()
    except BaseException:
        checkpoint()  # Ctrl-C or a crash: keep every whole batch counted so far
        raise
    landing.settle()
    return _finish(sweep, keys, owner, totals, active, failed, bad, images, run_dir, opts, flush_per_image, prefix)


def _finish(sweep, keys, owner, totals, active, failed, bad, images, run_dir, opts, flush_per_image, prefix):
    """Merge torchrun ranks on rank 0, write the records (and per-image rows), clear the pass state."""
    parts = gather(({k.text: totals[k].state() for k in keys}, failed, bad), opts.dist)
    if opts.dist.active:
        run_dir.clear_partial(prefix)
        if not opts.dist.is_main:
            return [], failed
        for part_totals, part_failed, part_bad in parts[1:]:
            failed.update(part_failed)
            bad += part_bad
            for k in keys:
                other = sweep.reduction(owner[k], k.cond, opts)
                other.load(part_totals[k.text])
                totals[k].merge(other)
        if opts.per_image:
            run_dir.append_per_image(
                [r for k in keys if isinstance(totals[k], Accumulator) for r in _image_rows(k, totals[k], images, 0)]
            )
    else:
        flush_per_image()
    live = {(b.name, b.weights_id) for b in active if b.label not in failed}  # failed: of any rank, by label
    for k in keys:
        if (k.model, k.weights) in live:
            sweep.finish(k, totals[k])
    recorded = RecordIndex(run_dir.records())
    records = [
        row
        for k in keys
        if (k.model, k.weights) in live and not recorded.has(k.model, k.fields, k.weights)
        for row in totals[k].rows(k, derive_seed("bootstrap", k.text))
    ]
    run_dir.append_records(records)
    run_dir.clear_partial(prefix)
    skipped = sorted(set(run_dir.manifest.get("skipped_images", [])) | set(bad))
    run_dir.write_manifest(skipped_images=skipped)
    return records, failed


def _image_rows(key: Key, acc: Accumulator, images: ImageSet, start: int) -> list[dict]:
    """Per-image rows of ``acc``'s outcomes from chunk-row ``start`` on."""
    arrays = acc.outcome_arrays()
    root = images.root.rstrip("/") + "/"
    out = []
    for j in range(start, len(arrays["image"])):
        i = int(arrays["image"][j])
        path, label = images.samples[i]
        out.append(
            {
                "image": i,
                "path": path[len(root) :] if path.startswith(root) else path,
                "label": label,
                "model": key.model,
                "weights": key.weights,
                **key.fields,
                "correct1": int(arrays["correct1"][j]),
                "correct5": int(arrays["correct5"][j]),
                "pred": int(arrays["pred"][j]),
                "conf": round(float(arrays["conf"][j]), 6),
            }
        )
    return out


__all__ = [
    "Sweep",
    "Output",
    "EngineOptions",
    "MODEL_ERRORS",
    "describe_failure",
    "drop_model",
    "model_failed",
    "run_sweep",
]
