"""Calibration metrics: calibrated predictor has ECE ~ 0, hand-checked values, additive state, plot."""

import math

import matplotlib
import pytest
import torch

matplotlib.use("Agg")

from intriguing.metrics.calibration import Calibration, bins_from_record, reliability_diagram  # noqa: E402


def _predictor(n, calibrated=True, seed=0, classes=10):
    """Logits whose top class has confidence c ~ U(0.2, 1); the label equals it with probability c."""
    g = torch.Generator().manual_seed(seed)
    conf = 0.2 + 0.8 * torch.rand(n, generator=g)
    pred = torch.randint(0, classes, (n,), generator=g)
    probs = ((1 - conf) / (classes - 1)).view(-1, 1).repeat(1, classes)
    probs[torch.arange(n), pred] = conf
    p_correct = conf if calibrated else conf * 0.7
    hit = torch.rand(n, generator=g) < p_correct
    other = (pred + torch.randint(1, classes, (n,), generator=g)) % classes
    labels = torch.where(hit, pred, other)
    return probs.log(), labels


def test_calibrated_predictor_has_ece_near_zero():
    logits, labels = _predictor(100_000)
    m = Calibration()
    m.update(logits, labels)
    r = m.result()
    assert r["ece"] < 0.8 and abs(r["ece_signed"]) < 0.8  # percent
    bad = Calibration()
    bad.update(*_predictor(100_000, calibrated=False))
    assert bad.result()["ece"] > 10 and bad.result()["ece_signed"] > 10  # over-confident


def test_hand_computed_values():
    # 4 samples, 2 classes: probabilities of class 0 / labels
    p0 = torch.tensor([0.95, 0.65, 0.25, 0.92])
    labels = torch.tensor([0, 0, 0, 1])
    logits = torch.stack([p0, 1 - p0], 1).log()
    m = Calibration(n_bins=10)
    m.update(logits, labels)
    r = m.result()
    p_true = torch.tensor([0.95, 0.65, 0.25, 0.08])
    assert r["nll"] == pytest.approx(float(-p_true.log().mean()), rel=1e-5)
    assert r["brier"] == pytest.approx(float((2 * (1 - p_true) ** 2).mean()), rel=1e-5)
    # confidences 0.95 (ok), 0.65 (ok), 0.75 (wrong), 0.92 (wrong)
    assert r["freq90"] == pytest.approx(50.0)
    assert r["acc90"] == pytest.approx(50.0)
    assert r["unc90"] == pytest.approx(50.0)  # of 2 wrong, one has conf < 0.9
    ece = (abs(0.95 + 0.92 - 1) + abs(0.65 - 1) + abs(0.75 - 0)) / 4
    assert r["ece"] == pytest.approx(100 * ece, rel=1e-5)


def test_state_is_additive_and_resumable():
    logits, labels = _predictor(1000, seed=1)
    whole = Calibration()
    whole.update(logits, labels)
    part = Calibration()
    part.update(logits[:300], labels[:300])
    resumed = Calibration()
    resumed.load_state_dict(part.state_dict())
    resumed.update(logits[300:], labels[300:])
    merged = Calibration()
    merged.update(logits[:300], labels[:300])
    rest = Calibration()
    rest.update(logits[300:], labels[300:])
    merged.merge(rest)
    for other in (resumed, merged):
        for k, v in whole.result().items():
            if k != "calibration_bins":
                assert other.result()[k] == pytest.approx(v, rel=1e-9, abs=1e-12)


def test_paper_compat_uses_ten_bins_and_strict_cut():
    m = Calibration(paper_compat=True, threshold=0.5)
    logits = torch.tensor([[0.0, 0.0]])  # confidence exactly 0.5
    m.update(logits, torch.tensor([0]))
    assert m.n_bins == 10 and m.result()["freq90"] == 0.0
    d = Calibration(threshold=0.5)
    d.update(logits, torch.tensor([0]))
    assert d.result()["freq90"] == 100.0
    assert all(math.isnan(v) for v in Calibration().result().values())
    assert set(d.result()) == {"nll", "brier", "ece", "ece_signed", "acc90", "unc90", "freq90", "calibration_bins"}


def test_reliability_diagram_draws(tmp_path):
    m = Calibration()
    m.update(*_predictor(2000))
    bins = m.bins()
    assert sum(bins["count"]) == 2000 and len(bins["edges"]) == 16
    again = bins_from_record(m.result()["calibration_bins"])  # the record column round-trips
    assert again["count"] == bins["count"]
    assert again["accuracy"] == pytest.approx(bins["accuracy"], nan_ok=True)
    assert again["confidence"] == pytest.approx(bins["confidence"], abs=1e-6, nan_ok=True)
    fig = reliability_diagram(bins, title="t")
    fig.savefig(tmp_path / "r.png")
    assert (tmp_path / "r.png").stat().st_size > 1000
