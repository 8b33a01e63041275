"""CIFAR-10-C arrays that do not match the layout, or labels a model cannot predict, are one sentence naming the file
before anything runs (a label outside the model's classes fails that model): they used to give a bare
`RuntimeError: The size of tensor a ...`, a memory-mapping traceback, or 0.00% accuracy without a word."""

from __future__ import annotations

import numpy as np
import pytest

from intriguing.cli import run_command
from intriguing.records import read_manifest, read_records

ARGS = [
    "--workers",
    "0",
    "--no-progress",
    "--no-plot",
    "--batch-size",
    "8",
    "--limit",
    "3",
    "--corruptions",
    "contrast",
    "--severities",
    "1",
]
LAYOUT = "expected uint8 RGB images of shape (5*N, H, W, 3), channels last, N images per severity"


def cifar_c(tmp_path, images=None, labels=None):
    root = tmp_path / "cc"
    root.mkdir()
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(5 * 4, 32, 32, 3), dtype=np.uint8) if images is None else images
    np.save(root / "contrast.npy", images, allow_pickle=True)
    np.save(root / "labels.npy", np.tile(np.arange(4) % 3, 5) if labels is None else labels, allow_pickle=True)
    return root


def corruption(tmp_path, image_folder, root, models="test_tiny_cnn"):
    out = tmp_path / "out"
    code = run_command(
        "corruption",
        [
            "--models",
            models,
            "--data-path",
            str(image_folder),
            "--out-dir",
            str(out),
            "--corrupted-path",
            str(root),
            *ARGS,
        ],
    )
    return code, out


@pytest.mark.parametrize(
    "images, shown",
    [
        (np.zeros((20, 32, 32, 2), np.uint8), "uint8 of shape (20, 32, 32, 2) (2 channels)"),
        (np.zeros((20, 3, 32, 32), np.uint8), "uint8 of shape (20, 3, 32, 32) (channels first, NCHW)"),
        (
            np.zeros((20, 32, 32, 3), np.float32),
            "float32 of shape (20, 32, 32, 3) (float32 pixels would not be scaled by 255 as uint8 ones are)",
        ),
        (np.zeros((20, 32, 32), np.uint8), "uint8 of shape (20, 32, 32)"),
    ],
)
def test_an_array_of_another_layout_is_one_sentence_naming_it(images, shown, tmp_path, image_folder, capsys):
    root = cifar_c(tmp_path, images=images)
    code, out = corruption(tmp_path, image_folder, root)
    err = capsys.readouterr().err.strip()
    assert code == 2 and not out.exists()
    assert err == f"error: {root / 'contrast.npy'} holds {shown}; {LAYOUT}, as many rows as labels.npy (20)."


def test_an_object_array_is_refused_without_unpickling_it(tmp_path, image_folder, capsys):
    root = cifar_c(tmp_path, images=np.array([object()] * 20, dtype=object))
    code, out = corruption(tmp_path, image_folder, root)
    assert code == 2 and not out.exists()
    assert capsys.readouterr().err.strip() == (
        f"error: {root / 'contrast.npy'} cannot be read as an array (it holds Python objects (dtype object)); {LAYOUT}."
    )


@pytest.mark.parametrize(
    "labels, shown",
    [
        (np.zeros(20, np.float64), "holds float64 of shape (20,)"),
        (np.zeros((20, 1), np.int64), "holds int64 of shape (20, 1)"),
        (np.full(20, -1, np.int64), "holds the label -1"),
    ],
)
def test_labels_that_are_not_class_indices_are_refused(labels, shown, tmp_path, image_folder, capsys):
    root = cifar_c(tmp_path, labels=labels)
    code, out = corruption(tmp_path, image_folder, root)
    assert code == 2 and not out.exists()
    assert capsys.readouterr().err.strip() == (
        f"error: {root / 'labels.npy'} {shown}; expected one integer class index >= 0 per image, shape (5*N,)."
    )


def test_labels_outside_the_models_classes_fail_that_model(tmp_path, image_folder, capsys):
    root = cifar_c(tmp_path, labels=np.full(20, 1000, np.int64))  # the tiny CNN predicts 1000 classes: 0..999
    code, out = corruption(tmp_path, image_folder, root)
    err = capsys.readouterr().err
    message = (
        f"{root}/labels.npy holds label 1000, outside test_tiny_cnn's 1000 classes (0-999); use the labels "
        f"of the set the model was trained on."
    )
    assert code == 1 and message in err and not read_records(out)
    assert read_manifest(out)["failed_models"] == {"test_tiny_cnn": message}


def test_a_well_formed_set_still_runs(tmp_path, image_folder):
    code, out = corruption(tmp_path, image_folder, cifar_c(tmp_path))
    recs = read_records(out)
    assert code == 0 and [(r["corruption"], r["n"]) for r in recs] == [("clean", 3), ("contrast", 3)]
