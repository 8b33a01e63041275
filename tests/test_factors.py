"""ImageNet-X factors (``intriguing factors``) and ImageNet-ReaL top-1 (``--metrics real``).

Real data: the ImageNet val images among ``../shared/datasets/imagenette/val`` (``ILSVRC2012_val_*``; the folder
also holds ImageNet train images, three of which are mixed in) scored by EfficientNet-Lite0 (real ImageNet weights)
under PatchDrop 0 and 0.25. The factor error ratios are checked against the ``imagenet-x`` package's own evaluation
(``imagenet_x.utils.augment_model_predictions``, ``imagenet_x.aggregate.compute_factor_accuracies`` and
``error_ratio``) on the same predictions, and ReaL top-1 against a hand count over the ReaL file.
"""

from __future__ import annotations

import csv
import json
import math
import os

import numpy as np
import pytest
import torch

from conftest import shared_path
from intriguing.annotations.factors import error_ratios
from intriguing.annotations.real import RealLabels
from intriguing.cli import main, run_command
from intriguing.errors import UserError
from intriguing.metrics.real import RealTop1
from intriguing.records import read_records
from intriguing.records.per_image import read as read_per_image

imagenet_x = pytest.importorskip("imagenet_x", reason="the optional extra [factors] (imagenet-x) is not installed")
RUN = [
    "--models",
    "efficientnet_lite0",
    "--limit",
    "40",
    "--ratios",
    "0",
    "0.25",
    "--drop",
    "random",
    "--per-image",
    "--metrics",
    "topk,real",
    "--workers",
    "0",
    "--batch-size",
    "20",
    "--no-progress",
    "--no-plot",
]


def _val_images(tmp):
    """The Imagenette images that are ImageNet val images, plus 3 ImageNet train images, as symlinks."""
    root = shared_path("datasets", "imagenette", "val")
    for k, wnid in enumerate(sorted(os.listdir(root))):
        names = sorted(os.listdir(root / wnid))
        chosen = [n for n in names if n.startswith("ILSVRC2012_val_")]
        chosen += [n for n in names if not n.startswith("ILSVRC2012_val_")][:1] if k < 3 else []  # train images
        (tmp / "val" / wnid).mkdir(parents=True)
        for n in chosen:
            os.symlink(root / wnid / n, tmp / "val" / wnid / n)
    return tmp / "val"


@pytest.fixture(scope="module")
def val_run(tmp_path_factory):
    """A results folder of EfficientNet-Lite0 on 40 of the Imagenette images that are ImageNet val images (plus
    ImageNet train images mixed in), with per-image records and ReaL columns."""
    tmp = tmp_path_factory.mktemp("factors")
    assert run_command("occlusion", ["--data-path", str(_val_images(tmp)), "--out-dir", str(tmp / "run"), *RUN]) == 0
    return tmp / "run"


RATIOS = ("0.0", "0.25")  # the conditions of RUN, as per-image records write them


def _package_ratios(run):
    """The package's own evaluation of a run's per-image predictions: (merged table, error ratios by ratio)."""
    import pandas as pd
    from imagenet_x import FACTORS, augment_model_predictions, compute_factor_accuracies, error_ratio, load_annotations

    rows = read_per_image(run)
    models = {
        ratio: pd.DataFrame(
            {
                "file_name": [os.path.basename(r["path"]) for r in rows if r["ratio"] == ratio],
                "predicted_class": [int(r["pred"]) for r in rows if r["ratio"] == ratio],
                "predicted_probability": [float(r["conf"]) for r in rows if r["ratio"] == ratio],
            }
        )
        for ratio in RATIOS
    }
    merged = augment_model_predictions(load_annotations(), models)
    return merged, error_ratio(compute_factor_accuracies(merged, FACTORS, "is_correct"))


def _factors_csv(folder):
    with open(folder / "factors.csv", newline="") as f:
        return list(csv.DictReader(f))


