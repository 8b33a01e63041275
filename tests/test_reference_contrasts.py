"""The paper's contrasts on the shipped reference models, pinned where they were measured (docs/reference-models.md).
Each value comes from the ordinary command on real images from ../shared; the tolerance covers what batch size and
thread count change (a few argmax flips), not a broken mechanism: a mask on the wrong pixels, the wrong attention head
or token, or a wrong head of the distilled model moves these values far more."""

from __future__ import annotations

import pytest

import intriguing
from conftest import shared_path

VIT, CNN, DIST = (
    "deit_tiny_d6_p8_64_imagenette",
    "resnet18_half_64_imagenette",
    "deit_tiny_distilled_d6_p8_64_imagenette",
)
LIMIT = 300  # evenly spaced over the 10 classes of Imagenette val
ACC_TOL = 1.0  # percentage points on 300 images: three flipped predictions
PINNED = {
    # top-1 (%) on the 300 images: clean, and under random / salient / non-salient PatchDrop at 50% (8x8 grid)
    (VIT, "random", 0.0): 62.33,
    (VIT, "random", 0.5): 45.67,
    (CNN, "random", 0.0): 70.33,
    (CNN, "random", 0.5): 26.67,
    (VIT, "salient", 0.5): 36.67,
    (VIT, "non-salient", 0.5): 47.0,
}
JACCARD = {VIT: 25.81, f"{VIT}=random": 19.87}  # mean Jaccard (%) on the 14 VOC samples at 128 px


def by(records, **match):
    rows = [r for r in records if all(str(r.get(k)) == str(v) for k, v in match.items())]
    assert len(rows) == 1, (match, rows)
    return float(rows[0]["top1"])


@pytest.fixture(scope="module")
def occlusion(tmp_path_factory):
    val = shared_path("datasets", "imagenette", "val")
    return intriguing.run(
        "occlusion",
        models=f"{VIT},{CNN}",
        data_path=str(val),
        limit=LIMIT,
        ratios=(0.0, 0.5),
        drop=("random", "salient", "non-salient"),
        saliency_model=VIT,
        out_dir=str(tmp_path_factory.mktemp("occ")),
        no_plot=True,
        workers=0,
    )


def test_patchdrop_values_stay_where_they_were_measured(occlusion):
    for (model, drop, ratio), value in PINNED.items():
        got = by(occlusion, model=model, condition=drop, ratio=ratio)
        assert got == pytest.approx(value, abs=ACC_TOL), (model, drop, ratio)


def test_the_vit_keeps_more_of_its_accuracy_than_the_cnn_at_half_the_patches_dropped(occlusion):
    kept = {
        m: by(occlusion, model=m, condition="random", ratio=0.5) / by(occlusion, model=m, condition="random", ratio=0.0)
        for m in (VIT, CNN)
    }
    assert kept[VIT] > kept[CNN] + 0.2


def test_dropping_the_salient_half_hurts_more_than_dropping_the_rest(occlusion):
    salient = by(occlusion, model=VIT, condition="salient", ratio=0.5)
    rest = by(occlusion, model=VIT, condition="non-salient", ratio=0.5)
    assert salient < rest - 5


def test_trained_attention_segments_better_than_random_init(tmp_path):
    voc = shared_path("datasets", "voc2012-samples")
    records = intriguing.run(
        "segmentation",
        models=f"{VIT},{VIT}=random",
        data_path=str(voc),
        input_size=128,
        out_dir=str(tmp_path / "seg"),
        no_plot=True,
        workers=0,
    )
    per_image = {}
    for r in records:  # one row per image: the table's value is their mean, in %
        if r.get("token") == "cls":
            per_image.setdefault(r["model"], []).append(100 * float(r["jaccard"]))
    jaccard = {m: sum(v) / len(v) for m, v in per_image.items()}
    assert all(len(v) == 14 for v in per_image.values())
    for model, value in JACCARD.items():
        assert jaccard[model] == pytest.approx(value, abs=0.5), model
    assert jaccard[VIT] > jaccard[f"{VIT}=random"] + 3


HEADS = {"cls": 44.67, "dist": 44.0, "avg": 44.0}  # top-1 (%) of each head of the distilled model on the 300 images
HEADS_DISAGREE = 68  # images (of the 300) on which the class and distillation heads predict different classes


def test_the_distilled_models_heads_stay_where_they_were_measured():
    """The class head, the distillation head (trained on the EfficientNet-Lite0 teacher) and their average (what the
    model returns, the zoo's logits). After 4 epochs the two heads score alike, so their accuracies alone would not
    tell them apart: the images on which they disagree are pinned too (reading one token twice gives none)."""
    import torch

    from intriguing.data import limit_samples, scan_folder
    from intriguing.data.views import make_loader
    from intriguing.experiments.train.loop import head_logits
    from intriguing.zoo import load_model

    images = limit_samples(scan_folder(str(shared_path("datasets", "imagenette", "val"))), LIMIT)
    bundle = load_model(DIST)
    correct, disagree = {h: 0 for h in HEADS}, 0
    with torch.no_grad():
        for batch in make_loader(images, [bundle.geometry], batch_size=100, workers=0):
            x01 = batch.views[bundle.geometry].float().div_(255)  # as the engine hands pixels to a model
            x = bundle.normalize(x01)
            logits = {h: head_logits(bundle.model, x, h) for h in HEADS}
            for h in HEADS:
                correct[h] += int((logits[h].argmax(1) == batch.labels).sum())
            disagree += int((logits["cls"].argmax(1) != logits["dist"].argmax(1)).sum())
            assert torch.allclose(logits["avg"], bundle(x01), atol=1e-5)  # the model's own output is the average
    for h, value in HEADS.items():
        assert 100 * correct[h] / len(images) == pytest.approx(value, abs=ACC_TOL), h
    assert disagree == pytest.approx(HEADS_DISAGREE, abs=3)
