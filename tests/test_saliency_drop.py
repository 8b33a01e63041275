"""Salient / non-salient / random PatchDrop in one pass; --paper-compat equals the original mask for mask."""

from __future__ import annotations

import json

import pytest
import timm
import torch

from intriguing.cli import run_command as main
from intriguing.errors import UserError
from intriguing.experiments.occlusion import sweep as occlusion
from intriguing.experiments.occlusion.saliency_drop import SaliencyDropper, SaliencyOptions
from intriguing.features.attention import patch_attention
from intriguing.features.saliency import normalize, rank_masks
from intriguing.perturb import drop_pixels
from intriguing.records import read_records
from intriguing.zoo import load_model
from intriguing.zoo.bundle import IMAGENET_MEAN, IMAGENET_STD, ZOO, ZooEntry
from original_code import original_dino_mask


def _tiny_vit_224(checkpoint, pretrained):
    torch.manual_seed(0)
    return timm.create_model("vit_tiny_patch16_224", pretrained=False, embed_dim=64, depth=2, num_heads=2).eval()


if "test_tiny_vit_224" not in ZOO:  # --paper-compat feeds every model 224 px, so a 224 px tiny ViT
    ZOO.register(
        "test_tiny_vit_224",
        ZooEntry(
            name="test_tiny_vit_224",
            build=_tiny_vit_224,
            description="test-only",
            data_config=dict(
                input_size=(3, 224, 224),
                interpolation="bilinear",
                mean=IMAGENET_MEAN,
                std=IMAGENET_STD,
                crop_pct=0.875,
                crop_mode="center",
            ),
        ),
    )

ARGS = ["--workers", "0", "--no-progress", "--batch-size", "6", "--saliency-model", "test_tiny_vit"]


def run(tmp_path, image_folder, *extra, models="test_tiny_vit,test_tiny_vit=random", name="out"):
    out = tmp_path / name
    code = main(
        "occlusion", ["--models", models, "--data-path", str(image_folder), "--out-dir", str(out), *ARGS, *extra]
    )
    return code, out


def test_three_drops_in_one_pass_share_the_x_axis(tmp_path, image_folder, monkeypatch):
    calls = []
    real = SaliencyDropper._scores
    monkeypatch.setattr(SaliencyDropper, "_scores", lambda self, b, x: calls.append(len(x)) or real(self, b, x))
    code, out = run(
        tmp_path, image_folder, "--drop", "salient", "non-salient", "random", "--ratios", "0", "0.25", "0.5"
    )
    assert code == 0
    recs = read_records(out)
    assert len(recs) == 2 * 3 * 3
    for model in ("test_tiny_vit", "test_tiny_vit=random"):
        rows = [r for r in recs if r["model"] == model]
        gh, gw = map(int, rows[0]["grid"].split("x"))
        assert {r["grid"] for r in rows} == {f"{gh}x{gw}"}  # one grid: the model's cells for every drop
        for ratio in (0, 0.25, 0.5):
            xs = {r["dropped"] for r in rows if r["ratio"] == ratio}
            assert len(xs) == 1 and xs.pop() == pytest.approx(round(ratio * gh * gw) / (gh * gw))
        clean = {r["top1"] for r in rows if r["ratio"] == 0}
        assert len(clean) == 1  # level 0 is the clean image for every drop
    # saliency ran once per batch (both models share the pixels), not per model or per ratio
    assert calls == [6, 6]
    man = json.loads((out / "manifest.json").read_text())
    assert man["saliency_model"]["name"] == "test_tiny_vit"
    assert man["config"]["saliency"]["rule"] == "rank" and man["config"]["saliency"]["head"] == "mean"
    assert (out / "occlusion.png").stat().st_size > 0


def tiny_bundle():
    return load_model("test_tiny_vit")


def test_rank_masks_follow_saliency_pooled_to_the_model_grid():
    sal = tiny_bundle()
    cnn = load_model("test_tiny_cnn")
    d = SaliencyDropper(SaliencyOptions(model="test_tiny_vit"), sal)
    x = torch.rand(3, 3, 224, 224, generator=torch.Generator().manual_seed(0))
    got = d.masks(cnn, x, (7, 7), [0.2, 0.6])
    scores = patch_attention(sal.model, sal.normalize(x)).mean(1)
    pooled = torch.nn.functional.avg_pool2d(scores.unsqueeze(1), 2).squeeze(1).reshape(3, 49)
    assert torch.equal(got["salient"].reshape(3, 2, 49), rank_masks(pooled, [0.2, 0.6]))
    assert torch.equal(got["non-salient"].reshape(3, 2, 49), rank_masks(-pooled, [0.2, 0.6]))
    assert got["salient"].shape == (3, 2, 7, 7)