def test_factor_error_ratios_equal_the_packages_own(val_run, capsys):
    from imagenet_x import FACTORS

    assert main(["factors", str(val_run), "--out", str(val_run / "f"), "--min-images", "5", "--no-plot"]) == 0
    ours = {(r["ratio"], r["factor"]): r for r in _factors_csv(val_run / "f")}
    merged, theirs = _package_ratios(val_run)
    compared = 0
    for ratio in RATIOS:
        assert int(ours[(ratio, "pose")]["annotated_images"]) == (merged.model == ratio).sum()
        for factor in FACTORS:
            mine, pkg = float(ours[(ratio, factor)]["error_ratio"]), float(theirs.loc[ratio, factor])
            assert math.isnan(mine) == math.isnan(pkg), (ratio, factor, mine, pkg)
            if not math.isnan(pkg):
                assert mine == pytest.approx(pkg, rel=1e-12)
                compared += 1
    assert compared >= 10  # factors that some of the 40 images carry, under both conditions
    out = capsys.readouterr().out
    # 40 images: 36 annotated, 2 are the package's prototypes, 2 are ImageNet train images
    assert (
        "4 of 40 images have no ImageNet-X annotation and are not counted (2 ImageNet-X prototype (left out, as "
        "the package does), 2 not an ImageNet val file)" in out
    )
    named = (val_run / "f" / "factors_unannotated.txt").read_text().splitlines()
    assert len(named) == 4 and sum(line.endswith("\tnot an ImageNet val file") for line in named) == 2
    assert "n03425413/ILSVRC2012_val_00009821.JPEG\tImageNet-X prototype (left out, as the package does)" in named
    assert "where the errors concentrate as ratio grows" in out


def test_factor_error_ratios_of_the_reference_vit_equal_the_packages_own(tmp_path):
    """The same check on the reference ViT trained here (64 px, 10 classes, 1000-way scores), on all 134 val images."""
    from imagenet_x import FACTORS

    run = tmp_path / "run"
    argv = ["--models", "deit_tiny_d6_p8_64_imagenette", *RUN[RUN.index("--ratios") :]]
    assert run_command("occlusion", ["--data-path", str(_val_images(tmp_path)), "--out-dir", str(run), *argv]) == 0
    assert main(["factors", str(run), "--out", str(run / "f"), "--no-plot"]) == 0
    ours = {(r["ratio"], r["factor"]): float(r["error_ratio"]) for r in _factors_csv(run / "f")}
    _, theirs = _package_ratios(run)
    compared = 0
    for ratio in RATIOS:
        for factor in FACTORS:
            pkg = float(theirs.loc[ratio, factor])
            assert math.isnan(ours[(ratio, factor)]) == math.isnan(pkg)
            if not math.isnan(pkg):
                assert ours[(ratio, factor)] == pytest.approx(pkg, rel=1e-12)
                compared += 1
    assert compared >= 10


def test_real_top1_equals_a_hand_count_over_the_real_file(val_run):
    from imagenet_x.utils import get_annotation_path

    real = json.loads((get_annotation_path() / "imagenet_real_labels.jsonl").read_text())
    records = {str(r["ratio"]): r for r in read_records(val_run)}
    for ratio, rec in records.items():
        hits = n = no_label = not_val = 0
        for r in read_per_image(val_run):
            if str(float(r["ratio"])) != str(float(ratio)):
                continue
            name = os.path.basename(r["path"])
            if not name.startswith("ILSVRC2012_val_"):
                not_val += 1
                continue
            labels = real[int(name[len("ILSVRC2012_val_") : -len(".JPEG")]) - 1]
            if not labels:
                no_label += 1
                continue
            n += 1
            hits += int(r["pred"]) in labels
        assert (rec["real_n"], rec["real_no_label"], rec["real_not_val"]) == (n, no_label, not_val)
        assert rec["real_top1"] == pytest.approx(100.0 * hits / n)
        assert rec["n"] == n + no_label + not_val == 40
    assert (records["0.0"]["real_n"], records["0.0"]["real_no_label"], records["0.0"]["real_not_val"]) == (37, 1, 2)
    assert records["0.0"]["real_top1"] > records["0.0"]["top1"]  # ReaL accepts the other valid labels


def test_factors_draw_both_figures_and_report_shows_real_top1(val_run, capsys):
    assert main(["factors", str(val_run), "--out", str(val_run / "g"), "--along", "seed"]) == 2
    err = capsys.readouterr().err
    assert err == "error: --along seed: the numeric condition columns that vary are dropped, ratio.\n"
    assert not (val_run / "g").exists()
    (val_run / "file").write_text("")
    assert main(["factors", str(val_run), "--out", str(val_run / "file"), "--no-plot"]) == 2
    assert capsys.readouterr().err == (
        f"error: Cannot write to {val_run / 'file'} (File exists); choose another --out.\n"
    )
    assert main(["factors", str(val_run), "--out", str(val_run / "g"), "--min-images", "5"]) == 0
    out = capsys.readouterr().out
    assert "  efficientnet_lite0: ratio 0: " in out and "; ratio 0.25: " in out and "rises most: " in out
    md = (val_run / "g" / "factors.md").read_text()  # one panel per ratio; dropped only restates it
    assert "### ratio=0.0\n" in md and "### ratio=0.25\n" in md and "dropped=" not in md
    for name in ("factors.png", "factors_trend.png"):
        assert (val_run / "g" / name).stat().st_size > 10_000
    assert main(["report", str(val_run), "--out", str(val_run / "g"), "--no-plot"]) == 0
    head = (val_run / "g" / "summary.md").read_text().splitlines()[0]
    assert "| top1 | real_top1 | top5 |" in head and "real_n" not in head  # measured columns, not conditions


