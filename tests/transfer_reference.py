"""Reference implementations of the transfer analysis, kept for the tests: ``extract_features`` (a plain loop
over a ``(images, labels)`` loader, what the command's engine pass in ``experiments/transfer/feature_pass.py``
replaced) and ``PerBlockTopK`` (top-k counts per block of ``features.heads.per_block_logits``, which the command
counts through the engine's accumulators). The package itself calls neither; ``bench/probe.py`` times
``extract_features`` as the plain loop."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import torch
from torch import nn

from intriguing.device import autocast
from intriguing.errors import UserError
from intriguing.experiments.transfer.features import POOLED, FeatureSet, batch_features, has_cls_token, resolve_blocks
from intriguing.features.heads import is_vit


@torch.inference_mode()
def extract_features(
    model: nn.Module,
    loader: Iterable,
    blocks: str | Sequence[int] | None = "last4",
    patch_mean: bool = False,
    device: torch.device | str = "cpu",
    precision: str = "auto",
    progress: bool = False,
    preprocess: Callable[[torch.Tensor], torch.Tensor] | None = None,
) -> FeatureSet:
    """One pass over ``loader`` ((images, labels) batches): every chosen block's feature per image.

    ``preprocess`` runs on the device before the model (e.g. uint8 -> the model's normalised input).
    Non-ViT models ignore ``blocks`` and give their pooled feature as block ``POOLED`` (-1).
    """
    device = torch.device(device)
    model = model.eval().to(device)
    vit = is_vit(model)
    picked = resolve_blocks(blocks, len(model.blocks)) if vit else (POOLED,)
    if patch_mean and not vit:
        raise UserError("--patch-mean needs a ViT (a model with patch tokens).")
    toks, pms, labs, skipped = [], [], [], []
    batches = loader
    if progress:  # counted in images where the loader knows its data set
        from intriguing.engine.progress import counted  # only when asked for

        total = len(loader.dataset) if hasattr(loader, "dataset") else None
        batches = counted(loader, total, lambda b: len(b[0]) + (len(b[2]) if len(b) > 2 else 0), "features")
    for images, labels, *reasons in batches:  # a third item lists the batch's unreadable files
        skipped += reasons[0] if reasons else []
        if len(images) == 0:
            continue
        x = images.to(device, non_blocking=True)
        x = preprocess(x) if preprocess is not None else x
        with autocast(device, precision):
            t, pm = batch_features(model, x, picked, patch_mean)
        toks.append(t.to("cpu", torch.float16))
        labs.append(torch.as_tensor(labels).long().cpu())
        if pm is not None:
            pms.append(pm.to("cpu", torch.float16))
    if not toks:
        raise UserError("The dataset gave no images to extract features from.")
    meta = {"token": ("cls" if has_cls_token(model) else "avg") if vit else "pooled", "vit": vit, "skipped": skipped}
    return FeatureSet(torch.cat(toks), torch.cat(labs), picked, torch.cat(pms) if pms else None, meta)


class PerBlockTopK:
    """Running top-1 / top-5 counts per block, fed one batch of logits at a time."""

    def __init__(self, blocks: Sequence[int], ks: Sequence[int] = (1, 5)) -> None:
        self.blocks = tuple(blocks)
        self.ks = tuple(ks)
        self.correct = torch.zeros(len(self.blocks), len(self.ks), dtype=torch.long)
        self.count = 0

    def update(self, logits: torch.Tensor, targets: torch.Tensor) -> None:
        """logits [n_blocks, B, C], targets [B]; targets < 0 (classes outside the head) count as wrong."""
        targets = targets.to(logits.device)
        kmax = min(max(self.ks), logits.shape[-1])
        top = logits.topk(kmax, dim=-1).indices  # [nb, B, kmax]
        hit = top == targets.view(1, -1, 1)
        for j, k in enumerate(self.ks):
            self.correct[:, j] += hit[..., :k].any(-1).sum(1).cpu()
        self.count += int(targets.numel())

    def records(self) -> list[dict]:
        """One record per block: block (0-based), n, and top<k> accuracy in percent."""
        rows = []
        for i, b in enumerate(self.blocks):
            row = {"block": b, "n": self.count}
            for j, k in enumerate(self.ks):
                row[f"top{k}"] = 100.0 * float(self.correct[i, j]) / max(1, self.count)
            rows.append(row)
        return rows
