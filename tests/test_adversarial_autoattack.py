"""``intriguing adversarial`` beyond FGSM / PGD: AutoAttack end to end (the budget holds, robust <= clean, the number
does not depend on the batch size, the reference's standard settings), calibration columns computed on the
adversarial images (checked against a hand computation) and the reliability diagrams."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from intriguing.attacks import PixelModel
from intriguing.attacks.library import AA_STEPS, AA_TARGETS, standard_autoattack
from intriguing.cli import run_command as main
from intriguing.data import make_loader, scan_folder
from intriguing.records import read_records
from intriguing.zoo import load_model
from robust_helpers import NET, predicted_images

torchattacks = pytest.importorskip("torchattacks")
ARGS = ["--workers", "0", "--no-progress", "--device", "cpu"]


@pytest.fixture
def predicted_folder(tmp_path):
    """Images the small net classifies correctly: an attack has every image to work on."""
    return predicted_images(tmp_path / "predicted")


def run(folder, out, *extra):
    assert main("adversarial", ["--models", NET, "--data-path", str(folder), "--out-dir", str(out), *ARGS, *extra]) == 0
    return read_records(out)


def test_autoattack_has_the_reference_standard_settings():
    net = PixelModel(load_model(NET))
    aa = standard_autoattack(net, 4 / 255, "linf", 1000, 0)
    apgd, apgdt, fab, square = aa.attacks
    assert (apgd.steps, apgd.loss, apgd.n_restarts) == (AA_STEPS, "ce", 1) == (100, "ce", 1)
    assert apgdt.steps == fab.steps == 100 and apgdt.n_target_classes == fab.n_target_classes == AA_TARGETS == 9
    assert fab.multi_targeted and (square.n_queries, square.p_init, square.rescale_schedule) == (5000, 0.8, False)
    # a 5-class head has only 4 other classes to target
    assert standard_autoattack(net, 4 / 255, "linf", 5, 0).attacks[1].n_target_classes == 4


def test_autoattack_end_to_end_bound_and_batch_independence(tmp_path, predicted_folder):
    common = ["--attacks", "autoattack", "--eps", "0", "2", "--limit", "3", "--pictures", "0", "--no-plot"]
    recs = run(predicted_folder, tmp_path / "b3", *common, "--batch-size", "3")
    state = torch.random.get_rng_state()
    one = run(predicted_folder, tmp_path / "b1", *common, "--batch-size", "1")
    assert torch.equal(state, torch.random.get_rng_state())  # the components' reseeding does not leak out
    by_eps = {r["eps"]: r for r in recs}
    assert set(by_eps) == {0.0, 2.0} and all(r["n"] == 3 and r["attack"] == "autoattack" for r in recs)
    clean, adv = by_eps[0.0], by_eps[2.0]
    assert clean["top1"] == clean["clean_top1"] == 100.0 and clean["linf_255"] == 0
    assert 0 < adv["linf_255"] <= 2 + 1e-4  # mean L-inf norm of the perturbations, 1/255 units
    assert adv["top1"] <= adv["clean_top1"] == 100.0 and adv["top1"] < 100  # it fools at least one image
    assert adv["success"] == 100 - adv["top1"]  # every image was clean-correct
    # the L2 norm of the perturbation shows the random starts: chunks of one image, seeded per image, make batch
    # sizes 1 and 3 agree to the last digit; chunks of 3 cut by batches of 1 are attacked differently
    key = lambda rs: sorted((r["eps"], r["top1"], r["success"], round(r["l2"], 6)) for r in rs)  # noqa: E731
    assert key(one) == key(recs)
    cut = run(predicted_folder, tmp_path / "c3b1", *common, "--batch-size", "1", "--autoattack-chunk", "3")
    whole = run(predicted_folder, tmp_path / "c3b3", *common, "--batch-size", "3", "--autoattack-chunk", "3")
    assert key(cut) != key(whole)


def _ece_nll(logits: torch.Tensor, labels: torch.Tensor, bins: int = 15):
    """Expected calibration error (%, equal-width confidence bins, as Guo et al.) and NLL, by hand."""
    p = logits.double().softmax(1)
    conf, pred = p.max(1)
    correct = (pred == labels).double()
    ece = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        sel = (conf >= lo) & ((conf < hi) if b < bins - 1 else (conf <= hi))
        if sel.any():
            ece += float(sel.double().mean()) * abs(float(conf[sel].mean()) - float(correct[sel].mean()))
    nll = float(-p[torch.arange(len(labels)), labels].log().mean())
    return 100 * ece, nll


def test_calibration_columns_are_those_of_the_adversarial_images(tmp_path, predicted_folder):
    out = tmp_path / "cal"
    recs = run(
        predicted_folder,
        out,
        "--attacks",
        "fgsm",
        "--eps",
        "0",
        "6",
        "--metrics",
        "topk,calibration",
        "--batch-size",
        "12",
        "--pictures",
        "0",
    )
    b = load_model(NET)
    images = scan_folder(predicted_folder)
    batch = next(iter(make_loader(images, [b.geometry], len(images), 0)))
    x, y = batch.views[b.geometry].float() / 255, batch.labels
    x.requires_grad_(True)
    (grad,) = torch.autograd.grad(F.cross_entropy(b(x), y), x)  # FGSM by hand
    adv = (x + 6 / 255 * grad.sign()).clamp(0, 1).detach()
    with torch.no_grad():
        expected = {0.0: _ece_nll(b(x.detach()), y), 6.0: _ece_nll(b(adv), y)}
    for r in recs:
        ece, nll = expected[r["eps"]]
        assert r["ece"] == pytest.approx(ece, abs=1e-4) and r["nll"] == pytest.approx(nll, abs=1e-5)
    ece = {r["eps"]: r["ece"] for r in recs}
    assert ece[6.0] != ece[0.0]  # the attacked images' calibration, not the clean one's
    assert (out / "reliability.png").stat().st_size > 10_000