def test_real_columns_are_measurements_not_part_of_a_records_key(tmp_path):
    """A record written twice (a second process) with other ReaL numbers is one record, as with top1."""
    from intriguing.experiments.occlusion.schema import SCHEMA
    from intriguing.records import store

    row = {
        "model": "m",
        "weights": "w",
        "ratio": 0.5,
        "n": 4,
        "top1": 50.0,
        "real_top1": 60.0,
        "real_n": 3,
        "real_no_label": 1,
        "real_not_val": 0,
    }
    store.append(tmp_path / "records.csv", [row], SCHEMA)
    store.append(tmp_path / "records.csv", [{**row, "real_top1": 70.0, "real_n": 2, "real_no_label": 2}], SCHEMA)
    assert [r["real_top1"] for r in store.read(tmp_path / "records.csv", SCHEMA)] == [60.0]


def test_a_folder_without_annotations_is_one_sentence(tmp_path, image_folder, capsys):
    common = [
        "--models",
        "test_tiny_cnn",
        "--data-path",
        str(image_folder),
        "--ratios",
        "0",
        "--workers",
        "0",
        "--no-progress",
        "--no-plot",
        "--quiet",
    ]  # --quiet: the runs log nothing, stderr is the errors alone
    assert run_command("occlusion", [*common, "--out-dir", str(tmp_path / "a"), "--per-image"]) == 0
    assert main(["factors", str(tmp_path / "a")]) == 2
    assert capsys.readouterr().err == (
        f"error: None of the 12 images in the per-image records of {tmp_path / 'a'} is an ImageNet val image with "
        f"ImageNet-X annotations (files named ILSVRC2012_val_*.JPEG).\n"
    )
    assert run_command("occlusion", [*common, "--out-dir", str(tmp_path / "b"), "--metrics", "topk,real"]) == 2
    assert capsys.readouterr().err == (
        f"error: --metrics real scores ImageNet val images (files named ILSVRC2012_val_*.JPEG); none of the 12 "
        f"images in {image_folder} is one.\n"
    )
    assert not (tmp_path / "b").exists()  # refused before a results folder is made
    assert run_command("occlusion", [*common, "--out-dir", str(tmp_path / "c")]) == 0  # no --per-image
    assert main(["factors", str(tmp_path / "c")]) == 2
    assert capsys.readouterr().err == (
        f"error: {tmp_path / 'c'} has no per-image records; rerun the command with --per-image.\n"
    )
    assert main(["factors", str(tmp_path / "nothing")]) == 2
    assert "is not a results folder" in capsys.readouterr().err


def test_error_ratios_by_hand_and_runs_pooled():
    errors = np.array([1.0, 0.0, 0.0, 1.0, 0.5])  # the last image: wrong in one of two runs
    factors = np.array([[1, 0], [1, 0], [0, 1], [0, 0], [0, 1]])
    r = error_ratios(errors, factors, seed=0, resamples=200)
    overall = 2.5 / 5
    assert r.n == 5 and r.overall == overall
    assert list(r.images) == [2, 2] and list(r.errors) == [1.0, 0.5]
    assert r.ratio == pytest.approx([0.5 / overall, 0.25 / overall])
    assert all(lo <= v <= hi for lo, v, hi in zip(r.ci_low, r.ratio, r.ci_high))
    again = error_ratios(errors, factors, seed=0, resamples=200)
    assert np.array_equal(again.ci_low, r.ci_low) and np.array_equal(again.ci_high, r.ci_high)  # seeded
    none_wrong = error_ratios(np.zeros(3), np.eye(3), resamples=10)
    assert np.isnan(none_wrong.ratio).all()  # no error at all: no ratio (never a division by zero as a number)


