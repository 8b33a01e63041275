"""classify_metadataset.py end to end on tiny models: records, manifest, plots, cache reuse, resume, errors."""

from __future__ import annotations

import json

import pytest

from intriguing.cli import run_command as cli_main
from intriguing.records import read_manifest, read_records


def main(argv):
    return cli_main("transfer", argv)


def _args(tmp_path, data, *extra):
    return [
        "--models",
        "test_tiny_vit,test_tiny_cnn",
        "--data-path",
        str(data),
        "--dataset",
        "folder",
        "--workers",
        "0",
        "--batch-size",
        "8",
        "--no-progress",
        "--cache-dir",
        str(tmp_path / "cache"),
        "--epochs",
        "4",
        "--lrs",
        "1e-2",
        "--weight-decays",
        "1e-4",
        "--probe-batch-size",
        "8",
        *extra,
    ]


def test_linear_probe_records_manifest_plot_and_resume(tmp_path, split_folder, capsys):
    out = tmp_path / "lin"
    assert main(_args(tmp_path, split_folder, "--out-dir", str(out), "--blocks", "last1", "all")) == 0
    recs = read_records(out)
    vit = [r for r in recs if r["model"] == "test_tiny_vit"]
    cnn = [r for r in recs if r["model"] == "test_tiny_cnn"]
    assert {r["features"] for r in vit} == {"last1", "all"} and {str(r["blocks"]) for r in vit} == {"1", "0,1"}
    assert [r["features"] for r in cnn] == ["pooled"]  # a CNN has one pooled feature whatever was asked
    for r in recs:
        assert 0 <= r["top1"] <= 100 and r["n_test"] == 12 and r["n_train"] + r["n_val"] == 18
        assert "validation" in r["selection"] and r["cache"] == "miss"
    assert [r["dim"] for r in vit] == [64, 128]  # last1: one CLS token; all: two concatenated
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["analysis"] == "transfer"
    assert "validation" in manifest["protocol"] and (out / "transfer_linear.png").stat().st_size > 0
    assert len(list((tmp_path / "cache").glob("*.pt"))) == 4  # (2 models) x (train, test)
    # rerun in the same folder: every record exists, nothing is added; a fresh folder reads the cache
    assert main(_args(tmp_path, split_folder, "--out-dir", str(out), "--blocks", "last1", "all")) == 0
    assert len(read_records(out)) == len(recs)
    out2 = tmp_path / "lin2"
    assert main(_args(tmp_path, split_folder, "--out-dir", str(out2), "--blocks", "last1", "all")) == 0
    assert {r["cache"] for r in read_records(out2)} == {"hit"}
    # a different configuration refuses to mix into the folder
    assert main(_args(tmp_path, split_folder, "--out-dir", str(out), "--epochs", "5")) == 2
    assert "another configuration" in capsys.readouterr().err


def test_paper_compat_is_labelled(tmp_path, split_folder, capsys):
    out = tmp_path / "paper"
    assert (
        main(
            _args(
                tmp_path,
                split_folder,
                "--out-dir",
                str(out),
                "--models",
                "test_tiny_vit",
                "--paper-compat",
                "--paper-epochs",
                "3",
                "--blocks",
                "last1",
            )
        )
        == 0
    )
    (r,) = read_records(out)
    assert "max test accuracy over epochs" in r["selection"] and r["top1"] >= r["top1_last_epoch"]
    assert r["lr"] == 5e-4 and r["weight_decay"] == 0.05
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["config"]["preprocess"] == "squash" and "paper-compat" in manifest["protocol"]
    assert "MAXIMUM test accuracy" in capsys.readouterr().out


def test_fewshot_mode(tmp_path, split_folder, capsys):
    out = tmp_path / "fs"
    assert (
        main(
            _args(
                tmp_path,
                split_folder,
                "--out-dir",
                str(out),
                "--mode",
                "fewshot",
                "--ways",
                "3",
                "--shots",
                "1",
                "2",
                "--queries",
                "2",
                "--episodes",
                "20",
                "--blocks",
                "last1",
            )
        )
        == 0
    )
    assert (
        "warning: --epochs, --probe-batch-size, --lrs, --weight-decays set the linear probe, which --mode fewshot "
        "does not train: ignored."
    ) in capsys.readouterr().err  # _args passes the probe's options
    recs = read_records(out)
    assert len(recs) == 2 * 2 * 2  # models x classifiers x shots
    for r in recs:
        assert 0 <= r["top1"] <= 100 and r["ci95"] >= 0 and r["episodes"] == 20 and r["ways"] == 3
    assert (out / "transfer_fewshot.png").is_file()


