"""Common corruptions (ImageNet-C, Hendrycks & Dietterich 2019): per-corruption error, mCE, relative mCE.

Default: the 15 corruptions x 5 severities are generated on the fly from the clean ``--data-path``
images (imagecorruptions, patched for today's libraries; see intriguing/corruptions/backend.py), in one
pass: each batch is decoded once, corrupted once per (geometry, corruption, severity) -- in worker
processes -- and every model is evaluated on clean and corrupted views. With ``--corrupted-path``
the pre-rendered ImageNet-C folders or CIFAR-10-C arrays are read instead (the clean set is still
``--data-path``). mCE / relative mCE are normalised by AlexNet's published errors (ImageNet only).
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Optional

import numpy as np
import torch

from intriguing.corruptions.backend import corrupt_array, load
from intriguing.corruptions.folders import cifar_c_arrays, detect_layout, imagenet_c_folders
from intriguing.data import limit_samples, scan_folder
from intriguing.data.arrays import ArraySet
from intriguing.engine import EngineOptions, Output, Sweep, run_sweep
from intriguing.experiments.corruption.conditions import CLEAN, Corrupted
from intriguing.experiments.corruption.config import Config
from intriguing.seeding import derive_seed
from intriguing.zoo import ModelBundle


class CorruptionSweep(Sweep[Corrupted]):
    """Clean + every (corruption, severity, run); corrupted views are shared by models with one geometry."""

    def __init__(self, config: Config, workers: int) -> None:
        self.c = config
        self.pool: Optional[ProcessPoolExecutor] = None
        self.workers = workers
        if workers > 0:
            load()  # import-time patches happen once here, and fail early if the package is missing
            self.pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
        self.jobs: dict[tuple, object] = {}

    def corrupt_conditions(self) -> list[Corrupted]:
        return [
            Corrupted.of(c, s, r) for c in self.c.corruptions for s in self.c.severities for r in range(self.c.runs)
        ]

    def conditions(self, bundle: ModelBundle) -> list[Corrupted]:
        return [CLEAN] + self.corrupt_conditions()

    def prepare(self, batch) -> None:
        """Queue every corruption of this batch at once, so worker processes stay busy while models run.

        Each (geometry, corruption, severity, run) is split into one chunk of images per worker: a slow
        corruption (glass blur) then spreads over all workers instead of holding one.
        """
        self.jobs = {}
        n = len(batch)
        chunk = max(1, -(-n // self.workers)) if self.pool else n
        for geometry, view in batch.views.items():
            arr = view.permute(0, 2, 3, 1).numpy()
            for cond in self.corrupt_conditions():
                key = (geometry, cond.corruption, cond.severity, cond.run)
                seeds = [derive_seed(self.c.seed, *key[1:], int(i)) % (2**31) for i in batch.indices.tolist()]
                parts = [
                    (arr[i : i + chunk], cond.corruption, cond.severity, seeds[i : i + chunk])
                    for i in range(0, n, chunk)
                ]
                self.jobs[key] = [self.pool.submit(corrupt_array, *a) for a in parts] if self.pool else parts

    def corrupted(self, geometry: tuple, cond: Corrupted) -> torch.Tensor:
        key = (geometry, cond.corruption, cond.severity, cond.run)
        job = self.jobs[key]
        if isinstance(job, list):  # futures, or argument tuples when there is no worker pool
            job = np.concatenate([j.result() if isinstance(j, Future) else corrupt_array(*j) for j in job])
        self.jobs[key] = job  # resolved once, shared by every model with this geometry
        return torch.from_numpy(job).permute(0, 3, 1, 2)

    def evaluate(self, bundle: ModelBundle, cond: Corrupted, x01: torch.Tensor, batch) -> Output:
        if cond == CLEAN:
            return Output(bundle(x01))
        return Output(bundle(self.corrupted(bundle.geometry, cond).to(x01.device).float().div_(255)))

    def close(self) -> None:
        if self.pool:
            self.pool.shutdown(cancel_futures=True)


def run(config: Config, bundles, images, run_dir, opts: EngineOptions):
    if config.corrupted_path:
        return _run_prerendered(config, bundles, images, run_dir, opts)
    sweep = CorruptionSweep(config, opts.workers)
    try:
        return run_sweep(sweep, bundles, images, run_dir, opts)
    finally:
        sweep.close()


class _FixedCondition(Sweep[Corrupted]):
    """One named condition evaluated on whatever images the engine is handed (a pre-rendered set)."""

    def __init__(self, cond: Corrupted) -> None:
        self.cond = cond

    def conditions(self, bundle: ModelBundle) -> list[Corrupted]:
        return [self.cond]

    def evaluate(self, bundle: ModelBundle, cond: Corrupted, x01: torch.Tensor, batch) -> Output:
        return Output(bundle(x01))


def _run_prerendered(config: Config, bundles, images, run_dir, opts: EngineOptions):
    """Clean set, then each (corruption, severity) set; finished sets are skipped on a rerun."""
    layout = detect_layout(config.corrupted_path)
    run_dir.write_manifest(corrupted={"path": config.corrupted_path, "layout": layout})
    records, failed = run_sweep(_FixedCondition(CLEAN), bundles, images, run_dir, opts)
    sets = [(c, s) for c in config.corruptions for s in config.severities]
    for c, s in sets:
        live = [b for b in bundles if b.label not in failed]
        cond = Corrupted.of(c, s)
        if layout == "imagenet-c":
            folder = imagenet_c_folders(config.corrupted_path, [c], [s])[0][2]
            new, bad = run_sweep(
                _FixedCondition(cond), live, limit_samples(scan_folder(folder), config.limit), run_dir, opts
            )
        else:
            new, bad = _run_arrays(config, cond, live, run_dir, opts)
        records += new
        failed.update(bad)
    return records, failed


def _fit(x: torch.Tensor, bundle: ModelBundle) -> torch.Tensor:
    """Resize 32x32 CIFAR-10-C images to a model trained at another input size (e.g. a 224-px ViT)."""
    size = tuple(bundle.input_size)
    if tuple(x.shape[-2:]) == size:
        return x
    mode = "bicubic" if bundle.data_config.get("interpolation") == "bicubic" else "bilinear"
    return torch.nn.functional.interpolate(x, size=size, mode=mode, antialias=True, align_corners=False).clamp(0, 1)


class _ArrayCondition(_FixedCondition):
    """One CIFAR-10-C (corruption, severity) block: the stored 32-px pixels, resized on the device per model."""

    def evaluate(self, bundle: ModelBundle, cond: Corrupted, x01: torch.Tensor, batch) -> Output:
        return Output(bundle(_fit(x01, bundle)))


def _run_arrays(config: Config, cond: Corrupted, bundles, run_dir, opts: EngineOptions):
    """CIFAR-10-C: one (corruption, severity) block of the .npy arrays through every model, in one engine pass
    (whole-batch checkpoints, per-image records, torchrun shards, calibration as everywhere)."""
    images, labels = cifar_c_arrays(config.corrupted_path, cond.corruption, cond.severity)
    if config.limit:  # evenly spaced, like --limit on folders
        idx = np.linspace(0, len(labels) - 1, num=min(config.limit, len(labels))).round().astype(int)
        images, labels = images[idx], labels[idx]
    data = ArraySet(f"{cond.corruption}.npy:severity{cond.severity}", images, labels)
    return run_sweep(_ArrayCondition(cond), bundles, data, run_dir, opts)
