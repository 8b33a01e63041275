"""Clean-vs-occluded feature correlation: Pearson per image (hypothesis against numpy), the command on tiny random
models (ViT class token + mean patch token, CNN pooled maps) and on EfficientNet-Lite0 with real weights and real
Imagenette images (clean vs clean is 1; the correlation falls as more is dropped)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import tiny_families  # noqa: F401  (registers test_tiny_tnt, test_tiny_t2t)
from conftest import shared_path
from intriguing.cli import run_command as main
from intriguing.errors import UserError
from intriguing.experiments.feature_correlation import sweep as fc
from intriguing.features.correlation import pearson_rows
from intriguing.records import read_records
from intriguing.runner import make_experiment
from intriguing.zoo import load_model

ARGS = ["--workers", "0", "--no-progress", "--batch-size", "4"]


@settings(max_examples=50, deadline=None)
@given(
    arrays(np.float64, (3, 7), elements=st.floats(-100, 100)), arrays(np.float64, (3, 7), elements=st.floats(-100, 100))
)
def test_pearson_rows_matches_numpy(a, b):
    r = pearson_rows(torch.from_numpy(a), torch.from_numpy(b)).numpy()
    for i in range(3):
        if a[i].std() > 1e-6 and b[i].std() > 1e-6:
            assert r[i] == pytest.approx(np.corrcoef(a[i], b[i])[0, 1], abs=1e-9)
        assert -1.0 <= r[i] <= 1.0


def test_pearson_rows_invariants():
    a = torch.randn(5, 32)
    assert torch.allclose(pearson_rows(a, a), torch.ones(5, dtype=torch.float64))
    assert torch.allclose(pearson_rows(a, 3 * a + 2), torch.ones(5, dtype=torch.float64))
    assert torch.allclose(pearson_rows(a, -a), -torch.ones(5, dtype=torch.float64))
    assert torch.equal(pearson_rows(torch.ones(2, 4), a[:2, :4]), torch.zeros(2, dtype=torch.float64))


def test_command_tiny_vit_and_cnn(tmp_path, image_folder, monkeypatch):
    out = tmp_path / "out"
    argv = [
        "--models",
        "test_tiny_vit,test_tiny_cnn",
        "--data-path",
        str(image_folder),
        "--out-dir",
        str(out),
        "--ratios",
        "0",
        "0.5",
        *ARGS,
    ]
    assert main("feature-correlation", argv) == 0
    recs = read_records(out)
    vit = [r for r in recs if r["model"] == "test_tiny_vit"]
    assert {r["feature"] for r in vit} == {"cls", "patch_mean"}
    assert sorted({r["block"] for r in vit}) == [0, 1, 2]  # input of block 1, then each of 2 blocks' outputs
    # the class token entering block 1 is the same constant for every image (r = 1 by construction): not recorded
    assert sorted({r["block"] for r in vit if r["feature"] == "cls"}) == [1, 2]
    assert sorted({r["block"] for r in vit if r["feature"] == "patch_mean"}) == [0, 1, 2]
    assert sorted({r["depth"] for r in vit}) == [0.0, 0.5, 1.0]
    cnn = [r for r in recs if r["model"] == "test_tiny_cnn"]
    assert {r["feature"] for r in cnn} == {"pooled"} and max(r["depth"] for r in cnn) == 1.0
    assert all(r["corr"] == pytest.approx(1.0, abs=1e-6) for r in recs if r["ratio"] == 0)
    assert any(r["corr"] < 0.999 for r in recs if r["ratio"] == 0.5 and r["block"] > 0)
    assert (out / "feature_correlation.png").stat().st_size > 0
    calls = []
    monkeypatch.setattr(fc.CorrelationSweep, "evaluate", lambda *a: calls.append(1))
    assert main("feature-correlation", argv) == 0 and not calls and read_records(out) == recs


def test_real_cnn_correlation_is_one_when_clean_and_falls_with_the_drop_ratio(tmp_path):
    data = shared_path("datasets", "imagenette", "val")
    out = tmp_path / "real"
    assert (
        main(
            "feature-correlation",
            [
                "--models",
                "efficientnet_lite0",
                "--data-path",
                str(data),
                "--limit",
                "8",
                "--out-dir",
                str(out),
                "--ratios",
                "0",
                "0.25",
                "0.75",
                "--no-plot",
                *ARGS,
            ],
        )
        == 0
    )
    recs = read_records(out)
    assert recs[0]["n"] == 8  # real ImageNet photos (Imagenette val), a few classes
    assert all(r["corr"] == pytest.approx(1.0, abs=1e-6) for r in recs if r["ratio"] == 0)
    mean = {
        ratio: np.mean([r["corr"] for r in recs if r["ratio"] == ratio and r["block"] > 0])
        for ratio in (0.0, 0.25, 0.75)
    }
    last = {r["ratio"]: r["corr"] for r in recs if r["depth"] == 1.0}
    assert mean[0.0] > mean[0.25] > mean[0.75]
    assert last[0.0] > last[0.25] > last[0.75]


def test_the_class_token_before_block_one_is_a_constant():
    """Why that point is dropped: its features are identical for any two images."""
    b = load_model("test_tiny_vit")
    _, a = fc.features(b, torch.rand(2, 3, 64, 64))
    _, z = fc.features(b, torch.zeros(2, 3, 64, 64))
    assert torch.equal(a[("stem", "cls")], z[("stem", "cls")])
    assert not torch.allclose(a[("stem", "patch_mean")], z[("stem", "patch_mean")])


def test_tnt_features_are_its_outer_tokens(tmp_path, image_folder):
    """TNT's blocks return (pixel_embed, patch_embed) (the shared block hooks crashed on the tuple): its class token
    and mean patch token are read from the outer tokens; T2T-ViT goes through the ViT path."""
    b = load_model("test_tiny_tnt")
    x = torch.rand(2, 3, 64, 64)
    logits, feats = fc.features(b, x)
    m = b.model
    with torch.inference_mode():
        pat = m.forward_features(b.normalize(x))  # the last block's tokens through the final norm
        outs = m.forward_intermediates(
            b.normalize(x),
            indices=[1],
            norm=False,
            return_prefix_tokens=True,
            output_fmt="NLC",
            intermediates_only=True,
        )
    patches, prefix = outs[0]
    torch.testing.assert_close(feats[("blocks.1", "cls")], prefix[:, 0].float(), rtol=0, atol=1e-6)
    torch.testing.assert_close(feats[("blocks.1", "patch_mean")], patches.mean(1).float(), rtol=0, atol=1e-6)
    torch.testing.assert_close(logits, m.forward_head(pat), rtol=0, atol=1e-5)
    assert set(feats) == {(p, f) for p in ("stem", "blocks.0", "blocks.1") for f in ("cls", "patch_mean")}
    out = tmp_path / "fam"
    assert (
        main(
            "feature-correlation",
            [
                "--models",
                "test_tiny_tnt,test_tiny_t2t",
                "--data-path",
                str(image_folder),
                "--out-dir",
                str(out),
                "--ratios",
                "0",
                "0.5",
                "--no-plot",
                *ARGS,
            ],
        )
        == 0
    )
    recs = read_records(out)
    for model in ("test_tiny_tnt", "test_tiny_t2t"):
        mine = [r for r in recs if r["model"] == model]
        assert {(r["feature"], r["block"]) for r in mine} == {("cls", 1), ("cls", 2)} | {
            ("patch_mean", i) for i in (0, 1, 2)
        }
        assert all(r["corr"] == pytest.approx(1.0, abs=1e-6) for r in mine if r["ratio"] == 0)
        assert any(r["corr"] < 0.999 for r in mine if r["ratio"] == 0.5)


@pytest.mark.parametrize("flag", [["--metrics", "calibration"], ["--per-image"]])
def test_prediction_options_are_refused(tmp_path, image_folder, flag, capsys):
    """It measures features, not predictions: no calibration, no per-image outcomes (neither would hold corr)."""
    assert (
        main("feature-correlation", ["--models", "test_tiny_vit", "--data-path", str(image_folder), *flag, *ARGS]) == 2
    )
    assert f"`intriguing feature-correlation` does not take {flag[0]}" in capsys.readouterr().err
    with pytest.raises(UserError, match=r"^`intriguing feature-correlation` does not take --metrics\.$"):
        make_experiment("feature-correlation", {"metrics": "calibration"}, {})
