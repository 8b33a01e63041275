"""Fourier analysis of feature maps (Park & Kim 2022, Fig. 2a-b, 8, 9): MSAs low-pass, Convs high-pass.

For every model, the residual stream after each block (ViTs: each attention and each MLP sub-block)
is read with forward hooks, reshaped to a feature map, and its relative log amplitude (Δ log
amplitude from frequency 0 to pi, averaged over channels) and feature-map variance are averaged over
all images -- not one image as in the original notebook. One pass over the data serves all models;
the running sums are checkpointed so an interrupted run resumes.

Records (one row per model x block x frequency): block, kind (stem/attn/mlp/block), depth
(normalised), freq (units of pi), delta_log_amplitude (mean and std over images), variance.
``--paper-compat`` reads the notebook's half-diagonal (stops one step short of pi).
"""
from __future__ import annotations

import time
from typing import Dict, List, Tuple

import torch
from tqdm.auto import tqdm

from intriguing.features.blocks import BlockFeatures, block_specs, normalized_depths
from intriguing.data import make_loader
from intriguing.device import autocast
from intriguing.engine.core import MODEL_ERRORS, EngineOptions, drop_model
from intriguing.errors import UserError
from intriguing.features.spectral import SpectrumAccumulator
from intriguing.experiments.fourier.report import report  # noqa: F401  (the module's report)



def _records(name: str, model, acc: SpectrumAccumulator) -> List[dict]:
    specs = [s for s in block_specs(model) if s.name in acc.stats]
    rows = []
    for i, (spec, depth) in enumerate(zip(specs, normalized_depths(specs))):
        r = acc.result(spec.name)
        for f, v, sd in zip(r["freqs"], r["curve"], r["curve_std"]):
            rows.append({"model": name, "block": spec.name, "kind": spec.kind, "index": i, "depth": round(depth, 6),
                         "freq": round(f, 6), "delta_log_amplitude": v, "delta_log_amplitude_std": sd,
                         "variance": r["variance"], "variance_std": r["variance_std"], "height": r["height"],
                         "width": r["width"], "n_images": r["n_images"]})
    return rows


def run(config, bundles, images, run_dir, opts: EngineOptions) -> Tuple[List[dict], Dict[str, str]]:
    """One pass: every batch through every model with block hooks; rows written when the pass ends.

    As in the engine: records are matched on (model, weights), and the saved state holds whole batches only (the
    spectra as they were when every model had finished the last batch), so a resumed run counts no image twice."""
    done = {(str(r["model"]), str(r.get("weights", ""))) for r in run_dir.records()}
    todo = [b for b in bundles if (b.name, b.weights_id) not in done]
    failed: Dict[str, str] = {}
    for b in list(todo):  # an architecture without recognisable blocks fails alone, before the pass
        try:
            block_specs(b.model)
        except UserError as e:
            failed[b.name] = str(e)
            todo.remove(b)
    if not todo:
        return [], failed
    accs = {b.name: SpectrumAccumulator(config.paper_compat) for b in todo}
    models = [[b.name, b.weights_id] for b in todo]
    n_done, bad = 0, []
    partial = run_dir.load_partial()
    if partial and partial.get("models") == models and partial.get("n_total") == len(images):
        n_done, bad = partial["n_done"], partial["bad"]
        for name, state in partial["spectra"].items():
            accs[name].load_state_dict(state)

    def whole() -> dict:
        """The pass state now, between batches (copies: later batches do not change it)."""
        return {"models": models, "n_total": len(images), "n_done": n_done, "bad": list(bad),
                "spectra": {k: a.state_dict() for k, a in accs.items()}}

    committed = whole()

    active = list(todo)
    loader = make_loader(images, [b.geometry for b in todo], opts.batch_size, opts.workers, start=n_done)
    last = time.monotonic()
    try:
        for batch in tqdm(loader, total=len(loader), disable=not opts.progress, desc="fourier", unit="batch"):
            bad += batch.bad_paths
            for b in list(active) if len(batch) else []:
                try:
                    x = batch.views[b.geometry].to(opts.device).float().div_(255)
                    acc = accs[b.name]
                    with torch.inference_mode(), autocast(opts.device, opts.precision), \
                            BlockFeatures(b.model, on_feature=lambda s, f, acc=acc: acc.update(s.name, f.float())):
                        b(x)
                except MODEL_ERRORS as e:
                    drop_model(active, failed, b, e)
            n_done += len(batch) + len(batch.bad_paths)
            committed = whole()  # every model has finished this batch
            if time.monotonic() - last > opts.checkpoint_every:
                run_dir.save_partial(committed)
                last = time.monotonic()
    except BaseException:
        run_dir.save_partial(committed)  # never a half-counted batch
        raise
    rows = [{**r, "weights": b.weights_id} for b in active for r in _records(b.name, b.model, accs[b.name])]
    run_dir.append_records(rows)
    run_dir.clear_partial()
    run_dir.write_manifest(skipped_images=sorted(set(run_dir.manifest.get("skipped_images", [])) | set(bad)))
    return rows, failed
