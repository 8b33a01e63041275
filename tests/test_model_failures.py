"""A model that cannot take part fails alone, in one sentence said once: a CNN in an attention-based command,
a weights file that cannot be read."""

from __future__ import annotations

import pytest

from conftest import shared_path
from intriguing.cli import run_command
from intriguing.records import read_records

ARGS = ["--workers", "0", "--no-progress", "--device", "cpu"]


@pytest.mark.parametrize("command", ["segmentation", "segmentation-figures"])
def test_a_cnn_in_an_attention_command_fails_alone_in_one_sentence(tmp_path, capsys, command):
    voc = shared_path("datasets", "voc2012-samples")
    out = tmp_path / "out"
    code = run_command(
        command,
        [
            "--models",
            "test_tiny_cnn,test_tiny_vit",
            "--data-path",
            str(voc),
            "--out-dir",
            str(out),
            "--limit",
            "2",
            "--input-size",
            "64",
            *ARGS,
        ],
    )
    err = capsys.readouterr().err
    sentence = (
        f"test_tiny_cnn is not applicable to `intriguing {command}`: it reads ViT self-attention and "
        "ResNet has none (use a ViT, e.g. deit_small_patch16_224)."
    )
    assert code == 1 and "Traceback" not in err and "patch_embed" not in err
    assert err.count(sentence) == 1 and "failed: test_tiny_cnn (reason above)" in err
    recs = read_records(out)
    assert recs and {r["model"] for r in recs} == {"test_tiny_vit"}  # the ViT still ran


def test_a_failed_weights_message_is_printed_once(tmp_path, capsys):
    bad = tmp_path / "bad.pth"
    bad.write_bytes(b"garbage\n")
    folder = shared_path("datasets", "imagenet-stubs")
    code = run_command(
        "occlusion",
        [
            "--models",
            f"efficientnet_lite0={bad},test_tiny_cnn",
            "--ratios",
            "0",
            "--data-path",
            str(folder),
            "--limit",
            "2",
            "--out-dir",
            str(tmp_path / "o"),
            "--no-plot",
            *ARGS,
        ],
    )
    err = capsys.readouterr().err
    assert code == 1 and err.count(f"Could not read checkpoint {bad}") == 1
    assert f"failed: efficientnet_lite0={bad} (reason above)" in err
    assert {r["model"] for r in read_records(tmp_path / "o")} == {"test_tiny_cnn"}


def _broken(real, reason):
    """``real`` that raises RuntimeError(reason) for test_tiny_cnn (a model that breaks mid-run)."""

    def call(self, bundle, *args, **kwargs):
        if bundle.name == "test_tiny_cnn":
            raise RuntimeError(reason)
        return real(self, bundle, *args, **kwargs)

    return call


def test_a_model_failing_mid_run_is_explained_once(tmp_path, capsys, image_folder, monkeypatch):
    # a failure during the pass is logged with its reason when it happens; the closing line only names the model
    from intriguing.experiments.occlusion.sweep import OcclusionSweep

    reason = "boom: the model broke on its first batch"
    monkeypatch.setattr(OcclusionSweep, "evaluate", _broken(OcclusionSweep.evaluate, reason))
    out = tmp_path / "o"
    args = ["--models", "test_tiny_cnn,test_tiny_vit", "--ratios", "0", "--data-path", str(image_folder)]
    code = run_command("occlusion", [*args, "--limit", "2", "--out-dir", str(out), "--no-plot", *ARGS])
    err = capsys.readouterr().err
    assert code == 1 and err.count(reason) == 1 and "failed: test_tiny_cnn (reason above)" in err
    assert {r["model"] for r in read_records(out)} == {"test_tiny_vit"}
    assert reason in (out / "failures" / "test_tiny_cnn.txt").read_text()


def test_a_curvature_model_failing_mid_run_is_explained_once(tmp_path, capsys, image_folder, monkeypatch):
    from intriguing.experiments.landscape import grid

    reason = "boom: the loss is not finite"
    real = grid.evaluate_nll
    monkeypatch.setattr(grid, "evaluate_nll", lambda *a, **k: (_ for _ in ()).throw(RuntimeError(reason)))
    args = ["--models", "test_tiny_cnn", "--data-path", str(image_folder), "--dims", "1", "--points", "3"]
    extra = ["--batches", "1", "--batch-size", "4", "--data", "clean", "--no-plot", "--out-dir", str(tmp_path / "l")]
    assert real is not grid.evaluate_nll and run_command("landscape", [*args, *extra, *ARGS]) == 1
    err = capsys.readouterr().err
    assert err.count(reason) == 1 and "failed: test_tiny_cnn (reason above)" in err and "Traceback" not in err
