"""Training with its defaults and from recipe files: timm's default RandAugment no longer crashes on a 0-bit
posterize (Pillow 13), ``--model-kwargs`` builds small variants of timm names, and ``--config`` / ``--print-config``
read and write the same options as the flags (every shipped recipe parses and names its model's build)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import torch
import yaml
from PIL import Image, ImageOps

from intriguing.cli import run_command
from intriguing.errors import UserError
from intriguing.experiments.train.config import Config
from intriguing.experiments.train.data import posterize, train_transform
from intriguing.experiments.train.student import make_student
from intriguing.zoo import load_model

REPO = Path(__file__).resolve().parents[1]
DEFAULT_POLICY = Config.__dataclass_fields__["auto_augment"].default
DATA_CONFIG = {"input_size": (3, 32, 32), "interpolation": "bicubic", "mean": (0.5,) * 3, "std": (0.5,) * 3}


def test_default_augmentation_survives_many_draws_including_a_zero_bit_posterize():
    """Enough seeded draws of the default policy reach magnitude 10 (posterize to 0 bits); before the fix Pillow
    raised 'bits must be between or equal to 1 and 8'."""
    transform = train_transform(DATA_CONFIG, no_aug=False, auto_augment=DEFAULT_POLICY, reprob=0.25)
    img = Image.new("RGB", (48, 40), (200, 120, 40))
    zero_bits = []
    ops = [op for t in transform.transforms for op in getattr(t, "ops", [])]
    for op in ops:
        if op.name.startswith("Posterize"):
            real = op.aug_fn
            op.aug_fn = lambda im, bits, _real=real, **kw: (zero_bits.append(bits == 0), _real(im, bits, **kw))[1]
    random.seed(0)
    torch.manual_seed(0)
    for _ in range(3000):
        x = transform(img)
        assert x.shape == (3, 32, 32)
    assert any(zero_bits), "the draws never reached a 0-bit posterize: the test lost its point"


def test_zero_bit_posterize_is_a_black_image_and_other_bits_are_pillows():
    img = Image.new("RGB", (5, 3), (201, 117, 66))
    black = posterize(img, 0)
    assert (black.mode, black.size, black.tobytes()) == ("RGB", (5, 3), bytes(15 * 3))  # getdata() is deprecated
    with pytest.raises(ValueError):  # what the fix is for (if Pillow ever accepts 0 again, this test says so)
        ImageOps.posterize(img, 0)
    for bits in (1, 3, 4):
        assert posterize(img, bits).tobytes() == ImageOps.posterize(img, bits).tobytes()
    assert posterize(img, 8) is img


def test_model_kwargs_build_a_small_vit_and_refuse_unknown_keys():
    config = Config(epochs=1, img_size=32, model_kwargs=("patch_size=8", "depth=2", "embed_dim=64", "num_heads=2"))
    bundle = make_student(load_model("vit_tiny_patch16_224=random"), 3, config)
    m = bundle.model
    assert len(m.blocks) == 2 and m.patch_embed.num_patches == 16 and m.embed_dim == 64
    assert bundle.extras["build"]["kwargs"] == {
        "patch_size": 8,
        "depth": 2,
        "embed_dim": 64,
        "num_heads": 2,
        "num_classes": 3,
        "img_size": 32,
    }
    with pytest.raises(UserError, match="check --model-kwargs"):
        make_student(load_model("resnet10t=random"), 3, Config(epochs=1, img_size=32, model_kwargs=("depthh=2",)))
    with pytest.raises(UserError, match="KEY=VALUE"):
        Config(epochs=1, model_kwargs=("patch_size8",))


def test_config_file_sets_options_and_flags_win(tmp_path, capsys):
    recipe = tmp_path / "r.yaml"
    recipe.write_text(
        "models: vit_tiny_patch16_224\nepochs: 7\nmodel_kwargs: {patch_size: 8, depth: 2}\nimg_size: 32\nmixup: 0.0\n"
    )
    assert run_command("train", ["--config", str(recipe), "--epochs", "3", "--print-config"]) == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    assert printed["epochs"] == 3 and printed["mixup"] == 0.0 and printed["img_size"] == 32
    assert printed["model_kwargs"] == ["patch_size=8", "depth=2"] and printed["models"] == "vit_tiny_patch16_224"
    # what --print-config writes reads back to the same options
    again = tmp_path / "again.yaml"
    again.write_text(yaml.safe_dump(printed))
    assert run_command("train", ["--config", str(again), "--print-config"]) == 0
    assert yaml.safe_load(capsys.readouterr().out) == printed


@pytest.mark.parametrize(
    "text, message",
    [
        ("epochz: 3\n", "has no option 'epochz'. Did you mean epochs"),
        ("epochs: three\n", "epochs in .* must be int"),
        ("- 1\n- 2\n", "must map option names to values"),
        ("ema: 1\n", "is a switch"),
    ],
)
def test_bad_config_files_are_one_sentence(tmp_path, capsys, text, message):
    recipe = tmp_path / "bad.yaml"
    recipe.write_text(text)
    assert run_command("train", ["--config", str(recipe), "--print-config"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1
    import re

    assert re.search(message, err)


def test_a_results_manifest_feeds_back_as_a_config(tmp_path, image_folder, capsys):
    out = tmp_path / "run"
    assert (
        run_command(
            "validate",
            [
                "--models",
                "test_tiny_cnn",
                "--data-path",
                str(image_folder),
                "--limit",
                "3",
                "--out-dir",
                str(out),
                "--no-progress",
                "--no-plot",
                "--seed",
                "5",
            ],
        )
        == 0
    )
    capsys.readouterr()
    assert run_command("validate", ["--config", str(out / "manifest.json"), "--print-config"]) == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    assert printed["seed"] == 5 and printed["limit"] == 3 and printed["models"] == "test_tiny_cnn"
    assert printed["data_path"] == str(image_folder)


@pytest.mark.parametrize("recipe", sorted((REPO / "recipes").glob("*.yaml")), ids=lambda p: p.stem)
def test_every_shipped_recipe_parses(recipe, capsys):
    assert run_command("train", ["--config", str(recipe), "--print-config"]) == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    assert printed["out_dir"].endswith(recipe.stem) and printed["img_size"] == 64
