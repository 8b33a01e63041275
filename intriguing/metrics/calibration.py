"""Calibration metrics as additive sufficient statistics: NLL, Brier, ECE (and signed), Acc/Unc/Freq-90.

Definitions follow Park & Kim (``ops/tests.py`` of how-do-vits-work; Guo et al. 2017 for ECE):

* ``nll``: mean negative log-likelihood of the true class (natural log).
* ``brier``: mean over samples of sum_k (p_k - onehot_k)^2.
* ``ece``: sum_b (n_b / n) |acc_b - conf_b| over equal-width confidence bins, in percent.
* ``ece_signed``: sum_b (n_b / n) (conf_b - acc_b), in percent; > 0 means over-confident.
* ``acc90``: accuracy (%) of predictions whose confidence >= 0.9.
* ``unc90``: share (%) of wrong predictions that have confidence < 0.9 ("knows when it is wrong").
* ``freq90``: share (%) of predictions with confidence >= 0.9.
* ``calibration_bins``: the per-bin sums as one compact JSON string, so reliability diagrams are
  drawn from records (:func:`bins_from_record`).

Sums are exact integers (per-sample values rounded to 2**-32), so every column is identical, not just close,
whatever the batch size or the split into shards, given the same logits.

Confidence is the max softmax probability. ``paper_compat=True`` reproduces the original quirks:
10 bins, a strict ``> 0.9`` cut for the 90 metrics, and bins ``[lo, hi)`` that drop confidence == 1.0.
"""

from __future__ import annotations

import json
import math
from typing import Optional

import torch
import torch.nn.functional as F

from intriguing.metrics.base import Metric

# Sums are kept as exact integers of per-sample values rounded to 2**-32 (~2e-10): integer addition does not
# depend on the order or grouping, so the columns are identical whatever the batch size, the resume point or
# the number of torchrun shards (float sums, even float64, change in the last bits with the grouping).
FIXED_BITS = 32
FIXED_SCALE = float(2**FIXED_BITS)


def _fixed(values: torch.Tensor) -> torch.Tensor:
    """Per-sample float64 values as int64 multiples of 2**-FIXED_BITS (exact to add in any order)."""
    return torch.round(values.double() * FIXED_SCALE).to(torch.int64)


