"""Shape bias (Geirhos et al. 2019): the 16-class decision on hand-made outputs, the hit bookkeeping, and the command
end to end on the real cue-conflict stimuli and silhouettes with EfficientNet-Lite0 (real ImageNet weights)."""

from __future__ import annotations

import math

import pytest
import torch

from intriguing.cli import run_command as main
from intriguing.experiments.shape_bias.categories import CATEGORIES, IMAGENET_INDICES, category_probabilities, decide
from intriguing.experiments.shape_bias.report import category_rows
from intriguing.experiments.shape_bias.sweep import hit_columns
from intriguing.records import read_records
from tests.conftest import shared_path

ARGS = ["--workers", "0", "--no-progress", "--device", "cpu", "--no-plot"]


def _logits_from_probs(p: torch.Tensor) -> torch.Tensor:
    return p.clamp_min(1e-12).log()  # softmax of these logits gives back p


def test_decision_is_the_mean_probability_of_each_categorys_classes():
    p = torch.full((1, 1000), 0.0)
    dog = IMAGENET_INDICES["dog"]
    p[0, list(dog)] = 0.6 / len(dog)  # 60% of the mass spread over the 100+ dog classes: a small mean
    p[0, IMAGENET_INDICES["knife"][0]] = 0.1  # one knife class at 10%: mean 0.1
    p[0, 0] = 0.3  # tench belongs to no category and is ignored
    probs = category_probabilities(_logits_from_probs(p))
    assert probs.shape == (1, 16)
    assert probs[0, CATEGORIES.index("knife")] == pytest.approx(0.1, rel=1e-4)
    assert probs[0, CATEGORIES.index("dog")] == pytest.approx(0.6 / len(dog), rel=1e-4)
    assert CATEGORIES[int(decide(_logits_from_probs(p)))] == "knife"  # the mean, not the sum (which says dog)
    tie = torch.zeros(1, 1000)
    tie[0, [IMAGENET_INDICES["oven"][0], IMAGENET_INDICES["knife"][0]]] = 5.0  # one class each, equal logits
    assert CATEGORIES[int(decide(tie))] == "knife"  # an exact tie goes to the first category (texture-vs-shape)
    with pytest.raises(ValueError):
        category_probabilities(torch.zeros(1, 10))


def test_hits_count_only_conflicting_stimuli():
    cat, dog, car = (CATEGORIES.index(c) for c in ("cat", "dog", "car"))
    shape = torch.tensor([cat, cat, cat, dog, dog])
    texture = torch.tensor([dog, dog, cat, car, car])  # the third stimulus has no conflict
    decision = torch.tensor([cat, dog, cat, car, CATEGORIES.index("clock")])
    h = hit_columns(decision, shape, texture)
    assert h["shape_hits"].tolist() == [1, 0, 0, 0]  # over the 4 conflicting stimuli
    assert h["texture_hits"].tolist() == [0, 1, 1, 0]
    assert h["shape_bias"].tolist() == [1, 0, 0]  # over the 3 decided as shape or texture
    assert h["shape_hits_cat"].tolist() == [1, 0] and h["texture_hits_dog"].tolist() == [1, 0]
    row = {
        "model": "m",
        "task": "shape-bias",
        **{f"shape_hits_{c}": "" for c in CATEGORIES},
        **{f"texture_hits_{c}": "" for c in CATEGORIES},
        "shape_hits_cat": 0.5,
        "texture_hits_cat": 0.5,
    }
    rows = {r["category"]: r for r in category_rows([row])}
    assert rows["cat"]["shape_bias"] == 0.5 and math.isnan(rows["dog"]["shape_bias"])


@pytest.mark.slow
def test_a_cnn_is_texture_biased_on_the_real_cue_conflict_stimuli(tmp_path):
    stimuli = shared_path("datasets", "cue-conflict", "cue-conflict")
    out = tmp_path / "cc"
    assert (
        main(
            "shape-bias",
            [
                "--models",
                "efficientnet_lite0",
                "--data-path",
                str(stimuli),
                "--limit",
                "192",
                "--per-image",
                "--out-dir",
                str(out),
                *ARGS,
            ],
        )
        == 0
    )
    (rec,) = read_records(out)
    assert rec["task"] == "shape-bias" and rec["n"] == 192
    assert rec["shape_bias"] < 0.4  # ImageNet CNNs decide by texture (Geirhos et al.: ~0.2 for ResNet-50)
    assert rec["shape_hits"] + rec["texture_hits"] <= 1 and rec["texture_hits"] > rec["shape_hits"]
    assert rec["shape_bias"] == pytest.approx(rec["shape_hits"] / (rec["shape_hits"] + rec["texture_hits"]), rel=1e-6)


def test_sixteen_class_accuracy_on_the_real_silhouettes(tmp_path):
    silhouettes = shared_path("datasets", "cue-conflict", "filled-silhouettes")
    out = tmp_path / "sil"
    assert (
        main(
            "shape-bias",
            [
                "--models",
                "efficientnet_lite0",
                "--data-path",
                str(silhouettes),
                "--limit",
                "80",
                "--out-dir",
                str(out),
                *ARGS,
            ],
        )
        == 0
    )
    (rec,) = read_records(out)
    assert rec["task"] == "accuracy" and rec["n"] == 80
    assert 2 * 100 / 16 < rec["top1"] < 100  # well above chance (6.25%), far from perfect


@pytest.mark.slow
def test_sixteen_class_accuracy_on_the_real_edges_with_reliability_diagram(tmp_path):
    """The 160 published edge stimuli (black line drawings, file names <category><i>.png): plain 16-class accuracy;
    EfficientNet-Lite0 scores 32.5% on these texture-free drawings: well above chance (6.25%), far below photos."""
    edges = shared_path("datasets", "cue-conflict", "edges")
    out = tmp_path / "edges"
    args = [a for a in ARGS if a != "--no-plot"]
    assert (
        main(
            "shape-bias",
            [
                "--models",
                "efficientnet_lite0",
                "--data-path",
                str(edges),
                "--metrics",
                "calibration",
                "--out-dir",
                str(out),
                *args,
            ],
        )
        == 0
    )
    (rec,) = read_records(out)
    assert rec["task"] == "accuracy" and rec["n"] == 160 and "shape_bias" not in rec
    assert 3 * 100 / 16 < rec["top1"] < 50
    per_cat = [rec[f"accuracy_{c}"] for c in CATEGORIES]
    assert sum(per_cat) / 16 == pytest.approx(rec["top1"] / 100, abs=1e-6)  # 10 edge drawings per category
    assert 0 < rec["ece"] < 100 and (out / "reliability.png").stat().st_size > 10_000
    assert (out / "accuracy_by_category.png").exists()


def test_a_folder_that_is_not_a_stimulus_set_is_refused(tmp_path, image_folder, capsys):
    assert (
        main(
            "shape-bias",
            [
                "--models",
                "efficientnet_lite0",
                "--data-path",
                str(image_folder),
                "--out-dir",
                str(tmp_path / "x"),
                *ARGS,
            ],
        )
        == 2
    )
    assert "not one of the 16 categories" in capsys.readouterr().err
