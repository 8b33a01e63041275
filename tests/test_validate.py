"""``intriguing validate``: ImageNet-A / -R label restriction on hand-made logits, the published subsets, the
ImageNet-V2 numeric-folder layout, ImageNet-C folders, and the command end to end on a tiny random model."""

from __future__ import annotations

import csv
import gzip

import numpy as np
import pytest
import torch
from PIL import Image

from intriguing.cli import run_command as main
from intriguing.data import imagenet_wnids
from intriguing.errors import UserError
from intriguing.experiments.validate.sets import detect_kind, load_sets, parse_sets, subset_set, v2_set
from intriguing.experiments.validate.subsets import IMAGENET_A_INDICES, IMAGENET_R_INDICES, subset_wnids
from intriguing.experiments.validate.sweep import restrict
from intriguing.records import read_records


def test_published_subsets():
    for idx in (IMAGENET_A_INDICES, IMAGENET_R_INDICES):
        assert len(idx) == len(set(idx)) == 200 and list(idx) == sorted(idx)
    # spot values of natural-adv-examples' thousand_k_to_200 (1k index -> 200-way label)
    assert [IMAGENET_A_INDICES.index(k) for k in (6, 207, 988)] == [0, 38, 199]
    wnids = imagenet_wnids()
    # imagenet-r's imagenet_r_wnids starts with goldfish, great white shark and ends with n12267677 (acorn)
    assert [wnids[i] for i in IMAGENET_R_INDICES[:2]] == ["n01443537", "n01484850"]
    assert wnids[IMAGENET_R_INDICES[-1]] == "n12267677"
    assert subset_wnids("imagenet-r").index("n01484850") == 1  # the 200-way label of that wnid folder


def test_restriction_on_hand_made_logits():
    logits = torch.zeros(3, 1000)
    logits[0, 0] = 9.0  # tench: the 1000-way winner, not an ImageNet-R class
    logits[0, IMAGENET_R_INDICES[5]] = 4.0  # ... so the 200-way prediction is R's class 5
    logits[1, IMAGENET_R_INDICES[199]] = 1.0
    logits[2, IMAGENET_R_INDICES[0]] = -1.0  # every scored logit below the others: the argmax among R's 200
    logits[2, IMAGENET_R_INDICES[1:]] = -2.0
    out = restrict(logits, IMAGENET_R_INDICES)
    assert out.shape == (3, 200)
    assert out.argmax(1).tolist() == [5, 199, 0]
    assert torch.equal(restrict(logits, None), logits)
    a = torch.zeros(1, 1000)
    a[0, 988] = 1.0
    assert restrict(a, IMAGENET_A_INDICES).argmax(1).item() == 199


def _images(folder, n=1, seed=0):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i in range(n):
        Image.fromarray(rng.integers(0, 255, (40, 40, 3), dtype=np.uint8)).save(folder / f"img_{i}.png")


def test_v2_layout_uses_folder_numbers(tmp_path):
    for k in ("0", "2", "10", "999"):
        _images(tmp_path / "v2" / k)
    images = v2_set(tmp_path / "v2")
    assert [(p.split("/")[-2], y) for p, y in images.samples] == [("0", 0), ("2", 2), ("10", 10), ("999", 999)]
    assert detect_kind("my-set", tmp_path / "v2") == "imagenet-v2"
    _images(tmp_path / "bad" / "1000")
    with pytest.raises(UserError, match="0..999"):
        v2_set(tmp_path / "bad")


def test_subset_folders_and_kinds(tmp_path):
    wnids = imagenet_wnids()
    _images(tmp_path / "r" / wnids[IMAGENET_R_INDICES[3]], 2)
    r = subset_set(tmp_path / "r", "imagenet-r")
    assert {y for _, y in r.samples} == {3} and r.num_classes == 200  # the position in the 200, not folder order
    _images(tmp_path / "r" / wnids[0])  # tench is not an ImageNet-R class
    with pytest.raises(UserError, match="outside the published 200"):
        subset_set(tmp_path / "r", "imagenet-r")
    _images(tmp_path / "c" / "fog" / "3" / wnids[1])
    assert (
        detect_kind("x", tmp_path / "c") == "imagenet-c" and detect_kind("imagenet-r-1", tmp_path / "c") == "imagenet-r"
    )
    assert [(s.subset, s.kind) for s in load_sets([f"c={tmp_path / 'c'}"], None)] == [("fog/3", "imagenet-c")]
    with pytest.raises(UserError, match="unique"):
        parse_sets(["a=/x", "a=/y"])


def test_command_same_images_in_v2_and_wnid_layouts(tmp_path, image_folder):
    from conftest import WNIDS

    wnids = imagenet_wnids()
    v2 = tmp_path / "v2"
    for w in WNIDS:  # the same images, folders named by class index
        (v2 / str(wnids.index(w))).mkdir(parents=True)
        for f in sorted((image_folder / w).iterdir()):
            (v2 / str(wnids.index(w)) / f.name).symlink_to(f)
    r = tmp_path / "imagenet-r"
    (r / wnids[IMAGENET_R_INDICES[7]]).mkdir(parents=True)
    for f in sorted((image_folder / WNIDS[0]).iterdir()):
        (r / wnids[IMAGENET_R_INDICES[7]] / f.name).symlink_to(f)
    out = tmp_path / "out"
    code = main(
        "validate",
        [
            "--models",
            "test_tiny_cnn",
            "--sets",
            f"val={image_folder}",
            f"v2={v2}",
            f"imagenet-r={r}",
            "--out-dir",
            str(out),
            "--workers",
            "0",
            "--no-progress",
            "--per-image",
            "--metrics",
            "topk,calibration",
        ],
    )
    assert code == 0
    recs = {r["dataset"]: r for r in read_records(out)}
    assert recs["v2"]["kind"] == "imagenet-v2" and recs["imagenet-r"]["kind"] == "imagenet-r"
    assert (recs["v2"]["top1"], recs["v2"]["top5"]) == (recs["val"]["top1"], recs["val"]["top5"])
    with gzip.open(out / "per_image.csv.gz", "rt") as f:
        rr = [row for row in csv.DictReader(f) if row["dataset"] == "imagenet-r"]
    assert len(rr) == 4 and {int(x["label"]) for x in rr} == {7} and all(0 <= int(x["pred"]) < 200 for x in rr)
    assert "| model |" in (out / "summary.md").read_text() and r"\toprule" in (out / "summary.tex").read_text()
    assert (out / "validate.png").stat().st_size > 0
    # calibration per set (the same images in two layouts calibrate alike) and its reliability diagrams
    assert recs["v2"]["ece"] == recs["val"]["ece"] and recs["imagenet-r"]["ece"] >= 0
    assert (out / "reliability.png").stat().st_size > 10_000