def test_per_block_head_and_probe(tmp_path, split_folder, image_folder, capsys):
    out = tmp_path / "pb"
    code = main(
        [
            "--models",
            "test_tiny_vit,test_tiny_cnn",
            "--mode",
            "per-block",
            "--data-path",
            str(image_folder),
            "--workers",
            "0",
            "--no-progress",
            "--out-dir",
            str(out),
        ]
    )
    assert code == 0  # a CNN has no class token per block: reported as not applicable, not as a failure
    assert "test_tiny_cnn" in read_manifest(out)["not_applicable"] and not read_manifest(out)["failed_models"]
    assert "skipped test_tiny_cnn: no class token per block (not a ViT) (not applicable)" in capsys.readouterr().err
    recs = read_records(out)
    assert [r["block"] for r in recs] == [0, 1] and {r["measure"] for r in recs} == {"own head"}
    assert all(r["n"] == 12 and 0 <= r["top1"] <= r["top5"] <= 100 for r in recs)
    assert (out / "per_block.png").is_file()
    out2 = tmp_path / "pb2"
    assert (
        main(_args(tmp_path, split_folder, "--out-dir", str(out2), "--mode", "per-block", "--models", "test_tiny_vit"))
        == 0
    )
    assert [(r["block"], r["measure"]) for r in read_records(out2)] == [(0, "linear probe"), (1, "linear probe")]


@pytest.mark.parametrize(
    "extra,msg",
    [
        (["--dataset", "aircraf"], "Did you mean aircraft"),
        (["--dataset", "cub", "--blocks", "last1"], "Expected layout: <root>/CUB_200_2011"),
        (["--dataset", "imagenet"], "only --mode per-block"),
        (["--blocks", "last9"], "model has 2 blocks"),
    ],
)
def test_bad_input_is_one_sentence_exit_2(tmp_path, split_folder, capsys, extra, msg):
    assert main(_args(tmp_path, split_folder, "--out-dir", str(tmp_path / "bad"), *extra)) == 2
    err = capsys.readouterr().err
    assert msg in err and "Traceback" not in err


def test_patch_mean_with_a_cnn_beside_the_vit(tmp_path, split_folder):
    """--patch-mean scores the ViT's blocks with and without its mean patch token; the CNN beside it keeps its one
    pooled feature (no patch tokens), and the run does not fail."""
    out = tmp_path / "pm"
    assert main(_args(tmp_path, split_folder, "--out-dir", str(out), "--blocks", "last1", "--patch-mean")) == 0
    recs = read_records(out)
    assert sorted(int(r["patch_mean"]) for r in recs if r["model"] == "test_tiny_vit") == [0, 1]
    assert [(r["features"], int(r["patch_mean"])) for r in recs if r["model"] == "test_tiny_cnn"] == [("pooled", 0)]


def test_the_default_feature_cache_follows_the_out_dir(tmp_path, split_folder, monkeypatch, capsys):
    """Without --cache-dir the cache is `feature_cache/` beside the results folder (results/feature_cache/ for the
    default results/transfer_*), not a results/ folder in the working directory whatever --out-dir says."""
    monkeypatch.chdir(tmp_path)
    args = _args(tmp_path, split_folder, "--models", "test_tiny_cnn")  # the later --models wins
    i = args.index("--cache-dir")
    del args[i : i + 2]  # the default cache
    out = tmp_path / "runs" / "lin"
    assert main([*args, "--out-dir", str(out)]) == 0
    assert len(list((tmp_path / "runs" / "feature_cache").glob("*.pt"))) == 2  # (train, test)
    assert not (tmp_path / "results").exists()
    assert read_manifest(out)["feature_cache"] == str(tmp_path / "runs" / "feature_cache")
    assert f"feature cache {tmp_path / 'runs' / 'feature_cache'}" in capsys.readouterr().err
