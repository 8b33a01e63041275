"""Linear probe: schedule, stratified validation split, honest selection, paper-compat labelling."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from intriguing.errors import UserError
from intriguing.experiments.transfer.probe import PAPER_SELECTION, ProbeConfig, lr_at, train_probe
from intriguing.experiments.transfer.splits import stratified_split


def blobs(n, classes=4, dim=12, spread=0.3, seed=0, shift=0):
    """Linearly separable Gaussian blobs (class means far apart)."""
    g = torch.Generator().manual_seed(100)
    means = torch.randn(classes, dim, generator=g) * 3
    g.manual_seed(seed)
    y = (torch.arange(n) + shift) % classes
    return means[y] + spread * torch.randn(n, dim, generator=g), y


FAST = dict(epochs=8, batch_size=32, lrs=(1e-2, 1e-3), weight_decays=(1e-4,))


def test_schedule_warms_up_then_cosine_decays():
    total, warm, base = 100, 10, 1.0
    lrs = [lr_at(s, total, warm, base, 0.01) for s in range(total)]
    assert lrs[0] == pytest.approx(0.1) and lrs[9] == pytest.approx(1.0)
    assert all(a < b for a, b in zip(lrs[:9], lrs[1:10]))
    assert all(a >= b for a, b in zip(lrs[10:], lrs[11:]))
    assert lrs[55] == pytest.approx(0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * 0.5)))
    assert lr_at(total, total, warm, base, 0.01) == pytest.approx(0.01)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 6), min_size=1, max_size=80), st.floats(0.05, 0.5), st.integers(0, 3))
def test_stratified_split_properties(labels, frac, seed):
    y = torch.tensor(labels)
    fit, val = stratified_split(y, frac, seed)
    assert sorted(fit.tolist() + val.tolist()) == list(range(len(y)))  # disjoint, complete
    for c in set(labels):
        n_c = labels.count(c)
        n_val = int((y[val] == c).sum())
        assert int((y[fit] == c).sum()) >= 1  # every class keeps training images
        if n_c >= 2:
            assert n_val == min(max(round(frac * n_c), 1), n_c - 1)
    again = stratified_split(y, frac, seed)
    assert torch.equal(again[0], fit) and torch.equal(again[1], val)


def test_probe_reaches_100_on_separable_features():
    xtr, ytr = blobs(400)
    xte, yte = blobs(200, seed=1)
    r = train_probe(xtr, ytr, xte, yte, ProbeConfig(**FAST))
    assert r.test_acc == 100.0 and r.val_acc == 100.0
    assert r.n_train + r.n_val == 400 and r.n_val == 40 and r.n_test == 200
    assert r.lr in FAST["lrs"] and 1 <= r.epoch <= FAST["epochs"]
    assert "validation" in r.selection and "refit" in r.selection
    assert len(r.curves) == 2 * FAST["epochs"] and {"val_acc", "val_loss", "train_loss"} <= set(r.curves[0])
    assert not any("test" in k for row in r.curves for k in row)


def test_validation_never_touches_test():
    """Selection depends on train only: scrambled test labels/features change nothing but the test score."""
    xtr, ytr = blobs(300, spread=2.0)  # noisy, so curves and choices are not trivially saturated
    xte, yte = blobs(100, spread=2.0, seed=1)
    cfg = ProbeConfig(**FAST)
    a = train_probe(xtr, ytr, xte, yte, cfg)
    b = train_probe(xtr, ytr, torch.randn_like(xte), yte[torch.randperm(100)], cfg)
    assert (a.lr, a.weight_decay, a.epoch, a.val_acc) == (b.lr, b.weight_decay, b.epoch, b.val_acc)
    assert a.curves == b.curves
    assert a.test_acc != b.test_acc


def test_keep_and_refit_policies_differ_only_in_final_model(monkeypatch):
    from intriguing.experiments.transfer import probe

    xtr, ytr = blobs(300, spread=2.0)
    xte, yte = blobs(100, spread=2.0, seed=1)
    calls = []
    real = probe._train

    def spy(views, y, *a, stop_after=None, **k):
        calls.append((len(y), stop_after))
        return real(views, y, *a, stop_after=stop_after, **k)

    monkeypatch.setattr(probe, "_train", spy)
    keep = train_probe(xtr, ytr, xte, yte, ProbeConfig(**FAST, final="keep"))
    keep_calls, calls[:] = list(calls), []
    refit = train_probe(xtr, ytr, xte, yte, ProbeConfig(**FAST, final="refit"))
    assert (keep.lr, keep.epoch, keep.val_acc) == (refit.lr, refit.epoch, refit.val_acc)  # same selection
    assert all(n < 300 for n, _ in keep_calls)  # keep: only the selection runs, on train minus validation
    assert calls[:-1] == keep_calls and calls[-1] == (300, refit.epoch)  # refit: once more, on all, to that epoch
    assert "keep" in keep.selection and "refit" in refit.selection


def test_paper_compat_reports_max_over_epochs_on_test_and_says_so():
    xtr, ytr = blobs(300, spread=2.5)
    xte, yte = blobs(200, spread=2.5, seed=1)
    r = train_probe(xtr, ytr, xte, yte, ProbeConfig(batch_size=32, paper_compat=True, paper_epochs=6))
    per_epoch = [row["test_acc"] for row in r.curves]
    assert len(per_epoch) == 6 and r.test_acc == max(per_epoch) and r.test_acc_last == per_epoch[-1]
    assert r.selection == PAPER_SELECTION and "test set" in r.selection
    assert (r.lr, r.weight_decay) == (5e-4, 0.05) and math.isnan(r.val_acc)
    assert all(row["lr"] == 5e-4 for row in r.curves)  # constant: the original never stepped its schedule


def test_augmented_views_are_used_per_epoch():
    xtr, ytr = blobs(200)
    xte, yte = blobs(100, seed=1)
    one = train_probe([xtr], ytr, xte, yte, ProbeConfig(**FAST))
    two = train_probe([xtr, torch.zeros_like(xtr)], ytr, xte, yte, ProbeConfig(**FAST))  # view 1: epochs 2, 4, ...
    curve = lambda r: [
        row["train_loss"]
        for row in r.curves
        if row["lr"] == r.curves[0]["lr"]  # noqa: E731
        and row["weight_decay"] == r.curves[0]["weight_decay"]
    ]
    assert curve(one)[0] == curve(two)[0]  # epoch 1 trains on view 0 in both
    assert curve(one) != curve(two)  # later epochs saw the (empty) second view
    with pytest.raises(UserError, match="same-shaped"):
        train_probe([xtr, xtr[:10]], ytr, xte, yte, ProbeConfig(**FAST))


def test_bad_configs_are_user_errors():
    with pytest.raises(UserError, match="final policy"):
        ProbeConfig(final="best")
    with pytest.raises(UserError, match=r"--val-fraction must lie in \(0, 1\); got 1.0"):
        ProbeConfig(val_fraction=1.0)
    x, y = torch.randn(3, 4), torch.tensor([0, 1, 2])  # one image per class: nothing to validate on
    with pytest.raises(UserError, match="validation split"):
        train_probe(x, y, x, y, ProbeConfig(**FAST))
