"""The shape-bias / 16-class sweep: one engine pass, the 1000-way logits mapped to the 16-category decision.

Each model's logits go through :func:`.categories.category_probabilities` (softmax, mean over each category's
ImageNet classes, as model-vs-human); the engine receives the log of those 16 probabilities as the condition's
logits, so its top-1 is the 16-class accuracy against the folder (shape) label and ``--per-image`` rows carry the
16-class decision (``pred``, an index into CATEGORIES). Shape / texture hits are per-image extras the engine
averages over the subsets they are given (the cue-conflict stimuli, per category too), so shape bias
= shape hits / (shape + texture hits) is exact and survives an interrupted, resumed pass.
"""

from __future__ import annotations

import torch

from intriguing.engine import EngineOptions, Output, Sweep, run_sweep
from intriguing.experiments.shape_bias.categories import CATEGORIES, category_probabilities
from intriguing.experiments.shape_bias.conditions import Task
from intriguing.experiments.shape_bias.stimuli import Stimuli
from intriguing.zoo import ModelBundle


def hit_columns(decision: torch.Tensor, shape: torch.Tensor, texture: torch.Tensor) -> dict[str, torch.Tensor]:
    """Per-image 0/1 values for the engine to average: over cue-conflict stimuli (shape != texture) only.

    ``shape_hits`` / ``texture_hits``: fraction of conflict stimuli decided as their shape / texture;
    ``shape_bias``: over the conflict stimuli decided as shape or texture, the fraction decided as shape;
    the same per shape category (``shape_hits_<c>``, ``texture_hits_<c>``). Every column is present on every
    batch (possibly empty), so batches split on out-of-memory concatenate."""
    conflict = shape != texture
    s, t = (decision == shape) & conflict, (decision == texture) & conflict
    out = {"shape_hits": s[conflict].float(), "texture_hits": t[conflict].float(), "shape_bias": s[s | t].float()}
    for i, c in enumerate(CATEGORIES):
        sel = conflict & (shape == i)
        out[f"shape_hits_{c}"], out[f"texture_hits_{c}"] = s[sel].float(), t[sel].float()
    return out


def accuracy_columns(decision: torch.Tensor, shape: torch.Tensor) -> dict[str, torch.Tensor]:
    """Per-image 0/1 correct for each category present (``accuracy_<c>``; the overall one is top1)."""
    correct = (decision == shape).float()
    return {f"accuracy_{c}": correct[shape == i] for i, c in enumerate(CATEGORIES)}


class ShapeBiasSweep(Sweep[Task]):
    def __init__(self, stimuli: Stimuli) -> None:
        self.stimuli = stimuli

    def conditions(self, bundle: ModelBundle) -> list[Task]:
        return [Task(self.stimuli.task)]

    def evaluate(self, bundle: ModelBundle, cond: Task, x01: torch.Tensor, batch) -> Output:
        p16 = category_probabilities(bundle(x01))
        decision = p16.argmax(dim=-1)
        shape = batch.labels.to(decision.device)
        if self.stimuli.texture is None:
            extras = accuracy_columns(decision, shape)
        else:
            extras = hit_columns(decision, shape, self.stimuli.texture[batch.indices].to(decision.device))
        # log p16 keeps the argmax (ties included) and makes softmax(logits) the renormalised 16-way distribution
        return Output(p16.clamp_min(1e-30).log(), extras)


def run(bundles, stimuli: Stimuli, run_dir, opts: EngineOptions):
    return run_sweep(ShapeBiasSweep(stimuli), bundles, stimuli.images, run_dir, opts)
