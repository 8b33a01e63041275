"""The adversarial sweep: every model x attack x budget (x source model with ``--transfer``) in one engine pass.

Attacks run inside :func:`intriguing.attacks.attack_mode` (gradients on, fp32) on [0, 1] pixels; the adversarial
images are then scored by the engine like any other condition (inference mode, the run's precision), so top-1,
top-5 and calibration columns describe the adversarial images. Per-image extras: ``clean_top1`` (the same images
unattacked, in the same view), ``success`` (fooled among the clean-correct images only: the engine averages an
extra over the values handed to it, and only clean-correct images are handed), ``linf_255`` and ``l2`` (the
perturbation's norms: L-inf in 1/255 units, L2 in [0, 1]-pixel units).

Transfer: the adversarial image crafted on the source's own view (its resize / crop) is what the target sees.
When the two models take different input sizes, the source's clean and adversarial images are resized to the
target's input size (bilinear, antialiased) and the record's ``view`` says so; ``clean_top1`` is measured on the
same resized clean images, so the drop is due to the perturbation only. ``own_clean_top1`` is the target's clean
top-1 on its own view (its own resize / crop), which can differ from ``clean_top1`` on the source's view.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Optional

import numpy as np
import torch
import torch.nn.functional as F

from intriguing.attacks import attack_mode, perturbation_norms, pgd, random_start
from intriguing.attacks.library import autoattack, fgsm
from intriguing.distributed import gather
from intriguing.engine import EngineOptions, Output, Sweep, run_sweep
from intriguing.experiments.adversarial.conditions import Attack
from intriguing.experiments.adversarial.config import ATTACKS, Config
from intriguing.experiments.adversarial.report import read_pictures
from intriguing.seeding import derive_seed
from intriguing.zoo import ModelBundle

PICTURES = "pictures.npz"


def attack_conditions(config: Config) -> list[Attack]:
    """Every (attack, budget, run); eps in the CLI's units, eps_px in [0, 1] pixels."""
    out = []
    for attack in config.attacks:
        norm = ATTACKS[attack]
        budgets = config.eps if norm == "linf" else config.eps_l2
        runs = config.runs if attack.startswith("pgd") and config.random_start else 1
        steps = config.steps if attack.startswith("pgd") else (1 if attack == "fgsm" else 0)
        for eps in budgets:
            px = eps / 255.0 if norm == "linf" else float(eps)
            out += [Attack(attack, norm, float(eps), round(px, 8), steps, run) for run in range(runs if eps > 0 else 1)]
    return out


def craft(
    config: Config, bundle: ModelBundle, x: torch.Tensor, y: torch.Tensor, indices: torch.Tensor, cond: Attack
) -> torch.Tensor:
    """The adversarial images of ``cond`` against ``bundle`` (fp32 gradients, outside inference mode)."""
    eps, norm, attack = cond.eps_px, cond.norm, cond.attack
    with attack_mode(x.device):
        x, y = x.detach().clone(), y.detach().clone()  # no inference tensors in the graph
        if attack.startswith("pgd"):
            start = None
            if config.random_start and eps > 0:
                start = random_start(indices, tuple(x.shape), eps, norm, config.seed, attack, cond.run)
            return pgd(bundle, x, y, eps, config.step_fraction() * eps, config.steps, norm, start)
        if attack == "fgsm":
            return fgsm(bundle, x, y, eps)
        n_classes = int(getattr(bundle.model, "num_classes", 1000))
        return autoattack(
            bundle,
            x,
            y,
            eps,
            norm,
            n_classes,
            indices,
            config.autoattack_chunk,
            lambda chunk: derive_seed(config.seed, attack, eps, config.autoattack_chunk, chunk),
        )