class Calibration(Metric):
    """Accumulates per-bin count / sum-confidence / sum-correct plus NLL, Brier and 90%-cut counts."""

    config_keys = ("n_bins", "threshold", "paper_compat")

    def __init__(self, n_bins: int = 15, threshold: float = 0.9, paper_compat: bool = False) -> None:
        if paper_compat:
            n_bins = 10
        self.n_bins = int(n_bins)
        self.threshold = float(threshold)
        self.paper_compat = bool(paper_compat)
        self.reset()

    def reset(self) -> None:
        self.n = 0
        self.n_correct = 0
        self.nll_fixed = 0  # sums as exact integers in units of 2**-FIXED_BITS (see _fixed)
        self.brier_fixed = 0
        self.bin_count = [0] * self.n_bins
        self.bin_conf_fixed = [0] * self.n_bins
        self.bin_correct = [0] * self.n_bins
        self.n_confident = 0  # confidence >= threshold
        self.n_confident_correct = 0
        self.n_wrong_unconfident = 0  # wrong and confidence < threshold
        self.n_nonfinite = 0  # NaN / inf logits: the calibration columns are then NaN, not numbers

    @property
    def nll_sum(self) -> float:
        return self.nll_fixed / FIXED_SCALE

    @property
    def brier_sum(self) -> float:
        return self.brier_fixed / FIXED_SCALE

    @property
    def bin_conf(self) -> list[float]:
        return [v / FIXED_SCALE for v in self.bin_conf_fixed]

    @torch.no_grad()
    def stats(
        self, logits: torch.Tensor, labels: torch.Tensor, indices: Optional[torch.Tensor] = None
    ) -> dict[str, torch.Tensor]:
        """Fixed-shape per-bin sums (scatter-adds, no boolean indexing or bincount: nothing waits for the GPU)."""
        logits = logits.detach().double()
        labels = labels.detach().to(logits.device).long().view(-1)
        logp = F.log_softmax(logits, dim=-1)
        probs = logp.exp()
        conf, pred = probs.max(dim=-1)
        correct = pred.eq(labels)
        onehot = F.one_hot(labels, logits.shape[-1]).double()
        finite = torch.isfinite(conf)
        idx = torch.floor(conf * self.n_bins).long()
        if self.paper_compat:  # [lo, hi) bins: confidence exactly 1.0 falls outside every bin
            keep = (idx < self.n_bins) & finite
            confident = conf > self.threshold
        else:
            keep = finite
            confident = conf >= self.threshold
        idx = torch.where(finite, idx, 0).clamp(0, self.n_bins - 1)  # an index the scatter accepts; weight 0 if out
        w = keep.long()
        zeros = torch.zeros(self.n_bins, dtype=torch.int64, device=logits.device)
        return {
            "counts": torch.stack(
                [
                    correct.sum(),
                    _fixed(-logp.gather(1, labels.view(-1, 1)).view(-1)).sum(),
                    _fixed((probs - onehot).pow(2).sum(dim=1)).sum(),
                    confident.sum(),
                    (confident & correct).sum(),
                    (~confident & ~correct).sum(),
                    (~finite).sum(),
                ]
            ),
            "n": torch.tensor(labels.numel()),
            "bin_count": zeros.index_add(0, idx, w),
            "bin_conf": zeros.index_add(0, idx, torch.where(keep, _fixed(conf), 0)),
            "bin_correct": zeros.index_add(0, idx, (correct & keep).long()),
        }

    def add(self, stats: dict[str, torch.Tensor]) -> None:
        (n_correct, nll, brier, n_confident, n_confident_correct, n_wrong_unconfident, n_nonfinite) = stats[
            "counts"
        ].tolist()
        self.n += int(stats["n"])
        self.n_correct += n_correct
        self.nll_fixed += nll
        self.brier_fixed += brier
        self.n_confident += n_confident
        self.n_confident_correct += n_confident_correct
        self.n_wrong_unconfident += n_wrong_unconfident
        self.n_nonfinite += n_nonfinite
        for name in ("bin_count", "bin_conf_fixed", "bin_correct"):
            column = stats["bin_conf" if name == "bin_conf_fixed" else name].tolist()
            setattr(self, name, [a + b for a, b in zip(getattr(self, name), column)])

    def state_dict(self) -> dict:
        return {
            "n_bins": self.n_bins,
            "threshold": self.threshold,
            "paper_compat": self.paper_compat,
            "n": self.n,
            "n_correct": self.n_correct,
            "nll_fixed": self.nll_fixed,
            "brier_fixed": self.brier_fixed,
            "bin_count": list(self.bin_count),
            "bin_conf_fixed": list(self.bin_conf_fixed),
            "bin_correct": list(self.bin_correct),
            "n_confident": self.n_confident,
            "n_confident_correct": self.n_confident_correct,
            "n_wrong_unconfident": self.n_wrong_unconfident,
            "n_nonfinite": self.n_nonfinite,
        }

    def load_state_dict(self, state: dict) -> None:
        self.n_bins = int(state["n_bins"])
        self.threshold = float(state["threshold"])
        self.paper_compat = bool(state["paper_compat"])
        for key in (
            "n",
            "n_correct",
            "n_confident",
            "n_confident_correct",
            "n_wrong_unconfident",
            "nll_fixed",
            "brier_fixed",
        ):
            setattr(self, key, int(state[key]))
        self.n_nonfinite = int(state.get("n_nonfinite", 0))  # absent from checkpoints of earlier versions
        self.bin_count = [int(v) for v in state["bin_count"]]
        self.bin_conf_fixed = [int(v) for v in state["bin_conf_fixed"]]
        self.bin_correct = [int(v) for v in state["bin_correct"]]

    def merge(self, other: Calibration) -> None:
        """Add another accumulator's statistics (e.g. from a second shard) into this one."""
        state, mine = other.state_dict(), self.state_dict()
        for key, value in state.items():
            if isinstance(value, list):
                setattr(self, key, [a + b for a, b in zip(mine[key], value)])
            elif key not in ("n_bins", "threshold", "paper_compat"):
                setattr(self, key, mine[key] + value)

    def bins(self) -> dict[str, list]:
        """Per-bin edges, counts, mean confidence and accuracy (NaN for empty bins) for plotting."""
        acc = [c / n if n else float("nan") for c, n in zip(self.bin_correct, self.bin_count)]
        conf = [s / n if n else float("nan") for s, n in zip(self.bin_conf, self.bin_count)]
        edges = [i / self.n_bins for i in range(self.n_bins + 1)]
        return {"edges": edges, "count": list(self.bin_count), "confidence": conf, "accuracy": acc}

    def result(self) -> dict[str, float]:
        nan = float("nan")
        if self.n == 0 or self.n_nonfinite:  # non-finite confidences have no calibration (never silent numbers)
            return {k: nan for k in ("nll", "brier", "ece", "ece_signed", "acc90", "unc90", "freq90")}
        packed = json.dumps(
            {"count": self.bin_count, "conf": [round(v, 6) for v in self.bin_conf], "correct": self.bin_correct},
            separators=(",", ":"),
        )
        total = sum(self.bin_count)
        ece = signed = 0.0
        for n_b, s_conf, s_ok in zip(self.bin_count, self.bin_conf, self.bin_correct):
            if n_b:  # (n_b/n)(conf_b - acc_b) = (sum_conf - sum_correct)/n
                ece += abs(s_conf - s_ok) / total
                signed += (s_conf - s_ok) / total
        n_wrong = self.n - self.n_correct
        return {
            "nll": self.nll_sum / self.n,
            "brier": self.brier_sum / self.n,
            "ece": 100.0 * ece,
            "ece_signed": 100.0 * signed,
            "acc90": 100.0 * self.n_confident_correct / self.n_confident if self.n_confident else nan,
            "unc90": 100.0 * self.n_wrong_unconfident / n_wrong if n_wrong else nan,
            "freq90": 100.0 * self.n_confident / self.n,
            "calibration_bins": packed,  # type: ignore[dict-item]  (a string column, for plots)
        }


