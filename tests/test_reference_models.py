"""The reference models shipped with the package: files match their model cards, they load offline by name (strictly,
1000-way on ImageNet wnid folders), score their recorded accuracy on real val images, and the paper's contrasts
measured on them stay where they were measured (pinned values with the tolerance that batch and thread changes
need), so a change that breaks attention extraction, masking, token handling or the heads fails here."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from intriguing.zoo import ZOO, load_model, reference
from intriguing.zoo.bundle import file_sha256

VIT, CNN, DIST = (
    "deit_tiny_d6_p8_64_imagenette",
    "resnet18_half_64_imagenette",
    "deit_tiny_distilled_d6_p8_64_imagenette",
)
REPO = Path(__file__).resolve().parents[1]


def test_every_shipped_model_has_its_file_card_recipe_and_hash():
    models = reference.index()
    assert set(models) == {VIT, CNN, DIST}
    total = 0
    for name, entry in models.items():
        path = reference.FOLDER / entry["file"]
        assert file_sha256(str(path)) == entry["sha256"]
        card = (reference.FOLDER / f"{name}.md").read_text()
        assert entry["sha256"] in card and f"{entry['val_top1']:.2f}%" in card
        assert (REPO / entry["recipe"]).is_file() and f"--config {entry['recipe']}" in card
        total += path.stat().st_size
    assert total < 20e6  # the budget the package ships within


def test_the_pair_loads_offline_strictly_and_scores_1000_way(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    for name in (VIT, CNN, DIST):
        bundle = load_model(name)
        assert bundle.source == "packaged" and bundle.input_size == (64, 64)
        logits = bundle(torch.rand(2, 3, 64, 64))
        assert logits.shape == (2, 1000)
        entry = reference.index()[name]
        from intriguing.data import imagenet_wnids

        own = [imagenet_wnids().index(c) for c in entry["classes"]]
        assert set(logits.argmax(1).tolist()) <= set(own)  # the 990 other classes are never predicted
    vit = load_model(VIT).model
    assert len(vit.blocks) == 6 and vit.patch_embed.patch_size == (8, 8)
    random = load_model(f"{VIT}=random").model
    assert not torch.equal(random.blocks[0].attn.qkv.weight, vit.blocks[0].attn.qkv.weight)


def test_a_damaged_package_file_is_one_sentence(tmp_path, monkeypatch):
    from intriguing.errors import UserError

    folder = tmp_path / "reference"
    folder.mkdir()
    entry = reference.index()[CNN]
    (folder / entry["file"]).write_bytes(b"not the weights")
    monkeypatch.setattr(reference, "FOLDER", folder)
    with pytest.raises(UserError, match="missing or damaged"):
        reference.build(CNN, None, True)


def test_list_models_shows_them_with_their_accuracy(capsys):
    from intriguing.zoo.__main__ import list_models

    assert list_models() == 0
    out = capsys.readouterr().out
    for name in (VIT, CNN, DIST):
        assert name in out and f"val top-1 {reference.index()[name]['val_top1']:.1f}%" in out
        assert name in ZOO


def test_the_offline_quick_start_runs_patchdrop_on_the_pair_and_the_packaged_sample(tmp_path, monkeypatch, capsys):
    from intriguing.cli.main import main
    from intriguing.cli.quickstart import SAMPLES
    from intriguing.records import read_records

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.chdir(tmp_path)  # the default results folder is relative, as for every command
    assert sum(1 for _ in SAMPLES.glob("n*/*.JPEG")) == 200
    assert main(["quickstart", "--ratios", "0", "0.5", "--no-progress"]) == 0
    out = tmp_path / "results" / "quickstart"
    records = read_records(out)
    top1 = {(r["model"], float(r["ratio"])): float(r["top1"]) for r in records}
    assert set(top1) == {(m, r) for m in (VIT, CNN) for r in (0.0, 0.5)}
    assert all(int(r["n"]) == 200 for r in records)
    # the paper's contrast, on real images: the ViT keeps more of its accuracy with half its patches dropped
    assert top1[VIT, 0.5] / top1[VIT, 0.0] > top1[CNN, 0.5] / top1[CNN, 0.0]
    assert (out / "occlusion.png").stat().st_size > 10_000
