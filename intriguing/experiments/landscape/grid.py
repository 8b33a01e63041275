"""Drive the landscape grid: one model load, directions drawn once, one record appended per grid point.

This is not a per-image classification sweep (each grid point is a full pass over a small fixed batch
set, with the weights moved between points), so it drives its own loop over grid points instead of
the engine's; it keeps the run-folder conventions: records appended and flushed as they are made
(a rerun skips recorded points), per-model failure isolation with the engine's ``model_failed``.

Under torchrun the grid points are dealt out round-robin (:mod:`intriguing.curvature.ranks`): in each round
every rank evaluates one point, rank 0 gathers the round and appends its rows in grid order, so the records
(and their order) are those of one process and a rerun resumes at the next round; other ranks write nothing.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import torch
from tqdm.auto import tqdm

from intriguing.curvature import batches as fixed
from intriguing.curvature.directions import grid_coords, random_direction, set_point
from intriguing.curvature.objective import evaluate_nll, l2_norms
from intriguing.curvature.ranks import exchange, rounds
from intriguing.distributed import Context, broadcast
from intriguing.engine.core import MODEL_ERRORS, EngineOptions, model_failed
from intriguing.experiments.landscape.config import Config
from intriguing.seeding import generator
from intriguing.zoo import ModelBundle

Key = tuple[str, str, float, float]


def _key(model: str, weights: str, condition: str, x: float, y: float) -> Key:
    """A grid point's identity: the model's name and weights (other weights under the same name are new work)."""
    return (str(model), str(weights), str(condition), round(float(x), 8), round(float(y), 8))


def grid_points(config: Config) -> list[tuple[float, float]]:
    """(x, y) in row-major order (y outer); a 1-D landscape has y = 0."""
    cs = grid_coords(config.points, config.span)
    return [(x, 0.0) for x in cs] if config.dims == 1 else [(x, y) for y in cs for x in cs]


def directions(config: Config, model: torch.nn.Module) -> list[list[torch.Tensor]]:
    """``dims`` filter-normalised directions, seeded by (seed, axis): a rerun draws the same ones."""
    named = list(model.named_parameters())
    return [
        random_direction(
            named, generator(config.seed, "landscape-direction", axis), config.ignore, config.norm, config.exclude
        )
        for axis in range(config.dims)
    ]


def regulariser(config: Config, weight_norm: float, sum_norms: float) -> float:
    if config.l2 == "paper":
        return config.weight_decay * sum_norms
    return 0.5 * config.weight_decay * weight_norm**2


def landscape(
    config: Config,
    bundle: ModelBundle,
    data: dict[str, list],
    done: set[Key],
    run_dir,
    progress: bool = True,
    ctx: Context = Context(),
) -> list[dict]:
    """Every unrecorded grid point of ``bundle`` under each data condition; weights restored on exit.
    Returns the new rows (on rank 0; ``[]`` on the other ranks, which write nothing)."""
    params = list(bundle.model.parameters())
    base = [p.detach().clone() for p in params]
    dirs = directions(config, bundle.model)
    new: list[dict] = []

    def point(cond: str, batches: list, x: float, y: float) -> dict:
        set_point(params, base, dirs, (x, y))
        t0 = time.perf_counter()
        nll, top1, n = evaluate_nll(bundle, batches)
        weight_norm, sum_norms = l2_norms(params)
        reg = regulariser(config, weight_norm, sum_norms)
        return {
            "model": bundle.name,
            "weights": bundle.weights_id,
            "condition": cond,
            "dims": config.dims,
            "x": x,
            "y": y,
            "loss": nll + reg,
            "nll": nll,
            "l2_term": reg,
            "top1": top1,
            "weight_norm": weight_norm,
            "sum_norms": sum_norms,
            "images": n,
            "seconds": round(time.perf_counter() - t0, 4),
        }

    try:
        for cond, batches in data.items():
            todo = [
                (x, y) for x, y in grid_points(config) if _key(bundle.name, bundle.weights_id, cond, x, y) not in done
            ]
            bar = tqdm(
                total=len(todo), disable=not progress or not ctx.is_main, desc=f"{bundle.name} {cond}", unit="point"
            )
            for chunk, mine in rounds(todo, ctx):
                rows = exchange(lambda: None if mine is None else point(cond, batches, *mine), MODEL_ERRORS, ctx)  # noqa: B023
                if ctx.is_main:
                    run_dir.append_records(rows[: len(chunk)])  # flushed per round: a rerun loses one round at most
                    new += rows[: len(chunk)]
                bar.update(len(chunk))
            bar.close()
    finally:
        set_point(params, base, dirs, (0.0,) * len(dirs))
    return new


def run(
    config: Config, bundles: Sequence[ModelBundle], images, run_dir, opts: EngineOptions
) -> tuple[list[dict], dict[str, str]]:
    """Decode the fixed batch set once (every geometry), then each model's grid; a failing model fails alone."""
    # rank 0's view of what is recorded, so every rank plans the same points
    done = broadcast(
        {_key(r["model"], r.get("weights", ""), r["condition"], r["x"], r["y"]) for r in run_dir.records()}, opts.dist
    )
    points = grid_points(config)
    todo = [
        b
        for b in bundles
        if any(_key(b.name, b.weights_id, c, x, y) not in done for c in config.data for x, y in points)
    ]
    if not todo:
        return [], {}
    chosen = fixed.select_images(images, config.batches, opts.batch_size, config.seed)
    decoded = fixed.decode(chosen, [b.geometry for b in todo], opts.batch_size, opts.workers)
    run_dir.write_manifest(
        evaluation_set={"images": len(chosen), "batches": len(decoded), "first": [p for p, _ in chosen.samples[:3]]}
    )
    new: list[dict] = []
    failed: dict[str, str] = {}
    for b in todo:
        try:
            data = {c: fixed.tensors(decoded, b.geometry, c, config.seed, opts.device) for c in config.data}
            new += landscape(config, b, data, done, run_dir, opts.progress, opts.dist)
        except MODEL_ERRORS as e:  # one broken model must not sink the others
            model_failed(failed, b, e, run_dir)
    return new, failed
