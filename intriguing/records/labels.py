"""What a model is called when one run or one results folder holds several weights under one model name.

``--models vit_small_patch16_224=A.pth,vit_small_patch16_224=B.pth`` evaluates two models with one name. Records
keep ``model`` (the name) and ``weights`` (the identity of the weights) apart, so nothing is mixed up on disk; what
a person reads — tables, plots, failures, file names of per-model outputs — calls each ``name [A.pth]`` (the whole
weights identity when two files share a name), so that two weights are never averaged as two runs of one model.
A model with one set of weights keeps its plain name.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence


def short_weights(weights: str) -> str:
    """``A.pth:1234:abcd...`` (a checkpoint file's identity) -> ``A.pth``; any other identity (a hub id, a URL,
    ``random init``) as it is."""
    parts = weights.rsplit(":", 2)
    return parts[0] if len(parts) == 3 and parts[1].isdigit() else weights


def model_labels(pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """(model, weights) -> its label: the model's name when it comes with one set of weights, else
    ``model [A.pth]`` (``model [A.pth:1234:abcd...]`` when two of its weights files share a name). An empty
    weights value (rows that carry no weights column) never counts as other weights."""
    weights: dict[str, list[str]] = defaultdict(list)
    for model, w in pairs:
        if w and w not in weights[model]:
            weights[model].append(w)
    out: dict[tuple[str, str], str] = {}
    for model, ws in weights.items():
        shorts = [short_weights(w) for w in ws]
        for w, s in zip(ws, shorts):
            out[(model, w)] = model if len(ws) == 1 else f"{model} [{s if shorts.count(s) == 1 else w}]"
    return out


def label_records(rows: Sequence[dict]) -> list[dict]:
    """``rows`` (records or per-image rows) with ``model`` replaced by its label where a model has several weights;
    every other row is returned as it is."""
    labels = model_labels((str(r.get("model", "")), str(r.get("weights") or "")) for r in rows)
    out = []
    for r in rows:
        label = labels.get((str(r.get("model", "")), str(r.get("weights") or "")))
        out.append({**r, "model": label} if label is not None and label != r.get("model") else r)
    return out
