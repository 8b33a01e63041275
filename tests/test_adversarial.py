"""Attacks: the budget is never exceeded (L-inf, L2), PGD matches torchattacks step for step, PGD is at least as
strong as FGSM, eps 0 changes nothing, random starts do not depend on the batch, and ``intriguing adversarial``
end to end on tiny random models (white-box sweep, transfer matrix across input sizes, pictures)."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from conftest import TINY_CONFIG
from intriguing.attacks import PixelModel, attack_mode, perturbation_norms, pgd, random_start
from intriguing.attacks.library import fgsm
from intriguing.cli import run_command as main
from intriguing.records import read_records
from intriguing.zoo.bundle import ZOO, ModelBundle, ZooEntry

torchattacks = pytest.importorskip("torchattacks")
ARGS = ["--workers", "0", "--no-progress"]


def tiny_bundle(seed: int = 0, size: int = 12) -> ModelBundle:
    torch.manual_seed(seed)
    net = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(2), nn.Flatten(), nn.Linear(32, 10)
    ).eval()
    return ModelBundle("tiny", net, dict(TINY_CONFIG, input_size=(3, size, size)))


@settings(max_examples=25, deadline=None)
@given(
    eps=st.floats(0.0, 0.3),
    steps=st.integers(1, 4),
    frac=st.floats(0.05, 2.0),
    norm=st.sampled_from(["linf", "l2"]),
    start=st.booleans(),
    seed=st.integers(0, 5),
)
def test_pgd_never_exceeds_the_budget_and_stays_in_pixel_range(eps, steps, frac, norm, start, seed):
    b = tiny_bundle()
    x = torch.rand(3, 3, 12, 12, generator=torch.Generator().manual_seed(seed))
    y = torch.tensor([0, 3, 7])
    s = random_start(torch.arange(3), tuple(x.shape), eps, norm, seed) if start else None
    adv = pgd(b, x, y, eps, frac * eps, steps, norm, s)
    linf, l2 = perturbation_norms(adv, x)
    assert float((linf if norm == "linf" else l2).max()) <= eps * (1 + 1e-5) + 1e-6
    assert float(adv.min()) >= 0 and float(adv.max()) <= 1


@pytest.mark.parametrize("norm,eps,alpha", [("linf", 4 / 255, 1 / 255), ("l2", 0.5, 0.1)])
def test_pgd_matches_torchattacks_without_random_start(norm, eps, alpha):
    b = tiny_bundle()
    x, y = torch.rand(4, 3, 12, 12), torch.tensor([1, 2, 3, 4])
    cls = torchattacks.PGD if norm == "linf" else torchattacks.PGDL2
    ref = cls(PixelModel(b), eps=eps, alpha=alpha, steps=5, random_start=False)(x, y)
    assert torch.allclose(pgd(b, x, y, eps, alpha, 5, norm), ref, atol=1e-6)
    assert not b.model.training  # the library left the model in eval mode


def test_random_start_per_image_and_inside_the_ball():
    big = random_start(torch.tensor([5, 9, 11]), (3, 3, 8, 8), 0.5, "l2", 0, "pgd")
    one = random_start(torch.tensor([9]), (1, 3, 8, 8), 0.5, "l2", 0, "pgd")
    assert torch.equal(big[1], one[0])  # image 9's start does not depend on its neighbours or the batch size
    assert float(big.flatten(1).norm(dim=1).max()) <= 0.5 + 1e-6
    inf = random_start(torch.tensor([5, 9]), (2, 3, 8, 8), 0.1, "linf", 0, "pgd")
    assert float(inf.abs().max()) <= 0.1 and float(inf.abs().max()) > 0.09  # fills the box
    assert not torch.equal(inf[0], inf[1])


def test_pgd_is_at_least_as_strong_as_fgsm_and_eps_zero_is_identity():
    torch.manual_seed(0)
    b = ModelBundle(
        "mlp",
        nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 32), nn.ReLU(), nn.Linear(32, 10)).eval(),
        dict(TINY_CONFIG, input_size=(3, 8, 8)),
    )
    x = torch.rand(64, 3, 8, 8)
    with torch.no_grad():
        y = b(x).argmax(1)  # clean accuracy 100 %
    accs = []
    for eps in (1 / 255, 4 / 255, 8 / 255):
        with attack_mode(x.device):
            a_f = fgsm(b, x, y, eps)
            a_p = pgd(b, x, y, eps, eps / 4, 10, "linf", random_start(torch.arange(64), tuple(x.shape), eps, "linf", 0))
        with torch.no_grad():
            acc_f, acc_p = [(b(a).argmax(1) == y).float().mean().item() for a in (a_f, a_p)]
        assert acc_p <= acc_f
        assert float((a_f - x).abs().max()) <= eps + 1e-6
        accs.append(acc_p)
    assert accs[-1] < 1.0  # the attack does something
    with attack_mode(x.device):
        assert torch.equal(fgsm(b, x, y, 0.0), x) and torch.equal(pgd(b, x, y, 0.0, 0.0, 5), x)


def test_attacks_compute_gradients_inside_inference_mode():
    from intriguing.experiments.adversarial.config import Config
    from intriguing.experiments.adversarial.sweep import attack_conditions, craft

    b = tiny_bundle()
    x, y = torch.rand(2, 3, 12, 12), torch.tensor([1, 2])
    cfg = Config(attacks=("pgd",), eps=(8.0,), steps=2)
    with torch.inference_mode():  # as the engine calls evaluate
        adv = craft(cfg, b, x, y, torch.arange(2), attack_conditions(cfg)[-1])
    assert 7.9 / 255 < float((adv - x).abs().max()) <= 8 / 255 + 1e-6


def run(tmp_path, folder, name, *extra, models="test_tiny_cnn,test_tiny_vit"):
    out = tmp_path / name
    code = main("adversarial", ["--models", models, "--data-path", str(folder), "--out-dir", str(out), *ARGS, *extra])
    assert code == 0
    return out, read_records(out)


def test_command_records_eps_zero_and_batch_size_independence(tmp_path, image_folder):
    common = [
        "--attacks",
        "fgsm",
        "pgd",
        "--eps",
        "0",
        "8",
        "--steps",
        "2",
        "--limit",
        "6",
        "--pictures",
        "2",
        "--per-image",
    ]
    out, recs = run(tmp_path, image_folder, "b2", *common, "--batch-size", "2")
    _, recs6 = run(tmp_path, image_folder, "b6", *common, "--batch-size", "6")
    assert len(recs) == 2 * 2 * 2  # models x attacks x eps
    for r in recs:
        assert r["n"] == 6
        if r["eps"] == 0:  # eps 0 leaves accuracy unchanged (and the model stays in eval mode between attacks)
            assert r["top1"] == r["clean_top1"] and r["linf_255"] == 0
        else:
            assert 0 < r["linf_255"] <= 8 + 1e-4
    key = lambda r: (r["model"], r["attack"], r["eps"])  # noqa: E731
    assert {key(r): (r["top1"], round(r["l2"], 4)) for r in recs} == {
        key(r): (r["top1"], round(r["l2"], 4)) for r in recs6
    }
    assert (out / "robust_linf.png").stat().st_size > 0 and (out / "perturbations.png").stat().st_size > 0
    assert (out / "per_image.csv.gz").exists() and "attack" in (out / "summary.md").read_text()


def test_budget_zero_reuses_the_clean_forward(tmp_path, image_folder, monkeypatch):
    # eps 0 of every attack is the clean image: each batch is scored once per model, not once more per attack
    calls = []
    real = ModelBundle.__call__
    monkeypatch.setattr(ModelBundle, "__call__", lambda self, x: calls.append(len(x)) or real(self, x))
    args = ["--attacks", "fgsm", "pgd", "pgd-l2", "--eps", "0", "--eps-l2", "0", "--limit", "6", "--batch-size", "4"]
    _, recs = run(tmp_path, image_folder, "zero", *args, models="test_tiny_cnn")
    assert calls == [4, 2]  # two batches, one forward each
    assert len(recs) == 3 and all(r["top1"] == r["clean_top1"] and r["l2"] == 0 for r in recs)


def test_transfer_matrix_across_input_sizes(tmp_path, image_folder):
    if "test_tiny_cnn48" not in ZOO:
        ZOO.register(
            "test_tiny_cnn48",
            ZooEntry(
                "test_tiny_cnn48",
                ZOO.get("test_tiny_cnn").build,
                dict(TINY_CONFIG, input_size=(3, 48, 48)),
                "test-only",
            ),
        )
    models = "test_tiny_cnn,test_tiny_vit"
    common = ["--attacks", "pgd", "--eps", "8", "--steps", "2", "--limit", "3", "--pictures", "0"]
    _, white = run(tmp_path, image_folder, "white", *common, models=models)
    out, recs = run(tmp_path, image_folder, "transfer", *common, "--transfer", models=models + ",test_tiny_cnn48")
    assert {(r["source"], r["model"]) for r in recs} == {
        (s, t)
        for s in ("test_tiny_cnn", "test_tiny_vit", "test_tiny_cnn48")
        for t in ("test_tiny_cnn", "test_tiny_vit", "test_tiny_cnn48")
    }
    wb = {r["model"]: r["top1"] for r in white}
    for r in recs:
        if r["source"] == r["model"] and r["model"] in wb:
            assert r["top1"] == wb[r["model"]]  # the diagonal is the white-box number
        resized = (r["source"] == "test_tiny_cnn48") != (r["model"] == "test_tiny_cnn48")
        assert r["view"] == (
            "source resized 48->64"
            if r["source"] == "test_tiny_cnn48" and resized
            else "source resized 64->48"
            if resized
            else "source"
        )
    assert (out / "transfer.png").stat().st_size > 0


def test_transfer_records_and_shows_each_targets_own_clean_accuracy(tmp_path):
    """A target scored on the source's crop (48 px upscaled) is far less accurate than on its own: own_clean_top1
    is its own view's, equal to its white-box clean_top1, shown beside the matrix."""
    from conftest import shared_path

    if "test_tiny_cnn48" not in ZOO:
        ZOO.register(
            "test_tiny_cnn48",
            ZooEntry(
                "test_tiny_cnn48",
                ZOO.get("test_tiny_cnn").build,
                dict(TINY_CONFIG, input_size=(3, 48, 48)),
                "test-only",
            ),
        )
    folder = shared_path("datasets", "imagenet-stubs")
    out, recs = run(
        tmp_path,
        folder,
        "t",
        "--attacks",
        "fgsm",
        "--eps",
        "1",
        "--pictures",
        "0",
        "--transfer",
        "--no-plot",
        models="efficientnet_lite0,test_tiny_cnn48",
    )
    by = {(r["source"], r["model"]): r for r in recs}
    own = by["efficientnet_lite0", "efficientnet_lite0"]["clean_top1"]  # white-box: its own view
    assert own >= 50  # a real ImageNet model on 16 real photos
    cross = by["test_tiny_cnn48", "efficientnet_lite0"]
    assert cross["view"] == "source resized 48->224" and cross["clean_top1"] < own - 20  # the source's crop
    assert cross["own_clean_top1"] == own and by["efficientnet_lite0", "efficientnet_lite0"]["own_clean_top1"] == own
    from intriguing.experiments.adversarial.report import report

    text = report(recs, out, plot=False)
    line = next(ln for ln in text.splitlines() if ln.startswith("clean, own crop"))
    assert f"{own:.1f}" in line.split()[3:] and "scored on the source's view" in text
