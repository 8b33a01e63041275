"""Sweep mechanics end to end on tiny random models: records, manifest, resume, token mode, failures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from intriguing.cli import run_command as main
from intriguing.experiments.occlusion import sweep as occlusion
from intriguing.records import read_records
from intriguing.zoo import load_model

ARGS = ["--workers", "0", "--no-progress", "--batch-size", "5"]


def run(tmp_path, image_folder, *extra, models="test_tiny_vit,test_tiny_cnn", name="out"):
    out = tmp_path / name
    code = main(
        "occlusion", ["--models", models, "--data-path", str(image_folder), "--out-dir", str(out), *ARGS, *extra]
    )
    return code, out


def test_records_cover_every_condition(tmp_path, image_folder):
    code, out = run(tmp_path, image_folder, "--ratios", "0", "0.5", "--runs", "2", "--drop", "random", "random-offset")
    assert code == 0
    recs = read_records(out)
    assert len(recs) == 2 * 2 * 2 * 2  # models x drops x ratios x runs
    assert {r["n"] for r in recs} == {12}
    clean = {r["model"]: r["top1"] for r in recs if r["ratio"] == 0}
    assert all(r["top1"] == clean[r["model"]] for r in recs if r["ratio"] == 0)
    grids = {r["model"]: r["grid"] for r in recs}
    assert grids == {"test_tiny_vit": "4x4", "test_tiny_cnn": "8x8"}  # ViT: its patches; CNN: >= 8 cells a side
    man = json.loads((out / "manifest.json").read_text())
    assert man["status"] == "complete" and man["analysis"] == "occlusion"
    assert {"config", "versions", "git_commit", "seed", "device", "skipped_images", "failed_models"} <= set(man)
    assert (out / "occlusion.png").stat().st_size > 0


def test_rerun_resumes_without_recomputing(tmp_path, image_folder, monkeypatch):
    code, out = run(tmp_path, image_folder, "--ratios", "0", "0.5")
    before = read_records(out)
    calls = []
    monkeypatch.setattr(occlusion.OcclusionSweep, "evaluate", lambda *a: calls.append(1))
    code, _ = run(tmp_path, image_folder, "--ratios", "0", "0.5")
    assert code == 0 and not calls and read_records(out) == before


@pytest.mark.parametrize("model, after", [("test_tiny_vit", 0), ("test_tiny_cnn", 1)])
def test_interrupted_run_resumes_to_identical_records(tmp_path, image_folder, monkeypatch, model, after):
    """Ctrl-C inside a batch, between conditions of the second model (after the first model counted that batch):
    the resumed records equal an uninterrupted run, n included (the old engine counted that batch twice)."""
    _, ref = run(tmp_path, image_folder, "--ratios", "0", "0.7", name="ref")
    real_evaluate = occlusion.OcclusionSweep.evaluate
    seen = {"batches": 0, "batch": None, "conditions": 0}

    def flaky(self, bundle, cond, x, batch):
        if bundle.name == model:
            if batch is not seen["batch"]:  # the model's first condition of a batch
                seen.update(batch=batch, batches=seen["batches"] + 1, conditions=0)
            if seen["batches"] == 2 and seen["conditions"] == after:
                raise KeyboardInterrupt
            seen["conditions"] += 1
        return real_evaluate(self, bundle, cond, x, batch)

    monkeypatch.setattr(occlusion.OcclusionSweep, "evaluate", flaky)
    code, out = run(tmp_path, image_folder, "--ratios", "0", "0.7", "--batch-size", "5")
    assert code == 130 and (out / "partial.json").is_file() and not read_records(out)
    monkeypatch.setattr(occlusion.OcclusionSweep, "evaluate", real_evaluate)
    code, out = run(tmp_path, image_folder, "--ratios", "0", "0.7", "--batch-size", "5")
    assert code == 0 and not (out / "partial.json").exists() and not (out / "partial.npz").exists()
    strip = lambda rs: sorted((r["model"], r["ratio"], r["top1"], r["top5"], r["n"]) for r in rs)  # noqa: E731
    assert strip(read_records(out)) == strip(read_records(ref))
    assert {r["n"] for r in read_records(out)} == {12}


def test_pass_state_is_checkpointed_on_the_clock(tmp_path, image_folder, monkeypatch):
    from intriguing.engine import core
    from intriguing.records import RunDir

    monkeypatch.setattr(core, "CHECKPOINT_EVERY", 0.0)  # what the engine reads when the run builds its options
    saves = []
    real = RunDir.save_partial
    monkeypatch.setattr(
        RunDir,
        "save_partial",
        lambda self, state, prefix="partial": saves.append(state["n_done"]) or real(self, state, prefix),
    )
    code, _ = run(tmp_path, image_folder, "--ratios", "0", "--batch-size", "4")
    assert code == 0 and saves == [4, 8, 12]  # after every whole batch, never mid-batch


def test_crafted_pickle_in_the_results_folder_is_never_loaded(tmp_path, image_folder, capsys):
    out = tmp_path / "out"
    out.mkdir()
    marker = tmp_path / "executed"

    class Evil:
        def __reduce__(self):
            return (Path.touch, (marker,))

    import pickle

    (out / "partial.pt").write_bytes(pickle.dumps(Evil()))
    code, _ = run(tmp_path, image_folder, "--ratios", "0")
    assert code == 0 and not marker.exists() and "never loaded" in capsys.readouterr().err


def test_truncated_pass_state_restarts_cleanly(tmp_path, image_folder, monkeypatch, capsys):
    _, ref = run(tmp_path, image_folder, "--ratios", "0", name="ref")
    monkeypatch.setattr(occlusion.OcclusionSweep, "evaluate", lambda *a: (_ for _ in ()).throw(KeyboardInterrupt))
    code, out = run(tmp_path, image_folder, "--ratios", "0")
    assert code == 130
    text = (out / "partial.json").read_text()
    (out / "partial.json").write_text(text[: len(text) // 2])
    monkeypatch.undo()
    code, out = run(tmp_path, image_folder, "--ratios", "0")
    assert code == 0 and "unreadable" in capsys.readouterr().err
    assert [r["top1"] for r in read_records(out)] == [r["top1"] for r in read_records(ref)]


def test_batch_size_does_not_change_results(tmp_path, image_folder):
    _, a = run(tmp_path, image_folder, "--ratios", "0.5", "--runs", "2", name="a")
    _, b = run(tmp_path, image_folder, "--ratios", "0.5", "--runs", "2", "--batch-size", "3", name="b")
    key = lambda rs: sorted((r["model"], r["run"], r["top1"], r["top5"]) for r in rs)  # noqa: E731
    assert key(read_records(a)) == key(read_records(b))


def test_different_config_in_same_folder_is_refused(tmp_path, image_folder, capsys):
    run(tmp_path, image_folder, "--ratios", "0")
    code, _ = run(tmp_path, image_folder, "--ratios", "0.5")
    err = capsys.readouterr().err
    assert code == 2 and "another configuration (ratios [0.0] -> [0.5])" in err and "--overwrite" in err


def test_token_mode_matches_clean_at_zero_and_runs_fewer_tokens():
    b = load_model("test_tiny_vit")
    x = torch.rand(2, 3, 64, 64)
    none = torch.zeros(2, 4, 4, dtype=torch.bool)
    assert torch.allclose(occlusion.forward_kept_tokens(b, x, none), b(x), atol=1e-5)
    seen = []
    h = b.model.blocks[0].register_forward_hook(lambda m, i, o: seen.append(o.shape[1]))
    half = torch.zeros(2, 16, dtype=torch.bool)
    half[:, :8] = True
    occlusion.forward_kept_tokens(b, x, half.reshape(2, 4, 4))
    h.remove()
    assert seen == [1 + 8]


def test_token_mode_embeds_each_batch_once_with_the_same_logits():
    """The conditions of a batch share its patch embedding (one per batch, not one per condition), and each
    condition's logits are exactly those of its own full token-drop forward."""
    from intriguing.data import Batch
    from intriguing.experiments.occlusion.config import Config

    b = load_model("test_tiny_vit")
    x = torch.rand(3, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    batch = Batch({b.geometry: (x * 255).to(torch.uint8)}, torch.tensor([0, 1, 2]), torch.tensor([7, 8, 9]))
    sweep = occlusion.OcclusionSweep(Config(ratios=(0.25, 0.5), runs=3, drop_mode="tokens"))
    sweep.prepare(batch)
    calls = []
    h = b.model.patch_embed.register_forward_hook(lambda m, i, o: calls.append(1))
    with torch.inference_mode():
        out = [(c, sweep.evaluate(b, c, x, batch)) for c in sweep.conditions(b)]
    h.remove()
    assert len(out) == 6 and len(calls) == 1
    for cond, o in out:
        mask = sweep.mask(cond.condition, (4, 4), cond.ratio, cond.run)
        k = round(cond.dropped * 16)
        with torch.inference_mode():
            assert torch.equal(o.value, occlusion.forward_kept_tokens(b, x, mask, k))


def test_token_mode_records_cnns_as_pixels(tmp_path, image_folder):
    code, out = run(tmp_path, image_folder, "--ratios", "0.5", "--drop-mode", "tokens")
    modes = {r["model"]: r["drop_mode"] for r in read_records(out)}
    assert code == 0 and modes == {"test_tiny_vit": "tokens", "test_tiny_cnn": "pixels"}


def test_paper_compat_writes_original_json(tmp_path, image_folder):
    code, out = run(tmp_path, image_folder, "--paper-compat", "--limit", "3", models="test_tiny_cnn")
    data = json.loads((out / "paper_compat" / "test_tiny_cnn.json").read_text())
    assert list(data) == ["run_000"] and list(data["run_000"]) == [str(i) for i in range(10)]
    recs = read_records(out)
    assert [r["dropped"] for r in recs] == pytest.approx([i * 196 // 10 / 196 for i in range(10)])  # 224 px
    man = json.loads((out / "manifest.json").read_text())
    cfg = man["models"]["test_tiny_cnn"]["data_config"]
    assert (cfg["interpolation"], cfg["crop_pct"]) == ("bilinear", 0.875)
    assert man["config"]["mask_per_batch"] is True


def test_one_bad_model_does_not_stop_the_others(tmp_path, image_folder, capsys):
    code, out = run(tmp_path, image_folder, "--ratios", "0", models="test_tiny_cnn,deit_t_sin=/nonexistent.pth")
    assert code == 1
    assert {r["model"] for r in read_records(out)} == {"test_tiny_cnn"}
    man = json.loads((out / "manifest.json").read_text())
    assert "deit_t_sin=/nonexistent.pth" in man["failed_models"]
    assert "does not exist" in capsys.readouterr().err


def test_paper_compat_refuses_fixed_size_vit_of_another_size(tmp_path, image_folder, capsys):
    code, out = run(tmp_path, image_folder, "--paper-compat", "--limit", "3", models="test_tiny_vit,test_tiny_cnn")
    assert code == 1 and {r["model"] for r in read_records(out)} == {"test_tiny_cnn"}
    assert "takes (64, 64) px input only" in capsys.readouterr().err


def test_paper_json_fractions_are_exact():
    from intriguing.records.summary import top1_fraction

    assert 22.4 / 100 != 0.224 and top1_fraction({"top1": 22.4, "n": 1000}) == 0.224
    assert top1_fraction({"top1": 100 * 7 / 12, "n": 12}) == 7 / 12


def test_paper_compat_reaches_calibration_binning(tmp_path, image_folder):
    from intriguing.metrics.calibration import bins_from_record

    bins = {}
    for flag in ([], ["--paper-compat"]):
        code, out = run(
            tmp_path,
            image_folder,
            "--ratios",
            "0",
            "--metrics",
            "topk,calibration",
            *flag,
            models="test_tiny_cnn",
            name=f"cal{len(flag)}",
        )
        assert code == 0
        bins[bool(flag)] = bins_from_record(read_records(out)[0]["calibration_bins"])
    assert len(bins[False]["count"]) == 15 and len(bins[True]["count"]) == 10  # the original's 10 bins


def test_paper_compat_salient_drop_refuses_custom_ratios(tmp_path, image_folder, capsys):
    code, _ = run(tmp_path, image_folder, "--drop", "salient", "--paper-compat", "--ratios", "0.3")
    err = capsys.readouterr().err
    assert code == 2 and "attention-mass levels 0.1..1.0; drop --ratios" in err


def test_stacked_conditions_give_the_records_of_one_forward_per_condition(tmp_path, image_folder):
    """--stack-conditions N runs N conditions' images in one forward pass: the same records (top-k identical, the
    rest to float rounding), and a rerun with another N resumes the same folder (not part of the identity)."""
    from intriguing.cli import run_command as main
    from intriguing.records import read_records

    args = [
        "--models",
        "test_tiny_vit=random,test_tiny_cnn=random",
        "--data-path",
        str(image_folder),
        "--limit",
        "6",
        "--ratios",
        "0",
        "0.25",
        "0.5",
        "0.75",
        "--runs",
        "2",
        "--drop",
        "random",
        "random-offset",
        "--workers",
        "0",
        "--no-progress",
        "--no-plot",
        "--metrics",
        "topk,calibration",
        "--batch-size",
        "4",
    ]
    assert main("occlusion", [*args, "--out-dir", str(tmp_path / "one")]) == 0
    assert main("occlusion", [*args, "--stack-conditions", "3", "--out-dir", str(tmp_path / "stacked")]) == 0
    key = lambda r: (r["model"], r["condition"], r["ratio"], r["run"])
    one = {key(r): r for r in read_records(tmp_path / "one")}
    stacked = {key(r): r for r in read_records(tmp_path / "stacked")}
    assert one.keys() == stacked.keys() and len(one) == 2 * 2 * 4 * 2  # models x drops x ratios x runs
    for k in one:
        assert (one[k]["top1"], one[k]["top5"]) == (stacked[k]["top1"], stacked[k]["top5"]), k
        assert one[k]["nll"] == pytest.approx(stacked[k]["nll"], rel=1e-4), k
    assert main("occlusion", [*args, "--stack-conditions", "2", "--out-dir", str(tmp_path / "stacked")]) == 0


def test_stacking_really_shares_forward_passes():
    """With --stack-conditions 3 the model sees forwards of 3 x batch images (and one for the clean image)."""
    from intriguing.data import Batch
    from intriguing.experiments.occlusion.config import Config
    from intriguing.experiments.occlusion.sweep import OcclusionSweep
    from intriguing.zoo import load_model

    b = load_model("test_tiny_vit=random")
    sizes = []
    b.model.register_forward_pre_hook(lambda m, args: sizes.append(args[0].shape[0]))
    sweep = OcclusionSweep(Config(ratios=(0.0, 0.25, 0.5, 0.75), runs=2, stack_conditions=3))
    x = torch.rand(4, 3, 64, 64)
    batch = Batch({b.geometry: (x * 255).to(torch.uint8)}, torch.zeros(4, dtype=torch.long), torch.arange(4))
    sweep.prepare(batch)
    with torch.inference_mode():
        out = [sweep.evaluate(b, c, x, batch) for c in sweep.conditions(b)]
    assert len(out) == 8 and all(o.value.shape == (4, 1000) for o in out)  # 4 ratios x 2 runs, clean shared
    assert sizes == [4, 12, 12]  # clean once, then the 6 drops in two stacks of 3