def fit(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """``x`` resized to ``size`` (bilinear, antialiased) when it differs; clipped to [0, 1]."""
    if tuple(x.shape[-2:]) == tuple(size):
        return x
    return F.interpolate(x, size=size, mode="bilinear", antialias=True, align_corners=False).clamp(0, 1)


class AdversarialSweep(Sweep[Attack]):
    def __init__(self, config: Config, bundles: Sequence[ModelBundle], device: torch.device) -> None:
        self.c = config
        self.sources = {b.label: b for b in bundles} if config.transfer else {}
        self.device = device
        self.cache: dict[tuple, tuple[torch.Tensor, torch.Tensor]] = {}
        self.pictures: dict[str, dict[str, list]] = {}
        self.picture_cond = self._picture_condition()

    def _picture_condition(self) -> Optional[Attack]:
        conds = [c for c in attack_conditions(self.c) if c.norm == "linf" and c.run == 0 and c.eps > 0]
        if not conds or not self.c.pictures:
            return None
        pgds = [c for c in conds if c.attack == "pgd"] or conds
        return max(pgds, key=lambda c: c.eps)

    def conditions(self, bundle: ModelBundle) -> list[Attack]:
        conds = attack_conditions(self.c)
        if not self.c.transfer:
            return conds
        return [replace(c, source=s, view=self.view(self.sources[s], bundle)) for s in self.sources for c in conds]

    @staticmethod
    def view(source: ModelBundle, target: ModelBundle) -> str:
        if source.input_size == target.input_size:
            return "source"
        return f"source resized {source.input_size[0]}->{target.input_size[0]}"

    def prepare(self, batch) -> None:
        self.batch = batch
        self.cache = {}

    def crafted(self, source: ModelBundle, x: torch.Tensor, cond: Attack) -> tuple[torch.Tensor, torch.Tensor]:
        """(clean, adversarial) images of ``source`` for ``cond`` on this batch, crafted once (for every target)."""
        key = (source.label, replace(cond, source=None, view=None))
        if key not in self.cache:
            labels = self.batch.labels.to(x.device)
            self.cache[key] = (x, craft(self.c, source, x, labels, self.batch.indices, cond))
        return self.cache[key]

    def source_view(self, source: ModelBundle) -> torch.Tensor:
        return self.batch.views[source.geometry].to(self.device).float().div_(255)

    def evaluate(self, bundle: ModelBundle, cond: Attack, x01: torch.Tensor, batch) -> Output:
        labels = self.once("labels", lambda: batch.labels.to(x01.device))
        source = self.sources[cond.source] if self.c.transfer else bundle
        xs = x01 if source is bundle else self.source_view(source)
        x, adv = self.crafted(source, xs, cond)
        x, adv = fit(x, bundle.input_size), fit(adv, bundle.input_size)
        # the clean images of each view, scored once per batch (the model's own view: its own clean images)
        clean = self.once(("clean", source.label), lambda: bundle(x).float())
        clean_ok = clean.argmax(1) == labels
        if self.c.transfer:  # the target's clean top-1 on its own view
            own_ok = (
                clean_ok
                if source is bundle
                else self.once(("clean", bundle.label), lambda: bundle(x01).float()).argmax(1) == labels
            )
        logits = clean if cond.eps_px == 0 else bundle(adv)  # budget 0: the clean images, scored above
        fooled = logits.float().argmax(1) != labels
        linf, l2 = perturbation_norms(adv, x)
        if source is bundle and cond == self.picture_cond_for(cond):
            self.stash(bundle, x, adv, labels, logits, batch.indices)
        extras = {
            "clean_top1": clean_ok.float() * 100,
            "success": fooled[clean_ok].float() * 100,
            "linf_255": linf * 255,
            "l2": l2,
        }
        if self.c.transfer:  # the target's own clean accuracy beside the source view's
            extras["own_clean_top1"] = own_ok.float() * 100
        return Output(logits, extras)

    def picture_cond_for(self, cond: Attack) -> Optional[Attack]:
        if self.picture_cond is None:
            return None
        return replace(self.picture_cond, source=cond.source, view=cond.view)

    def stash(self, bundle, x, adv, labels, logits, indices) -> None:
        keep = indices < self.c.pictures
        if not bool(keep.any()):
            return
        d = self.pictures.setdefault(bundle.label, {"x": [], "adv": [], "label": [], "pred": [], "index": []})
        d["x"].append(x[keep].cpu())
        d["adv"].append(adv[keep].cpu())
        d["label"].append(labels[keep].cpu())
        d["pred"].append(logits[keep].float().argmax(1).cpu())
        d["index"].append(indices[keep].cpu())

    def save_pictures(self, path: Path) -> None:
        """The stashed images and adversarial images as uint8 (x) / float16 (delta) arrays, for the report."""
        if not self.pictures:
            return
        arrays = read_pictures(path)
        for name, d in self.pictures.items():
            x, adv = torch.cat(d["x"]), torch.cat(d["adv"])
            arrays[f"{name}|x"] = (x * 255).round().to(torch.uint8).numpy()
            arrays[f"{name}|delta"] = (adv - x).to(torch.float16).numpy()
            for k in ("label", "pred", "index"):
                arrays[f"{name}|{k}"] = torch.cat(d[k]).numpy()
            arrays[f"{name}|eps"] = np.array(self.picture_cond.eps)
        np.savez_compressed(path, **arrays)

    def merge_pictures(self, parts: Sequence[dict[str, dict[str, list]]]) -> None:
        """Other ranks' stashed pictures after this rank's, in rank order (torchrun: rank 0 writes them all)."""
        for part in parts:
            for name, d in part.items():
                mine = self.pictures.setdefault(name, {k: [] for k in d})
                for k, v in d.items():
                    mine[k] += v


def run(config: Config, bundles: Sequence[ModelBundle], images, run_dir, opts: EngineOptions):
    sweep = AdversarialSweep(config, bundles, opts.device)
    path = Path(run_dir.path) / PICTURES
    read_pictures(path)  # a damaged file is one sentence now, not after the attacks
    try:
        result = run_sweep(sweep, bundles, images, run_dir, opts)
    except BaseException:
        if opts.dist.is_main:  # keep what was stashed; no collective here, the other ranks may be gone
            sweep.save_pictures(path)
        raise
    # each rank stashed the pictures of its own images; one writer, so pictures.npz is never written twice
    parts = gather(sweep.pictures, opts.dist)
    if opts.dist.is_main:
        sweep.merge_pictures(parts[1:])
        sweep.save_pictures(path)
    return result
