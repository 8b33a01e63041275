"""Drive ``intriguing hessian``: per model and data condition, each measure from Hessian-vector products.

Like the landscape, this is not a per-image classification sweep: every measure is many passes over a
small fixed batch set decoded once, so it drives its own loop and keeps the run-folder conventions:
records appended as each measure (each mini-batch, for the spectrum) finishes, a rerun skips what is
recorded, and a model that fails is recorded as failed while the others go on.

Under torchrun (:mod:`intriguing.curvature.ranks`) the spectrum's mini-batches are dealt out round-robin,
one per rank per round, and rank 0 appends each round's rows in batch order; top-k, trace and density run
the same solver on every rank over Hessian-vector products whose batches are split across the ranks and
summed in batch order. Either way the records are those of one process, and only rank 0 writes.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import torch

from intriguing.curvature import batches as fixed
from intriguing.curvature.eigen import hutchinson_trace, power_iteration, slq, top_eigenvalues
from intriguing.curvature.hessian import LossHessian, trainable
from intriguing.curvature.ranks import exchange, rounds
from intriguing.distributed import Context, broadcast
from intriguing.engine.core import MODEL_ERRORS, EngineOptions, model_failed
from intriguing.engine.progress import bar as progress_bar
from intriguing.experiments.hessian.config import Config
from intriguing.seeding import generator
from intriguing.zoo import ModelBundle

Key = tuple[str, str, str, int]
MEASURE_ROWS = {"top-k": "eigenvalue", "spectrum": "max_eigenvalue", "trace": "trace", "density": "slq"}


def _key(model: str, weights: str, condition: str, measure: str, index: int) -> Key:
    """A record's identity: the model's name and weights (other weights under the same name are new work)."""
    return (str(model), str(weights), str(condition), str(measure), int(index))


def planned(config: Config, model: str, weights: str, condition: str) -> list[Key]:
    """The record keys a complete run of ``model`` under ``condition`` holds."""
    keys: list[Key] = []
    for m in config.measures:
        count = {"top-k": config.top_k, "spectrum": config.batches, "trace": 1, "density": config.slq_vectors}[m]
        keys += [_key(model, weights, condition, MEASURE_ROWS[m], i) for i in range(count)]
    return keys


class ModelSpectra:
    """Every measure of one model on one data condition; ``emit`` appends rows as they are made."""

    def __init__(
        self,
        config: Config,
        bundle: ModelBundle,
        params: list[torch.Tensor],
        data: list,
        condition: str,
        done: set[Key],
        emit,
        ctx: Context = Context(),
    ) -> None:
        self.c, self.b, self.params, self.data, self.cond = config, bundle, params, data, condition
        self.done, self.emit, self.ctx = done, emit, ctx
        self.n = sum(p.numel() for p in params)
        self.images = sum(int(y.numel()) for _, y in data)
        self.bar = None  # a progress bar counting mini-batch Hessian-vector products (see :meth:`budget`)

    def budget(self) -> int:
        """Mini-batch Hessian-vector products the measures still to do take at most: the progress bar's total
        (a product over the whole batch set counts once per batch; a solver that converges early takes fewer)."""
        c, nb, total = self.c, len(self.data), 0
        for m in c.measures:
            if m == "top-k" and self._todo("eigenvalue", c.top_k):
                total += nb * self._top_k_products()
            elif m == "trace" and self._todo("trace", 1):
                total += nb * c.trace_samples
            elif m == "density":
                total += (
                    nb
                    * c.lanczos_steps
                    * sum(
                        _key(self.b.name, self.b.weights_id, self.cond, "slq", v) not in self.done
                        for v in range(c.slq_vectors)
                    )
                )
            elif m == "spectrum":
                total += c.power_iters * sum(
                    _key(self.b.name, self.b.weights_id, self.cond, "max_eigenvalue", j) not in self.done
                    for j in range(len(self.data))
                )
        return total

    def _top_k_products(self) -> int:
        """Products over the batch set top-k takes at most: Lanczos steps, or power iterations per eigenvalue."""
        c = self.c
        return max(c.lanczos_steps, c.top_k) if c.method == "lanczos" else c.top_k * c.power_iters

    def _counted(self, op: LossHessian, budget: int):
        """``op`` as the solvers' matvec, each product ticked on the bar; ``settle()`` then takes what the solver
        did not use off the bar's total (so the ETA stays right when it converges early)."""
        bar, per, used = self.bar, len(op.batches), [0]

        def matvec(v: torch.Tensor) -> torch.Tensor:
            out = op.matvec(v)
            used[0] += per
            if bar is not None:
                bar.update(per)
            return out

        def settle() -> None:
            if bar is not None:
                bar.total += used[0] - budget
                bar.refresh()

        return matvec, settle

    def _row(self, measure: str, index: int, value: float, op: LossHessian, t0: float, **extra) -> dict:
        return {
            "model": self.b.name,
            "weights": self.b.weights_id,
            "condition": self.cond,
            "measure": measure,
            "index": index,
            "value": value,
            **extra,
            "hvps": op.products,
            "parameters": self.n,
            "seconds": round(time.perf_counter() - t0, 3),
        }

    def _todo(self, measure: str, count: int) -> bool:
        return any(_key(self.b.name, self.b.weights_id, self.cond, measure, i) not in self.done for i in range(count))

    def _operator(self, data: list, split: bool = True) -> LossHessian:
        """The Hessian over ``data``; ``split``: its batches shared out over the torchrun ranks."""
        return LossHessian(
            self.b, self.params, data, self.c.weight_decay, self.c.l2, self.ctx if split else None, MODEL_ERRORS
        )

    def top_k(self) -> None:
        if not self._todo("eigenvalue", self.c.top_k):
            return
        t0, op = time.perf_counter(), self._operator(self.data)
        steps = self.c.lanczos_steps if self.c.method == "lanczos" else self.c.power_iters
        matvec, settle = self._counted(op, len(self.data) * self._top_k_products())
        vals = top_eigenvalues(
            matvec,
            self.n,
            self.c.top_k,
            self.c.method,
            steps,
            self.c.tol,
            generator(self.c.seed, "hessian-top-k"),
            op.device,
            op.dtype,
        )
        settle()
        self.emit(
            [
                self._row("eigenvalue", i, v, op, t0, method=self.c.method, images=self.images)
                for i, v in enumerate(vals)
            ]
        )

    def spectrum(self) -> None:
        """Park & Kim's figure: the dominant eigenvalue (power iteration, as PyHessian) of each mini-batch."""
        todo = [
            j
            for j in range(len(self.data))
            if _key(self.b.name, self.b.weights_id, self.cond, "max_eigenvalue", j) not in self.done
        ]
        for chunk, mine in rounds(todo, self.ctx):  # one batch per rank per round
            rows = exchange(lambda: None if mine is None else self._max_eigenvalue(mine), MODEL_ERRORS, self.ctx)  # noqa: B023
            self.emit(rows[: len(chunk)])
            if self.bar is not None:  # every rank's batches of the round, with the iterations each took
                used = sum(int(r["iterations"]) for r in rows[: len(chunk)])
                self.bar.total += used - len(chunk) * self.c.power_iters
                self.bar.update(used)

    def _max_eigenvalue(self, j: int) -> dict:
        batch = self.data[j]
        t0, op = time.perf_counter(), self._operator([batch], split=False)  # this rank's own batch
        res = power_iteration(
            op,
            self.n,
            1,
            self.c.power_iters,
            self.c.tol,
            generator(self.c.seed, "hessian-spectrum", j),
            op.device,
            op.dtype,
        )
        op.release()
        return self._row(
            "max_eigenvalue",
            j,
            res.eigenvalues[0],
            op,
            t0,
            method="power",
            iterations=res.iterations[0],
            images=int(batch[1].numel()),
        )

    def trace(self) -> None:
        if not self._todo("trace", 1):
            return
        t0, op = time.perf_counter(), self._operator(self.data)
        matvec, settle = self._counted(op, len(self.data) * self.c.trace_samples)
        res = hutchinson_trace(
            matvec, self.n, self.c.trace_samples, generator(self.c.seed, "hessian-trace"), op.device, op.dtype
        )
        settle()
        self.emit(
            [self._row("trace", 0, res.trace, op, t0, stderr=res.stderr, samples=len(res.samples), images=self.images)]
        )

    def density(self) -> None:
        if not self._todo("slq", self.c.slq_vectors):
            return
        op = self._operator(self.data)
        for v in range(self.c.slq_vectors):
            if _key(self.b.name, self.b.weights_id, self.cond, "slq", v) in self.done:
                continue
            t0 = time.perf_counter()
            matvec, settle = self._counted(op, len(self.data) * self.c.lanczos_steps)
            # one generator per vector: a resumed run draws the same start vectors
            ((nodes, weights),) = slq(
                matvec, self.n, self.c.lanczos_steps, 1, generator(self.c.seed, "hessian-slq", v), op.device, op.dtype
            )
            settle()
            self.emit(
                [
                    self._row("slq", v, float(t), op, t0, weight=float(w), node=j, images=self.images)
                    for j, (t, w) in enumerate(zip(nodes.tolist(), weights.tolist()))
                ]
            )