def test_real_metric_counts_hits_and_leaves_out_images_without_a_label():
    labels = RealLabels((frozenset({1, 2}), frozenset(), None, frozenset({0})))
    logits = torch.full((4, 1000), -5.0)
    logits[[0, 1, 2, 3], [2, 1, 1, 3]] = 5.0  # top-1: 2 (in {1, 2}), 1 (no label), 1 (not val), 3 (not in {0})
    m = RealTop1(labels)
    m.update(logits[:2], torch.zeros(2, dtype=torch.long), torch.tensor([0, 1]))
    rest = RealTop1(labels)
    rest.update(logits[2:], torch.zeros(2, dtype=torch.long), torch.tensor([2, 3]))
    m.merge(rest)  # as the engine commits batches and torchrun ranks
    assert m.result() == {"real_top1": 50.0, "real_n": 2, "real_no_label": 1, "real_not_val": 1}
    with pytest.raises(UserError, match="1000-way"):
        m.stats(torch.zeros(1, 10), torch.zeros(1, dtype=torch.long), torch.tensor([0]))


def test_real_without_the_package_is_one_sentence(monkeypatch):
    import intriguing.annotations.files as files
    from intriguing.annotations.real import check_real

    monkeypatch.setattr(files.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(
        UserError,
        match=r"^--metrics real needs the ImageNet annotations of the optional package "
        r"imagenet-x: pip install 'intriguing\[factors\]'",
    ):
        check_real(["n01440764/ILSVRC2012_val_00000293.JPEG"], True, "val")


def test_real_adds_no_host_read_to_the_batch_loop(tmp_path, image_folder):
    """ReaL copies the top-1 classes with the other statistics and looks them up when batches settle."""
    from intriguing.data import scan_folder
    from intriguing.engine import EngineOptions, run_sweep
    from intriguing.experiments.occlusion.config import Config
    from intriguing.experiments.occlusion.sweep import OcclusionSweep
    from intriguing.records import RunDir
    from intriguing.zoo import load_model
    from test_engine_host_reads import HostReads

    for i, path in enumerate(sorted(image_folder.glob("*/*.JPEG"))):  # val names: 1..12
        path.rename(path.with_name(f"ILSVRC2012_val_{i + 1:08d}.JPEG"))
    calls = []
    for n in (6, 12):
        images = scan_folder(str(image_folder))
        images.samples = images.samples[:n]
        opts = EngineOptions(batch_size=3, workers=0, progress=False, metrics=("topk", "real"))
        with HostReads() as mode:
            records, failed = run_sweep(
                OcclusionSweep(Config(ratios=(0.0,))),
                [load_model("test_tiny_cnn")],
                images,
                RunDir(tmp_path / str(n), {}),
                opts,
            )
        assert not failed and records[0]["real_n"] + records[0]["real_no_label"] == n
        calls.append(mode.calls)
    assert calls[0] == calls[1] and set(calls[1]) <= {"tensor"}


def test_real_needs_an_imagenet_folder_and_reads_val_numbers_from_file_names():
    from intriguing.annotations.real import check_real
    from intriguing.data import ImageSet
    from intriguing.engine.core import real_labels

    with pytest.raises(
        UserError,
        match=r"^--metrics real scores ImageNet val images in wnid class folders "
        r"\(1000-way\); x is not such a folder\.$",
    ):
        check_real(["x/a/ILSVRC2012_val_00000002.JPEG"], False, "x")
    # a pass that is not 1000-way ImageNet (validate's ImageNet-A, ...) scores nothing rather than stopping the run
    assert real_labels(ImageSet("x", [("x/a/ILSVRC2012_val_00000002.JPEG", 0)], ["a"], "folder", 1)).sets == (None,)
    paths = [
        "v/n1/ILSVRC2012_val_00000002.JPEG",
        "v/n1/ILSVRC2012_val_00000001.png",
        "v/n1/n01440764_1.JPEG",
        "v/n1/ILSVRC2012_val_00050001.JPEG",
    ]
    sets = real_labels(ImageSet("v", [(p, 0) for p in paths], ["n1"], "imagenet-1k", 1000)).sets
    # val image 2 is {970, 795} and 1 has no valid label in ReaL; a train image and a number past 50,000 are not val
    assert sets == (frozenset({970, 795}), frozenset(), None, None)


def test_real_in_a_pass_that_scores_nothing_is_nan_not_a_failure():
    """ImageNet-A's logits are restricted to its 200 classes; its files are not val images: no ReaL, no failure."""
    m = RealTop1(RealLabels((None, None)))
    m.update(torch.zeros(2, 200), torch.zeros(2, dtype=torch.long), torch.tensor([0, 1]))
    r = m.result()
    assert math.isnan(r["real_top1"]) and (r["real_n"], r["real_no_label"], r["real_not_val"]) == (0, 0, 2)