def original_dino_drop(attentions, img, lam, drop_best):
    """IPViT evaluate.py's --dino branch, given its ``attentions[:, head_number=1, 0, 1:]``."""
    w = h = int(attentions.shape[-1] ** 0.5)
    scale = img.shape[2] // w
    th_attn = original_dino_mask(attentions.clone(), lam).reshape(-1, w, h).float()
    th_attn = torch.nn.functional.interpolate(th_attn.unsqueeze(1), scale_factor=scale, mode="nearest")
    return img * (1 - th_attn) if drop_best else img * th_attn


def test_paper_compat_masks_equal_the_original_pixel_for_pixel():
    sal = tiny_bundle()
    evaluated = load_model("test_tiny_cnn")
    evaluated.data_config.update(mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5))  # statistics differ from DINO's
    opts = SaliencyOptions(
        model="test_tiny_vit",
        head="1",
        rule="mass",
        stats="evaluated",
        grid="saliency",
        levels=tuple(i / 10 for i in range(1, 11)),
    )
    d = SaliencyDropper(opts, sal)
    x = torch.rand(4, 3, 224, 224, generator=torch.Generator().manual_seed(1))
    masks = d.masks(evaluated, x, (14, 14), [])
    # DINO was fed the evaluated model's normalisation (here 0.5 / 0.5) and only head index 1 was read
    attentions = patch_attention(sal.model, normalize(x.clone(), (0.5,) * 3, (0.5,) * 3)).flatten(2)[:, 1]
    for li, lam in enumerate(opts.levels):
        for cond, best in (("salient", True), ("non-salient", False)):
            ours = drop_pixels(x, masks[cond][:, li], 0.0)
            want = original_dino_drop(attentions, x, lam, best)
            assert torch.equal(ours, want), (cond, lam)


def test_paper_compat_cli_measures_fraction_and_writes_original_json(tmp_path, image_folder):
    code, out = run(
        tmp_path,
        image_folder,
        "--paper-compat",
        "--drop",
        "salient",
        "non-salient",
        "--limit",
        "6",
        "--saliency-model",
        "test_tiny_vit_224",
        models="test_tiny_vit_224",
    )
    assert code == 0
    recs = read_records(out)
    assert [r["ratio"] for r in recs if r["condition"] == "salient"] == pytest.approx([i / 10 for i in range(1, 11)])
    sal = [r["dropped"] for r in recs if r["condition"] == "salient"]
    bg = [r["dropped"] for r in recs if r["condition"] == "non-salient"]
    assert all(0 <= v <= 1 for v in sal + bg)
    assert sal == sorted(sal) and bg == sorted(bg, reverse=True)
    assert [a + b for a, b in zip(sal, bg)] == pytest.approx([1.0] * 10)  # the two masks are complements
    data = json.loads((out / "paper_compat" / "dino" / "test_tiny_vit_224.json").read_text())
    assert list(data) == ["best", "worst"] and list(data["best"]) == [str(i) for i in range(1, 11)]
    man = json.loads((out / "manifest.json").read_text())
    assert man["config"]["saliency"]["head"] == "1" and man["config"]["saliency"]["stats"] == "evaluated"


def test_bad_saliency_settings_are_user_errors(tmp_path, image_folder, capsys):
    with pytest.raises(UserError, match="mass rule drops a different number"):
        occlusion.Config(drop=("salient",), drop_mode="tokens", saliency=SaliencyOptions(rule="mass"))
    with pytest.raises(UserError, match="head choice"):
        SaliencyOptions(head="first")
    code, out = run(tmp_path, image_folder, "--drop", "salient", "--saliency-model", "test_tiny_cnn")
    assert code == 2 and "is not a ViT" in capsys.readouterr().err
    assert not out.exists()  # refused before the results folder is made (Experiment.prepare_run)
