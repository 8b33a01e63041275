"""Transfer dataset registry: CUB and fungi layouts, ImageFolder splits, one clear message when data is missing."""

from __future__ import annotations

import json

import pytest
from PIL import Image

from intriguing.errors import UserError
from intriguing.experiments.transfer.datasets import DATASETS, get_dataset, limit_dataset


def _img(path, color=(255, 0, 0)):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (8, 8), color).save(path)


def make_cub(root):
    base = root / "CUB_200_2011"
    rows = [
        ("1", "001.Albatross/a1.jpg", "1", "1"),
        ("2", "001.Albatross/a2.jpg", "1", "0"),
        ("3", "002.Auklet/b1.jpg", "2", "1"),
        ("4", "002.Auklet/b2.jpg", "2", "1"),
        ("5", "002.Auklet/b3.jpg", "2", "0"),
    ]
    for _, rel, _, _ in rows:
        _img(base / "images" / rel)
    (base / "images.txt").write_text("".join(f"{i} {rel}\n" for i, rel, _, _ in rows))
    (base / "image_class_labels.txt").write_text("".join(f"{i} {c}\n" for i, _, c, _ in rows))
    (base / "train_test_split.txt").write_text("".join(f"{i} {t}\n" for i, _, _, t in rows))
    (base / "classes.txt").write_text("1 001.Albatross\n2 002.Auklet\n")
    return base


def test_cub_layout_splits_and_labels(tmp_path):
    base = make_cub(tmp_path)
    spec = get_dataset("CUB")  # case-insensitive
    for root in (tmp_path, base):  # the folder holding CUB_200_2011, or CUB_200_2011 itself
        train, test = spec.load(root, "train"), spec.load(root, "test")
        assert [(p.split("images/")[1], y) for p, y in train.samples] == [
            ("001.Albatross/a1.jpg", 0),
            ("002.Auklet/b1.jpg", 1),
            ("002.Auklet/b2.jpg", 1),
        ]
        assert test.targets == [0, 1] and train.classes == ["001.Albatross", "002.Auklet"]
    img, label = train[0]
    assert img.size == (8, 8) and label == 0


def make_fungi(root, nested=False):
    for rel in ["images/10_Amanita/x1.JPG", "images/10_Amanita/x2.JPG", "images/20_Boletus/y1.JPG"]:
        _img(root / rel)
    cats = [{"id": 20, "name": "Boletus"}, {"id": 10, "name": "Amanita"}, {"id": 30, "name": "Cortinarius"}]
    train = {
        "images": [
            {"id": 1, "file_name": "images/10_Amanita/x1.JPG"},
            {"id": 2, "file_name": "images/20_Boletus/y1.JPG"},
        ],
        "annotations": [{"image_id": 1, "category_id": 10}, {"image_id": 2, "category_id": 20}],
        "categories": cats,
    }
    val = {
        "images": [{"id": 7, "file_name": "images/10_Amanita/x2.JPG"}],
        "annotations": [{"image_id": 7, "category_id": 10}],
        "categories": cats,
    }
    ann = root / "train_val_annotations" if nested else root
    ann.mkdir(parents=True, exist_ok=True)
    (ann / "train.json").write_text(json.dumps(train))
    (ann / "val.json").write_text(json.dumps(val))


@pytest.mark.parametrize("nested", [False, True])
def test_fungi_json_annotations(tmp_path, nested):
    make_fungi(tmp_path, nested)
    spec = get_dataset("fungi")
    train, test = spec.load(tmp_path, "train"), spec.load(tmp_path, "test")
    # labels = rank of category_id among all categories, shared by both splits
    assert train.targets == [0, 1] and test.targets == [0]
    assert train.classes == ["Amanita", "Boletus", "Cortinarius"]
    assert test.samples[0][0].endswith("x2.JPG")


def test_folder_dataset_uses_train_classes(tmp_path):
    for split, classes in [("train", ["cat", "dog", "eel"]), ("val", ["dog", "eel"])]:
        for c in classes:
            _img(tmp_path / split / c / "0.png")
            _img(tmp_path / split / c / "1.jpg")
    spec = get_dataset("folder")
    train, test = spec.load(tmp_path, "train"), spec.load(tmp_path, "test")  # no test/: val/ is the test split
    assert train.targets == [0, 0, 1, 1, 2, 2]
    assert test.targets == [1, 1, 2, 2]  # 'dog' keeps label 1 although val/ has no 'cat'
    _img(tmp_path / "val" / "fox" / "0.png")
    with pytest.raises(UserError, match="fox"):
        spec.load(tmp_path, "test")


@pytest.mark.parametrize("name", ["cub", "fungi", "aircraft", "dtd", "flowers", "gtsrb", "folder"])
def test_missing_dataset_is_one_message_with_layout(tmp_path, name):
    spec = get_dataset(name)
    with pytest.raises(UserError) as err:
        spec.load(tmp_path, "train")
    msg = str(err.value)
    assert name in msg and str(tmp_path) in msg and "Expected layout: <root>/" in msg
    assert "\n" not in msg
    with pytest.raises(UserError, match="is not a folder"):
        spec.load(tmp_path / "nope", "test")


def test_unknown_dataset_and_split():
    with pytest.raises(UserError, match="Did you mean aircraft"):
        get_dataset("aircraf")
    with pytest.raises(UserError, match="no split 'val'"):
        get_dataset("cub").load(".", "val")
    assert {"aircraft", "cub", "dtd", "flowers", "fungi", "gtsrb", "inat2021", "places365", "folder"} <= set(
        DATASETS.names()
    )
    assert "paper-train" in get_dataset("aircraft").splits


def test_limit_dataset_is_evenly_spaced():
    data = list(range(100))
    a = limit_dataset(data, 5)
    assert list(a) == [0, 25, 50, 74, 99] and list(limit_dataset(data, 5)) == list(a)
    assert limit_dataset(data, None) is data and limit_dataset(data, 500) is data
    with pytest.raises(UserError, match="positive"):
        limit_dataset(data, 0)


def test_missing_optional_package_is_one_sentence(tmp_path):
    from intriguing.experiments.transfer.datasets import TransferDataset

    def build(root, split, transform, download):
        raise ImportError("No module named 'scipy.io'", name="scipy.io")

    spec = TransferDataset("matfiles", {"train": build}, "<root>/x.mat")
    with pytest.raises(UserError, match=r"needs the Python package scipy \(pip install scipy\)"):
        spec.load(tmp_path, "train")