def bins_from_record(value: str) -> dict[str, list]:
    """Turn a record's ``calibration_bins`` column back into :meth:`Calibration.bins` form."""
    d = json.loads(value)
    n_bins = len(d["count"])
    return {
        "edges": [i / n_bins for i in range(n_bins + 1)],
        "count": d["count"],
        "confidence": [s / n if n else float("nan") for s, n in zip(d["conf"], d["count"])],
        "accuracy": [c / n if n else float("nan") for c, n in zip(d["correct"], d["count"])],
    }


def reliability_diagram(
    bins: dict[str, list], ax=None, label: Optional[str] = None, title: Optional[str] = None, legend: bool = True
):
    """Draw accuracy vs confidence bars (with the gap to the diagonal) and a confidence histogram.

    ``bins`` is ``Calibration.bins()`` or the same dict read back from a record/manifest. Returns the
    matplotlib Figure (a new one when ``ax`` is None).
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    edges = bins["edges"]
    n_bins = len(edges) - 1
    width = 1.0 / n_bins
    centers = [(edges[i] + edges[i + 1]) / 2 for i in range(n_bins)]
    acc = [0.0 if (a is None or math.isnan(a)) else a for a in bins["accuracy"]]
    conf = [c if not (c is None or math.isnan(c)) else m for c, m in zip(bins["confidence"], centers)]
    total = max(sum(bins["count"]), 1)
    if ax is None:
        fig, ax = plt.subplots(figsize=(4, 4))
    else:
        fig = ax.figure
    ax.bar(centers, acc, width=width, edgecolor="black", color="tab:blue", alpha=0.8, label=label or "accuracy")
    lows = [min(c, a) if n else 0.0 for c, a, n in zip(conf, acc, bins["count"])]
    gaps = [abs(c - a) if n else 0.0 for c, a, n in zip(conf, acc, bins["count"])]
    ax.bar(
        centers,
        gaps,
        bottom=lows,
        width=width,
        edgecolor="tab:red",
        color="tab:red",
        alpha=0.25,
        hatch="//",
        label="gap to confidence",
    )
    ax.plot([0, 1], [0, 1], ls=":", color="black")
    # share of samples per bin as a thin step curve on the same axes
    ax.step(
        edges,
        [0.0] + [n / total for n in bins["count"]],
        where="pre",
        color="tab:green",
        lw=1,
        label="share of samples",
    )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("Confidence")
    ax.set_ylabel("Accuracy")
    if title:
        ax.set_title(title, fontsize=8)
    if legend:
        ax.legend(loc="upper left", fontsize=6)
    return fig