def run(
    config: Config, bundles: Sequence[ModelBundle], images, run_dir, opts: EngineOptions
) -> tuple[list[dict], dict[str, str]]:
    """Decode the fixed batch set once, then every measure of every model in fp32; failures stay per model."""
    # rank 0's view of what is recorded, so every rank plans (and exchanges) the same work
    done = broadcast(
        {_key(r["model"], r.get("weights", ""), r["condition"], r["measure"], r["index"]) for r in run_dir.records()},
        opts.dist,
    )
    todo = [
        b for b in bundles if any(k not in done for c in config.data for k in planned(config, b.name, b.weights_id, c))
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

    def emit(rows: list[dict]) -> None:
        if opts.dist.is_main:  # every rank has the same rows; only rank 0 writes
            run_dir.append_records(rows)
            new.extend(rows)

    for b in todo:
        b.model.float()  # fp32 always: eigenvalues of a bf16 Hessian are mostly rounding noise
        params = trainable(b.model)
        try:
            for cond in config.data:
                data = fixed.tensors(decoded, b.geometry, cond, config.seed, opts.device)
                ms = ModelSpectra(config, b, params, data, cond, done, emit, opts.dist)
                # counted in mini-batch Hessian-vector products, with an ETA: a measure can take minutes
                ms.bar = progress_bar(ms.budget(), f"{b.name} {cond}", "HVP", opts.progress and opts.dist.is_main)
                try:
                    for measure in config.measures:
                        if measure == "spectrum":
                            ms.spectrum()
                        else:
                            {"top-k": ms.top_k, "trace": ms.trace, "density": ms.density}[measure]()
                finally:
                    ms.bar.close()
        except MODEL_ERRORS as e:  # one broken model must not sink the others
            model_failed(failed, b, e, run_dir)
        finally:
            for p in params:
                p.requires_grad_(False)
    return new, failed
