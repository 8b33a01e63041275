"""Occlusion input checks: the random-offset shift is (dy, dx) = half a cell each way (non-square cells too),
--fill out of range and bad --limit / --workers are one sentence before any results folder exists, and a grid
that does not fit one model fails that model only."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from intriguing.cli import run_command
from intriguing.perturb import drop_pixels, half_cell_offset, offset_pixel_mask, upsample_cells
from intriguing.records import read_manifest, read_records


@st.composite
def grids(draw):
    gh, gw = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    ch, cw = draw(st.integers(1, 9)), draw(st.integers(1, 9))  # cell height and width, independently
    mask = torch.tensor(draw(st.lists(st.booleans(), min_size=gh * gw, max_size=gh * gw))).reshape(1, gh, gw)
    return (gh, gw), (ch, cw), mask


@settings(max_examples=60, deadline=None)
@given(grids())
def test_offset_moves_each_dropped_cell_half_a_cell_down_and_right(case):
    (gh, gw), (ch, cw), mask = case
    h, w = gh * ch, gw * cw
    dy, dx = half_cell_offset((h, w), (gh, gw))
    assert (dy, dx) == (ch // 2, cw // 2)
    shifted = offset_pixel_mask(upsample_cells(mask, (h, w)), (dy, dx))[0]
    expect = torch.zeros(h, w, dtype=torch.bool)
    for i in range(gh):
        for j in range(gw):
            if mask[0, i, j]:  # the cell's pixels, moved by (dy, dx), cut at the bottom / right edge
                expect[i * ch + dy : (i + 1) * ch + dy, j * cw + dx : (j + 1) * cw + dx] = True
    assert torch.equal(shifted, expect)
    img = torch.rand(1, 3, h, w, generator=torch.Generator().manual_seed(0))
    out = drop_pixels(img, mask, 0.0, offset=(dy, dx))
    assert torch.equal(out == 0, expect.expand(1, 3, h, w) | (img == 0))  # the command's call drops exactly these
    if ch == cw:  # square cells: the int form (one number both ways) is the same shift
        assert torch.equal(offset_pixel_mask(upsample_cells(mask, (h, w)), ch // 2)[0], shifted)


def test_random_offset_sweep_shifts_rows_and_columns_by_their_own_half_cell(tmp_path, image_folder, monkeypatch):
    """64x64 input, --grid 4x8: cells are 16 px high and 8 px wide, so the shift is (8, 4), not (8, 8)."""
    import intriguing.experiments.occlusion.sweep as sweep

    seen = []

    def spy(images, cell_mask, fill=0.0, offset=0):
        seen.append(offset)
        return drop_pixels(images, cell_mask, fill, offset=offset)

    monkeypatch.setattr(sweep, "drop_pixels", spy)
    assert (
        run_command(
            "occlusion",
            [
                "--models",
                "test_tiny_cnn",
                "--data-path",
                str(image_folder),
                "--grid",
                "4x8",
                "--drop",
                "random",
                "random-offset",
                "--ratios",
                "0.5",
                "--out-dir",
                str(tmp_path / "o"),
                "--workers",
                "0",
                "--no-progress",
                "--no-plot",
            ],
        )
        == 0
    )
    assert (8, 4) in seen and 0 in seen and set(seen) == {0, (8, 4)}
    assert {r["condition"] for r in read_records(tmp_path / "o")} == {"random", "random-offset"}


@pytest.mark.parametrize(
    "flag, value, sentence",
    [
        ("--limit", "-3", "--limit must be at least 1; got -3."),
        ("--limit", "0", "--limit must be at least 1; got 0."),
        ("--workers", "-1", "--workers must be at least 0; got -1."),
        ("--fill", "2.5", "--fill must be black, mean or a number in [0, 1]; got '2.5'."),
    ],
)
def test_bad_numbers_are_one_sentence_before_any_results_folder(tmp_path, image_folder, capsys, flag, value, sentence):
    out = tmp_path / "o"
    code = run_command(
        "occlusion",
        [
            "--models",
            "test_tiny_cnn",
            "--data-path",
            str(image_folder),
            flag,
            value,
            "--out-dir",
            str(out),
            "--no-progress",
        ],
    )
    err = capsys.readouterr().err
    assert code == 2 and sentence in err and "Traceback" not in err
    assert not out.exists()


def _register_wide() -> None:
    from conftest import TINY_CONFIG, _tiny_cnn
    from intriguing.zoo.bundle import ZOO, ZooEntry

    if "test_tiny_cnn_96" not in ZOO:  # the tiny CNN again, evaluated at 96 px
        ZOO.register(
            "test_tiny_cnn_96",
            ZooEntry(
                name="test_tiny_cnn_96",
                build=_tiny_cnn,
                data_config={**TINY_CONFIG, "input_size": (3, 96, 96)},
                description="test-only tiny random model, 96 px",
            ),
        )


@pytest.mark.parametrize(
    "grid, bad, good, why",
    [
        ("96x96", "test_tiny_cnn", "test_tiny_cnn_96", "larger than the 64x64 input"),
        ("64x64", "test_tiny_cnn_96", "test_tiny_cnn", "64 does not divide 96"),
    ],
)
def test_a_grid_that_does_not_fit_fails_that_model_only(tmp_path, image_folder, capsys, grid, bad, good, why):
    _register_wide()
    out = tmp_path / "o"
    code = run_command(
        "occlusion",
        [
            "--models",
            "test_tiny_cnn,test_tiny_cnn_96",
            "--data-path",
            str(image_folder),
            "--grid",
            grid,
            "--ratios",
            "0",
            "0.5",
            "--out-dir",
            str(out),
            "--workers",
            "0",
            "--no-progress",
            "--no-plot",
        ],
    )
    err = capsys.readouterr().err
    assert "Traceback" not in err and "ZeroDivisionError" not in err
    h = 64 if bad == "test_tiny_cnn" else 96
    sentence = f"Grid {grid} does not split {bad}'s {h}x{h} input into equal cells"
    assert sentence in err, why
    assert sentence in read_manifest(out)["failed_models"][bad]
    assert {r["model"] for r in read_records(out)} == {good}  # the other model still ran
    assert code != 0  # a model failed: the run says so in its exit status


def test_a_checkpoint_whose_patches_do_not_tile_its_input_fails_that_model_only(tmp_path, image_folder, capsys):
    """A ViT with 16-px patches evaluated at 72 px sees a 4x4 token grid covering 64x64: 18-px PatchDrop cells
    would straddle its tokens (silently wrong numbers). One sentence, that model only; the other model runs."""
    import timm

    from conftest import TINY_CONFIG
    from intriguing.zoo.bundle import ZOO, ZooEntry

    def build(checkpoint, pretrained):
        torch.manual_seed(0)
        return timm.create_model(
            "vit_tiny_patch16_224", pretrained=False, img_size=72, embed_dim=32, depth=1, num_heads=2
        ).eval()

    if "test_vit_72" not in ZOO:
        ZOO.register(
            "test_vit_72",
            ZooEntry(
                name="test_vit_72",
                build=build,
                data_config={**TINY_CONFIG, "input_size": (3, 72, 72)},
                description="test-only ViT whose patches do not tile its input",
            ),
        )
    out = tmp_path / "o"
    code = run_command(
        "occlusion",
        [
            "--models",
            "test_vit_72,test_tiny_vit",
            "--data-path",
            str(image_folder),
            "--ratios",
            "0",
            "0.5",
            "--out-dir",
            str(out),
            "--workers",
            "0",
            "--no-progress",
            "--no-plot",
        ],
    )
    err = capsys.readouterr().err
    sentence = "test_vit_72's 16-px patches tile 64x64 of its 72x72 input, so PatchDrop cells cannot match its tokens"
    assert sentence in err and "Traceback" not in err
    assert sentence in read_manifest(out)["failed_models"]["test_vit_72"]
    assert {r["model"] for r in read_records(out)} == {"test_tiny_vit"} and code == 1
